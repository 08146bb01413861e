{#- The fit rules each contact version meets: one row per contact version and matching rule. -#}
with

contact_features as (

    select * from {{ ref('int_contact_features_versioned') }}

),

fit_rules as (

    select * from {{ ref('stg_scoring_rules__fit_rules') }}

),

final as (

    select
        -- ids
        features.contact_id,
        fit_rules.scoring_model_id,
        fit_rules.rule_id,
        fit_rules.rule_group,

        -- validity of the contact version
        features.valid_from,
        features.valid_to,

        -- points
        fit_rules.points
    from contact_features as features
    inner join fit_rules
        on {{ fit_condition(features='features', rules='fit_rules') }}

)

select * from final
