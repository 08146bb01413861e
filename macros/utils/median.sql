{#- The median of a numeric expression, as an aggregate (interpolated between the middle two). -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'lead_scoring')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
