with

checked_companies as (

    select * from {{ ref('base_crm__companies_checked') }}

),

final as (

    select
        reject_reason,
        company_id,
        company_name,
        raw_employee_count,
        raw_annual_revenue,
        updated_at
    from checked_companies
    where reject_reason is not null

)

select * from final
