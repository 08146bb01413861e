{#- The backtest's score dates, as a query with one column score_date: backtest_snapshots dates,
    backtest_interval_days apart, the latest conversion_window_days before the as-of date, so
    that every date's outcome window has ended by the as-of date. -#}
{% macro backtest_dates() -%}
    {%- set snapshots = var('backtest_snapshots') -%}
    {%- set interval_days = var('backtest_interval_days') -%}
    {%- for name, value in [('backtest_snapshots', snapshots), ('backtest_interval_days', interval_days),
                           ('conversion_window_days', var('conversion_window_days'))] -%}
        {%- if value is not number or value < 1 or value != value | int -%}
            {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a whole number of at least 1, got '" ~ value ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set last_date = dbt.dateadd('day', -var('conversion_window_days'), as_of_date()) -%}
    {%- set first_date = dbt.dateadd('day', -(snapshots - 1) * interval_days, last_date) -%}
    select score_date
    from ({{ date_spine('cast(' ~ first_date ~ ' as date)', 'cast(' ~ last_date ~ ' as date)') }}) as days
    where {{ dbt.datediff('score_date', 'cast(' ~ last_date ~ ' as date)', 'day') }} % {{ interval_days }} = 0
{%- endmacro %}
