{#- CTE `component_totals` (or `name`): the fit, engagement and lead score of each contact, scoring
    model and score date, summed from the components CTE named by `components` (score_date,
    contact_id, scoring_model_id, rule_category, points_after_caps): what lead_score_ctes reads. -#}
{% macro component_totals_cte(components, name='component_totals') -%}
{{ name }} as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        sum(case when rule_category = 'fit' then points_after_caps else 0 end) as fit_score,
        sum(case when rule_category = 'engagement' then points_after_caps else 0 end) as engagement_score,
        sum(points_after_caps) as lead_score
    from {{ components }}
    group by score_date, contact_id, scoring_model_id

)
{%- endmacro %}
