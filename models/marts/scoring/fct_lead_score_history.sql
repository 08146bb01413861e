{#- Point-in-time scores: one row per contact, scoring model and day. A full refresh scores every
    day from history_start_date (default: as_of_date - history_days) to as_of_date; a daily run
    scores the days since the last run plus history_lookback_days, so events that arrive late
    are counted while older days, and the first-MQL dates read from them, stay as they were.
    A new scoring model (e.g. a challenger) gets rows from the days a run scores on; a full
    refresh scores it over the whole history. The other days are scored to totals without a row
    per rule (lead_score_total_ctes), which the history does not keep. The as-of date is scored
    once, by fct_lead_score_components: its row here is summed from that model's components, so
    the two agree by construction and a daily run scores one day fewer. The columns are fixed
    (on_schema_change='fail'): after a change to them, run once with --full-refresh. A run
    replaces the days it scores (replace_keys_config): delete+insert on DuckDB, their partitions
    on Spark. -#}
{{
    config(
        on_schema_change='fail',
        **replace_keys_config('score_date', key_is_day=true),
    )
}}

{%- set as_of = as_of_date() -%}
{%- if is_incremental() -%}
    {%- set latest = run_query('select max(score_date) from ' ~ this).columns[0].values()[0] if execute else none -%}
    {%- if latest is none -%}
        {%- set start_date = dbt.dateadd('day', -var('history_days'), as_of) -%}
    {%- else -%}
        {%- set start_date = "least(" ~ dbt.dateadd('day', 1 - var('history_lookback_days'), "cast('" ~ latest ~ "' as date)") ~ ", " ~ as_of ~ ")" -%}
    {%- endif -%}
{%- elif var('history_start_date') | string | trim -%}
    {%- set start_date = date_literal(var('history_start_date'), 'var history_start_date') -%}
{%- else -%}
    {%- set start_date = dbt.dateadd('day', -var('history_days'), as_of) -%}
{%- endif %}

with

history_dates as (

    {{ date_spine(start_date, as_of) }}

),

-- the days scored here: all but the as-of date
score_dates as (

    select score_date from history_dates
    where score_date < {{ as_of }}

),

{{ scoring_contacts_cte() }},

{{ lead_score_total_ctes() }},

as_of_score_date as (

    select score_date from history_dates
    where score_date = {{ as_of }}

),

{{ scoring_contacts_cte('as_of_contacts', 'as_of_score_date') }},

as_of_components as (

    select
        as_of_date as score_date,
        contact_id,
        scoring_model_id,
        rule_category,
        points_after_caps
    from {{ ref('fct_lead_score_components') }}
    where as_of_date in (select as_of_score_date.score_date from as_of_score_date)

),

history_contacts as (

    select * from scoring_contacts
    union all
    select * from as_of_contacts

),

{{ component_totals_cte('as_of_components', 'as_of_totals') }},

history_totals as (

    select * from lead_score_rule_totals
    union all
    select * from as_of_totals

),

{{ lead_score_ctes('history_totals', contacts='history_contacts') }},

rules_versions as (

    select * from {{ ref('int_scoring_rules_versioned') }}

),

final as (

    select
        -- ids
        {{ dbt.concat([
            'lead_scores.contact_id', "'|'",
            'lead_scores.scoring_model_id', "'|'",
            dbt.cast('lead_scores.score_date', dbt.type_string()),
        ]) }} as lead_score_history_id,
        lead_scores.score_date,
        lead_scores.contact_id,
        lead_scores.scoring_model_id,
        lead_scores.champion_model_id,
        lead_scores.is_champion,
        lead_scores.segment,

        -- scores
        lead_scores.fit_score,
        lead_scores.engagement_score,
        lead_scores.lead_score,
        lead_scores.grade,
        lead_scores.score_band,
        lead_scores.band_rank,
        lead_scores.mql_threshold,
        lead_scores.is_mql,

        rules_versions.rules_version
    from lead_scores
    inner join rules_versions
        on lead_scores.scoring_model_id = rules_versions.scoring_model_id

)

select * from final
