{#- Every raw opportunity, typed, with the reason it cannot be staged (null when it can). -#}
{%- do require_columns(source('crm', 'opportunities'), [
    'opportunity_id', 'contact_id', 'company_id', 'product_line', 'stage', 'amount', 'created_at', 'closed_at',
    'updated_at',
]) %}
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
        nullif(trim(cast(contact_id as {{ dbt.type_string() }})), '') as contact_id,
        nullif(trim(cast(company_id as {{ dbt.type_string() }})), '') as company_id,
        nullif(lower(trim(cast(product_line as {{ dbt.type_string() }}))), '') as product_line,
        nullif(lower(trim(cast(stage as {{ dbt.type_string() }}))), '') as stage,
        {{ try_cast_to('amount', type_double()) }} as amount_usd,
        {{ utc_timestamp('created_at') }} as created_at,
        {{ utc_timestamp('closed_at') }} as closed_at,
        {{ utc_timestamp('updated_at') }} as updated_at,
        created_at is null as is_created_at_missing,
        cast(amount as {{ dbt.type_string() }}) as raw_amount,
        cast(created_at as {{ dbt.type_string() }}) as raw_created_at,
        cast(closed_at as {{ dbt.type_string() }}) as raw_closed_at,
        cast(updated_at as {{ dbt.type_string() }}) as raw_updated_at
    from opportunities

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
        -- NaN sorts above infinity: the amount's upper bound rejects NaN as well
        {{ first_reject_reason([
            ('opportunity_id is null', 'missing_opportunity_id'),
            (regex_matches('opportunity_id', "'[[:cntrl:]]'"), 'invalid_opportunity_id'),
            ('contact_id is null', 'missing_contact_id'),
            ('not is_known_contact', 'unknown_contact_id'),
            ("stage is null or stage not in ('qualification', 'discovery', 'proposal', 'negotiation', 'closed_won', 'closed_lost')", 'unknown_stage'),
            ("raw_amount is not null and not coalesce(amount_usd >= 0 and amount_usd < cast('infinity' as " ~ type_double() ~ "), false)", 'invalid_amount'),
            ('is_created_at_missing', 'missing_created_at'),
            ('created_at is null', 'unparseable_created_at'),
            ('created_at > ' ~ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()), 'future_created_at'),
            ('raw_closed_at is not null and closed_at is null', 'unparseable_closed_at'),
            ('raw_updated_at is not null and updated_at is null', 'unparseable_updated_at'),
        ]) }} as failed_check
    from matched

),

deduplicated as (

    select
        *,
        -- the latest valid version wins: a bad newer version must not push out a good one
        row_number() over (
            partition by opportunity_id, failed_check is null
            order by updated_at desc nulls last, created_at asc
        ) as version_rank
    from checked

),

final as (

    select
        *,
        coalesce(failed_check, case when version_rank > 1 then 'duplicate_opportunity_id' end) as reject_reason
    from deduplicated

)

select * from final
