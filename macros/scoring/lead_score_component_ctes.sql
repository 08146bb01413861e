{#- CTEs ending in `lead_score_components`: why each lead's score is what it is on each score
    date, one row per contact, scoring model, score date and rule that fired (see
    lead_score_rule_component_ctes), plus the adjustments that hold group totals and the score
    within their bounds:

      group_cap__<group> the cut that holds a rule group's total within seed scoring_rule_groups
      score_clamp        the cut that holds the lead score within the model's min and max score

    Every points column is a fixed-point decimal, so the components add up to the score exactly.
    Needs the CTEs `score_dates` (score_date) and `scoring_contacts` before it. -#}
{% macro lead_score_component_ctes() -%}
{%- set points = type_points() -%}

{{ lead_score_rule_component_ctes() }},

group_totals as (

    select
        rule_components.score_date,
        rule_components.contact_id,
        rule_components.scoring_model_id,
        rule_components.rule_group,
        rule_components.rule_category,
        sum(rule_components.points_after_rule_cap) as group_points,
        max(rule_groups.min_points) as min_points,
        max(rule_groups.max_points) as max_points
    from rule_components
    inner join rule_groups
        on rule_components.scoring_model_id = rule_groups.scoring_model_id
        and rule_components.rule_group = rule_groups.rule_group
    group by 1, 2, 3, 4, 5

),

group_cap_components as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        {{ dbt.concat(["'group_cap__'", 'rule_group']) }} as rule_id,
        'group_cap' as rule_kind,
        rule_category,
        rule_group,
        0 as occurrences,
        cast(0 as {{ points }}) as raw_points,
        cast(0 as {{ points }}) as points_after_decay,
        cast(
            {{ clamped('group_points', 'min_points', 'max_points') }}
            - group_points
        as {{ points }}) as points_after_rule_cap
    from group_totals
    where group_points < coalesce(min_points, group_points)
        or group_points > coalesce(max_points, group_points)

),

capped_components as (

    select * from rule_components
    union all
    select * from group_cap_components

),

score_totals as (

    select
        capped_components.score_date,
        capped_components.contact_id,
        capped_components.scoring_model_id,
        sum(capped_components.points_after_rule_cap) as total_points,
        max(scoring_models.min_score) as min_score,
        max(scoring_models.max_score) as max_score
    from capped_components
    inner join scoring_models
        on capped_components.scoring_model_id = scoring_models.scoring_model_id
    group by 1, 2, 3

),

clamp_components as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        'score_clamp' as rule_id,
        'score_clamp' as rule_kind,
        'adjustment' as rule_category,
        cast(null as {{ dbt.type_string() }}) as rule_group,
        0 as occurrences,
        cast(0 as {{ points }}) as raw_points,
        cast(0 as {{ points }}) as points_after_decay,
        cast({{ clamped('total_points', 'min_score', 'max_score') }} - total_points as {{ points }}) as points_after_rule_cap
    from score_totals
    where total_points < min_score or total_points > max_score

),

lead_score_components as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        rule_id,
        rule_kind,
        rule_category,
        rule_group,
        cast(occurrences as {{ dbt.type_bigint() }}) as occurrences,
        raw_points,
        case when raw_points <> 0 then cast(points_after_decay as {{ type_double() }}) / cast(raw_points as {{ type_double() }}) end as decay_factor,
        points_after_decay,
        cast(points_after_rule_cap as {{ points }}) as points_after_caps
    from capped_components

    union all

    select
        score_date,
        contact_id,
        scoring_model_id,
        rule_id,
        rule_kind,
        rule_category,
        rule_group,
        cast(occurrences as {{ dbt.type_bigint() }}) as occurrences,
        raw_points,
        cast(null as {{ type_double() }}) as decay_factor,
        points_after_decay,
        points_after_rule_cap as points_after_caps
    from clamp_components

)
{%- endmacro %}
