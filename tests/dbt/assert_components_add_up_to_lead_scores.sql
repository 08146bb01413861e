-- Every lead's components add up exactly to its scores: all of them to lead_score, the fit
-- ones to fit_score and the engagement ones to engagement_score. Returns the leads that differ.
with

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

component_sums as (

    select
        contact_id,
        scoring_model_id,
        sum(points_after_caps) as lead_score,
        sum(case when rule_category = 'fit' then points_after_caps else 0 end) as fit_score,
        sum(case when rule_category = 'engagement' then points_after_caps else 0 end) as engagement_score
    from {{ ref('fct_lead_score_components') }}
    group by contact_id, scoring_model_id

)

select
    lead_scores.contact_id,
    lead_scores.scoring_model_id,
    lead_scores.lead_score,
    coalesce(component_sums.lead_score, 0) as component_lead_score
from lead_scores
left join component_sums
    on lead_scores.contact_id = component_sums.contact_id
    and lead_scores.scoring_model_id = component_sums.scoring_model_id
where lead_scores.lead_score <> coalesce(component_sums.lead_score, 0)
    or lead_scores.fit_score <> coalesce(component_sums.fit_score, 0)
    or lead_scores.engagement_score <> coalesce(component_sums.engagement_score, 0)
