{#- True when the item is one of the values of a pipe-separated list ('a|b|c'), ignoring case. -#}
{% macro in_pipe_list(item, pipe_list) -%}
    ({{ dbt.concat(["'|'", "lower(" ~ pipe_list ~ ")", "'|'"]) }} like {{ dbt.concat(["'%|'", "lower(" ~ item ~ ")", "'|%'"]) }})
{%- endmacro %}
