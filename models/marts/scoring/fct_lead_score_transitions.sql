{#- One row each time a lead enters scoring, changes band or crosses the MQL threshold in
    either direction: the feed a CRM sync or automation consumes. -#}
with

score_history as (

    select * from {{ ref('fct_lead_score_history') }}

),

with_previous as (

    select
        contact_id,
        scoring_model_id,
        champion_model_id,
        is_champion,
        score_date,
        segment,
        lead_score,
        score_band,
        is_mql,
        rules_version,
        lag(score_band) over (partition by contact_id, scoring_model_id order by score_date) as previous_score_band,
        lag(is_mql) over (partition by contact_id, scoring_model_id order by score_date) as previous_is_mql,
        lag(lead_score) over (partition by contact_id, scoring_model_id order by score_date) as previous_lead_score,
        row_number() over (partition by contact_id, scoring_model_id order by score_date) as day_number
    from score_history

),

changes as (

    select
        *,
        case
            when day_number = 1 then 'first_scored'
            when is_mql and not previous_is_mql then 'became_mql'
            when previous_is_mql and not is_mql then 'lost_mql'
            else 'band_changed'
        end as transition_type
    from with_previous
    where day_number = 1
        or score_band <> previous_score_band
        or is_mql <> previous_is_mql

),

final as (

    select
        -- ids
        {{ dbt.concat(['contact_id', "'|'", 'scoring_model_id', "'|'", dbt.cast('score_date', dbt.type_string())]) }}
            as lead_score_transition_id,
        contact_id,
        scoring_model_id,
        champion_model_id,
        is_champion,
        segment,

        -- what changed
        transition_type,
        previous_score_band as from_score_band,
        score_band as to_score_band,
        previous_is_mql as from_is_mql,
        is_mql as to_is_mql,
        previous_lead_score as from_lead_score,
        lead_score as to_lead_score,

        -- when: the first day the new state held
        score_date as transitioned_on,
        rules_version
    from changes

)

select * from final
