{#- Leads per scoring model, segment and band as of the as-of date, with their share of the
    segment; bands without leads are listed with 0. -#}
with

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

score_bands as (

    select * from {{ ref('stg_scoring_rules__score_bands') }}

),

segment_totals as (

    select
        scoring_model_id,
        segment,
        count(*) as segment_leads
    from lead_scores
    group by scoring_model_id, segment

),

band_totals as (

    select
        scoring_model_id,
        segment,
        score_band,
        count(*) as leads,
        count(case when is_mql then 1 end) as mql_leads,
        -- the decimal sum is exact, so the mean does not depend on the order rows are added in
        cast(sum(lead_score) as {{ type_double() }}) / count(*) as average_lead_score
    from lead_scores
    group by scoring_model_id, segment, score_band

),

final as (

    select
        {{ dbt.concat([
            'score_bands.scoring_model_id', "'|'", 'score_bands.segment', "'|'", 'score_bands.score_band',
        ]) }} as score_band_distribution_id,
        score_bands.scoring_model_id,
        score_bands.segment,
        score_bands.score_band,
        score_bands.band_rank,
        score_bands.min_score,
        score_bands.max_score,
        coalesce(band_totals.leads, 0) as leads,
        coalesce(band_totals.mql_leads, 0) as mql_leads,
        coalesce(segment_totals.segment_leads, 0) as segment_leads,
        case
            when segment_totals.segment_leads > 0
                then cast(coalesce(band_totals.leads, 0) as {{ type_double() }}) / segment_totals.segment_leads
            else 0
        end as share_of_segment,
        band_totals.average_lead_score,
        {{ as_of_date() }} as as_of_date
    from score_bands
    left join band_totals
        on score_bands.scoring_model_id = band_totals.scoring_model_id
        and score_bands.segment = band_totals.segment
        and score_bands.score_band = band_totals.score_band
    left join segment_totals
        on score_bands.scoring_model_id = segment_totals.scoring_model_id
        and score_bands.segment = segment_totals.segment

)

select * from final
