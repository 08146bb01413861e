{#- Stops the build with an error naming the seed file, line, row key and column of every row
    that breaks one of the checks. Seeds are loaded as text so that a bad value reaches this
    check instead of failing the load. Runs when the calling model executes; does nothing
    before the seed has been loaded (e.g. in `dbt compile` on a new database).

    checks: a list of dicts, each with `column` and one of these kinds:
      required: true                      value must be present
      unique: true                        value (or `unique: [columns]`) must not repeat
      accepted_values: [...]              value must be one of these (when present)
      number: true | 'integer'            value must be a number / a whole number (when present)
      references: {seed:, column:}        value must exist in that seed's column (when present)
      invalid_when: sql, message: text    a custom rule: sql is true for a bad row -#}
{% macro validate_seed(seed_name, key_column, checks) -%}
    {#- ref() outside the execute gate, so that dbt sees the dependencies when it parses -#}
    {%- for check in checks if check.references -%}
        {%- do ref(check.references.seed) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- set seed_relation = ref(seed_name) -%}
        {%- if load_relation(seed_relation) is not none -%}
            {{ _raise_seed_problems(seed_name, seed_relation, key_column, checks) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro _raise_seed_problems(seed_name, seed_relation, key_column, checks) -%}
    {%- set text = dbt.type_string() -%}
    {%- set problems = [] -%}
    {%- set window_columns = [] -%}
    {%- for check in checks -%}
        {%- set value = "nullif(trim(cast(" ~ check.column ~ " as " ~ text ~ ")), '')" -%}
        {%- set quoted_value = dbt.concat(["''''", "cast(" ~ check.column ~ " as " ~ text ~ ")", "''''"]) -%}
        {%- if check.required -%}
            {%- do problems.append((check.column, value ~ " is null", "'a value is required'")) -%}
        {%- endif -%}
        {%- if check.unique -%}
            {%- set unique_columns = check.unique if check.unique is iterable and check.unique is not string else [check.column] -%}
            {%- set alias = "_repeats_" ~ loop.index -%}
            {%- do window_columns.append("count(*) over (partition by " ~ unique_columns | join(', ') ~ ") as " ~ alias) -%}
            {%- do problems.append((check.column, alias ~ " > 1",
                dbt.concat([quoted_value, "' appears more than once for " ~ unique_columns | join(' + ') ~ "'"]))) -%}
        {%- endif -%}
        {%- if check.accepted_values -%}
            {%- set accepted = check.accepted_values | join(', ') -%}
            {%- do problems.append((check.column,
                value ~ " is not null and " ~ value ~ " not in ('" ~ check.accepted_values | join("', '") ~ "')",
                dbt.concat([quoted_value, "' is not one of: " ~ accepted ~ "'"]))) -%}
        {%- endif -%}
        {%- if check.number -%}
            {%- set as_number = try_cast_to(value, type_double()) -%}
            {%- set bad_number = value ~ " is not null and (" ~ as_number ~ " is null" ~
                (" or " ~ as_number ~ " <> floor(" ~ as_number ~ ")" if check.number == 'integer' else "") ~ ")" -%}
            {%- do problems.append((check.column, bad_number,
                dbt.concat([quoted_value, "' is not " ~ ("a whole number" if check.number == 'integer' else "a number") ~ "'"]))) -%}
        {%- endif -%}
        {%- if check.references -%}
            {%- set parent = ref(check.references.seed) -%}
            {%- do problems.append((check.column,
                value ~ " is not null and " ~ value ~ " not in (select trim(cast(" ~ check.references.column ~ " as " ~ text ~ ")) from " ~ parent ~ " where " ~ check.references.column ~ " is not null)",
                dbt.concat([quoted_value, "' is not a " ~ check.references.column ~ " of seed " ~ check.references.seed ~ "'"]))) -%}
        {%- endif -%}
        {%- if check.invalid_when -%}
            {%- do problems.append((check.column, check.invalid_when, "'" ~ check.message | replace("'", "''") ~ "'")) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set query -%}
        with seed_rows as (
            select
                *,
                {{ seed_line_number() }} as _seed_line
                {%- for column in window_columns %},
                {{ column }}
                {%- endfor %}
            from {{ seed_relation }}
        )
        {% for column, invalid_when, message in problems -%}
        select
            _seed_line as seed_line,
            cast({{ key_column }} as {{ text }}) as row_key,
            '{{ column }}' as column_name,
            {{ message }} as problem
        from seed_rows
        where {{ invalid_when }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
        order by 1, 3
    {%- endset -%}

    {%- set found = run_query(query) -%}
    {%- if found.rows | length > 0 -%}
        {%- set seed_path = graph.nodes['seed.' ~ project_name ~ '.' ~ seed_name].original_file_path -%}
        {%- set lines = [] -%}
        {%- for row in found.rows[:20] -%}
            {%- do lines.append("  " ~ seed_path ~ (":" ~ row[0] if row[0] is not none else "") ~
                ", row " ~ key_column ~ "=" ~ ("'" ~ row[1] ~ "'" if row[1] is not none else "(empty)") ~
                ", column " ~ row[2] ~ ": " ~ row[3]) -%}
        {%- endfor -%}
        {%- if found.rows | length > 20 -%}
            {%- do lines.append("  ... and " ~ (found.rows | length - 20) ~ " more") -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "Invalid scoring seed " ~ seed_name ~ " (" ~ found.rows | length ~ " problem(s)); fix the CSV and run dbt build again:\n"
            ~ lines | join("\n")) }}
    {%- endif -%}
{%- endmacro %}
