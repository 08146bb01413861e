{%- set parameter_checks = [] -%}
{%- for decay_type, parameters in decay_types().items() -%}
    {%- for parameter in parameters -%}
        {%- do parameter_checks.append({
            'column': parameter,
            'invalid_when': "trim(decay_type) = '" ~ decay_type ~ "' and not coalesce(try_cast(" ~ parameter ~ " as double) > 0, false)",
            'message': 'decay type ' ~ decay_type ~ ' needs a positive ' ~ parameter,
        }) -%}
    {%- endfor -%}
{%- endfor -%}

{{ validate_seed('scoring_decay_policies', 'decay_policy_id', [
    {'column': 'decay_policy_id', 'required': true, 'unique': true},
    {'column': 'decay_type', 'required': true, 'accepted_values': decay_types().keys() | list},
    {'column': 'half_life_days', 'number': true},
    {'column': 'lifetime_days', 'number': true},
    {'column': 'expiry_days', 'number': true},
    {'column': 'step_days', 'number': true},
    {'column': 'step_points', 'number': true},
] + parameter_checks) }}

with

decay_policies as (

    select * from {{ ref('scoring_decay_policies') }}

),

final as (

    select
        trim(decay_policy_id) as decay_policy_id,
        trim(decay_type) as decay_type,
        cast(half_life_days as {{ type_double() }}) as half_life_days,
        cast(lifetime_days as {{ type_double() }}) as lifetime_days,
        cast(expiry_days as {{ type_double() }}) as expiry_days,
        cast(step_days as {{ type_double() }}) as step_days,
        cast(step_points as {{ type_double() }}) as step_points,
        description
    from decay_policies

)

select * from final
