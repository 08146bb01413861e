{#- Every row's totals equal the sum of its components, exactly (use fixed-point decimals).
    keys: columns joining the model to its components. totals: {total column: condition selecting
    the components that add up to it, or none for all of them}. A row without components must
    have totals of 0. Returns the rows whose totals differ, with a `problem`. -#}
{% test components_add_up(model, components, keys, points_column, totals) %}

with

component_sums as (

    select
        {{ keys | join(', ') }},
        {% for total, condition in totals.items() -%}
        sum({% if condition %}case when {{ condition }} then {{ points_column }} else 0 end{% else %}{{ points_column }}{% endif %}) as {{ total }}{{ ',' if not loop.last }}
        {% endfor -%}
    from {{ components }}
    group by {{ keys | join(', ') }}

),

compared as (

    select
        {% for key in keys -%}
        model_rows.{{ key }},
        {% endfor -%}
        {% for total in totals -%}
        model_rows.{{ total }},
        coalesce(component_sums.{{ total }}, 0) as {{ total }}_from_components{{ ',' if not loop.last }}
        {% endfor -%}
    from {{ model }} as model_rows
    left join component_sums
        on {% for key in keys -%}
        model_rows.{{ key }} = component_sums.{{ key }}{{ ' and ' if not loop.last }}
        {%- endfor %}

)

select
    *,
    case
        {% for total in totals -%}
        when {{ total }} is null or {{ total }} <> {{ total }}_from_components
            then {{ dbt.concat(["'" ~ total ~ " '", "coalesce(cast(" ~ total ~ " as " ~ dbt.type_string() ~ "), 'null')",
                "' <> sum of components '", "cast(" ~ total ~ "_from_components as " ~ dbt.type_string() ~ ")"]) }}
        {% endfor -%}
    end as problem
from compared
where {% for total in totals -%}
    {{ total }} is null or {{ total }} <> {{ total }}_from_components{{ ' or ' if not loop.last }}
    {%- endfor %}

{% endtest %}
