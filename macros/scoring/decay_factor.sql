{#- The share (0 to 1) of an action's points left age_days after it, under its rule's decay policy.
    policy: alias of a row of stg_scoring_rules__decay_policies; points: the points per occurrence.
      none       1
      half_life  0.5 ^ (age / half_life_days)
      linear     1 - age / lifetime_days, not below 0
      expiry     1 before expiry_days, then 0
      step       (|points| - step_points * floor(age / step_days)) / |points|, not below 0 -#}
{% macro decay_factor(age_days, policy='policy', points='points') -%}
    case {{ policy }}.decay_type
        when 'none' then 1.0
        when 'half_life' then power(0.5, ({{ age_days }}) / {{ policy }}.half_life_days)
        when 'linear' then greatest(0.0, 1.0 - ({{ age_days }}) / {{ policy }}.lifetime_days)
        when 'expiry' then case when ({{ age_days }}) < {{ policy }}.expiry_days then 1.0 else 0.0 end
        when 'step' then greatest(
            0.0,
            1.0 - {{ policy }}.step_points * floor(({{ age_days }}) / {{ policy }}.step_days) / abs({{ points }})
        )
    end
{%- endmacro %}
