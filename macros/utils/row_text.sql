{#- A relation's row as one text value (every column, in column order, null as \N), to hash
    or compare rows whatever their types. -#}
{% macro row_text(relation) -%}
    {%- set parts = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if not loop.first -%}{%- do parts.append("'|'") -%}{%- endif -%}
        {%- do parts.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), '\\N')") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) if parts else "''" }}
{%- endmacro %}
