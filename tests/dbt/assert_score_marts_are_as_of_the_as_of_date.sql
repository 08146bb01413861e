-- The live score marts hold the as-of date of this run: the history's as-of date is summed from
-- fct_lead_score_components, so a components table left from a run as of another date (a build
-- that selected the history without it) would score every lead 0 on that day.
with

components as (

    select * from {{ ref('fct_lead_score_components') }}

),

lead_scores as (

    select * from {{ ref('fct_lead_scores') }}

),

as_of_dates as (

    select
        'fct_lead_score_components' as model_name,
        as_of_date,
        count(*) as row_count
    from components
    group by as_of_date

    union all

    select
        'fct_lead_scores' as model_name,
        as_of_date,
        count(*) as row_count
    from lead_scores
    group by as_of_date

)

select * from as_of_dates
where as_of_date <> {{ as_of_date() }}
