with

checked_contacts as (

    select * from {{ ref('base_crm__contacts_checked') }}

),

final as (

    select
        -- ids
        contact_id,
        company_id,

        -- personal data: stays in staging
        email,
        first_name,
        last_name,

        -- attributes
        {{ dbt.split_part('email', "'@'", 1) }} as email_local_part,
        case when email like '%_@_%' then {{ dbt.split_part('email', "'@'", -1) }} end as email_domain,
        job_title,
        seniority,
        department,
        country_code,
        lead_source,

        -- timestamps (UTC)
        created_at,
        updated_at
    from checked_contacts
    where reject_reason is null

)

select * from final
