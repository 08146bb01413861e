{#- The MQL threshold the backtest recommends, per scoring model and segment: the lowest
    threshold of rpt_mql_threshold_tradeoffs that meets every target declared in seed
    scoring_mql_targets (lowest, so that sales gets every lead the targets allow), next to the
    current threshold and what each would have given. A recommendation, not a change: the
    thresholds stay in seed scoring_mql_thresholds until someone edits it (and `make impact`
    shows what that does). -#}
with

tradeoffs as (

    select * from {{ ref('rpt_mql_threshold_tradeoffs') }}

),

current_thresholds as (

    select * from {{ ref('stg_scoring_rules__mql_thresholds') }}

),

mql_targets as (

    select * from {{ ref('stg_scoring_rules__mql_targets') }}

),

recommended_thresholds as (

    select
        scoring_model_id,
        segment,
        min(mql_threshold) as mql_threshold
    from tradeoffs
    where meets_targets
    group by scoring_model_id, segment

),

final as (

    select
        {{ dbt.concat(['current_thresholds.scoring_model_id', "'|'", 'current_thresholds.segment']) }}
            as mql_threshold_recommendation_id,
        current_thresholds.scoring_model_id,
        current_thresholds.segment,

        -- the targets
        mql_targets.max_mqls_per_week as target_max_mqls_per_week,
        mql_targets.min_opportunity_rate as target_min_opportunity_rate,

        -- the current threshold (figures null when it is not a multiple of backtest_threshold_step)
        current_thresholds.mql_threshold as current_mql_threshold,
        current_figures.new_mqls_per_week as current_new_mqls_per_week,
        current_figures.mql_to_opportunity_rate as current_mql_to_opportunity_rate,
        current_figures.recall_at_threshold as current_recall,
        current_figures.meets_targets as current_meets_targets,

        -- the recommendation
        recommended_thresholds.mql_threshold as recommended_mql_threshold,
        recommended_figures.new_mqls_per_week as recommended_new_mqls_per_week,
        recommended_figures.mql_to_opportunity_rate as recommended_mql_to_opportunity_rate,
        recommended_figures.recall_at_threshold as recommended_recall,
        recommended_thresholds.mql_threshold - current_thresholds.mql_threshold as threshold_change,
        case
            when mql_targets.scoring_model_id is null then 'no target declared'
            when recommended_thresholds.mql_threshold is null then 'no threshold meets the targets'
            when recommended_thresholds.mql_threshold > current_thresholds.mql_threshold then 'raise'
            when recommended_thresholds.mql_threshold < current_thresholds.mql_threshold then 'lower'
            else 'keep'
        end as recommendation
    from current_thresholds
    left join mql_targets
        on current_thresholds.scoring_model_id = mql_targets.scoring_model_id
        and current_thresholds.segment = mql_targets.segment
    left join recommended_thresholds
        on current_thresholds.scoring_model_id = recommended_thresholds.scoring_model_id
        and current_thresholds.segment = recommended_thresholds.segment
    left join tradeoffs as current_figures
        on current_thresholds.scoring_model_id = current_figures.scoring_model_id
        and current_thresholds.segment = current_figures.segment
        and current_thresholds.mql_threshold = current_figures.mql_threshold
    left join tradeoffs as recommended_figures
        on recommended_thresholds.scoring_model_id = recommended_figures.scoring_model_id
        and recommended_thresholds.segment = recommended_figures.segment
        and recommended_thresholds.mql_threshold = recommended_figures.mql_threshold

)

select * from final
