{#- The line of the seed CSV a loaded row came from (header = line 1), where the engine keeps
    load order; null elsewhere, and the row is named by its key alone. -#}
{% macro seed_line_number() -%}
    {{ return(adapter.dispatch('seed_line_number', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__seed_line_number() -%}
    cast(null as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__seed_line_number() -%}
    cast(rowid + 2 as {{ dbt.type_int() }})
{%- endmacro %}
