{#- Exactly one row for every combination of the parents' keys (e.g. every contact scored once
    per scoring model): returns the combinations with no row or with more than one.
    columns: the key columns, in the same order as parents, each named the same in its parent.
    parent_filters: optional conditions on the parents, in the same order (empty for none). -#}
{% test one_row_per_combination(model, columns, parents, parent_filters=[]) %}
{%- set key_text = [] -%}
{%- for column in columns -%}
    {%- do key_text.append("'" ~ (', ' if not loop.first else '') ~ column ~ "='") -%}
    {%- do key_text.append("coalesce(cast(coalesce(expected." ~ column ~ ", actual." ~ column ~ ") as " ~ dbt.type_string() ~ "), 'null')") -%}
{%- endfor -%}

with

expected as (

    select
        {% for column in columns -%}
        parent_{{ loop.index }}.{{ column }}{{ ',' if not loop.last }}
        {% endfor -%}
    from
        {% for parent in parents -%}
        (
            {%- set parent_filter = parent_filters[loop.index0] if parent_filters | length > loop.index0 else none %}
            select distinct {{ columns[loop.index0] }} from {{ parent }}
            {%- if parent_filter %} where {{ parent_filter }}{% endif %}
        ) as parent_{{ loop.index }}
        {{- ' cross join' if not loop.last }}
        {% endfor %}

),

actual as (

    select
        {{ columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns | join(', ') }}

)

select
    {% for column in columns -%}
    coalesce(expected.{{ column }}, actual.{{ column }}) as {{ column }},
    {% endfor -%}
    coalesce(actual.row_count, 0) as row_count,
    {{ dbt.concat(key_text + [
        "case when actual.row_count is null then ': no row'"
        ~ " when expected." ~ columns[0] ~ " is null then ': a row for no combination of the parents'"
        ~ " else ': repeated' end",
    ]) }} as problem
from expected
full outer join actual
    on {% for column in columns -%}
    expected.{{ column }} = actual.{{ column }}{{ ' and ' if not loop.last }}
    {%- endfor %}
where actual.row_count is null
    or expected.{{ columns[0] }} is null
    or actual.row_count > 1

{% endtest %}
