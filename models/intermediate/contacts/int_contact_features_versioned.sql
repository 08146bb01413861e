{#- Every attribute a fit rule can test, per contact version, with the company, bands, region
    and e-mail domain type joined in. Holds personal data (full_name, email_local_part) for the
    spam rules; the marts never select it. -#}
with

contact_versions as (

    select * from {{ ref('int_contact_attributes_versioned') }}

),

companies as (

    select * from {{ ref('stg_crm__companies') }}

),

company_size_bands as (

    select * from {{ ref('company_size_bands') }}

),

revenue_bands as (

    select * from {{ ref('revenue_bands') }}

),

countries as (

    select * from {{ ref('countries') }}

),

email_domains as (

    select * from {{ ref('email_domains') }}

),

final as (

    select
        -- ids
        contact_versions.contact_version_id,
        contact_versions.contact_id,
        contact_versions.company_id,
        contact_versions.valid_from,
        contact_versions.valid_to,
        contact_versions.created_at,

        -- person
        contact_versions.job_title,
        contact_versions.seniority,
        contact_versions.department,
        contact_versions.lead_source,
        contact_versions.country_code,
        countries.region,
        contact_versions.email_domain,
        case
            when contact_versions.email_domain is null then null
            else coalesce(email_domains.email_domain_type, 'business')
        end as email_domain_type,
        contact_versions.email_local_part,
        contact_versions.full_name,

        -- company
        companies.industry,
        companies.employee_count,
        companies.annual_revenue_usd,
        company_size_bands.company_size_band,
        revenue_bands.revenue_band,
        coalesce(company_size_bands.segment, 'unknown') as segment
    from contact_versions
    left join companies
        on contact_versions.company_id = companies.company_id
    left join company_size_bands
        on companies.employee_count >= company_size_bands.min_employees
        and (companies.employee_count <= company_size_bands.max_employees or company_size_bands.max_employees is null)
    left join revenue_bands
        on companies.annual_revenue_usd >= revenue_bands.min_revenue_usd
        and (companies.annual_revenue_usd < revenue_bands.max_revenue_usd or revenue_bands.max_revenue_usd is null)
    left join countries
        on coalesce(contact_versions.country_code, companies.country_code) = countries.country_code
    left join email_domains
        on contact_versions.email_domain = email_domains.email_domain

)

select * from final
