{#- A challenger against its champion, day by day, on the same contacts: for every day of the
    score history, champion and challenger and segment, how many leads each model makes MQLs
    (both, only one of them), their average scores and how many leads both put in the same band.
    Empty when no scoring model is a challenger. -#}
with

score_history as (

    select * from {{ ref('fct_lead_score_history') }}

),

champion_scores as (

    select * from score_history
    where is_champion

),

challenger_scores as (

    select * from score_history
    where not is_champion

),

paired_scores as (

    select
        champion_scores.score_date,
        champion_scores.scoring_model_id as champion_model_id,
        challenger_scores.scoring_model_id as challenger_model_id,
        champion_scores.segment,
        champion_scores.rules_version as champion_rules_version,
        challenger_scores.rules_version as challenger_rules_version,
        champion_scores.lead_score as champion_lead_score,
        challenger_scores.lead_score as challenger_lead_score,
        champion_scores.is_mql as champion_is_mql,
        challenger_scores.is_mql as challenger_is_mql,
        champion_scores.score_band = challenger_scores.score_band as is_same_band
    from champion_scores
    inner join challenger_scores
        on champion_scores.score_date = challenger_scores.score_date
        and champion_scores.contact_id = challenger_scores.contact_id
        and champion_scores.scoring_model_id = challenger_scores.champion_model_id

),

compared as (

    select
        score_date,
        champion_model_id,
        challenger_model_id,
        segment,
        champion_rules_version,
        challenger_rules_version,
        count(*) as leads,
        count(case when champion_is_mql then 1 end) as champion_mql_leads,
        count(case when challenger_is_mql then 1 end) as challenger_mql_leads,
        count(case when champion_is_mql and challenger_is_mql then 1 end) as both_mql_leads,
        count(case when champion_is_mql and not challenger_is_mql then 1 end) as champion_only_mql_leads,
        count(case when challenger_is_mql and not champion_is_mql then 1 end) as challenger_only_mql_leads,
        -- the decimal sums are exact, so the means do not depend on the order rows are added in
        cast(sum(champion_lead_score) as {{ type_double() }}) / count(*) as champion_average_lead_score,
        cast(sum(challenger_lead_score) as {{ type_double() }}) / count(*) as challenger_average_lead_score,
        count(case when is_same_band then 1 end) as same_band_leads
    from paired_scores
    group by
        score_date,
        champion_model_id,
        challenger_model_id,
        segment,
        champion_rules_version,
        challenger_rules_version

),

final as (

    select
        -- ids
        {{ dbt.concat([
            dbt.cast('score_date', dbt.type_string()), "'|'", 'champion_model_id', "'|'",
            'challenger_model_id', "'|'", 'segment',
        ]) }} as challenger_comparison_id,
        score_date,
        champion_model_id,
        challenger_model_id,
        segment,

        -- leads and MQLs
        leads,
        champion_mql_leads,
        challenger_mql_leads,
        both_mql_leads,
        champion_only_mql_leads,
        challenger_only_mql_leads,

        -- scores and bands
        champion_average_lead_score,
        challenger_average_lead_score,
        same_band_leads,
        cast(same_band_leads as {{ type_double() }}) / leads as same_band_share,

        -- the rules compared
        champion_rules_version,
        challenger_rules_version
    from compared

)

select * from final
