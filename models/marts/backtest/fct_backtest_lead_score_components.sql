{#- The components of every lead's score as of each backtest date (macro backtest_dates), by the
    current rules: the same engine and columns as fct_lead_score_components, scored with only
    what was known at the end of that date (events up to it, the contact version valid then).
    The features scripts/calibrate.py fits the rules' points on. -#}
with

score_dates as (

    {{ backtest_dates() }}

),

{{ scoring_contacts_cte() }},

{{ lead_score_component_ctes() }},

rules_versions as (

    select * from {{ ref('int_scoring_rules_versioned') }}

),

final as (

    select
        -- ids
        {{ dbt.concat([
            'lead_score_components.contact_id', "'|'",
            'lead_score_components.scoring_model_id', "'|'",
            dbt.cast('lead_score_components.score_date', dbt.type_string()), "'|'",
            'lead_score_components.rule_id',
        ]) }} as backtest_lead_score_component_id,
        lead_score_components.score_date as backtest_date,
        lead_score_components.contact_id,
        lead_score_components.scoring_model_id,
        lead_score_components.rule_id,

        -- the rule
        lead_score_components.rule_kind,
        lead_score_components.rule_category,
        lead_score_components.rule_group,

        -- points
        lead_score_components.occurrences,
        lead_score_components.raw_points,
        lead_score_components.decay_factor,
        lead_score_components.points_after_decay,
        lead_score_components.points_after_caps,

        rules_versions.rules_version
    from lead_score_components
    inner join rules_versions
        on lead_score_components.scoring_model_id = rules_versions.scoring_model_id

)

select * from final
