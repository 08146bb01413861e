{#- Does the band predict conversion? Per scoring model, segment (and `all` segments) and band:
    the evaluated lead snapshots of the backtest in the band, how many got an opportunity
    within conversion_window_days, and the lift over the segment's average lead. Every band of
    the seeds has a row, with 0 snapshots when none fell in it. -#}
with

score_bands as (

    select * from {{ ref('stg_scoring_rules__score_bands') }}

),

bands as (

    select
        scoring_model_id,
        segment,
        score_band,
        band_rank
    from score_bands

    union all

    select
        scoring_model_id,
        'all' as segment,
        score_band,
        min(band_rank) as band_rank
    from score_bands
    group by scoring_model_id, score_band

),

{{ evaluated_snapshots_cte(['score_band', 'days_to_opportunity']) }},

band_outcomes as (

    select
        scoring_model_id,
        segment,
        score_band,
        count(*) as lead_snapshots,
        count(case when converted = 1 then 1 end) as converted_snapshots,
        count(case when won = 1 then 1 end) as won_deal_snapshots,
        {{ median('case when converted = 1 then days_to_opportunity end') }} as median_days_to_opportunity
    from evaluated_by_segment
    group by scoring_model_id, segment, score_band

),

segment_outcomes as (

    select
        scoring_model_id,
        segment,
        sum(lead_snapshots) as lead_snapshots,
        sum(converted_snapshots) as converted_snapshots
    from band_outcomes
    group by scoring_model_id, segment

),

final as (

    select
        {{ dbt.concat(['bands.scoring_model_id', "'|'", 'bands.segment', "'|'", 'bands.score_band']) }}
            as backtest_band_conversion_id,
        bands.scoring_model_id,
        bands.segment,
        bands.score_band,
        bands.band_rank,
        coalesce(band_outcomes.lead_snapshots, 0) as lead_snapshots,
        case
            when segment_outcomes.lead_snapshots > 0
                then cast(coalesce(band_outcomes.lead_snapshots, 0) as {{ type_double() }})
                    / segment_outcomes.lead_snapshots
        end as share_of_snapshots,
        coalesce(band_outcomes.converted_snapshots, 0) as converted_snapshots,
        case
            when band_outcomes.lead_snapshots > 0
                then cast(band_outcomes.converted_snapshots as {{ type_double() }}) / band_outcomes.lead_snapshots
        end as opportunity_rate,
        case
            when band_outcomes.lead_snapshots > 0 and segment_outcomes.converted_snapshots > 0
                then (cast(band_outcomes.converted_snapshots as {{ type_double() }}) / band_outcomes.lead_snapshots)
                    / (
                        cast(segment_outcomes.converted_snapshots as {{ type_double() }})
                        / segment_outcomes.lead_snapshots
                    )
        end as lift,
        case
            when segment_outcomes.converted_snapshots > 0
                then cast(coalesce(band_outcomes.converted_snapshots, 0) as {{ type_double() }})
                    / segment_outcomes.converted_snapshots
        end as share_of_conversions,
        coalesce(band_outcomes.won_deal_snapshots, 0) as won_deal_snapshots,
        band_outcomes.median_days_to_opportunity
    from bands
    left join band_outcomes
        on bands.scoring_model_id = band_outcomes.scoring_model_id
        and bands.segment = band_outcomes.segment
        and bands.score_band = band_outcomes.score_band
    left join segment_outcomes
        on bands.scoring_model_id = segment_outcomes.scoring_model_id
        and bands.segment = segment_outcomes.segment

)

select * from final
