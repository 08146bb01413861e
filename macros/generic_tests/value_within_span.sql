{#- Every value lies within the span of its row's key in another model, bounds included
    (e.g. an MQL threshold within its scoring model's score range). Rows without a span fail too.
    Returns one row per bad value, with a `problem`. -#}
{% test value_within_span(model, column_name, span_model, span_key, span_lower_column, span_upper_column) %}
{%- set text = dbt.type_string() -%}

with

checked as (

    select
        model_rows.{{ span_key }} as span_key,
        model_rows.{{ column_name }} as checked_value,
        spans.{{ span_lower_column }} as span_lower,
        spans.{{ span_upper_column }} as span_upper,
        spans.{{ span_key }} is null as is_span_missing
    from {{ model }} as model_rows
    left join {{ span_model }} as spans
        on model_rows.{{ span_key }} = spans.{{ span_key }}

)

select
    *,
    {{ dbt.concat([
        "'" ~ column_name ~ " '", "coalesce(cast(checked_value as " ~ text ~ "), 'null')",
        "' of " ~ span_key ~ " '", "cast(span_key as " ~ text ~ ")",
        "case when is_span_missing then ' has no span' else "
            ~ dbt.concat(["' is outside '", "cast(span_lower as " ~ text ~ ")", "'-'", "cast(span_upper as " ~ text ~ ")"])
            ~ " end",
    ]) }} as problem
from checked
where is_span_missing
    or checked_value is null
    or checked_value < span_lower
    or checked_value > span_upper

{% endtest %}
