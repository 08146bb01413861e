{#- Every score component stays within the bounds its rule configures: a fit rule gives exactly
    its points; an engagement rule at most its max_points (in the direction of its points); an
    inactivity rule between its max_penalty and 0; and each rule group's total, cut included,
    within the group's min_points and max_points. A component of a rule that is not in the rules
    of its scoring model fails too. Rules are keyed by scoring model and rule_id (a challenger
    keeps its champion's rule ids). date_column: for components of several score dates, the
    column group totals are taken per. Returns one row per breach, with a `problem`. -#}
{% test points_within_rule_bounds(model, fit_rules, engagement_rules, inactivity_rules, rule_groups, date_column=none) %}
{%- set text = dbt.type_string() -%}

with

components as (

    select * from {{ model }}

),

rule_breaches as (

    select
        components.contact_id,
        components.scoring_model_id,
        components.rule_id,
        components.points_after_caps,
        case
            when components.rule_kind = 'fit' and fit_rules.rule_id is null
                or components.rule_kind = 'engagement' and engagement_rules.rule_id is null
                or components.rule_kind = 'inactivity' and inactivity_rules.rule_id is null
                then {{ dbt.concat(["components.rule_kind", "' rule is not in the rules'"]) }}
            when components.rule_kind = 'fit' and components.points_after_caps <> fit_rules.points
                then {{ dbt.concat(["'fit rule gives '", "cast(fit_rules.points as " ~ text ~ ")", "' points'"]) }}
            when components.rule_kind = 'engagement' and engagement_rules.points >= 0
                and (components.points_after_caps < 0
                    or components.points_after_caps > coalesce(engagement_rules.max_points, components.points_after_caps))
                then {{ dbt.concat(["'engagement rule allows 0 to '", "coalesce(cast(engagement_rules.max_points as " ~ text ~ "), 'any')"]) }}
            when components.rule_kind = 'engagement' and engagement_rules.points < 0
                and (components.points_after_caps > 0
                    or components.points_after_caps < coalesce(engagement_rules.max_points, components.points_after_caps))
                then {{ dbt.concat(["'engagement rule allows '", "coalesce(cast(engagement_rules.max_points as " ~ text ~ "), 'any')", "' to 0'"]) }}
            when components.rule_kind = 'inactivity'
                and (components.points_after_caps > 0
                    or components.points_after_caps < coalesce(inactivity_rules.max_penalty, components.points_after_caps))
                then {{ dbt.concat(["'inactivity rule allows '", "coalesce(cast(inactivity_rules.max_penalty as " ~ text ~ "), 'any')", "' to 0'"]) }}
        end as bound_text
    from components
    left join {{ fit_rules }} as fit_rules
        on components.rule_kind = 'fit'
        and components.scoring_model_id = fit_rules.scoring_model_id
        and components.rule_id = fit_rules.rule_id
    left join {{ engagement_rules }} as engagement_rules
        on components.rule_kind = 'engagement'
        and components.scoring_model_id = engagement_rules.scoring_model_id
        and components.rule_id = engagement_rules.rule_id
    left join {{ inactivity_rules }} as inactivity_rules
        on components.rule_kind = 'inactivity'
        and components.scoring_model_id = inactivity_rules.scoring_model_id
        and components.rule_id = inactivity_rules.rule_id

),

group_totals as (

    select
        {% if date_column %}components.{{ date_column }},{% endif %}
        components.contact_id,
        components.scoring_model_id,
        components.rule_group,
        sum(components.points_after_caps) as points_after_caps,
        min(rule_groups.min_points) as min_points,
        min(rule_groups.max_points) as max_points
    from components
    inner join {{ rule_groups }} as rule_groups
        on components.scoring_model_id = rule_groups.scoring_model_id
        and components.rule_group = rule_groups.rule_group
    where components.rule_kind <> 'score_clamp'
    group by {% if date_column %}components.{{ date_column }}, {% endif %}components.contact_id, components.scoring_model_id, components.rule_group

),

group_breaches as (

    select
        contact_id,
        scoring_model_id,
        {{ dbt.concat(["'group '", "rule_group"]) }} as rule_id,
        points_after_caps,
        {{ dbt.concat(["'rule group allows '", "coalesce(cast(min_points as " ~ text ~ "), 'any')",
            "' to '", "coalesce(cast(max_points as " ~ text ~ "), 'any')"]) }} as bound_text
    from group_totals
    where points_after_caps < coalesce(min_points, points_after_caps)
        or points_after_caps > coalesce(max_points, points_after_caps)

),

breaches as (

    select * from rule_breaches where bound_text is not null
    union all
    select * from group_breaches

)

select
    *,
    {{ dbt.concat(["contact_id", "' / '", "scoring_model_id", "' / '", "rule_id", "': '",
        "cast(points_after_caps as " ~ text ~ ")", "' points, but the '", "bound_text"]) }} as problem
from breaches

{% endtest %}
