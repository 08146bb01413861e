{%- set models = ref('scoring_models') -%}

{{ validate_seed('scoring_models', 'scoring_model_id', [
    {'column': 'scoring_model_id', 'required': true, 'unique': true},
    {'column': 'scoring_model_name', 'required': true},
    {'column': 'challenger_of', 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'challenger_of', 'invalid_when': "trim(challenger_of) = trim(scoring_model_id)",
     'message': 'a scoring model cannot challenge itself'},
    {'column': 'challenger_of',
     'invalid_when': "trim(challenger_of) <> trim(scoring_model_id) and exists (select 1 from " ~ models ~ " as champion where trim(champion.scoring_model_id) = trim(seed_rows.challenger_of) and nullif(trim(champion.challenger_of), '') is not null)",
     'message': 'challenger_of must name a champion: that model is itself a challenger'},
    {'column': 'product_line',
     'invalid_when': "exists (select 1 from " ~ models ~ " as champion where trim(champion.scoring_model_id) = trim(seed_rows.challenger_of) and coalesce(nullif(trim(champion.product_line), ''), '') <> coalesce(nullif(trim(seed_rows.product_line), ''), ''))",
     'message': "a challenger scores its champion's leads and conversions: product_line must be the champion's"},
    {'column': 'min_score', 'required': true, 'number': true},
    {'column': 'max_score', 'required': true, 'number': true},
    {'column': 'max_score', 'invalid_when': "try_cast(max_score as double) <= try_cast(min_score as double)",
     'message': 'max_score must be above min_score'},
]) }}

with

scoring_models as (

    select * from {{ models }}

),

final as (

    select
        -- ids
        trim(scoring_model_id) as scoring_model_id,
        trim(scoring_model_name) as scoring_model_name,

        -- champion and challenger
        nullif(trim(challenger_of), '') as challenger_of,
        coalesce(nullif(trim(challenger_of), ''), trim(scoring_model_id)) as champion_model_id,
        nullif(trim(challenger_of), '') is null as is_champion,

        -- scoring
        nullif(trim(product_line), '') as product_line,
        cast(min_score as {{ type_points() }}) as min_score,
        cast(max_score as {{ type_points() }}) as max_score,
        description
    from scoring_models

)

select * from final
