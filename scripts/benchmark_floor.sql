-- fct_lead_scores as one query, straight from the raw Parquet and the seed CSVs: the floor that
-- scripts/benchmark.py times the dbt build against. Placeholders in braces are filled in by
-- scripts/benchmark_floor.py.
with
seed_event_types as (select * from read_csv('{seeds}/mappings/event_types.csv', all_varchar = true)),
seed_page_categories as (select * from read_csv('{seeds}/mappings/page_categories.csv', all_varchar = true)),
seed_email_domains as (select * from read_csv('{seeds}/mappings/email_domains.csv', all_varchar = true)),
seed_countries as (select * from read_csv('{seeds}/mappings/countries.csv', all_varchar = true)),
seed_size_bands as (select * from read_csv('{seeds}/mappings/company_size_bands.csv', all_varchar = true)),
seed_revenue_bands as (select * from read_csv('{seeds}/mappings/revenue_bands.csv', all_varchar = true)),
scoring_models as (
    select trim(scoring_model_id) as scoring_model_id, nullif(trim(challenger_of), '') as challenger_of,
        cast(min_score as decimal(18, 6)) as min_score, cast(max_score as decimal(18, 6)) as max_score
    from read_csv('{seeds}/rules/scoring_models.csv', all_varchar = true)
),
fit_rules as (
    select trim(scoring_model_id) as scoring_model_id, trim(rule_group) as rule_group, trim(attribute) as attribute,
        trim(operator) as operator, lower(trim(value)) as value_text, trim(value) as value_pattern,
        try_cast(trim(value) as double) as value_number,
        try_cast(split_part(value, '|', 1) as double) as value_low, try_cast(split_part(value, '|', 2) as double) as value_high,
        cast(points as decimal(18, 6)) as points
    from read_csv('{seeds}/rules/scoring_fit_rules.csv', all_varchar = true)
),
engagement_rules as (
    select trim(r.scoring_model_id) as scoring_model_id, trim(r.rule_id) as rule_id, trim(r.rule_group) as rule_group,
        lower(trim(r.event_type)) as event_type, nullif(lower(trim(r.qualifier)), '') as qualifier,
        cast(r.points as decimal(18, 6)) as points, cast(r.max_occurrences as int) as max_occurrences,
        cast(r.window_days as int) as window_days, cast(r.max_points as decimal(18, 6)) as max_points,
        p.decay_type, cast(p.half_life_days as double) as half_life_days, cast(p.lifetime_days as double) as lifetime_days,
        cast(p.expiry_days as double) as expiry_days, cast(p.step_days as double) as step_days,
        cast(p.step_points as double) as step_points
    from read_csv('{seeds}/rules/scoring_engagement_rules.csv', all_varchar = true) as r
    join read_csv('{seeds}/rules/scoring_decay_policies.csv', all_varchar = true) as p
        on trim(r.decay_policy_id) = trim(p.decay_policy_id)
),
inactivity_rules as (
    select trim(scoring_model_id) as scoring_model_id, trim(rule_group) as rule_group,
        nullif(lower(trim(event_type)), '') as event_type, cast(grace_days as int) as grace_days,
        cast(period_days as int) as period_days, cast(points_per_period as decimal(18, 6)) as points_per_period,
        cast(max_penalty as decimal(18, 6)) as max_penalty
    from read_csv('{seeds}/rules/scoring_inactivity_rules.csv', all_varchar = true)
),
rule_groups as (
    select trim(scoring_model_id) as scoring_model_id, trim(rule_group) as rule_group,
        cast(min_points as decimal(18, 6)) as min_points, cast(max_points as decimal(18, 6)) as max_points
    from read_csv('{seeds}/rules/scoring_rule_groups.csv', all_varchar = true)
),
-- raw contacts: the latest valid version of each
contacts as (
    select * from (
        select nullif(trim(contact_id), '') as contact_id, nullif(trim(company_id), '') as company_id,
            nullif(lower(trim(email)), '') as email, nullif(trim(job_title), '') as job_title,
            nullif(lower(trim(seniority)), '') as seniority, nullif(lower(trim(department)), '') as department,
            nullif(upper(trim(country_code)), '') as country_code, nullif(lower(trim(lead_source)), '') as lead_source,
            nullif(trim(first_name), '') as first_name, nullif(trim(last_name), '') as last_name,
            cast(created_at at time zone 'UTC' as timestamp) as created_at,
            row_number() over (partition by nullif(trim(contact_id), '') order by updated_at desc nulls last,
                created_at, nullif(lower(trim(email)), ''), nullif(trim(job_title), '')) as version_rank
        from read_parquet('{raw}/contacts/*.parquet')
        where nullif(trim(contact_id), '') is not null and created_at is not null
            and not regexp_matches(trim(contact_id), '[[:cntrl:]]')
            and created_at <= now() + interval 24 hour
    ) where version_rank = 1
),
companies as (
    select * from (
        select nullif(trim(company_id), '') as company_id, nullif(lower(trim(industry)), '') as industry,
            cast(employee_count as bigint) as employee_count, cast(annual_revenue as double) as annual_revenue_usd,
            nullif(upper(trim(country_code)), '') as country_code,
            row_number() over (partition by nullif(trim(company_id), '') order by updated_at desc nulls last,
                nullif(trim(company_name), ''), nullif(lower(trim(domain)), '')) as version_rank
        from read_parquet('{raw}/companies/*.parquet')
        where nullif(trim(company_id), '') is not null and coalesce(employee_count >= 0, true)
            and coalesce(annual_revenue >= 0 and annual_revenue < 'infinity'::double, true)
    ) where version_rank = 1
),
changes as (
    select * from (
        select nullif(trim(c.change_id), '') as change_id, contacts.contact_id, lower(trim(c.attribute)) as attribute,
            case when lower(trim(c.attribute)) in ('email', 'seniority', 'department')
                then lower(nullif(trim(c.old_value), '')) else nullif(trim(c.old_value), '') end as old_value,
            cast(c.changed_at at time zone 'UTC' as timestamp) as changed_at,
            row_number() over (partition by nullif(trim(c.change_id), '') order by c.changed_at, lower(trim(c.attribute))) as version_rank
        from read_parquet('{raw}/contact_changes/*.parquet') as c
        join contacts on nullif(trim(c.contact_id), '') = contacts.contact_id
        where nullif(trim(c.change_id), '') is not null and c.changed_at is not null
            and lower(trim(c.attribute)) in ('job_title', 'seniority', 'department', 'company_id', 'email')
            and c.changed_at <= now() + interval 24 hour
    ) where version_rank = 1
),
-- contact versions: before a change an attribute had the change's old value
version_starts as (
    select contact_id, created_at as valid_from from contacts
    union
    select changes.contact_id, changes.changed_at from changes join contacts using (contact_id)
    where changes.changed_at > contacts.created_at
),
next_changes as (
    select v.contact_id, v.valid_from, attribute, first(old_value order by changed_at, change_id) as old_value
    from version_starts as v join changes as c on v.contact_id = c.contact_id and v.valid_from < c.changed_at
    group by all
),
versions as (
    select v.contact_id, v.valid_from,
        lead(v.valid_from) over (partition by v.contact_id order by v.valid_from) as valid_to,
        {version_attributes},
        c.country_code, c.lead_source, c.created_at,
        lower(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))) as full_name
    from version_starts as v
    join contacts as c on v.contact_id = c.contact_id{next_change_joins}
),
features as (
    select v.contact_id, v.company_id, v.valid_from, v.valid_to, v.created_at, v.job_title, v.seniority, v.department,
        v.lead_source, v.country_code, countries.region, v.email_domain,
        case when v.email_domain is not null then coalesce(d.email_domain_type, 'business') end as email_domain_type,
        v.email_local_part, v.full_name, co.industry, co.employee_count, co.annual_revenue_usd,
        sb.company_size_band, rb.revenue_band, coalesce(sb.segment, 'unknown') as segment
    from (select *, split_part(email, '@', 1) as email_local_part,
            case when email like '%_@_%' then split_part(email, '@', -1) end as email_domain from versions) as v
    left join companies as co on v.company_id = co.company_id
    left join seed_size_bands as sb on co.employee_count >= cast(sb.min_employees as bigint)
        and (sb.max_employees is null or co.employee_count <= cast(sb.max_employees as bigint))
    left join seed_revenue_bands as rb on co.annual_revenue_usd >= cast(rb.min_revenue_usd as double)
        and (rb.max_revenue_usd is null or co.annual_revenue_usd < cast(rb.max_revenue_usd as double))
    left join seed_countries as countries on coalesce(v.country_code, co.country_code) = countries.country_code
    left join seed_email_domains as d on v.email_domain = d.email_domain
),
fit_matches as (
    select f.contact_id, f.valid_from, f.valid_to, r.scoring_model_id, r.rule_group, r.points
    from features as f join fit_rules as r on coalesce(case r.operator
        when 'equals' then {text} = r.value_text
        when 'not_equals' then {text} <> r.value_text
        when 'in' then position('|' || {text} || '|' in '|' || r.value_text || '|') > 0
        when 'not_in' then not (position('|' || {text} || '|' in '|' || r.value_text || '|') > 0)
        when 'contains' then position(r.value_text in {text}) > 0
        when 'starts_with' then position(r.value_text in {text}) = 1
        when 'ends_with' then right({text}, length(r.value_text)) = r.value_text
        when 'matches' then regexp_matches({text}, r.value_pattern)
        when 'greater_than' then {number} > r.value_number
        when 'greater_or_equal' then {number} >= r.value_number
        when 'less_than' then {number} < r.value_number
        when 'less_or_equal' then {number} <= r.value_number
        when 'between' then {number} between r.value_low and r.value_high
        when 'is_null' then {text} is null
        when 'is_not_null' then {text} is not null
    end, false)
),
-- events: typed, of known contacts and types, first delivery of each id, not in the future
raw_events as (
    select *, row_number() over (partition by event_id
        order by loaded_at nulls last, occurred_at, event_type, url_path, content_type) as delivery_rank
    from (
        select cast(e.event_id as bigint) as event_id, contacts.contact_id, lower(trim(e.event_type)) as event_type,
            cast(e.occurred_at at time zone 'UTC' as timestamp) as occurred_at,
            cast(e.loaded_at at time zone 'UTC' as timestamp) as loaded_at,
            nullif(regexp_extract(lower(trim(e.url)), '^(?:[a-z][a-z0-9+.-]*://[^/?#]*)?([^?#]*)', 1), '') as url_path,
            nullif(lower(trim(e.content_type)), '') as content_type, t.qualifier_kind
        from read_parquet('{raw}/events/*.parquet', union_by_name = true) as e
        join contacts on nullif(trim(e.contact_id), '') = contacts.contact_id
        join seed_event_types as t on lower(trim(e.event_type)) = t.event_type
        where e.event_id is not null and e.occurred_at is not null
            and e.occurred_at <= coalesce(e.loaded_at, now()) + interval 24 hour
    )
),
paths as (
    select url_path, arg_max(pc.page_category, length(pc.url_path_prefix)) as page_category
    from (select distinct url_path, case when url_path = '/' or url_path not like '%/' then url_path
            else substr(url_path, 1, length(url_path) - 1) end as page_path from raw_events where url_path is not null) as p
    join seed_page_categories as pc on p.page_path = pc.url_path_prefix
        or (pc.url_path_prefix <> '/' and starts_with(p.page_path, pc.url_path_prefix || '/'))
    group by url_path
),
event_days as (
    select e.contact_id, cast(e.occurred_at as date) as event_date, e.event_type,
        case e.qualifier_kind when 'page_category' then coalesce(paths.page_category, 'other')
            when 'content_type' then e.content_type end as event_qualifier,
        count(*) as occurrences, max(e.occurred_at) as last_occurred_at
    from raw_events as e left join paths using (url_path)
    where e.delivery_rank = 1
    group by all
),
score_dates as (
    select cast(unnest(range(date '{first_date}', date '{as_of}' + 1, interval 1 day)) as date) as score_date
),
scoring_contacts as (
    select d.score_date, f.contact_id, f.company_id, f.email_domain, f.segment, cast(f.created_at as date) as created_date
    from score_dates as d join features as f
        on f.valid_from < d.score_date + 1 and (f.valid_to is null or f.valid_to >= d.score_date + 1)
),
fit_points as (
    select s.score_date, s.contact_id, m.scoring_model_id, m.rule_group, 'fit' as category, m.points
    from scoring_contacts as s join fit_matches as m
        on s.contact_id = m.contact_id and m.valid_from < s.score_date + 1
        and (m.valid_to is null or m.valid_to >= s.score_date + 1)
),
rule_days as (
    select e.contact_id, r.scoring_model_id, r.rule_id, e.event_date, sum(e.occurrences) as occurrences
    from event_days as e join engagement_rules as r on e.event_type = r.event_type
        and (r.qualifier is null or e.event_qualifier = r.qualifier)
    where e.event_date <= date '{as_of}'
    group by all
),
rule_day_keys as (
    select d.*, r.points, r.max_occurrences, r.window_days, r.max_points, r.rule_group, r.decay_type, r.half_life_days,
        r.lifetime_days, r.expiry_days, r.step_days, r.step_points, c.created_at,
        dense_rank() over (order by d.contact_id, d.scoring_model_id, d.rule_id) as k,
        coalesce(sum(d.occurrences) over (partition by d.contact_id, d.scoring_model_id, d.rule_id order by d.event_date
            range between current row and coalesce(r.window_days, 1) - 1 following) > r.max_occurrences, false) as over_cap
    from rule_days as d join engagement_rules as r using (scoring_model_id, rule_id)
    join contacts as c using (contact_id)
),
rule_day_flags as (
    select *, bool_or(over_cap) over (partition by k order by event_date
        range between coalesce(window_days, 1) - 1 preceding and current row) as in_reach
    from rule_day_keys
),
-- days worth nothing by the first score date stay so (decay only falls) and are older than every
-- day worth points: scored as one row per key, outside the max_occurrences window
rule_day_spent as (
    select *, coalesce(event_date <= date '{first_date}' and {decay_first_date} = 0, false) as spent
    from rule_day_flags as r
),
rule_days_to_score as (
    select k, event_date, occurrences, in_reach, points, max_occurrences, window_days, decay_type, half_life_days,
        lifetime_days, expiry_days, step_days, step_points, created_at
    from rule_day_spent where not spent
    union all
    select k, max(event_date), sum(occurrences), false, points, max_occurrences, window_days, decay_type,
        half_life_days, lifetime_days, expiry_days, step_days, step_points, created_at
    from rule_day_spent where spent
    group by all
),
-- the days within reach of a cap and the others: two CTEs read once each, so that DuckDB streams
-- them rather than materialising every day of every score date (a CTE read twice is materialised)
activity_beyond_reach as (
    select s.score_date, r.k, r.occurrences * r.points * ({decay_score_date}) as counted
    from score_dates as s join rule_days_to_score as r
        on r.event_date <= s.score_date and r.created_at < s.score_date + 1
    where not r.in_reach
),
activity_within_reach as (
    select s.score_date, r.k, r.event_date, r.occurrences, r.points, r.max_occurrences, r.window_days,
        s.score_date - r.event_date as age_days, {decay_score_date} as decay
    from score_dates as s join rule_days_to_score as r
        on r.event_date <= s.score_date and r.created_at < s.score_date + 1
    where r.in_reach
),
counted as (
    select score_date, k, counted from activity_beyond_reach
    union all
    -- days worth nothing on the score date are a window of their own: each is older than every day
    -- still worth points, so it changes no other day's count, and counts 0 itself
    select score_date, k,
        least(occurrences, greatest(0, max_occurrences - (sum(occurrences) over (
            partition by score_date, k, floor(age_days / window_days), decay > 0
            order by event_date desc) - occurrences))) * points * decay
    from activity_within_reach
),
engagement_points as (
    select t.score_date, r.contact_id, r.scoring_model_id, r.rule_group, 'engagement' as category,
        cast(case when r.max_points is null then t.counted when r.max_points >= 0 then least(t.counted, r.max_points)
            else greatest(t.counted, r.max_points) end as decimal(18, 6)) as points
    from (select score_date, k, sum(counted) as counted from counted group by all) as t
    join (select distinct k, contact_id, scoring_model_id, rule_id, rule_group, max_points from rule_day_keys) as r using (k)
),
engagement_event_days as (
    select * from event_days
    where event_type in (select event_type from seed_event_types where is_engagement = 'true')
),
engaged_days as (
    select contact_id, event_type, max(event_date) as event_date from engagement_event_days
    where event_date < date '{first_date}'
    group by all
    union all
    select distinct contact_id, event_type, event_date from engagement_event_days
    where event_date between date '{first_date}' and date '{as_of}'
),
last_by_type as (
    select s.score_date, s.contact_id, e.event_type, max(e.event_date) as last_date
    from scoring_contacts as s join engaged_days as e on s.contact_id = e.contact_id and e.event_date <= s.score_date
    group by all
),
inactivity_points as (
    select s.score_date, s.contact_id, i.scoring_model_id, i.rule_group, 'engagement' as category,
        cast(case when i.max_penalty is null then p when i.max_penalty >= 0 then least(p, i.max_penalty)
            else greatest(p, i.max_penalty) end as decimal(18, 6)) as points
    from scoring_contacts as s cross join inactivity_rules as i
    left join (select score_date, contact_id, event_type, last_date from last_by_type
               union all
               select score_date, contact_id, '*', max(last_date) from last_by_type group by all) as l
        on s.score_date = l.score_date and s.contact_id = l.contact_id and coalesce(i.event_type, '*') = l.event_type
    cross join lateral (select floor(greatest(s.score_date - coalesce(l.last_date, s.created_date) - i.grace_days, 0)
        / i.period_days) * i.points_per_period as p)
    where floor(greatest(s.score_date - coalesce(l.last_date, s.created_date) - i.grace_days, 0) / i.period_days) > 0
),
group_points as (
    select p.score_date, p.contact_id, p.scoring_model_id, p.category,
        case when g.min_points is not null and sum(p.points) < g.min_points then g.min_points
            when g.max_points is not null and sum(p.points) > g.max_points then g.max_points
            else sum(p.points) end as points
    from (select * from fit_points union all select * from engagement_points union all select * from inactivity_points) as p
    left join rule_groups as g using (scoring_model_id, rule_group)
    group by p.score_date, p.contact_id, p.scoring_model_id, p.rule_group, p.category, g.min_points, g.max_points
),
totals as (
    select score_date, contact_id, scoring_model_id,
        sum(points) filter (where category = 'fit') as fit_score,
        sum(points) filter (where category = 'engagement') as engagement_score, sum(points) as total
    from group_points group by all
),
scores as (
    select s.score_date, s.contact_id, m.scoring_model_id, coalesce(m.challenger_of, m.scoring_model_id) as champion_model_id,
        m.challenger_of is null as is_champion, s.company_id, s.email_domain, s.segment,
        coalesce(t.fit_score, 0) as fit_score,
        coalesce(t.engagement_score, 0) as engagement_score,
        coalesce(least(greatest(t.total, m.min_score), m.max_score), 0) as lead_score
    from scoring_contacts as s cross join scoring_models as m
    left join totals as t using (score_date, contact_id, scoring_model_id)
),
graded as (
    select s.*, g.grade, b.score_band, cast(b.band_rank as int) as band_rank, q.mql_threshold,
        coalesce(s.lead_score >= q.mql_threshold, false) as is_mql
    from scores as s
    left join (select trim(scoring_model_id) as scoring_model_id, trim(grade) as grade,
            cast(min_fit_score as decimal(18, 6)) as low,
            min(cast(min_fit_score as decimal(18, 6))) over (partition by trim(scoring_model_id)
                order by cast(min_fit_score as decimal(18, 6)) nulls first rows between 1 following and unbounded following) as high
        from read_csv('{seeds}/rules/scoring_grades.csv', all_varchar = true)) as g
        on s.scoring_model_id = g.scoring_model_id and (g.low is null or s.fit_score >= g.low)
        and (g.high is null or s.fit_score < g.high)
    left join (select trim(scoring_model_id) as scoring_model_id, trim(segment) as segment, trim(score_band) as score_band,
            band_rank, cast(min_score as decimal(18, 6)) as low, cast(max_score as decimal(18, 6)) as high
        from read_csv('{seeds}/rules/scoring_score_bands.csv', all_varchar = true)) as b
        on s.scoring_model_id = b.scoring_model_id and s.segment = b.segment and s.lead_score >= b.low
        and (s.lead_score < b.high or (b.band_rank = '1' and s.lead_score <= b.high))
    left join (select trim(scoring_model_id) as scoring_model_id, trim(segment) as segment,
            cast(mql_threshold as decimal(18, 6)) as mql_threshold
        from read_csv('{seeds}/rules/scoring_mql_thresholds.csv', all_varchar = true)) as q
        on s.scoring_model_id = q.scoring_model_id and s.segment = q.segment
),
last_activity as (
    select contact_id, max(last_occurred_at) as last_activity_at from engagement_event_days
    where event_date <= date '{as_of}'
    group by contact_id
)
select g.contact_id, g.scoring_model_id, g.champion_model_id, g.is_champion, g.company_id, g.email_domain, g.segment,
    cast(g.fit_score as decimal(18, 6)) as fit_score, cast(g.engagement_score as decimal(18, 6)) as engagement_score,
    cast(g.lead_score as decimal(18, 6)) as lead_score, g.grade, g.score_band, g.band_rank, g.mql_threshold, g.is_mql,
    f.first_mql_at, a.last_activity_at, g.score_date as as_of_date
from graded as g
left join (select contact_id, scoring_model_id, min(score_date) as first_mql_at from graded where is_mql group by all) as f
    using (contact_id, scoring_model_id)
left join last_activity as a using (contact_id)
where g.score_date = date '{as_of}'
