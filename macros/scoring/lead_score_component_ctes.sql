{#- CTEs ending in `lead_score_components`: why each lead's score is what it is on each score
    date, one row per contact, scoring model, score date and rule that fired, plus the
    adjustments that hold group totals and the score within their bounds:

      fit rules          points of the rules the contact version valid that day meets
      engagement rules   per occurrence: points x decay(age); the most recent max_occurrences
                         per window of window_days count; the total is capped at max_points
      inactivity rules   points_per_period for each full period without activity after grace_days
      group_cap__<group> the cut that holds a rule group's total within seed scoring_rule_groups
      score_clamp        the cut that holds the lead score within the model's min and max score

    Every points column is a fixed-point decimal, so the components add up to the score exactly.
    Needs the CTEs `score_dates` (score_date) and `scoring_contacts` before it. -#}
{% macro lead_score_component_ctes() -%}
{%- set points = type_points() -%}

scoring_models as (

    select * from {{ ref('stg_scoring_rules__models') }}

),

engagement_rules as (

    select * from {{ ref('stg_scoring_rules__engagement_rules') }}

),

inactivity_rules as (

    select * from {{ ref('stg_scoring_rules__inactivity_rules') }}

),

decay_policies as (

    select * from {{ ref('stg_scoring_rules__decay_policies') }}

),

rule_groups as (

    select * from {{ ref('stg_scoring_rules__rule_groups') }}

),

engagement_days as (

    select
        events.contact_id,
        events.event_date,
        events.event_type
    from {{ ref('int_events_aggregated_daily') }} as events
    inner join {{ ref('event_types') }} as event_types
        on events.event_type = event_types.event_type
    where event_types.is_engagement

),

fit_components as (

    select
        scoring_contacts.score_date,
        scoring_contacts.contact_id,
        matches.scoring_model_id,
        matches.rule_id,
        'fit' as rule_kind,
        'fit' as rule_category,
        matches.rule_group,
        1 as occurrences,
        matches.points as raw_points,
        matches.points as points_after_decay,
        matches.points as points_after_rule_cap
    from scoring_contacts
    inner join {{ ref('int_contact_fit_rules_matched') }} as matches
        on scoring_contacts.contact_id = matches.contact_id
        and matches.valid_from < scoring_contacts.score_cutoff
        and (matches.valid_to is null or matches.valid_to >= scoring_contacts.score_cutoff)

),

rule_activity as (

    select
        scoring_contacts.score_date,
        scoring_contacts.contact_id,
        engagement_rules.scoring_model_id,
        engagement_rules.rule_id,
        engagement_rules.rule_group,
        engagement_rules.points,
        engagement_rules.max_occurrences,
        engagement_rules.window_days,
        engagement_rules.max_points,
        events.event_date,
        events.occurrences,
        {{ dbt.datediff('events.event_date', 'scoring_contacts.score_date', 'day') }} as age_days,
        {{ decay_factor(
            'cast(' ~ dbt.datediff('events.event_date', 'scoring_contacts.score_date', 'day') ~ ' as ' ~ type_double() ~ ')',
            policy='decay_policies', points='engagement_rules.points') }} as decay_factor
    from scoring_contacts
    inner join {{ ref('int_events_aggregated_daily') }} as events
        on scoring_contacts.contact_id = events.contact_id
        and events.event_date <= scoring_contacts.score_date
    inner join engagement_rules
        on events.event_type = engagement_rules.event_type
        and (engagement_rules.qualifier is null or events.event_qualifier = engagement_rules.qualifier)
    inner join decay_policies
        on engagement_rules.decay_policy_id = decay_policies.decay_policy_id

),

rule_activity_counted as (

    select
        *,
        case
            when max_occurrences is null then occurrences
            else least(occurrences, greatest(0, max_occurrences - coalesce(sum(occurrences) over (
                partition by score_date, contact_id, scoring_model_id, rule_id, floor(age_days / window_days)
                order by event_date desc
                rows between unbounded preceding and 1 preceding
            ), 0)))
        end as counted_occurrences
    from rule_activity

),

engagement_components as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        rule_id,
        'engagement' as rule_kind,
        'engagement' as rule_category,
        rule_group,
        sum(occurrences) as occurrences,
        cast(sum(occurrences) * max(points) as {{ points }}) as raw_points,
        cast(sum(occurrences * points * decay_factor) as {{ points }}) as points_after_decay,
        cast({{ capped_points('sum(counted_occurrences * points * decay_factor)', 'max(max_points)') }} as {{ points }})
            as points_after_rule_cap
    from rule_activity_counted
    group by score_date, contact_id, scoring_model_id, rule_id, rule_group

),

-- the last engagement day of each type, and of any type ('*'), up to each score date
last_activity_by_type as (

    select
        scoring_contacts.score_date,
        scoring_contacts.contact_id,
        engagement_days.event_type,
        max(engagement_days.event_date) as last_activity_date
    from scoring_contacts
    inner join engagement_days
        on scoring_contacts.contact_id = engagement_days.contact_id
        and engagement_days.event_date <= scoring_contacts.score_date
    group by 1, 2, 3

),

last_activity_by_key as (

    select * from last_activity_by_type

    union all

    select score_date, contact_id, '*' as event_type, max(last_activity_date) as last_activity_date
    from last_activity_by_type
    group by score_date, contact_id

),

last_activity as (

    select
        scoring_contacts.score_date,
        scoring_contacts.contact_id,
        scoring_contacts.created_date,
        inactivity_rules.scoring_model_id,
        inactivity_rules.rule_id,
        last_activity_by_key.last_activity_date
    from scoring_contacts
    cross join inactivity_rules
    left join last_activity_by_key
        on scoring_contacts.score_date = last_activity_by_key.score_date
        and scoring_contacts.contact_id = last_activity_by_key.contact_id
        and coalesce(inactivity_rules.event_type, '*') = last_activity_by_key.event_type

),

inactive_periods as (

    select
        last_activity.score_date,
        last_activity.contact_id,
        inactivity_rules.scoring_model_id,
        inactivity_rules.rule_id,
        inactivity_rules.rule_group,
        inactivity_rules.points_per_period,
        inactivity_rules.max_penalty,
        floor(greatest(
            {{ dbt.datediff('coalesce(last_activity.last_activity_date, last_activity.created_date)', 'last_activity.score_date', 'day') }}
                - inactivity_rules.grace_days,
            0
        ) / inactivity_rules.period_days) as periods
    from last_activity
    inner join inactivity_rules
        on last_activity.scoring_model_id = inactivity_rules.scoring_model_id
        and last_activity.rule_id = inactivity_rules.rule_id

),

inactivity_components as (

    select
        score_date,
        contact_id,
        scoring_model_id,
        rule_id,
        'inactivity' as rule_kind,
        'engagement' as rule_category,
        rule_group,
        cast(periods as {{ dbt.type_bigint() }}) as occurrences,
        cast(periods * points_per_period as {{ points }}) as raw_points,
        cast(periods * points_per_period as {{ points }}) as points_after_decay,
        cast({{ capped_points('periods * points_per_period', 'max_penalty') }} as {{ points }}) as points_after_rule_cap
    from inactive_periods
    where periods > 0

),

rule_components as (

    select * from fit_components
    union all
    select * from engagement_components
    union all
    select * from inactivity_components

),

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
