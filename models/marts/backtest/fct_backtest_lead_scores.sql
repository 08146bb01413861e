{#- Every lead scored as of each backtest date (macro backtest_dates) by the current rules, with
    what happened next: one row per contact, scoring model and backtest date. Scores use only
    what was known at the end of the date (fct_backtest_lead_score_components); the outcome is
    the lead's first opportunity for the model's product line created in the
    conversion_window_days after it, and whether that deal was won by the as-of date.
    Leads that already had such an opportunity are kept but not evaluated (is_evaluated). -#}
{%- set window_days = var('conversion_window_days') -%}
{%- set as_of_cutoff = dbt.dateadd('day', 1, as_of_date()) -%}

with

score_dates as (

    {{ backtest_dates() }}

),

{{ scoring_contacts_cte() }},

lead_score_components as (

    select
        backtest_date as score_date,
        contact_id,
        scoring_model_id,
        rule_category,
        points_after_caps
    from {{ ref('fct_backtest_lead_score_components') }}

),

{{ component_totals_cte('lead_score_components') }},

{{ lead_score_ctes('component_totals') }},

scoring_models as (

    select * from {{ ref('stg_scoring_rules__models') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

rules_versions as (

    select * from {{ ref('int_scoring_rules_versioned') }}

),

-- each lead's opportunities for the model's product line up to the as-of date, placed against
-- each backtest date: before its end, or in the conversion window after it
opportunities_by_date as (

    select
        scoring_contacts.score_date,
        scoring_contacts.contact_id,
        scoring_models.scoring_model_id,
        opportunities.created_at,
        opportunities.is_won and opportunities.closed_at < {{ as_of_cutoff }} as is_won_by_as_of_date,
        opportunities.created_at < scoring_contacts.score_cutoff as is_before,
        opportunities.created_at >= scoring_contacts.score_cutoff
        and opportunities.created_at < {{ dbt.dateadd('day', window_days, 'scoring_contacts.score_cutoff') }}
            as is_in_window
    from scoring_contacts
    cross join scoring_models
    inner join opportunities
        on scoring_contacts.contact_id = opportunities.contact_id
        and (scoring_models.product_line is null or scoring_models.product_line = opportunities.product_line)
        and opportunities.created_at < {{ as_of_cutoff }}

),

lead_opportunities as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        max(case when is_before then 1 else 0 end) as had_prior_opportunity,
        min(case when is_in_window then created_at end) as first_opportunity_at,
        max(case when is_in_window and is_won_by_as_of_date then 1 else 0 end) as has_won_deal
    from opportunities_by_date
    group by score_date, contact_id, scoring_model_id

),

first_backtest_date as (

    select min(score_date) as first_backtest_date from score_dates

),

lead_scores_in_sequence as (

    select
        lead_scores.*,
        max(lead_scores.lead_score) over (
            partition by lead_scores.contact_id, lead_scores.scoring_model_id
            order by lead_scores.score_date
            rows between unbounded preceding and 1 preceding
        ) as max_previous_lead_score,
        first_backtest_date.first_backtest_date
    from lead_scores
    cross join first_backtest_date

),

final as (

    select
        -- ids
        {{ dbt.concat([
            'lead_scores.contact_id', "'|'",
            'lead_scores.scoring_model_id', "'|'",
            dbt.cast('lead_scores.score_date', dbt.type_string()),
        ]) }} as backtest_lead_score_id,
        lead_scores.score_date as backtest_date,
        lead_scores.contact_id,
        lead_scores.scoring_model_id,
        lead_scores.champion_model_id,
        lead_scores.is_champion,
        lead_scores.segment,
        scoring_models.product_line,

        -- scores as of the backtest date
        lead_scores.fit_score,
        lead_scores.engagement_score,
        lead_scores.lead_score,
        lead_scores.grade,
        lead_scores.score_band,
        lead_scores.band_rank,
        lead_scores.mql_threshold,
        lead_scores.is_mql,
        -- the highest score on the earlier backtest dates; null for the first date the lead existed on
        lead_scores.max_previous_lead_score,
        -- reached the threshold for the first time in the backtest: every earlier backtest score
        -- was below it (a lead created since the previous date had none); unknown (null) on the
        -- first backtest date. Like first_mql_at, a lead that drops below and comes back is not
        -- new again.
        case
            when lead_scores.score_date = lead_scores.first_backtest_date then null
            else lead_scores.is_mql
                and coalesce(lead_scores.max_previous_lead_score < lead_scores.mql_threshold, true)
        end as is_new_mql,

        -- outcome in the conversion window after the backtest date
        coalesce(lead_opportunities.had_prior_opportunity, 0) = 0 as is_evaluated,
        lead_opportunities.first_opportunity_at is not null as has_opportunity,
        lead_opportunities.first_opportunity_at,
        {{ dbt.datediff('lead_scores.score_date', dbt.cast('lead_opportunities.first_opportunity_at', 'date'), 'day') }}
            as days_to_opportunity,
        coalesce(lead_opportunities.has_won_deal, 0) = 1 as has_won_deal,
        cast({{ dbt.dateadd('day', window_days, 'lead_scores.score_date') }} as date) as outcome_window_end_date,

        rules_versions.rules_version
    from lead_scores_in_sequence as lead_scores
    inner join scoring_models
        on lead_scores.scoring_model_id = scoring_models.scoring_model_id
    inner join rules_versions
        on lead_scores.scoring_model_id = rules_versions.scoring_model_id
    left join lead_opportunities
        on lead_scores.score_date = lead_opportunities.score_date
        and lead_scores.contact_id = lead_opportunities.contact_id
        and lead_scores.scoring_model_id = lead_opportunities.scoring_model_id

)

select * from final
