{#- Seeds on Spark: dbt-spark's own version hands the values to its session cursor, which quotes
    them without escaping: a quote in a seed (e.g. "form's URL") breaks the insert, and an empty
    cell is loaded as the text 'None'. This one writes each value as an escaped literal, and an
    empty cell as null. Found by dispatch (load_csv_rows) before the adapter's own. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do column_types.append(
            column_override.get(column_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    {#- Spark reads backslash escapes in string literals -#}
                    {%- set literal = 'null' if value is none
                        else "'" ~ (value | string | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'" -%}
                    cast({{ literal }} as {{ column_types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
