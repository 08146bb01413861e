with

checked_opportunities as (

    select * from {{ ref('base_crm__opportunities_checked') }}

),

final as (

    select
        reject_reason,
        opportunity_id,
        contact_id,
        product_line,
        stage,
        raw_created_at
    from checked_opportunities
    where reject_reason is not null

)

select * from final
