{#- CTEs ending in `lead_scores`: one row per contact, scoring model and score date with the
    fit, engagement and lead scores of the `totals`, and the grade, band and MQL
    status they earn in the lead's segment, and the model's champion (itself, or the model a
    challenger challenges). Contacts without components score 0.
    Needs the CTE of the contacts on each score date (`contacts`, as scoring_contacts_cte makes it)
    and the CTE named by `totals` (score_date, contact_id, scoring_model_id, fit_score,
    engagement_score, lead_score; as component_totals_cte or lead_score_total_ctes make it) before it. -#}
{% macro lead_score_ctes(totals, contacts='scoring_contacts') -%}

score_models as (

    select * from {{ ref('stg_scoring_rules__models') }}

),

score_bands as (

    select * from {{ ref('stg_scoring_rules__score_bands') }}

),

mql_thresholds as (

    select * from {{ ref('stg_scoring_rules__mql_thresholds') }}

),

grade_ranges as (

    select
        scoring_model_id,
        grade,
        min_fit_score,
        -- a grade reaches up to the next better grade's minimum
        min(min_fit_score) over (
            partition by scoring_model_id
            order by min_fit_score nulls first
            rows between 1 following and unbounded following
        ) as next_min_fit_score
    from {{ ref('stg_scoring_rules__grades') }}

),

lead_score_totals as (

    select
        scoring_contacts.score_date,
        scoring_contacts.contact_id,
        score_models.scoring_model_id,
        score_models.champion_model_id,
        score_models.is_champion,
        scoring_contacts.company_id,
        scoring_contacts.email_domain,
        scoring_contacts.segment,
        cast(coalesce(component_totals.fit_score, 0) as {{ type_points() }}) as fit_score,
        cast(coalesce(component_totals.engagement_score, 0) as {{ type_points() }}) as engagement_score,
        cast(coalesce(component_totals.lead_score, 0) as {{ type_points() }}) as lead_score,
        score_models.max_score
    from {{ contacts }}{% if contacts != 'scoring_contacts' %} as scoring_contacts{% endif %}
    cross join score_models
    left join {{ totals }} as component_totals
        on scoring_contacts.score_date = component_totals.score_date
        and scoring_contacts.contact_id = component_totals.contact_id
        and score_models.scoring_model_id = component_totals.scoring_model_id

),

lead_scores as (

    select
        lead_score_totals.score_date,
        lead_score_totals.contact_id,
        lead_score_totals.scoring_model_id,
        lead_score_totals.champion_model_id,
        lead_score_totals.is_champion,
        lead_score_totals.company_id,
        lead_score_totals.email_domain,
        lead_score_totals.segment,
        lead_score_totals.fit_score,
        lead_score_totals.engagement_score,
        lead_score_totals.lead_score,
        grade_ranges.grade,
        score_bands.score_band,
        score_bands.band_rank,
        mql_thresholds.mql_threshold,
        coalesce(lead_score_totals.lead_score >= mql_thresholds.mql_threshold, false) as is_mql
    from lead_score_totals
    left join grade_ranges
        on lead_score_totals.scoring_model_id = grade_ranges.scoring_model_id
        and (grade_ranges.min_fit_score is null or lead_score_totals.fit_score >= grade_ranges.min_fit_score)
        and (grade_ranges.next_min_fit_score is null or lead_score_totals.fit_score < grade_ranges.next_min_fit_score)
    left join score_bands
        on lead_score_totals.scoring_model_id = score_bands.scoring_model_id
        and lead_score_totals.segment = score_bands.segment
        and lead_score_totals.lead_score >= score_bands.min_score
        and (
            lead_score_totals.lead_score < score_bands.max_score
            or (score_bands.band_rank = 1 and lead_score_totals.lead_score <= score_bands.max_score)
        )
    left join mql_thresholds
        on lead_score_totals.scoring_model_id = mql_thresholds.scoring_model_id
        and lead_score_totals.segment = mql_thresholds.segment

)
{%- endmacro %}
