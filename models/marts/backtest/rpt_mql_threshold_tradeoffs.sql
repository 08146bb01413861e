{#- What each possible MQL threshold would have given, per scoring model and segment, over the
    backtest: for every positive multiple of backtest_threshold_step up to the model's max_score,
    the new MQLs a week sales would have received (leads reaching it for the first time in the
    backtest, as is_new_mql of fct_backtest_lead_scores), how many of them got an
    opportunity within conversion_window_days, and the precision, recall and lift of all the lead
    snapshots at or above it. Scores count at or above a threshold exactly (a score's step is
    floor(score / step) * step). Each row says whether it meets the targets of seed
    scoring_mql_targets; rpt_mql_threshold_recommendations picks the lowest that does. -#}
{%- set step = var('backtest_threshold_step') -%}
{%- if step is not number or step <= 0 -%}
    {{ exceptions.raise_compiler_error("var backtest_threshold_step must be a positive number, got '" ~ step ~ "'") }}
{%- endif -%}
{%- set max_steps = 1000 -%}
{#- enough steps for the highest max_score (1000 before the scoring models have been built, and
    in unit tests, whose inputs are not relations) -#}
{%- set models_relation = ref('stg_scoring_rules__models') -%}
{%- if execute and models_relation.schema and load_relation(models_relation) is not none -%}
    {%- set max_score = run_query('select max(max_score) from ' ~ models_relation).columns[0].values()[0] -%}
    {%- if max_score is not none -%}
        {%- set max_steps = [((max_score | float) / step) | int, 1] | max -%}
    {%- endif -%}
{%- endif -%}
{%- set weeks_per_interval = var('backtest_interval_days') / 7 -%}

with

backtest_lead_scores as (

    select * from {{ ref('fct_backtest_lead_scores') }}

),

scoring_models as (

    select * from {{ ref('stg_scoring_rules__models') }}

),

mql_targets as (

    select * from {{ ref('stg_scoring_rules__mql_targets') }}

),

current_thresholds as (

    select * from {{ ref('stg_scoring_rules__mql_thresholds') }}

),

steps as (

    {{ dbt.generate_series(max_steps) }}

),

candidate_thresholds as (

    select
        current_thresholds.scoring_model_id,
        current_thresholds.segment,
        current_thresholds.mql_threshold as current_mql_threshold,
        cast(steps.generated_number * {{ step }} as {{ type_points() }}) as mql_threshold
    from current_thresholds
    inner join scoring_models
        on current_thresholds.scoring_model_id = scoring_models.scoring_model_id
    cross join steps
    where steps.generated_number * {{ step }} > scoring_models.min_score
        and steps.generated_number * {{ step }} <= scoring_models.max_score

),

evaluated as (

    select
        scoring_model_id,
        segment,
        backtest_date,
        lead_score,
        max_previous_lead_score,
        is_new_mql is not null as is_flow_date,
        case when has_opportunity then 1 else 0 end as converted
    from backtest_lead_scores
    where is_evaluated

),

-- per score step: snapshots at or above it; and, on the dates after the first, snapshots at or
-- above it now and on some earlier date: the difference reached it for the first time
score_steps as (

    select
        scoring_model_id,
        segment,
        floor(lead_score / {{ step }}) * {{ step }} as score_step,
        1 as snapshots,
        converted,
        case when is_flow_date then 1 else 0 end as flow_snapshots,
        case when is_flow_date then converted else 0 end as flow_converted,
        0 as stayed_snapshots,
        0 as stayed_converted
    from evaluated

    union all

    select
        scoring_model_id,
        segment,
        floor(least(lead_score, max_previous_lead_score) / {{ step }}) * {{ step }} as score_step,
        0 as snapshots,
        0 as converted,
        0 as flow_snapshots,
        0 as flow_converted,
        1 as stayed_snapshots,
        converted as stayed_converted
    from evaluated
    where is_flow_date and max_previous_lead_score is not null

),

step_counts as (

    select
        scoring_model_id,
        segment,
        score_step,
        sum(snapshots) as snapshots,
        sum(converted) as converted,
        sum(flow_snapshots) as flow_snapshots,
        sum(flow_converted) as flow_converted,
        sum(stayed_snapshots) as stayed_snapshots,
        sum(stayed_converted) as stayed_converted
    from score_steps
    group by scoring_model_id, segment, score_step

),

segment_totals as (

    select
        scoring_model_id,
        segment,
        count(*) as lead_snapshots,
        sum(converted) as converted_snapshots,
        count(distinct case when is_flow_date then backtest_date end) as flow_dates
    from evaluated
    group by scoring_model_id, segment

),

at_or_above as (

    select
        candidate_thresholds.scoring_model_id,
        candidate_thresholds.segment,
        candidate_thresholds.mql_threshold,
        candidate_thresholds.current_mql_threshold,
        cast(coalesce(sum(step_counts.snapshots), 0) as {{ dbt.type_bigint() }}) as snapshots,
        cast(coalesce(sum(step_counts.converted), 0) as {{ dbt.type_bigint() }}) as converted,
        cast(
            coalesce(sum(step_counts.flow_snapshots), 0) - coalesce(sum(step_counts.stayed_snapshots), 0)
            as {{ dbt.type_bigint() }}
        ) as new_mqls,
        cast(
            coalesce(sum(step_counts.flow_converted), 0) - coalesce(sum(step_counts.stayed_converted), 0)
            as {{ dbt.type_bigint() }}
        ) as converted_new_mqls
    from candidate_thresholds
    left join step_counts
        on candidate_thresholds.scoring_model_id = step_counts.scoring_model_id
        and candidate_thresholds.segment = step_counts.segment
        and candidate_thresholds.mql_threshold <= step_counts.score_step
    group by
        candidate_thresholds.scoring_model_id,
        candidate_thresholds.segment,
        candidate_thresholds.mql_threshold,
        candidate_thresholds.current_mql_threshold

),

tradeoffs as (

    select
        at_or_above.scoring_model_id,
        at_or_above.segment,
        at_or_above.mql_threshold,
        at_or_above.mql_threshold = at_or_above.current_mql_threshold as is_current_threshold,
        at_or_above.new_mqls,
        case
            when segment_totals.flow_dates > 0
                then cast(at_or_above.new_mqls as {{ type_double() }})
                    / (segment_totals.flow_dates * {{ weeks_per_interval }})
        end as new_mqls_per_week,
        at_or_above.converted_new_mqls,
        case
            when at_or_above.new_mqls > 0
                then cast(at_or_above.converted_new_mqls as {{ type_double() }}) / at_or_above.new_mqls
        end as mql_to_opportunity_rate,
        at_or_above.snapshots as lead_snapshots_at_or_above,
        case
            when segment_totals.lead_snapshots > 0
                then cast(at_or_above.snapshots as {{ type_double() }}) / segment_totals.lead_snapshots
        end as share_of_snapshots_at_or_above,
        at_or_above.converted as converted_at_or_above,
        case
            when at_or_above.snapshots > 0
                then cast(at_or_above.converted as {{ type_double() }}) / at_or_above.snapshots
        end as precision_at_threshold,
        case
            when segment_totals.converted_snapshots > 0
                then cast(at_or_above.converted as {{ type_double() }}) / segment_totals.converted_snapshots
        end as recall_at_threshold,
        case
            when at_or_above.snapshots > 0 and segment_totals.converted_snapshots > 0
                then (cast(at_or_above.converted as {{ type_double() }}) / at_or_above.snapshots)
                    / (cast(segment_totals.converted_snapshots as {{ type_double() }}) / segment_totals.lead_snapshots)
        end as lift_at_threshold
    from at_or_above
    left join segment_totals
        on at_or_above.scoring_model_id = segment_totals.scoring_model_id
        and at_or_above.segment = segment_totals.segment

),

targets_met as (

    select
        tradeoffs.*,
        -- the targets of seed scoring_mql_targets (null when that target is not declared)
        case
            when mql_targets.max_mqls_per_week is not null
                then coalesce(tradeoffs.new_mqls_per_week, 0) <= mql_targets.max_mqls_per_week
        end as meets_capacity_target,
        case
            when mql_targets.min_opportunity_rate is not null
                then tradeoffs.new_mqls >= {{ var('threshold_target_min_new_mqls') }}
                    and tradeoffs.mql_to_opportunity_rate >= mql_targets.min_opportunity_rate
        end as meets_rate_target
    from tradeoffs
    left join mql_targets
        on tradeoffs.scoring_model_id = mql_targets.scoring_model_id
        and tradeoffs.segment = mql_targets.segment

),

final as (

    select
        {{ dbt.concat([
            'scoring_model_id', "'|'", 'segment', "'|'", dbt.cast('mql_threshold', dbt.type_string()),
        ]) }} as mql_threshold_tradeoff_id,
        *,
        case
            when meets_capacity_target is not null or meets_rate_target is not null
                then coalesce(meets_capacity_target, true) and coalesce(meets_rate_target, true)
        end as meets_targets
    from targets_met

)

select * from final
