-- The history's row for the as-of date is the same score as fct_lead_scores: the two are
-- computed by the same macros, once for one day and once for many.
with

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

history as (

    select * from {{ ref('fct_lead_score_history') }}
    where score_date = {{ as_of_date() }}

)

select
    lead_scores.contact_id,
    lead_scores.scoring_model_id,
    lead_scores.lead_score,
    history.lead_score as history_lead_score
from lead_scores
full outer join history
    on lead_scores.contact_id = history.contact_id
    and lead_scores.scoring_model_id = history.scoring_model_id
where history.contact_id is null
    or lead_scores.contact_id is null
    or lead_scores.lead_score <> history.lead_score
    or lead_scores.score_band <> history.score_band
    or lead_scores.grade <> history.grade
    or lead_scores.is_mql <> history.is_mql
