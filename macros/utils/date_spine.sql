{#- One row per day from start_date to end_date (both SQL date expressions, inclusive), column score_date. -#}
{% macro date_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine', 'lead_scoring')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine(start_date, end_date) -%}
    select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as score_date
{%- endmacro %}

{% macro duckdb__date_spine(start_date, end_date) -%}
    select cast(generate_series as date) as score_date
    from generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day)
{%- endmacro %}
