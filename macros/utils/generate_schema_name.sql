{#- Custom schemas are used as named (staging, intermediate, marts, scoring_rules) rather than
    prefixed with the target schema: each developer has their own DuckDB file already. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
