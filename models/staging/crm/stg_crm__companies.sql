with

checked_companies as (

    select * from {{ ref('base_crm__companies_checked') }}

),

final as (

    select
        company_id,
        company_name,
        company_domain,
        industry,
        employee_count,
        annual_revenue_usd,
        country_code,
        updated_at
    from checked_companies
    where reject_reason is null

)

select * from final
