{#- The share of leads in each band, per scoring model and segment, lies within the bounds of
    seed scoring_band_share_bounds at the given level ('warn' or 'error'): a rule change that
    floods sales with hot leads, or empties a band, is caught before BI reads the marts.
    A bounds row with an empty scoring_model_id or segment applies to all of them; the most
    specific row wins. Segments with fewer than min_segment_leads leads are too small for their
    shares to mean much and are skipped; at level 'error', a segment with no scored lead at all
    fails. Returns one row per breach, with a `problem` naming model, segment, band and share. -#}
{% test band_shares_within_bounds(model, bounds, level, min_segment_leads=none) %}
{%- if level not in ('warn', 'error') -%}
    {{ exceptions.raise_compiler_error("band_shares_within_bounds: level must be 'warn' or 'error', not '" ~ level ~ "'") }}
{%- endif -%}
{%- set min_leads = min_segment_leads if min_segment_leads is not none else var('band_share_min_segment_leads') -%}
{%- set text = dbt.type_string() -%}
{%- set percent = "cast(round(100 * {value}, 1) as " ~ text ~ ")" -%}

with

distribution as (

    select * from {{ model }}

),

bounds as (

    select * from {{ bounds }}

),

bounds_matched as (

    select
        distribution.scoring_model_id,
        distribution.segment,
        distribution.score_band,
        distribution.leads,
        distribution.segment_leads,
        distribution.share_of_segment,
        bounds.{{ level }}_min_share as min_share,
        bounds.{{ level }}_max_share as max_share,
        row_number() over (
            partition by distribution.scoring_model_id, distribution.segment, distribution.score_band
            order by
                case when bounds.scoring_model_id is null then 0 else 2 end
                + case when bounds.segment is null then 0 else 1 end desc
        ) as specificity_rank
    from distribution
    inner join bounds
        on distribution.score_band = bounds.score_band
        and (bounds.scoring_model_id is null or distribution.scoring_model_id = bounds.scoring_model_id)
        and (bounds.segment is null or distribution.segment = bounds.segment)
    where distribution.segment_leads >= {{ min_leads }}
        and distribution.segment_leads > 0

),

share_breaches as (

    select
        scoring_model_id,
        segment,
        score_band,
        leads,
        segment_leads,
        share_of_segment,
        case when share_of_segment < min_share then min_share else max_share end as bound,
        {{ dbt.concat([
            "scoring_model_id", "' / '", "segment", "': '", "score_band", "' share '",
            percent.format(value='share_of_segment'), "' % ('",
            "cast(leads as " ~ text ~ ")", "' of '", "cast(segment_leads as " ~ text ~ ")", "' leads) is '",
            "case when share_of_segment < min_share then 'below' else 'above' end",
            "' the " ~ level ~ " bound of '",
            percent.format(value='case when share_of_segment < min_share then min_share else max_share end'),
            "' %'",
        ]) }} as problem
    from bounds_matched
    where specificity_rank = 1
        and (share_of_segment < min_share or share_of_segment > max_share)

)

{%- if level == 'error' %},

empty_segments as (

    select distinct
        scoring_model_id,
        segment,
        cast(null as {{ text }}) as score_band,
        0 as leads,
        0 as segment_leads,
        cast(null as {{ type_double() }}) as share_of_segment,
        cast(null as {{ type_double() }}) as bound,
        {{ dbt.concat(["scoring_model_id", "' / '", "segment", "': no lead is scored in this segment'"]) }} as problem
    from distribution
    where segment_leads = 0

)

select * from share_breaches
union all
select * from empty_segments
{%- else %}

select * from share_breaches
{%- endif %}

{% endtest %}
