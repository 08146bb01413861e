{#- Aggregate: md5 of the given row texts, sorted so that row order does not matter. -#}
{% macro sorted_rows_hash(row_text) -%}
    {{ return(adapter.dispatch('sorted_rows_hash', 'lead_scoring')(row_text)) }}
{%- endmacro %}

{% macro default__sorted_rows_hash(row_text) -%}
    md5(concat_ws('\n', array_sort(collect_list({{ row_text }}))))
{%- endmacro %}

{% macro duckdb__sorted_rows_hash(row_text) -%}
    md5(string_agg({{ row_text }}, chr(10) order by {{ row_text }}))
{%- endmacro %}
