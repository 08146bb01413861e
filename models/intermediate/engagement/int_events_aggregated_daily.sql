{#- Staged events counted per contact, day and scoring key (event type and qualifier): the
    grain decay works at, much smaller than the events. -#}
with

events as (

    select * from {{ ref('stg_marketing__events') }}

),

final as (

    select
        contact_id,
        event_date,
        event_type,
        event_qualifier,
        count(*) as occurrences,
        max(occurred_at) as last_occurred_at
    from events
    group by contact_id, event_date, event_type, event_qualifier

)

select * from final
