with

checked_events as (

    select * from {{ ref('base_marketing__events_checked') }}

),

final as (

    select
        -- ids
        event_id,
        contact_id,

        -- what happened
        event_type,
        event_qualifier,
        page_category,
        url_path,
        content_type,

        -- timestamps (UTC)
        occurred_at,
        cast(occurred_at as date) as event_date,
        loaded_at
    from checked_events
    where reject_reason is null

)

select * from final
