{#- CTEs ending in `lead_score_rule_totals`: each lead's fit, engagement and lead score on each
    score date, one row per contact, scoring model and score date with rules that fired: the
    rule points of lead_score_rule_component_ctes held within their group's bounds, summed, and
    the sum held within the model's score range. The same scores as summing lead_score_component_ctes
    (the caps there are these cuts, as rows), without keeping a row per rule: for the days whose
    components nobody reads, e.g. the history's.
    Needs the CTEs `score_dates` (score_date) and `scoring_contacts` before it. -#}
{% macro lead_score_total_ctes() -%}

{{ lead_score_rule_component_ctes() }},

rule_group_points as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        rule_group,
        rule_category,
        sum(points_after_rule_cap) as group_points
    from rule_components
    group by score_date, contact_id, scoring_model_id, rule_group, rule_category

),

rule_group_points_capped as (

    select
        rule_group_points.score_date,
        rule_group_points.contact_id,
        rule_group_points.scoring_model_id,
        rule_group_points.rule_category,
        {{ clamped('rule_group_points.group_points', 'rule_groups.min_points', 'rule_groups.max_points') }}
            as points_after_caps
    from rule_group_points
    left join rule_groups
        on rule_group_points.scoring_model_id = rule_groups.scoring_model_id
        and rule_group_points.rule_group = rule_groups.rule_group

),

{{ component_totals_cte('rule_group_points_capped', 'rule_category_totals') }},

lead_score_rule_totals as (

    select
        rule_category_totals.score_date,
        rule_category_totals.contact_id,
        rule_category_totals.scoring_model_id,
        rule_category_totals.fit_score,
        rule_category_totals.engagement_score,
        {{ clamped('rule_category_totals.lead_score', 'scoring_models.min_score', 'scoring_models.max_score') }}
            as lead_score
    from rule_category_totals
    inner join scoring_models
        on rule_category_totals.scoring_model_id = scoring_models.scoring_model_id

)
{%- endmacro %}
