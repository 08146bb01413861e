{#- Every raw contact property change, typed, with the reason it cannot be staged (null when it can). -#}
with

contact_changes as (

    select * from {{ source('crm', 'contact_changes') }}

),

contacts as (

    select contact_id from {{ ref('stg_crm__contacts') }}

),

typed as (

    select
        nullif(trim(cast(change_id as {{ dbt.type_string() }})), '') as change_id,
        nullif(trim(cast(contact_changes.contact_id as {{ dbt.type_string() }})), '') as contact_id,
        nullif(lower(trim(cast(attribute as {{ dbt.type_string() }}))), '') as attribute,
        nullif(trim(cast(old_value as {{ dbt.type_string() }})), '') as old_value,
        nullif(trim(cast(new_value as {{ dbt.type_string() }})), '') as new_value,
        {{ utc_timestamp('changed_at') }} as changed_at,
        cast(changed_at as {{ dbt.type_string() }}) as raw_changed_at
    from contact_changes

),

checked as (

    select
        typed.*,
        contacts.contact_id is not null as is_known_contact,
        row_number() over (partition by typed.change_id order by typed.changed_at, typed.attribute) as version_rank
    from typed
    left join contacts
        on typed.contact_id = contacts.contact_id

),

final as (

    select
        *,
        {{ first_reject_reason([
            ('change_id is null', 'missing_change_id'),
            ('contact_id is null', 'missing_contact_id'),
            ('not is_known_contact', 'unknown_contact_id'),
            ("attribute is null or attribute not in ('" ~ tracked_contact_attributes() | join("', '") ~ "')", 'unknown_attribute'),
            ('changed_at is null', 'unparseable_changed_at'),
            ('changed_at > ' ~ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()), 'future_changed_at'),
            ('version_rank > 1', 'duplicate_change_id'),
        ]) }} as reject_reason
    from checked

)

select * from final
