{{ validate_seed('scoring_rule_groups', 'rule_group', [
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'rule_group', 'required': true, 'unique': ['scoring_model_id', 'rule_group']},
    {'column': 'min_points', 'number': true},
    {'column': 'max_points', 'number': true},
    {'column': 'min_points', 'invalid_when': "try_cast(min_points as double) > 0",
     'message': 'min_points is a floor for negative points and must not be above 0'},
    {'column': 'max_points', 'invalid_when': "try_cast(max_points as double) < 0",
     'message': 'max_points is a ceiling for positive points and must not be below 0'},
]) }}

with

rule_groups as (

    select * from {{ ref('scoring_rule_groups') }}

),

final as (

    select
        trim(scoring_model_id) as scoring_model_id,
        trim(rule_group) as rule_group,
        cast(min_points as {{ type_points() }}) as min_points,
        cast(max_points as {{ type_points() }}) as max_points,
        description
    from rule_groups

)

select * from final
