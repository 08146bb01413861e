{#- Fails the run, naming the raw table and the columns, when a raw relation lacks one of the columns a
    model reads or holds one as binary. Without it a missing column fails deep in the model's SQL with a
    message that names no table, and binary text is cast to escaped bytes ('\xC3\xA9' for 'é').
    column_names: lower-case names of the columns the model reads. -#}
{% macro require_columns(relation, column_names) %}
    {#- unit tests feed the model fixtures, not the raw table; linting needs no data (.sqlfluff) -#}
    {%- if execute and model.resource_type != 'unit_test' and var('check_raw_columns', true) -%}
        {%- set found = {} -%}
        {%- for column in adapter.get_column_schema_from_query('select * from ' ~ relation ~ ' where 1 = 0') -%}
            {%- do found.update({column.name | lower: column.dtype | lower}) -%}
        {%- endfor -%}
        {%- set problems = [] -%}
        {%- set missing = column_names | reject('in', found) | list -%}
        {%- if missing -%}
            {%- do problems.append('missing column(s) ' ~ missing | join(', ')) -%}
        {%- endif -%}
        {%- set binary = [] -%}
        {%- for name in column_names if found.get(name) in ('blob', 'binary', 'bytea', 'varbinary') -%}
            {%- do binary.append(name) -%}
        {%- endfor -%}
        {%- if binary -%}
            {%- do problems.append('binary column(s) ' ~ binary | join(', ') ~ ' (export text as UTF-8 strings)') -%}
        {%- endif -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                'Raw table ' ~ relation.identifier ~ ' cannot be read by ' ~ model.name ~ ': '
                ~ problems | join('; ') ~ '. Read from ' ~ relation
                ~ ' with columns: ' ~ (found | list | join(', ') or 'none') ~ '.'
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
