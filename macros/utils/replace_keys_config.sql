{#- The materialization of a model whose incremental runs replace every row of the keys
    (unique_key) they select: config(**replace_keys_config('score_date', key_is_day=true)).

    DuckDB: incremental, delete+insert. Spark on Parquet cannot delete rows: a key that is a day
    becomes the table's partition, which a run overwrites whole (insert_overwrite, the same rows
    replaced); any other key makes the model a table built in full on every run (same rows, more
    work). A catalog with Delta or Iceberg (Databricks) could merge on the key instead. -#}
{% macro replace_keys_config(unique_key, key_is_day=false) %}
    {{ return(adapter.dispatch('replace_keys_config', 'lead_scoring')(unique_key, key_is_day)) }}
{% endmacro %}

{% macro default__replace_keys_config(unique_key, key_is_day) %}
    {%- if key_is_day -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'insert_overwrite',
            'partition_by': [unique_key],
        }) }}
    {%- else -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
{% endmacro %}

{% macro duckdb__replace_keys_config(unique_key, key_is_day) %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
    }) }}
{% endmacro %}
