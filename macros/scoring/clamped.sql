{#- value held within [low, high]; a null bound does not bound. -#}
{% macro clamped(value, low, high) -%}
    case
        when {{ low }} is not null and {{ value }} < {{ low }} then {{ low }}
        when {{ high }} is not null and {{ value }} > {{ high }} then {{ high }}
        else {{ value }}
    end
{%- endmacro %}
