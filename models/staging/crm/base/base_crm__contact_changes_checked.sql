{#- Every raw contact property change, typed, with the reason it cannot be staged (null when it can). -#}
{%- do require_columns(
    source('crm', 'contact_changes'),
    ['change_id', 'contact_id', 'attribute', 'old_value', 'new_value', 'changed_at'],
) %}
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
        nullif(trim(cast(contact_id as {{ dbt.type_string() }})), '') as contact_id,
        nullif(lower(trim(cast(attribute as {{ dbt.type_string() }}))), '') as attribute,
        nullif(trim(cast(old_value as {{ dbt.type_string() }})), '') as old_value,
        nullif(trim(cast(new_value as {{ dbt.type_string() }})), '') as new_value,
        {{ utc_timestamp('changed_at') }} as changed_at,
        changed_at is null as is_changed_at_missing,
        cast(changed_at as {{ dbt.type_string() }}) as raw_changed_at
    from contact_changes

),

matched as (

    select
        typed.*,
        contacts.contact_id is not null as is_known_contact
    from typed
    left join contacts
        on typed.contact_id = contacts.contact_id

),

checked as (

    select
        *,
        {{ first_reject_reason([
            ('change_id is null', 'missing_change_id'),
            (regex_matches('change_id', "'[[:cntrl:]]'"), 'invalid_change_id'),
            ('contact_id is null', 'missing_contact_id'),
            ('not is_known_contact', 'unknown_contact_id'),
            ("attribute is null or attribute not in ('" ~ tracked_contact_attributes() | join("', '") ~ "')", 'unknown_attribute'),
            ('is_changed_at_missing', 'missing_changed_at'),
            ('changed_at is null', 'unparseable_changed_at'),
            ('changed_at > ' ~ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()), 'future_changed_at'),
        ]) }} as failed_check
    from matched

),

deduplicated as (

    select
        *,
        -- only valid rows compete for a change_id: a bad copy must not push out a good one
        row_number() over (
            partition by change_id, failed_check is null
            order by changed_at, attribute
        ) as version_rank
    from checked

),

final as (

    select
        *,
        coalesce(failed_check, case when version_rank > 1 then 'duplicate_change_id' end) as reject_reason
    from deduplicated

)

select * from final
