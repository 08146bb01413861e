{#- The reason of the first check a row fails, or null when it passes them all.
    checks: a list of (condition that is true for a bad row, reason) pairs, in priority order. -#}
{% macro first_reject_reason(checks) -%}
    case
    {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
    {%- endfor %}
    end
{%- endmacro %}
