{#- The date every score is computed as of (the end of that day, UTC), as a SQL date literal.
    Taken from the as_of_date var; empty means today in UTC, fixed once per invocation. -#}
{% macro as_of_date() -%}
    {{ return("cast('" ~ as_of_date_string() ~ "' as date)") }}
{%- endmacro %}

{% macro as_of_date_string() -%}
    {%- set configured = var('as_of_date', '') | string | trim -%}
    {%- if configured in ('', 'none', 'None') -%}
        {%- set configured = modules.datetime.datetime.now(modules.pytz.utc).date().isoformat() -%}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', configured) -%}
        {{ exceptions.raise_compiler_error("var as_of_date must be a date as YYYY-MM-DD (or empty for today), got '" ~ configured ~ "'") }}
    {%- endif -%}
    {{ return(configured) }}
{%- endmacro %}
