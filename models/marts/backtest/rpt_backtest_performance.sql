{#- How well the current rules rank leads, per scoring model and segment (and `all` segments),
    over the backtest: every evaluated lead snapshot of fct_backtest_lead_scores, pooled over
    the backtest dates.

      auc                 the chance that a lead that converted scored higher than one that did
                          not (ties count half): 0.5 is a coin toss, 1 a perfect ranking. Computed
                          from score ranks (Mann-Whitney), standard error after Hanley & McNeil.
      precision, recall   of being an MQL on the date, for getting an opportunity in the window
      new MQLs            leads reaching the threshold for the first time in the backtest: the
                          flow sales receives; their opportunity rate is the MQL-to-opportunity
                          rate, days_to_opportunity the time it took. -#}
{%- set weeks_per_interval = var('backtest_interval_days') / 7 -%}

with

{{ evaluated_snapshots_cte([
    'backtest_date', 'contact_id', 'lead_score', 'is_mql', 'is_new_mql', 'days_to_opportunity',
]) }},

score_ties as (

    select
        scoring_model_id,
        segment,
        lead_score,
        count(*) as snapshots,
        sum(converted) as converted
    from evaluated_by_segment
    group by scoring_model_id, segment, lead_score

),

score_ranks as (

    select
        scoring_model_id,
        segment,
        snapshots,
        converted,
        -- the average rank of the tied snapshots at this score (1 = lowest score)
        coalesce(sum(snapshots) over (
            partition by scoring_model_id, segment
            order by lead_score
            rows between unbounded preceding and 1 preceding
        ), 0) + (snapshots + 1) / 2.0 as average_rank
    from score_ties

),

rank_sums as (

    select
        scoring_model_id,
        segment,
        cast(sum(converted) as {{ type_double() }}) as positives,
        cast(sum(snapshots) - sum(converted) as {{ type_double() }}) as negatives,
        sum(converted * average_rank) as positive_rank_sum
    from score_ranks
    group by scoring_model_id, segment

),

auc as (

    select
        scoring_model_id,
        segment,
        case
            when positives > 0 and negatives > 0
                then (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
        end as auc,
        positives,
        negatives
    from rank_sums

),

auc_with_error as (

    select
        scoring_model_id,
        segment,
        auc,
        sqrt(
            (
                auc * (1 - auc)
                + (positives - 1) * (auc / (2 - auc) - auc * auc)
                + (negatives - 1) * (2 * auc * auc / (1 + auc) - auc * auc)
            ) / (positives * negatives)
        ) as auc_standard_error
    from auc

),

snapshot_counts as (

    select
        scoring_model_id,
        segment,
        count(distinct backtest_date) as backtest_dates,
        min(backtest_date) as first_backtest_date,
        max(backtest_date) as last_backtest_date,
        count(*) as lead_snapshots,
        count(distinct contact_id) as leads,
        count(case when converted = 1 then 1 end) as converted_snapshots,
        count(case when won = 1 then 1 end) as won_deal_snapshots,
        count(case when is_mql then 1 end) as mql_snapshots,
        count(case when is_mql and converted = 1 then 1 end) as converted_mql_snapshots,
        count(case when is_mql and won = 1 then 1 end) as won_deal_mql_snapshots,
        count(distinct case when is_new_mql is not null then backtest_date end) as flow_dates,
        count(case when is_new_mql then 1 end) as new_mqls,
        count(case when is_new_mql and converted = 1 then 1 end) as converted_new_mqls,
        {{ median('case when is_new_mql and converted = 1 then days_to_opportunity end') }}
            as median_days_to_opportunity
    from evaluated_by_segment
    group by scoring_model_id, segment

),

final as (

    select
        {{ dbt.concat(['snapshot_counts.scoring_model_id', "'|'", 'snapshot_counts.segment']) }}
            as backtest_performance_id,
        snapshot_counts.scoring_model_id,
        snapshot_counts.segment,

        -- what was backtested
        snapshot_counts.backtest_dates,
        snapshot_counts.first_backtest_date,
        snapshot_counts.last_backtest_date,
        snapshot_counts.lead_snapshots,
        snapshot_counts.leads,
        snapshot_counts.converted_snapshots,
        cast(snapshot_counts.converted_snapshots as {{ type_double() }}) / snapshot_counts.lead_snapshots
            as opportunity_rate,

        -- ranking
        auc_with_error.auc,
        auc_with_error.auc_standard_error,

        -- at the MQL thresholds
        snapshot_counts.mql_snapshots,
        snapshot_counts.converted_mql_snapshots,
        case
            when snapshot_counts.mql_snapshots > 0
                then cast(snapshot_counts.converted_mql_snapshots as {{ type_double() }})
                    / snapshot_counts.mql_snapshots
        end as precision_at_threshold,
        case
            when snapshot_counts.converted_snapshots > 0
                then cast(snapshot_counts.converted_mql_snapshots as {{ type_double() }})
                    / snapshot_counts.converted_snapshots
        end as recall_at_threshold,
        case
            when snapshot_counts.mql_snapshots > 0 and snapshot_counts.converted_snapshots > 0
                then (
                    cast(snapshot_counts.converted_mql_snapshots as {{ type_double() }}) / snapshot_counts.mql_snapshots
                )
                / (
                    cast(snapshot_counts.converted_snapshots as {{ type_double() }}) / snapshot_counts.lead_snapshots
                )
        end as lift_at_threshold,

        -- the flow of new MQLs
        snapshot_counts.new_mqls,
        case
            when snapshot_counts.flow_dates > 0
                then cast(snapshot_counts.new_mqls as {{ type_double() }})
                    / (snapshot_counts.flow_dates * {{ weeks_per_interval }})
        end as new_mqls_per_week,
        snapshot_counts.converted_new_mqls,
        case
            when snapshot_counts.new_mqls > 0
                then cast(snapshot_counts.converted_new_mqls as {{ type_double() }}) / snapshot_counts.new_mqls
        end as mql_to_opportunity_rate,
        snapshot_counts.median_days_to_opportunity,

        -- deals
        snapshot_counts.won_deal_snapshots,
        snapshot_counts.won_deal_mql_snapshots
    from snapshot_counts
    left join auc_with_error
        on snapshot_counts.scoring_model_id = auc_with_error.scoring_model_id
        and snapshot_counts.segment = auc_with_error.segment

)

select * from final
