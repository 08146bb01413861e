{#- The rules_version of each scoring model: a hash of every seed row that shapes its scores,
    its own rule rows and the shared mappings, so that any change to them gives a new version
    and a reordering of rows does not. The hash is of content only: the model's own id (and
    its name, description and challenger_of) are left out, so a challenger forked unchanged
    from its champion has the champion's version, and a promoted challenger keeps its own. -#}
{%- set model_seeds = ['scoring_models', 'scoring_fit_rules', 'scoring_engagement_rules', 'scoring_inactivity_rules',
                       'scoring_rule_groups', 'scoring_score_bands', 'scoring_mql_thresholds', 'scoring_grades'] -%}
{#- columns that name a model rather than shape its scores -#}
{%- set naming_columns = {
    'scoring_models': ['scoring_model_id', 'scoring_model_name', 'challenger_of', 'description'],
} -%}
{%- set shared_seeds = ['scoring_decay_policies', 'event_types', 'page_categories', 'content_types', 'email_domains',
                        'company_size_bands', 'revenue_bands', 'countries'] -%}

with

scoring_models as (

    select scoring_model_id from {{ ref('stg_scoring_rules__models') }}

),

seed_rows as (

    {%- for seed in model_seeds %}
        {%- set content = row_text(ref(seed), exclude=naming_columns.get(seed, ['scoring_model_id'])) %}
        select
            trim(scoring_model_id) as scoring_model_id,
            {{ dbt.concat(["'" ~ seed ~ ":'", content]) }} as row_text
        from {{ ref(seed) }}
        union all
    {%- endfor %}
    {%- for seed in shared_seeds %}
        select
            scoring_models.scoring_model_id,
            {{ dbt.concat(["'" ~ seed ~ ":'", row_text(ref(seed))]) }} as row_text
        from {{ ref(seed) }}
        cross join scoring_models
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

final as (

    select
        scoring_model_id,
        substr({{ sorted_rows_hash('row_text') }}, 1, 12) as rules_version
    from seed_rows
    where scoring_model_id in (select scoring_models.scoring_model_id from scoring_models)
    group by scoring_model_id

)

select * from final
