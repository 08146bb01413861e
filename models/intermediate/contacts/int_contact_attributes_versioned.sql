{#- Contact attributes over time (type-2 history), rebuilt from the current contact and its
    property changes: before a change the attribute had the change's old value; after the last
    change it has the current value. One row per contact and period of unchanged attributes. -#}
with

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

contact_changes as (

    select * from {{ ref('stg_crm__contact_changes') }}

),

version_starts as (

    select
        contact_id,
        created_at as valid_from
    from contacts

    union

    select
        contact_changes.contact_id,
        contact_changes.changed_at as valid_from
    from contact_changes
    inner join contacts
        on contact_changes.contact_id = contacts.contact_id
        and contact_changes.changed_at > contacts.created_at

),

-- for each version and attribute, the first change after the version started
next_changes as (

    select
        version_starts.contact_id,
        version_starts.valid_from,
        contact_changes.attribute,
        contact_changes.old_value,
        row_number() over (
            partition by version_starts.contact_id, version_starts.valid_from, contact_changes.attribute
            order by contact_changes.changed_at, contact_changes.change_id
        ) as change_rank
    from version_starts
    inner join contact_changes
        on version_starts.contact_id = contact_changes.contact_id
        and version_starts.valid_from < contact_changes.changed_at

),

values_before_next_change as (

    select
        contact_id,
        valid_from,
        {%- for attribute in tracked_contact_attributes() %}
            max(case when attribute = '{{ attribute }}' then 1 else 0 end) = 1 as has_later_{{ attribute }}_change,
            max(case when attribute = '{{ attribute }}' then old_value end) as {{ attribute }}_before_change
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from next_changes
    where change_rank = 1
    group by contact_id, valid_from

),

versions as (

    select
        version_starts.contact_id,
        version_starts.valid_from,
        lead(version_starts.valid_from) over (
            partition by version_starts.contact_id order by version_starts.valid_from
        ) as valid_to,
        {%- for attribute in tracked_contact_attributes() %}
            case
                when values_before_next_change.has_later_{{ attribute }}_change
                    then values_before_next_change.{{ attribute }}_before_change
                else contacts.{{ attribute }}
            end as {{ attribute }},
        {%- endfor %}
        contacts.first_name,
        contacts.last_name,
        contacts.country_code,
        contacts.lead_source,
        contacts.created_at
    from version_starts
    inner join contacts
        on version_starts.contact_id = contacts.contact_id
    left join values_before_next_change
        on version_starts.contact_id = values_before_next_change.contact_id
        and version_starts.valid_from = values_before_next_change.valid_from

),

final as (

    select
        -- ids
        {{ dbt.concat(['contact_id', "'|'", dbt.cast('valid_from', dbt.type_string())]) }} as contact_version_id,
        contact_id,
        company_id,

        -- validity: [valid_from, valid_to), valid_to null for the current version
        valid_from,
        valid_to,

        -- attributes as they were in this period
        job_title,
        seniority,
        department,
        {{ dbt.split_part('email', "'@'", 1) }} as email_local_part,
        case when email like '%_@_%' then {{ dbt.split_part('email', "'@'", -1) }} end as email_domain,
        lower(trim({{ dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"]) }})) as full_name,
        country_code,
        lead_source,
        created_at
    from versions

)

select * from final
