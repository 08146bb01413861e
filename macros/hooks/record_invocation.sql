{#- on-run-start and on-run-end: record in the warehouse which dbt invocation last wrote it, and
    whether it finished. scripts/publish.py publishes a build only if its run_results.json comes
    from that invocation and it finished: a database that a later, or a killed, run has touched
    is never published with an older run's passing results. -#}
{% macro record_invocation(state) %}
    {%- if execute -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=target.schema, identifier='dbt_invocation') -%}
        {%- do adapter.create_schema(relation) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query(
            "create table " ~ relation ~ " as select"
            ~ " cast('" ~ invocation_id ~ "' as " ~ dbt.type_string() ~ ") as invocation_id,"
            ~ " cast('" ~ flags.WHICH ~ "' as " ~ dbt.type_string() ~ ") as command,"
            ~ " cast('" ~ state ~ "' as " ~ dbt.type_string() ~ ") as state") -%}
    {%- endif -%}
{% endmacro %}
