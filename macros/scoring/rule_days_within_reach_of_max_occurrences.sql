{#- CTE `rule_days_within_reach_of_max_occurrences`: the rows of `rule_days` (contact_id,
    scoring_model_id, rule_id, event_date, occurrences; one row per day) flagged
    is_within_reach_of_max_occurrences when a rule's max_occurrences may hold back some of the
    occurrences of that day, or of a day in the same window, on some score date. Days not flagged
    count in full on every score date, so the window function that counts the most recent
    occurrences need not run over them: an optimisation only, the scores are the same.

    default: every day of a rule with max_occurrences is flagged.
    duckdb: a day is flagged when its own and the next window_days - 1 days' occurrences exceed
    max_occurrences (only then can a window hold more than the cap behind it), or when it lies
    within window_days - 1 days after such a day (its occurrences may be the ones that fill the
    cap); range frames with a per-row offset make this one pass. -#}
{% macro rule_days_within_reach_of_max_occurrences(rule_days, engagement_rules) -%}
    {{ return(adapter.dispatch('rule_days_within_reach_of_max_occurrences', 'lead_scoring')(rule_days, engagement_rules)) }}
{%- endmacro %}

{% macro default__rule_days_within_reach_of_max_occurrences(rule_days, engagement_rules) -%}
rule_days_within_reach_of_max_occurrences as (

    select
        {{ rule_days }}.*,
        {{ engagement_rules }}.max_occurrences is not null as is_within_reach_of_max_occurrences
    from {{ rule_days }}
    inner join {{ engagement_rules }}
        on {{ rule_days }}.scoring_model_id = {{ engagement_rules }}.scoring_model_id
        and {{ rule_days }}.rule_id = {{ engagement_rules }}.rule_id

)
{%- endmacro %}

{% macro duckdb__rule_days_within_reach_of_max_occurrences(rule_days, engagement_rules) -%}
rule_days_with_window_span as (

    select
        {{ rule_days }}.*,
        {{ engagement_rules }}.max_occurrences,
        -- the days after a day that share a window with it
        coalesce({{ engagement_rules }}.window_days, 1) - 1 as window_span_days
    from {{ rule_days }}
    inner join {{ engagement_rules }}
        on {{ rule_days }}.scoring_model_id = {{ engagement_rules }}.scoring_model_id
        and {{ rule_days }}.rule_id = {{ engagement_rules }}.rule_id

),

rule_days_over_max_occurrences as (

    select
        *,
        coalesce(sum(occurrences) over (
            partition by contact_id, scoring_model_id, rule_id
            order by event_date
            range between current row and window_span_days following
        ) > max_occurrences, false) as is_over_max_occurrences
    from rule_days_with_window_span

),

rule_days_within_reach_of_max_occurrences as (

    select
        contact_id,
        scoring_model_id,
        rule_id,
        event_date,
        occurrences,
        bool_or(is_over_max_occurrences) over (
            partition by contact_id, scoring_model_id, rule_id
            order by event_date
            range between window_span_days preceding and current row
        ) as is_within_reach_of_max_occurrences
    from rule_days_over_max_occurrences

)
{%- endmacro %}
