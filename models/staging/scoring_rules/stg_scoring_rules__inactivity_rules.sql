{{ validate_seed('scoring_inactivity_rules', 'rule_id', [
    {'column': 'rule_id', 'required': true, 'unique': ['scoring_model_id', 'rule_id']},
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'rule_group', 'required': true},
    {'column': 'event_type', 'references': {'seed': 'event_types', 'column': 'event_type'}},
    {'column': 'grace_days', 'required': true, 'number': 'integer'},
    {'column': 'period_days', 'required': true, 'number': 'integer'},
    {'column': 'period_days', 'invalid_when': "try_cast(period_days as double) <= 0", 'message': 'period_days must be positive'},
    {'column': 'grace_days', 'invalid_when': "try_cast(grace_days as double) < 0", 'message': 'grace_days must not be negative'},
    {'column': 'points_per_period', 'required': true, 'number': true},
    {'column': 'points_per_period', 'invalid_when': "try_cast(points_per_period as double) >= 0", 'message': 'an inactivity penalty must be negative'},
    {'column': 'max_penalty', 'number': true},
    {'column': 'max_penalty', 'invalid_when': "try_cast(max_penalty as double) >= 0", 'message': 'max_penalty is a floor and must be negative'},
]) }}

with

inactivity_rules as (

    select * from {{ ref('scoring_inactivity_rules') }}

),

final as (

    select
        trim(rule_id) as rule_id,
        trim(scoring_model_id) as scoring_model_id,
        trim(rule_group) as rule_group,
        nullif(trim(event_type), '') as event_type,
        cast(grace_days as {{ dbt.type_int() }}) as grace_days,
        cast(period_days as {{ dbt.type_int() }}) as period_days,
        cast(points_per_period as {{ type_points() }}) as points_per_period,
        cast(max_penalty as {{ type_points() }}) as max_penalty,
        description
    from inactivity_rules

)

select * from final
