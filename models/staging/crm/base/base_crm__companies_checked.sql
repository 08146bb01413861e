{#- Every raw company, typed, with the reason it cannot be staged (null when it can). -#}
{%- do require_columns(source('crm', 'companies'), [
    'company_id', 'company_name', 'domain', 'industry', 'employee_count', 'annual_revenue', 'country_code',
    'updated_at',
]) %}
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
        cast(annual_revenue as {{ dbt.type_string() }}) as raw_annual_revenue,
        cast(updated_at as {{ dbt.type_string() }}) as raw_updated_at
    from companies

),

checked as (

    select
        *,
        -- NaN sorts above infinity: the revenue's upper bound rejects NaN as well
        {{ first_reject_reason([
            ('company_id is null', 'missing_company_id'),
            (regex_matches('company_id', "'[[:cntrl:]]'"), 'invalid_company_id'),
            ('raw_employee_count is not null and (employee_count is null or employee_count < 0)', 'invalid_employee_count'),
            ("raw_annual_revenue is not null and not coalesce(annual_revenue_usd >= 0 and annual_revenue_usd < cast('infinity' as " ~ type_double() ~ "), false)", 'invalid_annual_revenue'),
            ('raw_updated_at is not null and updated_at is null', 'unparseable_updated_at'),
        ]) }} as failed_check
    from typed

),

deduplicated as (

    select
        *,
        -- the latest valid version wins: a bad newer version must not push out a good one
        row_number() over (
            partition by company_id, failed_check is null
            order by updated_at desc nulls last, company_name asc, company_domain asc
        ) as version_rank
    from checked

),

final as (

    select
        *,
        coalesce(failed_check, case when version_rank > 1 then 'duplicate_company_id' end) as reject_reason
    from deduplicated

)

select * from final
