{#- CTE `scoring_contacts`: every contact that exists at the end of each score date, with its
    attributes as known then. Needs a CTE `score_dates` (score_date) before it. -#}
{% macro scoring_contacts_cte() -%}
scoring_contacts as (

    select
        score_dates.score_date,
        {{ dbt.dateadd('day', 1, 'score_dates.score_date') }} as score_cutoff,
        features.contact_id,
        features.company_id,
        features.email_domain,
        features.segment,
        cast(features.created_at as date) as created_date
    from score_dates
    inner join {{ ref('int_contact_features_versioned') }} as features
        on features.valid_from < {{ dbt.dateadd('day', 1, 'score_dates.score_date') }}
        and (features.valid_to is null or features.valid_to >= {{ dbt.dateadd('day', 1, 'score_dates.score_date') }})

)
{%- endmacro %}
