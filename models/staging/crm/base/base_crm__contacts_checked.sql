{#- Every raw contact, typed, with the reason it cannot be staged (null when it can). -#}
{%- do require_columns(source('crm', 'contacts'), [
    'contact_id', 'company_id', 'email', 'first_name', 'last_name', 'job_title', 'seniority', 'department',
    'country_code', 'lead_source', 'created_at', 'updated_at',
]) %}
with

contacts as (

    select * from {{ source('crm', 'contacts') }}

),

typed as (

    select
        nullif(trim(cast(contact_id as {{ dbt.type_string() }})), '') as contact_id,
        nullif(trim(cast(company_id as {{ dbt.type_string() }})), '') as company_id,
        nullif(lower(trim(cast(email as {{ dbt.type_string() }}))), '') as email,
        nullif(trim(cast(first_name as {{ dbt.type_string() }})), '') as first_name,
        nullif(trim(cast(last_name as {{ dbt.type_string() }})), '') as last_name,
        nullif(trim(cast(job_title as {{ dbt.type_string() }})), '') as job_title,
        nullif(lower(trim(cast(seniority as {{ dbt.type_string() }}))), '') as seniority,
        nullif(lower(trim(cast(department as {{ dbt.type_string() }}))), '') as department,
        nullif(upper(trim(cast(country_code as {{ dbt.type_string() }}))), '') as country_code,
        nullif(lower(trim(cast(lead_source as {{ dbt.type_string() }}))), '') as lead_source,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        created_at is null as is_created_at_missing,
        cast(created_at as {{ dbt.type_string() }}) as raw_created_at,
        cast(updated_at as {{ dbt.type_string() }}) as raw_updated_at
    from contacts

),

checked as (

    select
        *,
        {{ first_reject_reason([
            ('contact_id is null', 'missing_contact_id'),
            (regex_matches('contact_id', "'[[:cntrl:]]'"), 'invalid_contact_id'),
            ('is_created_at_missing', 'missing_created_at'),
            ('created_at is null', 'unparseable_created_at'),
            ('created_at > ' ~ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()), 'future_created_at'),
            ('raw_updated_at is not null and updated_at is null', 'unparseable_updated_at'),
        ]) }} as failed_check
    from typed

),

deduplicated as (

    select
        *,
        -- the latest valid version wins: a bad newer version must not push out a good one
        row_number() over (
            partition by contact_id, failed_check is null
            order by updated_at desc nulls last, created_at asc, email asc, job_title asc
        ) as version_rank
    from checked

),

final as (

    select
        *,
        coalesce(failed_check, case when version_rank > 1 then 'duplicate_contact_id' end) as reject_reason
    from deduplicated

)

select * from final
