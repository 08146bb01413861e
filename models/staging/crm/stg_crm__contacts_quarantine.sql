with

checked_contacts as (

    select * from {{ ref('base_crm__contacts_checked') }}

),

final as (

    select
        reject_reason,
        contact_id,
        company_id,
        raw_created_at,
        updated_at
    from checked_contacts
    where reject_reason is not null

)

select * from final
