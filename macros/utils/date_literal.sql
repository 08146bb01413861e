{#- A date var as a SQL date literal, checked to be YYYY-MM-DD. -#}
{% macro date_literal(value, name) -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(name ~ " must be a date as YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    cast('{{ text }}' as date)
{%- endmacro %}
