{{ validate_seed('scoring_engagement_rules', 'rule_id', [
    {'column': 'rule_id', 'required': true, 'unique': ['scoring_model_id', 'rule_id']},
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'rule_group', 'required': true},
    {'column': 'event_type', 'required': true, 'references': {'seed': 'event_types', 'column': 'event_type'}},
    {'column': 'qualifier', 'unique': ['scoring_model_id', 'event_type', 'qualifier']},
    {'column': 'points', 'required': true, 'number': true},
    {'column': 'points', 'invalid_when': "try_cast(points as double) = 0", 'message': 'points must not be 0'},
    {'column': 'max_occurrences', 'number': 'integer'},
    {'column': 'window_days', 'number': 'integer'},
    {'column': 'max_points', 'number': true},
    {'column': 'max_points',
     'invalid_when': "try_cast(max_points as double) * try_cast(points as double) < 0",
     'message': 'max_points must have the same sign as points (a ceiling for gains, a floor for penalties)'},
    {'column': 'window_days',
     'invalid_when': "(nullif(trim(max_occurrences), '') is null) <> (nullif(trim(window_days), '') is null) or try_cast(window_days as double) <= 0 or try_cast(max_occurrences as double) <= 0",
     'message': 'max_occurrences and window_days go together, both positive'},
    {'column': 'decay_policy_id', 'required': true, 'references': {'seed': 'scoring_decay_policies', 'column': 'decay_policy_id'}},
    {'column': 'qualifier',
     'invalid_when': "nullif(trim(qualifier), '') is null and (select count(*) from " ~ ref('scoring_engagement_rules') ~ " as same_type where same_type.scoring_model_id = seed_rows.scoring_model_id and same_type.event_type = seed_rows.event_type) > 1",
     'message': 'a rule without qualifier matches every event of its type, so it must be the only rule for that event type'},
]) }}

with

engagement_rules as (

    select * from {{ ref('scoring_engagement_rules') }}

),

final as (

    select
        -- ids
        trim(rule_id) as rule_id,
        trim(scoring_model_id) as scoring_model_id,
        trim(rule_group) as rule_group,

        -- what it matches
        trim(event_type) as event_type,
        lower(nullif(trim(qualifier), '')) as qualifier,

        -- points, caps and decay
        cast(points as {{ type_points() }}) as points,
        cast(max_occurrences as {{ dbt.type_int() }}) as max_occurrences,
        cast(window_days as {{ dbt.type_int() }}) as window_days,
        cast(max_points as {{ type_points() }}) as max_points,
        trim(decay_policy_id) as decay_policy_id,
        description
    from engagement_rules

)

select * from final
