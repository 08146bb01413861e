{#- Every raw company, typed, with the reason it cannot be staged (null when it can). -#}
with

companies as (

    select * from {{ source('crm', 'companies') }}

),

typed as (

    select
        nullif(trim(cast(company_id as {{ dbt.type_string() }})), '') as company_id,
        nullif(trim(cast(company_name as {{ dbt.type_string() }})), '') as company_name,
        nullif(lower(trim(cast(domain as {{ dbt.type_string() }}))), '') as company_domain,
        nullif(lower(trim(cast(industry as {{ dbt.type_string() }}))), '') as industry,
        {{ try_cast_to('employee_count', 'bigint') }} as employee_count,
        {{ try_cast_to('annual_revenue', type_double()) }} as annual_revenue_usd,
        nullif(upper(trim(cast(country_code as {{ dbt.type_string() }}))), '') as country_code,
        {{ utc_timestamp('updated_at') }} as updated_at,
        cast(employee_count as {{ dbt.type_string() }}) as raw_employee_count,
        cast(annual_revenue as {{ dbt.type_string() }}) as raw_annual_revenue
    from companies

),

checked as (

    select
        *,
        row_number() over (
            partition by company_id
            order by updated_at desc nulls last, company_name, company_domain
        ) as version_rank
    from typed

),

final as (

    select
        *,
        {{ first_reject_reason([
            ('company_id is null', 'missing_company_id'),
            ('raw_employee_count is not null and (employee_count is null or employee_count < 0)', 'invalid_employee_count'),
            ('raw_annual_revenue is not null and (annual_revenue_usd is null or annual_revenue_usd < 0)', 'invalid_annual_revenue'),
            ('version_rank > 1', 'duplicate_company_id'),
        ]) }} as reject_reason
    from checked

)

select * from final
