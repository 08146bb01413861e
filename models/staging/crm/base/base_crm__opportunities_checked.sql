{#- Every raw opportunity, typed, with the reason it cannot be staged (null when it can). -#}
with

opportunities as (

    select * from {{ source('crm', 'opportunities') }}

),

contacts as (

    select contact_id from {{ ref('stg_crm__contacts') }}

),

typed as (

    select
        nullif(trim(cast(opportunity_id as {{ dbt.type_string() }})), '') as opportunity_id,
        nullif(trim(cast(opportunities.contact_id as {{ dbt.type_string() }})), '') as contact_id,
        nullif(trim(cast(company_id as {{ dbt.type_string() }})), '') as company_id,
        nullif(lower(trim(cast(product_line as {{ dbt.type_string() }}))), '') as product_line,
        nullif(lower(trim(cast(stage as {{ dbt.type_string() }}))), '') as stage,
        {{ try_cast_to('amount', type_double()) }} as amount_usd,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('closed_at') }} as closed_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        cast(created_at as {{ dbt.type_string() }}) as raw_created_at
    from opportunities

),

checked as (

    select
        typed.*,
        contacts.contact_id is not null as is_known_contact,
        row_number() over (
            partition by typed.opportunity_id
            order by typed.updated_at desc nulls last, typed.created_at
        ) as version_rank
    from typed
    left join contacts
        on typed.contact_id = contacts.contact_id

),

final as (

    select
        *,
        {{ first_reject_reason([
            ('opportunity_id is null', 'missing_opportunity_id'),
            ('contact_id is null', 'missing_contact_id'),
            ('not is_known_contact', 'unknown_contact_id'),
            ("stage is null or stage not in ('qualification', 'discovery', 'proposal', 'negotiation', 'closed_won', 'closed_lost')", 'unknown_stage'),
            ('created_at is null', 'unparseable_created_at'),
            ('version_rank > 1', 'duplicate_opportunity_id'),
        ]) }} as reject_reason
    from checked

)

select * from final
