{#- Points are fixed-point decimals, so that components add up to a score exactly. -#}
{% macro type_points() -%}
    decimal(18, 6)
{%- endmacro %}
