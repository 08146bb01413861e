{#- The calendar MetricFlow joins metrics to: one row per day, from three years before the
    as-of date to one year after it. -#}
with

days as (

    {{ date_spine(dbt.dateadd('year', -3, as_of_date()), dbt.dateadd('year', 1, as_of_date())) }}

)

select cast(score_date as date) as date_day
from days
