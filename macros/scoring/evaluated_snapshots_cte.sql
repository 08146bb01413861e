{#- CTEs ending in `evaluated_by_segment`: the evaluated lead snapshots of the backtest
    (fct_backtest_lead_scores where is_evaluated), each once in its segment and once more in
    segment `all`, with scoring_model_id, segment, converted and won (1 or 0: an opportunity in
    the conversion window, and a won deal) and the given columns of fct_backtest_lead_scores. -#}
{% macro evaluated_snapshots_cte(columns) -%}
evaluated_snapshots as (

    select
        scoring_model_id,
        segment,
        case when has_opportunity then 1 else 0 end as converted,
        case when has_won_deal then 1 else 0 end as won,
        {{ columns | join(',\n        ') }}
    from {{ ref('fct_backtest_lead_scores') }}
    where is_evaluated

),

evaluated_by_segment as (

    select * from evaluated_snapshots

    union all

    select
        scoring_model_id,
        'all' as segment,
        converted,
        won,
        {{ columns | join(',\n        ') }}
    from evaluated_snapshots

)
{%- endmacro %}
