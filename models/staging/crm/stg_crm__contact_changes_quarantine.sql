with

checked_changes as (

    select * from {{ ref('base_crm__contact_changes_checked') }}

),

final as (

    select
        reject_reason,
        change_id,
        contact_id,
        attribute,
        raw_changed_at
    from checked_changes
    where reject_reason is not null

)

select * from final
