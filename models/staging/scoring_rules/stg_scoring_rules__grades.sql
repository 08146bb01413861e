{{ validate_seed('scoring_grades', 'grade', [
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'grade', 'required': true, 'unique': ['scoring_model_id', 'grade']},
    {'column': 'min_fit_score', 'number': true, 'unique': ['scoring_model_id', 'min_fit_score']},
]) }}

with

grades as (

    select * from {{ ref('scoring_grades') }}

),

final as (

    select
        trim(scoring_model_id) as scoring_model_id,
        trim(grade) as grade,
        -- the lowest grade has no minimum: it takes every fit score below the others
        cast(min_fit_score as {{ type_points() }}) as min_fit_score,
        description
    from grades

)

select * from final
