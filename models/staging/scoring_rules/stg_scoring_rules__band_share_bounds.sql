{%- set shares = ['warn_min_share', 'warn_max_share', 'error_min_share', 'error_max_share'] -%}
{%- set share_checks = [] -%}
{%- for share in shares -%}
    {%- do share_checks.append({'column': share, 'number': true}) -%}
    {%- do share_checks.append({'column': share,
        'invalid_when': "try_cast(" ~ share ~ " as double) < 0 or try_cast(" ~ share ~ " as double) > 1",
        'message': 'a share lies between 0 and 1'}) -%}
{%- endfor -%}

{{ validate_seed('scoring_band_share_bounds', 'score_band', [
    {'column': 'scoring_model_id', 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'segment',
     'invalid_when': "nullif(trim(segment), '') is not null and trim(segment) <> 'unknown' and trim(segment) not in (select segment from " ~ ref('company_size_bands') ~ ")",
     'message': "segment must be empty, 'unknown' or a segment of seed company_size_bands"},
    {'column': 'score_band', 'required': true, 'unique': ['scoring_model_id', 'segment', 'score_band'],
     'invalid_when': "trim(score_band) not in (select trim(score_band) from " ~ ref('scoring_score_bands') ~ ")",
     'message': 'score_band must be a band of seed scoring_score_bands'},
    {'column': 'warn_max_share',
     'invalid_when': "try_cast(warn_max_share as double) > try_cast(error_max_share as double)",
     'message': 'the warning bound must not be looser than the error bound (warn_max_share <= error_max_share)'},
    {'column': 'warn_min_share',
     'invalid_when': "try_cast(warn_min_share as double) < try_cast(error_min_share as double)",
     'message': 'the warning bound must not be looser than the error bound (warn_min_share >= error_min_share)'},
] + share_checks) }}

with

band_share_bounds as (

    select * from {{ ref('scoring_band_share_bounds') }}

),

final as (

    select
        nullif(trim(scoring_model_id), '') as scoring_model_id,
        nullif(trim(segment), '') as segment,
        trim(score_band) as score_band,
        cast(nullif(trim(warn_min_share), '') as {{ type_double() }}) as warn_min_share,
        cast(nullif(trim(warn_max_share), '') as {{ type_double() }}) as warn_max_share,
        cast(nullif(trim(error_min_share), '') as {{ type_double() }}) as error_min_share,
        cast(nullif(trim(error_max_share), '') as {{ type_double() }}) as error_max_share,
        description
    from band_share_bounds

)

select * from final
