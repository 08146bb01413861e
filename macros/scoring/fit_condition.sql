{#- Whether a contact meets a fit rule. The rule's attribute, operator and value are columns of
    data, compared with operators this macro knows; no seed value becomes SQL code.
    features: alias of the feature row; rules: alias of the rule row (attribute, operator,
    value_text lower-cased, value_pattern as written, value_number, value_low, value_high). Regular
    expressions are matched against the lower-cased attribute. -#}
{% macro fit_condition(features='features', rules='rules') -%}
    {%- set text_cases -%}
        case {{ rules }}.attribute
        {%- for attribute, kind in fit_attributes().items() %}
            when '{{ attribute }}' then lower(cast({{ features }}.{{ attribute }} as {{ dbt.type_string() }}))
        {%- endfor %}
        end
    {%- endset -%}
    {%- set number_cases -%}
        case {{ rules }}.attribute
        {%- for attribute, kind in fit_attributes().items() if kind == 'number' %}
            when '{{ attribute }}' then cast({{ features }}.{{ attribute }} as {{ type_double() }})
        {%- endfor %}
        end
    {%- endset -%}
    coalesce(case {{ rules }}.operator
        when 'equals' then {{ text_cases }} = {{ rules }}.value_text
        when 'not_equals' then {{ text_cases }} <> {{ rules }}.value_text
        when 'in' then {{ in_pipe_list(text_cases, rules ~ '.value_text') }}
        when 'not_in' then not {{ in_pipe_list(text_cases, rules ~ '.value_text') }}
        when 'contains' then {{ dbt.position(rules ~ '.value_text', text_cases) }} > 0
        when 'starts_with' then {{ dbt.position(rules ~ '.value_text', text_cases) }} = 1
        when 'ends_with' then {{ dbt.right(text_cases, dbt.length(rules ~ '.value_text')) }} = {{ rules }}.value_text
        when 'matches' then {{ regex_matches(text_cases, rules ~ '.value_pattern') }}
        when 'greater_than' then {{ number_cases }} > {{ rules }}.value_number
        when 'greater_or_equal' then {{ number_cases }} >= {{ rules }}.value_number
        when 'less_than' then {{ number_cases }} < {{ rules }}.value_number
        when 'less_or_equal' then {{ number_cases }} <= {{ rules }}.value_number
        when 'between' then {{ number_cases }} between {{ rules }}.value_low and {{ rules }}.value_high
        when 'is_null' then {{ text_cases }} is null
        when 'is_not_null' then {{ text_cases }} is not null
    end, false)
{%- endmacro %}
