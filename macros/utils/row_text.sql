{#- A relation's row as one text value (every column, in column order, null as \N), to hash
    or compare rows whatever their types. exclude: names of columns to leave out (any case),
    e.g. a key that must not make otherwise equal rows differ. -#}
{% macro row_text(relation, exclude=[]) -%}
    {%- set excluded = exclude | map('lower') | list -%}
    {#- \N spelled without a backslash in a literal, which Spark would read as an escape -#}
    {%- set null_text = dbt.concat(['chr(92)', "'N'"]) -%}
    {%- set parts = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name | lower not in excluded -%}
        {%- if parts -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), " ~ null_text ~ ")") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) if parts else "''" }}
{%- endmacro %}
