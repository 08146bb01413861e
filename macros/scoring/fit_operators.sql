{#- The operators a fit rule may use, with what its value holds. Matching is case-insensitive. -#}
{% macro fit_operators() -%}
    {{ return({
        'equals': 'text',
        'not_equals': 'text',
        'in': 'pipe-separated list',
        'not_in': 'pipe-separated list',
        'contains': 'text',
        'starts_with': 'text',
        'ends_with': 'text',
        'matches': 'regular expression',
        'greater_than': 'number',
        'greater_or_equal': 'number',
        'less_than': 'number',
        'less_or_equal': 'number',
        'between': 'two numbers as low|high, inclusive',
        'is_null': 'empty',
        'is_not_null': 'empty',
    }) }}
{%- endmacro %}
