with

checked_opportunities as (

    select * from {{ ref('base_crm__opportunities_checked') }}

),

final as (

    select
        -- ids
        opportunity_id,
        contact_id,
        company_id,

        -- deal
        product_line,
        stage,
        stage in ('closed_won', 'closed_lost') as is_closed,
        stage = 'closed_won' as is_won,
        amount_usd,

        -- timestamps (UTC)
        created_at,
        closed_at,
        updated_at
    from checked_opportunities
    where reject_reason is null

)

select * from final
