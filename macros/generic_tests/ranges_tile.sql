{#- Ranges (e.g. score bands) tile a span without gap or overlap, per partition (e.g. scoring
    model and segment). Ordered by rank (1 = the highest range), each range runs from lower to
    upper with lower < upper; the highest ends at the span's upper bound, each next one ends where
    the one above starts, and the lowest starts at the span's lower bound. The span of a partition
    comes from span_model, joined on span_key. Returns one row per bad range, with a `problem`. -#}
{% test ranges_tile(model, partition_by, rank_column, lower_column, upper_column, span_model, span_key, span_lower_column, span_upper_column) %}
{%- set text = dbt.type_string() -%}
{%- set name_parts = [] -%}
{%- for column in partition_by -%}
    {%- do name_parts.append("cast(" ~ column ~ " as " ~ text ~ ")") -%}
    {%- do name_parts.append("' / '") -%}
{%- endfor -%}
{%- do name_parts.append("'rank '") -%}
{%- do name_parts.append("cast(range_rank as " ~ text ~ ")") -%}

with

ranges as (

    select
        {{ partition_by | join(', ') }},
        {{ span_key }} as span_key,
        {{ rank_column }} as range_rank,
        {{ lower_column }} as range_lower,
        {{ upper_column }} as range_upper,
        lag({{ lower_column }}) over (
            partition by {{ partition_by | join(', ') }} order by {{ rank_column }}
        ) as lower_of_range_above,
        row_number() over (
            partition by {{ partition_by | join(', ') }} order by {{ rank_column }} desc
        ) as rank_from_bottom
    from {{ model }}

),

spans as (

    select
        {{ span_key }} as span_key,
        {{ span_lower_column }} as span_lower,
        {{ span_upper_column }} as span_upper
    from {{ span_model }}

),

checked as (

    select
        ranges.*,
        spans.span_lower,
        spans.span_upper,
        case
            when spans.span_key is null
                then 'has no span'
            when ranges.range_lower >= ranges.range_upper
                then {{ dbt.concat(["'lower bound '", "cast(ranges.range_lower as " ~ text ~ ")",
                    "' is not below upper bound '", "cast(ranges.range_upper as " ~ text ~ ")"]) }}
            when ranges.lower_of_range_above is null and ranges.range_upper <> spans.span_upper
                then {{ dbt.concat(["'the highest range ends at '", "cast(ranges.range_upper as " ~ text ~ ")",
                    "', not at the upper bound '", "cast(spans.span_upper as " ~ text ~ ")"]) }}
            when ranges.lower_of_range_above < ranges.range_upper
                then {{ dbt.concat(["'overlaps the range ranked above, which starts at '",
                    "cast(ranges.lower_of_range_above as " ~ text ~ ")"]) }}
            when ranges.lower_of_range_above > ranges.range_upper
                then {{ dbt.concat(["'leaves a gap below the range ranked above, which starts at '",
                    "cast(ranges.lower_of_range_above as " ~ text ~ ")"]) }}
            when ranges.rank_from_bottom = 1 and ranges.range_lower <> spans.span_lower
                then {{ dbt.concat(["'the lowest range starts at '", "cast(ranges.range_lower as " ~ text ~ ")",
                    "', not at the lower bound '", "cast(spans.span_lower as " ~ text ~ ")"]) }}
        end as problem_detail
    from ranges
    left join spans
        on ranges.span_key = spans.span_key

)

select
    *,
    {{ dbt.concat(name_parts + ["': '", "problem_detail"]) }} as problem
from checked
where problem_detail is not null

{% endtest %}
