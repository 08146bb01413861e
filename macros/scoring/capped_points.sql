{#- Points held within a cap that has the sign of the points it bounds: a positive cap is a
    ceiling, a negative cap a floor, a null cap no bound. -#}
{% macro capped_points(points, cap) -%}
    case
        when {{ cap }} is null then {{ points }}
        when {{ cap }} >= 0 then least({{ points }}, {{ cap }})
        else greatest({{ points }}, {{ cap }})
    end
{%- endmacro %}
