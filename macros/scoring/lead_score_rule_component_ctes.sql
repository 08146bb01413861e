{#- CTEs ending in `rule_components`: the points of every rule that fired, per contact, scoring
    model and score date, before the group caps and the score clamp:

      fit rules          points of the rules the contact version valid that day meets
      engagement rules   per occurrence: points x decay(age); the most recent max_occurrences
                         per window of window_days count; the total is capped at max_points
      inactivity rules   points_per_period for each full period without activity after grace_days

    Every points column is a fixed-point decimal. Also defines the CTEs scoring_models and
    rule_groups, for the caps that follow (lead_score_component_ctes, lead_score_total_ctes).
    Needs the CTEs `score_dates` (score_date) and `scoring_contacts` before it. -#}
{% macro lead_score_rule_component_ctes() -%}
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

engagement_events as (

    select events.*
    from {{ ref('int_events_aggregated_daily') }} as events
    inner join {{ ref('event_types') }} as event_types
        on events.event_type = event_types.event_type
    where event_types.is_engagement

),

-- the days each contact engaged, by event type; the days before the first score date matter
-- only through the last of them
engagement_days as (

    select
        contact_id,
        event_type,
        max(event_date) as event_date
    from engagement_events
    where event_date < (select min(score_dates.score_date) from score_dates)
    group by contact_id, event_type

    union all

    select distinct
        contact_id,
        event_type,
        event_date
    from engagement_events
    where event_date >= (select min(score_dates.score_date) from score_dates)
        and event_date <= (select max(score_dates.score_date) from score_dates)

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

-- each contact's events matched to the engagement rules, per day: once, for every score date
rule_days as (

    select
        events.contact_id,
        engagement_rules.scoring_model_id,
        engagement_rules.rule_id,
        events.event_date,
        sum(events.occurrences) as occurrences
    from {{ ref('int_events_aggregated_daily') }} as events
    inner join engagement_rules
        on events.event_type = engagement_rules.event_type
        and (engagement_rules.qualifier is null or events.event_qualifier = engagement_rules.qualifier)
    where events.event_date <= (select max(score_dates.score_date) from score_dates)
    group by 1, 2, 3, 4

),

{{ rule_days_within_reach_of_max_occurrences('rule_days', 'engagement_rules') }},

-- a number for each contact and rule, so that the work per score date below sorts and groups
-- on one integer instead of three strings; and when the contact came to exist
contact_rules as (

    select
        rule_days.contact_id,
        rule_days.scoring_model_id,
        rule_days.rule_id,
        contacts.first_valid_from,
        row_number() over (order by rule_days.contact_id, rule_days.scoring_model_id, rule_days.rule_id) as contact_rule_key
    from rule_days
    inner join (
        select
            contact_id,
            min(valid_from) as first_valid_from
        from {{ ref('int_contact_features_versioned') }}
        group by contact_id
    ) as contacts
        on rule_days.contact_id = contacts.contact_id
    group by rule_days.contact_id, rule_days.scoring_model_id, rule_days.rule_id, contacts.first_valid_from

),

-- with what the rule makes of them: its points, cap and decay; and whether decay has taken all
-- of the day's points by the first score date (decay never gives points back as days pass)
rule_days_with_rules as (

    select
        contact_rules.contact_rule_key,
        contact_rules.first_valid_from,
        rule_days.event_date,
        rule_days.occurrences,
        rule_days.is_within_reach_of_max_occurrences,
        engagement_rules.points,
        engagement_rules.max_occurrences,
        engagement_rules.window_days,
        decay_policies.decay_type,
        decay_policies.half_life_days,
        decay_policies.lifetime_days,
        decay_policies.expiry_days,
        decay_policies.step_days,
        decay_policies.step_points,
        -- never unknown: a day this cannot tell about is scored as any other, not dropped
        coalesce(
            rule_days.event_date <= first_score_date.score_date
            and {{ decay_factor(
                'cast(' ~ dbt.datediff('rule_days.event_date', 'first_score_date.score_date', 'day') ~ ' as ' ~ type_double() ~ ')',
                policy='decay_policies', points='engagement_rules.points') }} = 0,
            false
        ) as is_spent
    from rule_days_within_reach_of_max_occurrences as rule_days
    inner join contact_rules
        on rule_days.contact_id = contact_rules.contact_id
        and rule_days.scoring_model_id = contact_rules.scoring_model_id
        and rule_days.rule_id = contact_rules.rule_id
    inner join engagement_rules
        on rule_days.scoring_model_id = engagement_rules.scoring_model_id
        and rule_days.rule_id = engagement_rules.rule_id
    inner join decay_policies
        on engagement_rules.decay_policy_id = decay_policies.decay_policy_id
    cross join (select min(score_dates.score_date) as score_date from score_dates) as first_score_date

),

-- the days spent by the first score date still count their occurrences, but are worth nothing
-- on any score date and are older than every day that is worth points, so no cap counts them
-- against a later day: one row per contact and rule holds them all, dated on the last of them
{%- set rule_columns = [
    'contact_rule_key', 'first_valid_from', 'points', 'max_occurrences', 'window_days', 'decay_type',
    'half_life_days', 'lifetime_days', 'expiry_days', 'step_days', 'step_points'] %}
rule_days_to_score as (

    select
        {{ rule_columns | join(',\n        ') }},
        event_date,
        occurrences,
        is_within_reach_of_max_occurrences
    from rule_days_with_rules
    where not is_spent

    union all

    select
        {{ rule_columns | join(',\n        ') }},
        max(event_date) as event_date,
        sum(occurrences) as occurrences,
        false as is_within_reach_of_max_occurrences
    from rule_days_with_rules
    where is_spent
    group by
        {{ rule_columns | join(',\n        ') }}

),

{#- each rule day on each score date from the day on, with its age and what decay leaves of its
    points; the days within reach of a cap and the others are two CTEs, each read once, so that
    the engine streams them instead of holding every day of every score date at once -#}
{%- set rule_activity -%}
    select
        score_dates.score_date,
        rule_days.contact_rule_key,
        rule_days.event_date,
        rule_days.occurrences,
        rule_days.points,
        rule_days.max_occurrences,
        rule_days.window_days,
        {{ dbt.datediff('rule_days.event_date', 'score_dates.score_date', 'day') }} as age_days,
        {{ decay_factor(
            'cast(' ~ dbt.datediff('rule_days.event_date', 'score_dates.score_date', 'day') ~ ' as ' ~ type_double() ~ ')',
            policy='rule_days', points='rule_days.points') }} as decay_factor
    from score_dates
    inner join rule_days_to_score as rule_days
        on rule_days.event_date <= score_dates.score_date
        -- the contact exists at the end of the score date, as in scoring_contacts
        and rule_days.first_valid_from < {{ dbt.dateadd('day', 1, 'score_dates.score_date') }}
{%- endset -%}

rule_activity_beyond_reach as (

    {{ rule_activity }}
    where not rule_days.is_within_reach_of_max_occurrences

),

rule_activity_within_reach as (

    {{ rule_activity }}
    where rule_days.is_within_reach_of_max_occurrences

),

-- the most recent max_occurrences per window of window_days (counted back from the score date)
-- count; one row per day, so the running sum's default frame ends at the current day. The days
-- worth nothing on the score date are a window of their own: each is older than every day still
-- worth points, so it would change no other day's count, and it counts 0 points itself
rule_activity_counted as (

    select
        score_date,
        contact_rule_key,
        occurrences,
        occurrences * points * decay_factor as points_after_decay,
        occurrences * points * decay_factor as points_counted
    from rule_activity_beyond_reach

    union all

    select
        score_date,
        contact_rule_key,
        occurrences,
        occurrences * points * decay_factor as points_after_decay,
        least(occurrences, greatest(0, max_occurrences - (sum(occurrences) over (
            partition by score_date, contact_rule_key, floor(age_days / window_days), decay_factor > 0
            order by event_date desc
        ) - occurrences))) * points * decay_factor as points_counted
    from rule_activity_within_reach

),

rule_activity_totals as (

    select
        score_date,
        contact_rule_key,
        sum(occurrences) as occurrences,
        sum(points_after_decay) as points_after_decay,
        sum(points_counted) as points_counted
    from rule_activity_counted
    group by score_date, contact_rule_key

),

engagement_components as (

    select
        totals.score_date,
        contact_rules.contact_id,
        contact_rules.scoring_model_id,
        contact_rules.rule_id,
        'engagement' as rule_kind,
        'engagement' as rule_category,
        engagement_rules.rule_group,
        totals.occurrences,
        cast(totals.occurrences * engagement_rules.points as {{ points }}) as raw_points,
        cast(totals.points_after_decay as {{ points }}) as points_after_decay,
        cast({{ capped_points('totals.points_counted', 'engagement_rules.max_points') }} as {{ points }})
            as points_after_rule_cap
    from rule_activity_totals as totals
    inner join contact_rules
        on totals.contact_rule_key = contact_rules.contact_rule_key
    inner join engagement_rules
        on contact_rules.scoring_model_id = engagement_rules.scoring_model_id
        and contact_rules.rule_id = engagement_rules.rule_id

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

)
{%- endmacro %}
