{%- set numeric_operators = ['greater_than', 'greater_or_equal', 'less_than', 'less_or_equal'] -%}
{%- set number_attributes = [] -%}
{%- for attribute, kind in fit_attributes().items() if kind == 'number' -%}
    {%- do number_attributes.append(attribute) -%}
{%- endfor -%}

{%- set rule_group_shared -%}
    exists (
        select 1 from {{ ref('scoring_engagement_rules') }} as other
        where trim(other.scoring_model_id) = trim(seed_rows.scoring_model_id) and trim(other.rule_group) = trim(seed_rows.rule_group)
        union all
        select 1 from {{ ref('scoring_inactivity_rules') }} as other
        where trim(other.scoring_model_id) = trim(seed_rows.scoring_model_id) and trim(other.rule_group) = trim(seed_rows.rule_group)
    )
{%- endset -%}

{{ validate_seed('scoring_fit_rules', 'rule_id', [
    {'column': 'rule_id', 'required': true, 'unique': ['scoring_model_id', 'rule_id']},
    {'column': 'scoring_model_id', 'required': true, 'references': {'seed': 'scoring_models', 'column': 'scoring_model_id'}},
    {'column': 'rule_group', 'required': true},
    {'column': 'attribute', 'required': true, 'accepted_values': fit_attributes().keys() | list},
    {'column': 'operator', 'required': true, 'accepted_values': fit_operators().keys() | list},
    {'column': 'points', 'required': true, 'number': true},
    {'column': 'value',
     'invalid_when': "nullif(trim(value), '') is null and trim(operator) not in ('is_null', 'is_not_null')",
     'message': 'a value is required for this operator'},
    {'column': 'value',
     'invalid_when': "trim(operator) in ('" ~ numeric_operators | join("', '") ~ "') and try_cast(trim(value) as double) is null",
     'message': 'this operator compares numbers: the value must be a number'},
    {'column': 'value',
     'invalid_when': "trim(operator) = 'between' and (try_cast(" ~ dbt.split_part('value', "'|'", 1) ~ " as double) is null or try_cast(" ~ dbt.split_part('value', "'|'", 2) ~ " as double) is null)",
     'message': 'between takes two numbers as low|high'},
    {'column': 'attribute',
     'invalid_when': "trim(operator) in ('" ~ (numeric_operators + ['between']) | join("', '") ~ "') and trim(attribute) not in ('" ~ number_attributes | join("', '") ~ "')",
     'message': 'numeric operators apply to number attributes only (' ~ number_attributes | join(', ') ~ ')'},
    {'column': 'rule_group', 'invalid_when': rule_group_shared,
     'message': 'a rule group holds either fit rules or engagement and inactivity rules: its cap bounds one of the two scores'},
]) }}

with

fit_rules as (

    select * from {{ ref('scoring_fit_rules') }}

),

final as (

    select
        -- ids
        trim(rule_id) as rule_id,
        trim(scoring_model_id) as scoring_model_id,
        trim(rule_group) as rule_group,

        -- condition
        trim(attribute) as attribute,
        trim(operator) as operator,
        lower(trim(value)) as value_text,
        trim(value) as value_pattern,
        {{ try_cast_to('trim(value)', type_double()) }} as value_number,
        {{ try_cast_to(dbt.split_part('value', "'|'", 1), type_double()) }} as value_low,
        {{ try_cast_to(dbt.split_part('value', "'|'", 2), type_double()) }} as value_high,

        -- points
        cast(points as {{ type_points() }}) as points,
        description
    from fit_rules

)

select * from final
