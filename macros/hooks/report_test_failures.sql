{#- on-run-end: for every data test that failed or warned, log what it found in words, so the
    reason is on the console next to dbt's "Got N results": the `problem` column of the failing
    rows when the test returns one (the project's generic tests do), otherwise the rows themselves.
    Shows at most `max_rows` rows per test. -#}
{% macro report_test_failures(results, max_rows=10) %}
    {%- if execute -%}
        {%- for result in results
            if result.node.resource_type == 'test'
            and result.status in ('fail', 'warn')
            and result.node.compiled_code is not none -%}
            {%- set failing_rows = run_query(
                "select * from (" ~ result.node.compiled_code ~ "\n) as failing_rows limit " ~ max_rows) -%}
            {%- set level = 'ERROR' if result.status == 'fail' else 'WARN' -%}
            {{ log(level ~ " " ~ result.node.name ~ " (" ~ result.failures ~ " failing rows):", info=true) }}
            {%- for row in failing_rows.rows -%}
                {%- if 'problem' in failing_rows.column_names -%}
                    {{ log("    " ~ row['problem'], info=true) }}
                {%- else -%}
                    {%- set pairs = [] -%}
                    {%- for column in failing_rows.column_names -%}
                        {%- do pairs.append(column ~ "=" ~ row[column]) -%}
                    {%- endfor -%}
                    {{ log("    " ~ pairs | join(", "), info=true) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
