with

score_dates as (

    select {{ as_of_date() }} as score_date

),

{{ scoring_contacts_cte() }},

lead_score_components as (

    select
        as_of_date as score_date,
        contact_id,
        scoring_model_id,
        rule_category,
        points_after_caps
    from {{ ref('fct_lead_score_components') }}

),

{{ component_totals_cte('lead_score_components') }},

{{ lead_score_ctes('component_totals') }},

score_history as (

    select * from {{ ref('fct_lead_score_history') }}

),

first_mql_dates as (

    select
        contact_id,
        scoring_model_id,
        min(score_date) as first_mql_at
    from score_history
    where is_mql and score_date <= {{ as_of_date() }}
    group by contact_id, scoring_model_id

),

events as (

    select * from {{ ref('int_events_aggregated_daily') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

last_activity as (

    select
        events.contact_id,
        max(events.last_occurred_at) as last_activity_at
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where event_types.is_engagement
        and events.event_date <= {{ as_of_date() }}
    group by events.contact_id

),

rules_versions as (

    select * from {{ ref('int_scoring_rules_versioned') }}

),

final as (

    select
        -- ids
        {{ dbt.concat(['lead_scores.contact_id', "'|'", 'lead_scores.scoring_model_id']) }} as lead_score_id,
        lead_scores.contact_id,
        lead_scores.scoring_model_id,
        lead_scores.champion_model_id,
        lead_scores.is_champion,
        lead_scores.company_id,
        lead_scores.email_domain,
        lead_scores.segment,

        -- scores
        lead_scores.fit_score,
        lead_scores.engagement_score,
        lead_scores.lead_score,
        lead_scores.grade,
        lead_scores.score_band,
        lead_scores.band_rank,

        -- qualification
        lead_scores.mql_threshold,
        lead_scores.is_mql,
        -- the first day the lead was an MQL, as first recorded in fct_lead_score_history;
        -- kept when the lead later drops below the threshold
        first_mql_dates.first_mql_at,

        -- activity and provenance
        last_activity.last_activity_at,
        lead_scores.score_date as as_of_date,
        rules_versions.rules_version
    from lead_scores
    inner join rules_versions
        on lead_scores.scoring_model_id = rules_versions.scoring_model_id
    left join first_mql_dates
        on lead_scores.contact_id = first_mql_dates.contact_id
        and lead_scores.scoring_model_id = first_mql_dates.scoring_model_id
    left join last_activity
        on lead_scores.contact_id = last_activity.contact_id

)

select * from final
