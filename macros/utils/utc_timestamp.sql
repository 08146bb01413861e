{#- A raw timestamp (typed, or text with or without an offset) as a naive timestamp in UTC;
    null when it does not parse. Text without an offset is read as UTC. -#}
{% macro utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('utc_timestamp', 'lead_scoring')(expression)) }}
{%- endmacro %}

{% macro default__utc_timestamp(expression) -%}
    {{ try_cast_to(expression, dbt.type_timestamp()) }}
{%- endmacro %}

{% macro duckdb__utc_timestamp(expression) -%}
    cast(try_cast({{ expression }} as timestamptz) at time zone 'UTC' as timestamp)
{%- endmacro %}
