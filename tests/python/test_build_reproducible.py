"""Reproducible builds: the same input gives the same marts, whether built once, built twice, or
built day by day with events that arrive late; and the band-share guardrail stops a rule change
that would flood sales, naming the model, segment and share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DbtBuild, add_rule, copy_project, errors_of, table_checksums
from raw_tables import ts, write_raw_tables

HISTORY_START = "2026-10-02"
DAY_BEFORE = "2026-10-30"
AS_OF = "2026-10-31"


def mart_checksums(build: DbtBuild) -> dict[str, str]:
    return table_checksums(build.database)


def late_and_new_events(build: DbtBuild) -> list[dict]:
    """Events loaded on the as-of date: some happened days earlier (late), some that day."""
    contacts = [row[0] for row in build.query(
        "select contact_id from staging.stg_crm__contacts where created_at < '2026-10-01' order by contact_id limit 4"
    )]  # fmt: skip
    rows = []
    for number, contact_id in enumerate(contacts):
        occurred = ["2026-10-29 09:00", "2026-10-28 15:00", "2026-10-31 08:00", "2026-10-31 11:00"][number]
        rows.append({
            "event_id": 9_000_000_000 + number, "contact_id": contact_id, "event_type": "demo_request",
            "occurred_at": ts(occurred), "url": "https://example.com/demo", "content_type": None,
            "loaded_at": ts("2026-10-31 12:00"),
        })  # fmt: skip
    return rows


def add_raw_part(scratch_dir: Path, raw_dir: Path, tables: dict[str, list[dict]], part_name: str) -> None:
    """Append rows to raw tables as a new Parquet part of each."""
    write_raw_tables(scratch_dir, tables)
    for table in tables:
        shutil.copy(scratch_dir / table / "part-00000.parquet", raw_dir / table / part_name)


def new_build(tmp_path: Path, name: str, raw_dir: Path, project_dir: Path | None = None) -> DbtBuild:
    work_dir = tmp_path / name
    work_dir.mkdir()
    from conftest import PROJECT_ROOT

    return DbtBuild(project_dir or PROJECT_ROOT, work_dir / "warehouse.duckdb", raw_dir, work_dir)


def build_ok(build: DbtBuild, *args: str, **vars: object) -> None:
    result = build.run(
        "build", "--exclude", "test_type:unit", *args, history_start_date=HISTORY_START, **vars
    )
    assert result.success, errors_of(result)


def test_daily_runs_with_late_events_equal_a_full_refresh_and_rebuilding_changes_nothing(
    tmp_path: Path, demo_raw_dir: Path
) -> None:
    raw_dir = tmp_path / "raw"
    shutil.copytree(demo_raw_dir, raw_dir)

    # the raw data also held an event of a contact the CRM had not exported yet, and one without an
    # id, both quarantined, loaded long enough ago that a daily run does not read them again as new
    early = {"events": [
        {"event_id": 9_100_000_000, "contact_id": "LATE-CONTACT", "event_type": "demo_request",
         "occurred_at": ts("2026-10-20 10:00"), "loaded_at": ts("2026-10-20 11:00")},
        {"event_id": None, "contact_id": "LATE-CONTACT", "event_type": "page_view",
         "occurred_at": ts("2026-10-20 10:05"), "loaded_at": ts("2026-10-20 11:00")},
    ]}  # fmt: skip
    add_raw_part(tmp_path / "early", raw_dir, early, "part-early.parquet")

    # day by day: yesterday's build, then today's incremental run after late events arrived
    daily = new_build(tmp_path, "daily", raw_dir)
    build_ok(daily, as_of_date=DAY_BEFORE)
    late_events = late_and_new_events(daily)
    # today's load also redelivers an event staged yesterday, and brings the missing contact
    redelivered = daily.query(
        "select event_id, contact_id, event_type, occurred_at from staging.stg_marketing__events"
        " where event_type = 'webinar_attended' order by event_id limit 1"
    )[0]
    late_events.append(dict(zip(["event_id", "contact_id", "event_type", "occurred_at"], redelivered, strict=True))
                       | {"loaded_at": ts("2026-10-31 12:00")})  # fmt: skip
    late_contact = {"contact_id": "LATE-CONTACT", "email": "late@example.org", "seniority": "manager",
                    "created_at": ts("2026-10-28"), "updated_at": ts("2026-10-28")}  # fmt: skip
    history_before = dict(daily.query(
        "select lead_score_history_id, lead_score from marts.fct_lead_score_history where score_date = '2026-10-29'"
    ))  # fmt: skip
    add_raw_part(
        tmp_path / "late", raw_dir, {"events": late_events, "contacts": [late_contact]}, "part-late.parquet"
    )
    build_ok(daily, as_of_date=AS_OF)

    # the daily run restaged the event whose contact arrived, and ranked the redelivery
    quarantined = daily.query(
        "select raw_event_id, reject_reason from staging.stg_marketing__events_quarantine"
        f" where raw_event_id in ('9100000000', '{redelivered[0]}') or contact_id = 'LATE-CONTACT'"
    )
    assert set(quarantined) == {(None, "missing_event_id"), (str(redelivered[0]), "duplicate_event_id")}
    assert daily.query("select count(*) from staging.stg_marketing__events where event_id = 9100000000") == [
        (1,)
    ]

    # the late events changed yesterday's history: the lookback re-scored those days
    history_after = dict(daily.query(
        "select lead_score_history_id, lead_score from marts.fct_lead_score_history where score_date = '2026-10-29'"
    ))  # fmt: skip
    changed = {lead for lead in history_before if history_before[lead] != history_after[lead]}
    assert {event["contact_id"] for event in late_events[:2]} <= {lead.split("|")[0] for lead in changed}

    # one full refresh over the same raw data gives the very same marts
    full = new_build(tmp_path, "full", raw_dir)
    build_ok(full, "--full-refresh", as_of_date=AS_OF)
    daily_checksums = mart_checksums(daily)
    assert daily_checksums == mart_checksums(full)
    assert table_checksums(daily.database, "staging") == table_checksums(full.database, "staging")

    # building again on the same input changes nothing
    build_ok(full, as_of_date=AS_OF)
    assert mart_checksums(full) == daily_checksums


def test_every_day_of_the_history_scores_as_a_build_as_of_that_day(
    tmp_path: Path, demo_raw_dir: Path, demo_build: DbtBuild
) -> None:
    # the history scores its days itself and takes only the as-of date from
    # fct_lead_score_components: a day it scored must give what a build as of that day gives
    day = "2026-10-15"
    earlier = new_build(tmp_path, "earlier", demo_raw_dir)
    scoring_path = ["--select", "+fct_lead_scores", "--indirect-selection", "cautious"]
    result = earlier.run("build", *scoring_path, "--exclude", "test_type:unit", as_of_date=day)
    assert result.success, errors_of(result)

    columns = "contact_id, scoring_model_id, segment, fit_score, engagement_score, lead_score, grade, score_band, is_mql"
    as_of_that_day = earlier.query(f"select {columns} from marts.fct_lead_scores order by all")
    in_the_history = demo_build.query(
        f"select {columns} from marts.fct_lead_score_history where score_date = '{day}' order by all"
    )
    assert len(as_of_that_day) > 100
    assert in_the_history == as_of_that_day


@pytest.mark.parametrize(
    ("points", "passes", "expected"),
    [
        ("10", True, None),
        ("30", True, "WARN band_shares_within_warning_bounds"),
        ("60", False, "above the error bound of 40.0 %"),
    ],
)
def test_band_share_guardrail_stops_a_rule_change_that_floods_sales(
    tmp_path: Path, demo_raw_dir: Path, points: str, passes: bool, expected: str | None
) -> None:
    """A new fit rule giving every mid-market lead of the platform model extra points: a little
    passes, more warns, and a flood fails the build naming model, segment and hot share."""
    project = copy_project(tmp_path / "project")
    add_rule(project, "scoring_fit_rules", {
        "rule_id": "fit_platform_mid_market_push", "scoring_model_id": "platform", "rule_group": "push",
        "attribute": "segment", "operator": "equals", "value": "mid_market", "points": points,
        "description": "A proposed bonus for every mid-market lead",
    })  # fmt: skip
    build = new_build(tmp_path, "build", demo_raw_dir, project)

    result = build.run(
        "build",
        "--select", "+rpt_score_band_distribution", "+stg_scoring_rules__band_share_bounds",
        "--indirect-selection", "cautious", "--exclude", "test_type:unit",
        as_of_date=AS_OF,
    )  # fmt: skip

    message = errors_of(result)
    assert result.success == passes, message
    if expected:
        assert expected in message
    if not passes:
        assert "band_shares_within_error_bounds" in message
        assert "platform / mid_market: hot share" in message
    else:
        assert "error bound" not in message
