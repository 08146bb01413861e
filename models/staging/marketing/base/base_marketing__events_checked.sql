{#- Every raw event, typed and mapped, with the reason it cannot be staged (null when it can).

    Incremental. A daily run stages again only the raw rows that a full refresh could stage
    differently from the last run, with every other delivery of the same event (event_key), so
    that duplicates are ranked against each other: rows loaded since the latest staged load less
    event_load_lookback_days (loaders may commit out of order) or without loaded_at; rows whose
    contact has appeared in or disappeared from the CRM since; and every row after a change of the
    event_types or page_categories seeds. The table then equals a full refresh. Raw rows deleted
    at the source stay until a --full-refresh. On Spark, whose Parquet tables cannot delete the
    restaged rows, it is a table built in full on every run (replace_keys_config). -#}
{{
    config(
        on_schema_change='fail',
        **replace_keys_config('event_key'),
    )
}}

{%- set raw_columns = ['event_id', 'contact_id', 'event_type', 'occurred_at', 'url', 'content_type', 'loaded_at'] -%}
{%- do require_columns(source('marketing', 'events'), raw_columns) -%}
{%- set raw_row = [] -%}
{%- for column in raw_columns -%}
    {%- do raw_row.extend(["'|'", "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')"]) -%}
{%- endfor -%}
{#- One key for all deliveries of an event: its id, or, when the id is missing or not a number, a
    hash of the raw row (each such row is rejected on its own). -#}
{%- set event_key -%}
    case
        when {{ try_cast_to('event_id', 'bigint') }} is not null
            then cast({{ try_cast_to('event_id', 'bigint') }} as {{ dbt.type_string() }})
        else {{ dbt.concat(["'raw:'", dbt.hash(dbt.concat(raw_row)) ]) }}
    end
{%- endset -%}
with

events as (

    select * from {{ source('marketing', 'events') }}

),

contacts as (

    select contact_id from {{ ref('stg_crm__contacts') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

page_categories as (

    select * from {{ ref('page_categories') }}

),

mapping_lines as (

    select {{ dbt.concat(["'event_type|'", 'event_type', "'|'", "coalesce(qualifier_kind, '')"]) }} as mapping_line
    from event_types
    union all
    select {{ dbt.concat(["'page_category|'", 'url_path_prefix', "'|'", 'page_category']) }} as mapping_line
    from page_categories

),

mappings as (

    -- the content of the mapping seeds the checks read: a change restages every event
    select {{ sorted_rows_hash('mapping_line') }} as mappings_version
    from mapping_lines

),

{% if is_incremental() %}

restaged_keys as (

    -- loaded since the latest staged load, less the lookback, or without loaded_at (reads the
    -- source, not the events CTE: a CTE read twice would be materialised whole)
    select {{ event_key }} as event_key
    from {{ source('marketing', 'events') }}
    where
        {{ utc_timestamp('loaded_at') }} is null
        or {{ utc_timestamp('loaded_at') }} >= (
            select {{ dbt.dateadd('day', -var('event_load_lookback_days'), 'max(loaded_at)') }} from {{ this }}
        )
        or (select max(loaded_at) from {{ this }}) is null

    union

    -- the contact appeared in or disappeared from the CRM
    select staged.event_key
    from {{ this }} as staged
    left join contacts
        on staged.contact_id = contacts.contact_id
    where
        staged.contact_id is not null
        and staged.is_known_contact <> (contacts.contact_id is not null)

    union

    -- the mapping seeds changed
    select staged.event_key
    from {{ this }} as staged
    where staged.mappings_version <> (select mappings_version from mappings)

),

{% endif %}

restaged_events as (

    select events.*
    from events
    {%- if is_incremental() %}
    where {{ event_key }} in (select event_key from restaged_keys)
    {%- endif %}

),

typed as (

    select
        {{ event_key }} as event_key,
        {{ try_cast_to('event_id', 'bigint') }} as event_id,
        nullif(trim(cast(contact_id as {{ dbt.type_string() }})), '') as contact_id,
        nullif(lower(trim(cast(event_type as {{ dbt.type_string() }}))), '') as event_type,
        {{ utc_timestamp('occurred_at') }} as occurred_at,
        {{ utc_timestamp('loaded_at') }} as loaded_at,
        -- the URL's path only: query strings may carry personal data (e-mail addresses in UTM tags)
        nullif(
            regexp_extract(
                lower(trim(cast(url as {{ dbt.type_string() }}))), '^(?:[a-z][a-z0-9+.-]*://[^/?#]*)?([^?#]*)', 1
            ),
            ''
        ) as url_path,
        nullif(lower(trim(cast(content_type as {{ dbt.type_string() }}))), '') as content_type,
        event_id is null as is_event_id_missing,
        occurred_at is null as is_occurred_at_missing,
        cast(event_id as {{ dbt.type_string() }}) as raw_event_id,
        cast(occurred_at as {{ dbt.type_string() }}) as raw_occurred_at,
        cast(loaded_at as {{ dbt.type_string() }}) as raw_loaded_at
    from restaged_events

),

normalised_paths as (

    select distinct
        url_path,
        case
            when url_path = '/' or url_path not like '%/' then url_path
            else substr(url_path, 1, {{ dbt.length('url_path') }} - 1)
        end as page_path
    from typed
    where url_path is not null

),

path_matches as (

    select
        normalised_paths.url_path,
        page_categories.page_category,
        row_number() over (
            partition by normalised_paths.url_path
            order by {{ dbt.length('page_categories.url_path_prefix') }} desc
        ) as match_rank
    from normalised_paths
    inner join page_categories
        on normalised_paths.page_path = page_categories.url_path_prefix
        or (
            page_categories.url_path_prefix <> '/'
            -- a prefix match on whole path segments; '_' in a prefix is a character, not a wildcard
            and substr(normalised_paths.page_path, 1, {{ dbt.length('page_categories.url_path_prefix') }} + 1)
            = {{ dbt.concat(['page_categories.url_path_prefix', "'/'"]) }}
        )

),

page_categories_by_path as (

    select
        url_path,
        page_category
    from path_matches
    where match_rank = 1

),

mapped as (

    select
        typed.*,
        event_types.event_type is not null as is_known_event_type,
        case
            when event_types.qualifier_kind = 'page_category' and typed.url_path is not null
                then coalesce(page_categories_by_path.page_category, 'other')
        end as page_category,
        case event_types.qualifier_kind
            when 'page_category' then coalesce(page_categories_by_path.page_category, 'other')
            when 'content_type' then typed.content_type
        end as event_qualifier,
        contacts.contact_id is not null as is_known_contact,
        mappings.mappings_version
    from typed
    cross join mappings
    left join event_types
        on typed.event_type = event_types.event_type
    left join page_categories_by_path
        on typed.url_path = page_categories_by_path.url_path
    left join contacts
        on typed.contact_id = contacts.contact_id

),

checked as (

    select
        *,
        {{ first_reject_reason([
            ('is_event_id_missing', 'missing_event_id'),
            ('event_id is null', 'invalid_event_id'),
            ('contact_id is null', 'missing_contact_id'),
            ('not is_known_contact', 'unknown_contact_id'),
            ('event_type is null', 'missing_event_type'),
            ('not is_known_event_type', 'unknown_event_type'),
            ('is_occurred_at_missing', 'missing_occurred_at'),
            ('occurred_at is null', 'unparseable_occurred_at'),
            ('raw_loaded_at is not null and loaded_at is null', 'unparseable_loaded_at'),
            ('occurred_at > ' ~ dbt.dateadd('hour', var('future_tolerance_hours'), 'coalesce(loaded_at, ' ~ dbt.current_timestamp() ~ ')'), 'future_occurred_at'),
        ]) }} as failed_check
    from mapped

),

deduplicated as (

    select
        *,
        -- a redelivered event keeps its first delivery; only rows that pass every other check compete
        row_number() over (
            partition by event_id, failed_check is null
            order by loaded_at nulls last, occurred_at, event_type, url_path, content_type
        ) as delivery_rank
    from checked

),

final as (

    select
        *,
        coalesce(failed_check, case when delivery_rank > 1 then 'duplicate_event_id' end) as reject_reason
    from deduplicated

)

select * from final
