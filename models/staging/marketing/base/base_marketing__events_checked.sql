{#- Every raw event, typed and mapped, with the reason it cannot be staged (null when it can). -#}
{%- do require_columns(
    source('marketing', 'events'),
    ['event_id', 'contact_id', 'event_type', 'occurred_at', 'url', 'content_type', 'loaded_at'],
) %}
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

typed as (

    select
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
    from events

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
        contacts.contact_id is not null as is_known_contact
    from typed
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
