{#- The decay policies decay_factor() knows, with the parameter each one needs. -#}
{% macro decay_types() -%}
    {{ return({
        'none': [],
        'half_life': ['half_life_days'],
        'linear': ['lifetime_days'],
        'expiry': ['expiry_days'],
        'step': ['step_days', 'step_points'],
    }) }}
{%- endmacro %}
