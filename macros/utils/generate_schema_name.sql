{#- Where a model's custom schema (staging, intermediate, marts, scoring_rules) goes. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ adapter.dispatch('custom_schema_name', 'lead_scoring')(custom_schema_name | trim) }}
    {%- endif -%}
{%- endmacro %}

{#- A catalog shared by many (a Spark metastore, Databricks): prefixed with the target schema,
    e.g. lead_scoring_marts, so that developers and environments do not overwrite each other. -#}
{% macro default__custom_schema_name(custom_schema_name) -%}
    {{ target.schema }}_{{ custom_schema_name }}
{%- endmacro %}

{#- DuckDB: as named, since each developer has a DuckDB file of their own. -#}
{% macro duckdb__custom_schema_name(custom_schema_name) -%}
    {{ custom_schema_name }}
{%- endmacro %}
