with

checked_events as (

    select * from {{ ref('base_marketing__events_checked') }}

),

final as (

    select
        reject_reason,
        raw_event_id,
        contact_id,
        event_type,
        raw_occurred_at,
        loaded_at,
        url_path,
        content_type
    from checked_events
    where reject_reason is not null

)

select * from final
