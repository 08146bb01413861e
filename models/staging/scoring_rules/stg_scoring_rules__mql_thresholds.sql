{{ validate_seed('scoring_mql_thresholds', 'segment', [
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'segment', 'required': true, 'unique': ['scoring_model_id', 'segment'],
     'invalid_when': "trim(segment) <> 'unknown' and trim(segment) not in (select segment from " ~ ref('company_size_bands') ~ ")",
     'message': "segment must be 'unknown' or a segment of seed company_size_bands"},
    {'column': 'mql_threshold', 'required': true, 'number': true},
    {'column': 'mql_threshold',
     'invalid_when': "not exists (select 1 from " ~ ref('scoring_models') ~ " as m where m.scoring_model_id = seed_rows.scoring_model_id and try_cast(seed_rows.mql_threshold as double) > try_cast(m.min_score as double) and try_cast(seed_rows.mql_threshold as double) <= try_cast(m.max_score as double))",
     'message': "the MQL threshold must lie inside the scoring model's score range (above min_score, at most max_score)"},
]) }}

with

mql_thresholds as (

    select * from {{ ref('scoring_mql_thresholds') }}

),

final as (

    select
        trim(scoring_model_id) as scoring_model_id,
        trim(segment) as segment,
        cast(mql_threshold as {{ type_points() }}) as mql_threshold,
        description
    from mql_thresholds

)

select * from final
