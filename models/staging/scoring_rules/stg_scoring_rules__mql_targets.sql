{{ validate_seed('scoring_mql_targets', 'segment', [
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'segment', 'required': true, 'unique': ['scoring_model_id', 'segment'],
     'invalid_when': "trim(segment) <> 'unknown' and trim(segment) not in (select segment from " ~ ref('company_size_bands') ~ ")",
     'message': "segment must be 'unknown' or a segment of seed company_size_bands"},
    {'column': 'max_mqls_per_week', 'number': true},
    {'column': 'max_mqls_per_week', 'invalid_when': "try_cast(max_mqls_per_week as double) <= 0",
     'message': 'a sales capacity is a positive number of MQLs a week'},
    {'column': 'min_opportunity_rate', 'number': true},
    {'column': 'min_opportunity_rate',
     'invalid_when': "try_cast(min_opportunity_rate as double) <= 0 or try_cast(min_opportunity_rate as double) > 1",
     'message': 'a minimum opportunity rate lies above 0 and at most 1'},
    {'column': 'max_mqls_per_week',
     'invalid_when': "nullif(trim(max_mqls_per_week), '') is null and nullif(trim(min_opportunity_rate), '') is null",
     'message': 'declare max_mqls_per_week, min_opportunity_rate or both'},
]) }}

with

mql_targets as (

    select * from {{ ref('scoring_mql_targets') }}

),

final as (

    select
        trim(scoring_model_id) as scoring_model_id,
        trim(segment) as segment,
        cast(nullif(trim(max_mqls_per_week), '') as {{ type_double() }}) as max_mqls_per_week,
        cast(nullif(trim(min_opportunity_rate), '') as {{ type_double() }}) as min_opportunity_rate,
        description
    from mql_targets

)

select * from final
