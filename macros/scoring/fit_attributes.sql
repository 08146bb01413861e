{#- The contact attributes a fit rule may test, with their kind: text attributes compare as
    lower-cased text, number attributes as doubles. Columns of int_contact_features_versioned. -#}
{% macro fit_attributes() -%}
    {{ return({
        'job_title': 'text',
        'seniority': 'text',
        'department': 'text',
        'lead_source': 'text',
        'country_code': 'text',
        'region': 'text',
        'email_domain': 'text',
        'email_domain_type': 'text',
        'email_local_part': 'text',
        'full_name': 'text',
        'industry': 'text',
        'company_size_band': 'text',
        'revenue_band': 'text',
        'segment': 'text',
        'employee_count': 'number',
        'annual_revenue_usd': 'number',
    }) }}
{%- endmacro %}
