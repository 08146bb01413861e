{{ validate_seed('scoring_models', 'scoring_model_id', [
    {'column': 'scoring_model_id', 'required': true, 'unique': true},
    {'column': 'scoring_model_name', 'required': true},
    {'column': 'min_score', 'required': true, 'number': true},
    {'column': 'max_score', 'required': true, 'number': true},
    {'column': 'max_score', 'invalid_when': "try_cast(max_score as double) <= try_cast(min_score as double)",
     'message': 'max_score must be above min_score'},
]) }}

with

scoring_models as (

    select * from {{ ref('scoring_models') }}

),

final as (

    select
        trim(scoring_model_id) as scoring_model_id,
        trim(scoring_model_name) as scoring_model_name,
        nullif(trim(product_line), '') as product_line,
        cast(min_score as {{ type_points() }}) as min_score,
        cast(max_score as {{ type_points() }}) as max_score,
        description
    from scoring_models

)

select * from final
