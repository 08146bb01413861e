{#- Contact attributes whose history the CRM's contact_changes table records. -#}
{% macro tracked_contact_attributes() -%}
    {{ return(['job_title', 'seniority', 'department', 'company_id', 'email']) }}
{%- endmacro %}
