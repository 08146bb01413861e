{#- Conversion by score decile, per scoring model and segment (and `all` segments): the
    evaluated lead snapshots of the backtest ranked by score, decile 1 the top tenth. Tied
    scores stay together, in the decile where the tie ends, so a decile can be missing (e.g. when
    a third of the leads score 0, they all land in decile 10 and deciles 7 to 9 have no row).
    The cumulative shares answer "calling the top k deciles reaches what share of the leads
    that converted?" (the gain curve). -#}
with

{{ evaluated_snapshots_cte(['lead_score']) }},

ranked as (

    select
        scoring_model_id,
        segment,
        lead_score,
        converted,
        cast(ceiling(10 * cume_dist() over (
            partition by scoring_model_id, segment order by lead_score desc
        )) as {{ dbt.type_int() }}) as score_decile
    from evaluated_by_segment

),

decile_outcomes as (

    select
        scoring_model_id,
        segment,
        score_decile,
        count(*) as lead_snapshots,
        min(lead_score) as min_score,
        max(lead_score) as max_score,
        count(case when converted = 1 then 1 end) as converted_snapshots
    from ranked
    group by scoring_model_id, segment, score_decile

),

with_totals as (

    select
        *,
        sum(lead_snapshots) over (partition by scoring_model_id, segment) as segment_snapshots,
        sum(converted_snapshots) over (partition by scoring_model_id, segment) as segment_converted,
        sum(lead_snapshots) over (
            partition by scoring_model_id, segment
            order by score_decile rows between unbounded preceding and current row
        ) as cumulative_snapshots,
        sum(converted_snapshots) over (
            partition by scoring_model_id, segment
            order by score_decile rows between unbounded preceding and current row
        ) as cumulative_converted
    from decile_outcomes

),

final as (

    select
        {{ dbt.concat(['scoring_model_id', "'|'", 'segment', "'|'", dbt.cast('score_decile', dbt.type_string())]) }}
            as backtest_decile_conversion_id,
        scoring_model_id,
        segment,
        score_decile,
        min_score,
        max_score,
        lead_snapshots,
        converted_snapshots,
        cast(converted_snapshots as {{ type_double() }}) / lead_snapshots as opportunity_rate,
        case
            when segment_converted > 0
                then (cast(converted_snapshots as {{ type_double() }}) / lead_snapshots)
                    / (cast(segment_converted as {{ type_double() }}) / segment_snapshots)
        end as lift,
        cast(cumulative_snapshots as {{ type_double() }}) / segment_snapshots as cumulative_share_of_snapshots,
        case
            when segment_converted > 0
                then cast(cumulative_converted as {{ type_double() }}) / segment_converted
        end as cumulative_share_of_conversions
    from with_totals

)

select * from final
