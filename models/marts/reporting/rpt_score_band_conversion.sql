{#- Does the band predict conversion? Leads are taken as they scored conversion_window_days
    before the as-of date (the cohort date) and followed for conversion_window_days: per
    scoring model, segment and band, how many got an opportunity for the model's product line
    and how many of those were won. Leads that already had such an opportunity are left out. -#}
{%- set cohort_date = 'cast(' ~ dbt.dateadd('day', -var('conversion_window_days'), as_of_date()) ~ ' as date)' -%}
{%- set after_cohort_date = dbt.dateadd('day', 1, cohort_date) -%}

with

score_history as (

    select * from {{ ref('fct_lead_score_history') }}

),

scoring_models as (

    select * from {{ ref('stg_scoring_rules__models') }}

),

score_bands as (

    select * from {{ ref('stg_scoring_rules__score_bands') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

cohort as (

    select
        score_history.contact_id,
        score_history.scoring_model_id,
        score_history.segment,
        score_history.score_band,
        score_history.is_mql,
        scoring_models.product_line
    from score_history
    inner join scoring_models
        on score_history.scoring_model_id = scoring_models.scoring_model_id
    where score_history.score_date = {{ cohort_date }}

),

lead_outcomes as (

    select
        cohort.contact_id,
        cohort.scoring_model_id,
        cohort.segment,
        cohort.score_band,
        cohort.is_mql,
        max(case when opportunities.created_at < {{ after_cohort_date }} then 1 else 0 end) as had_opportunity_before,
        max(case when opportunities.created_at >= {{ after_cohort_date }} then 1 else 0 end) as has_opportunity,
        max(
            case when opportunities.created_at >= {{ after_cohort_date }} and opportunities.is_won then 1 else 0 end
        ) as has_won_deal
    from cohort
    left join opportunities
        on cohort.contact_id = opportunities.contact_id
        and (cohort.product_line is null or cohort.product_line = opportunities.product_line)
        and opportunities.created_at < {{ dbt.dateadd('day', 1, as_of_date()) }}
    group by
        cohort.contact_id,
        cohort.scoring_model_id,
        cohort.segment,
        cohort.score_band,
        cohort.is_mql

),

band_outcomes as (

    select
        scoring_model_id,
        segment,
        score_band,
        count(*) as leads,
        count(case when is_mql then 1 end) as mql_leads,
        count(case when has_opportunity = 1 then 1 end) as leads_with_opportunity,
        count(case when has_won_deal = 1 then 1 end) as leads_with_won_deal
    from lead_outcomes
    where had_opportunity_before = 0
    group by scoring_model_id, segment, score_band

),

final as (

    select
        {{ dbt.concat([
            'score_bands.scoring_model_id', "'|'", 'score_bands.segment', "'|'", 'score_bands.score_band',
        ]) }} as score_band_conversion_id,
        score_bands.scoring_model_id,
        score_bands.segment,
        score_bands.score_band,
        score_bands.band_rank,
        coalesce(band_outcomes.leads, 0) as leads,
        coalesce(band_outcomes.mql_leads, 0) as mql_leads,
        coalesce(band_outcomes.leads_with_opportunity, 0) as leads_with_opportunity,
        coalesce(band_outcomes.leads_with_won_deal, 0) as leads_with_won_deal,
        case
            when band_outcomes.leads > 0
                then cast(band_outcomes.leads_with_opportunity as {{ type_double() }}) / band_outcomes.leads
        end as opportunity_rate,
        case
            when band_outcomes.leads > 0
                then cast(band_outcomes.leads_with_won_deal as {{ type_double() }}) / band_outcomes.leads
        end as won_deal_rate,
        case
            when band_outcomes.leads_with_opportunity > 0
                then cast(band_outcomes.leads_with_won_deal as {{ type_double() }})
                    / band_outcomes.leads_with_opportunity
        end as win_rate,
        {{ cohort_date }} as cohort_date,
        {{ as_of_date() }} as outcome_until_date
    from score_bands
    left join band_outcomes
        on score_bands.scoring_model_id = band_outcomes.scoring_model_id
        and score_bands.segment = band_outcomes.segment
        and score_bands.score_band = band_outcomes.score_band

)

select * from final
