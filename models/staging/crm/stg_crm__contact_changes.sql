with

checked_changes as (

    select * from {{ ref('base_crm__contact_changes_checked') }}

),

final as (

    select
        change_id,
        contact_id,
        attribute,
        -- e-mail addresses are normalised like stg_crm__contacts.email
        case
            when attribute in ('email', 'seniority', 'department') then lower(old_value)
            else old_value
        end as old_value,
        case
            when attribute in ('email', 'seniority', 'department') then lower(new_value)
            else new_value
        end as new_value,
        changed_at
    from checked_changes
    where reject_reason is null

)

select * from final
