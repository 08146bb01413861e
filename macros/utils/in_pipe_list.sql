{#- True when the item is one of the values of a pipe-separated list ('a|b|c'), ignoring case.
    A plain substring search: '%' or '_' in the item or the list are characters, not wildcards. -#}
{% macro in_pipe_list(item, pipe_list) -%}
    ({{ dbt.position(
        dbt.concat(["'|'", "lower(" ~ item ~ ")", "'|'"]),
        dbt.concat(["'|'", "lower(" ~ pipe_list ~ ")", "'|'"]),
    ) }} > 0)
{%- endmacro %}
