{#- dbt run-operation register_raw_tables --args '{location: /abs/path/{name}}'

    Registers each source table of the project as an external Parquet table in the raw schema
    (var raw_schema), read from `location` with `{name}` replaced by the table's name: on engines
    that read sources from a catalog (Spark) rather than from files (DuckDB's
    raw_external_location). Replaces tables registered before. Files written later under the same
    location are read by the next query; no data is copied. -#}
{% macro register_raw_tables(location) %}
    {{ return(adapter.dispatch('register_raw_tables', 'lead_scoring')(location)) }}
{% endmacro %}

{% macro default__register_raw_tables(location) %}
    {%- if '{name}' not in location -%}
        {{ exceptions.raise_compiler_error(
            "register_raw_tables: location must contain {name}, got '" ~ location ~ "'") }}
    {%- endif -%}
    {%- set schema = var('raw_schema') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- set path = location | replace('{name}', source.name) -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ source.name) -%}
        {%- do run_query(
            'create table ' ~ schema ~ '.' ~ source.name
            ~ " using parquet options (path '" ~ path ~ "', mergeSchema 'true')") -%}
        {{ log('registered ' ~ schema ~ '.' ~ source.name ~ ' at ' ~ path, info=true) }}
    {%- endfor -%}
{% endmacro %}
