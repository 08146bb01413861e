{#- CTE `scoring_contacts` (or `name`): every contact that exists at the end of each score date,
    with its attributes as known then. Needs the CTE `score_dates` (or `score_dates`: its name)
    with a column score_date before it. -#}
{% macro scoring_contacts_cte(name='scoring_contacts', score_dates='score_dates') -%}
{{ name }} as (

    select
        score_dates.score_date,
        {{ dbt.dateadd('day', 1, 'score_dates.score_date') }} as score_cutoff,
        features.contact_id,
        features.company_id,
        features.email_domain,
        features.segment,
        cast(features.created_at as date) as created_date
    from {{ score_dates }}{% if score_dates != 'score_dates' %} as score_dates{% endif %}
    inner join {{ ref('int_contact_features_versioned') }} as features
        on features.valid_from < {{ dbt.dateadd('day', 1, 'score_dates.score_date') }}
        and (features.valid_to is null or features.valid_to >= {{ dbt.dateadd('day', 1, 'score_dates.score_date') }})

)
{%- endmacro %}
