{#- Bands of a model and segment, ordered by band_rank (1 = best), must tile the model's score
    range: the best band ends at max_score, each band starts where the next one ends, and the
    last one starts at min_score. -#}
{%- set bands = ref('scoring_score_bands') -%}
{%- set models = ref('scoring_models') -%}
{%- set neighbour -%}
    from {{ bands }} as other
    where other.scoring_model_id = seed_rows.scoring_model_id and other.segment = seed_rows.segment
{%- endset -%}

{%- set known_segment_missing = "trim(segment) <> 'unknown' and trim(segment) not in (select segment from "
    ~ ref('company_size_bands') ~ ")" -%}
{%- set unknown_segment_message = "segment must be 'unknown' or a segment of seed company_size_bands" -%}

{{ validate_seed('scoring_score_bands', 'score_band', [
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'segment', 'required': true, 'invalid_when': known_segment_missing, 'message': unknown_segment_message},
    {'column': 'score_band', 'required': true, 'unique': ['scoring_model_id', 'segment', 'score_band']},
    {'column': 'band_rank', 'required': true, 'number': 'integer', 'unique': ['scoring_model_id', 'segment', 'band_rank']},
    {'column': 'min_score', 'required': true, 'number': true},
    {'column': 'max_score', 'required': true, 'number': true},
    {'column': 'max_score', 'invalid_when': "try_cast(max_score as double) <= try_cast(min_score as double)",
     'message': 'max_score must be above min_score'},
    {'column': 'max_score',
     'invalid_when': "try_cast(band_rank as double) > 1 and not exists (select 1 " ~ neighbour ~ " and try_cast(other.band_rank as double) = try_cast(seed_rows.band_rank as double) - 1 and try_cast(other.min_score as double) = try_cast(seed_rows.max_score as double))",
     'message': 'bands overlap or leave a gap: max_score must equal the min_score of the band ranked just above'},
    {'column': 'min_score',
     'invalid_when': "exists (select 1 " ~ neighbour ~ " and try_cast(other.band_rank as double) > try_cast(seed_rows.band_rank as double)) and not exists (select 1 " ~ neighbour ~ " and try_cast(other.band_rank as double) = try_cast(seed_rows.band_rank as double) + 1 and try_cast(other.max_score as double) = try_cast(seed_rows.min_score as double))",
     'message': 'bands overlap or leave a gap: min_score must equal the max_score of the band ranked just below'},
    {'column': 'max_score',
     'invalid_when': "try_cast(band_rank as double) = 1 and try_cast(max_score as double) <> (select try_cast(max(m.max_score) as double) from " ~ models ~ " as m where m.scoring_model_id = seed_rows.scoring_model_id)",
     'message': "the best band (band_rank 1) must end at the scoring model's max_score"},
    {'column': 'min_score',
     'invalid_when': "try_cast(band_rank as double) = (select max(try_cast(other.band_rank as double)) " ~ neighbour ~ ") and try_cast(min_score as double) <> (select try_cast(max(m.min_score) as double) from " ~ models ~ " as m where m.scoring_model_id = seed_rows.scoring_model_id)",
     'message': "the lowest band must start at the scoring model's min_score"},
]) }}

with

score_bands as (

    select * from {{ ref('scoring_score_bands') }}

),

final as (

    select
        trim(scoring_model_id) as scoring_model_id,
        trim(segment) as segment,
        trim(score_band) as score_band,
        cast(band_rank as {{ dbt.type_int() }}) as band_rank,
        cast(min_score as {{ type_points() }}) as min_score,
        cast(max_score as {{ type_points() }}) as max_score
    from score_bands

)

select * from final
