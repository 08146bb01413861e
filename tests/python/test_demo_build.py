"""End to end: the whole project builds on generated demo data and its dbt data tests pass."""

from __future__ import annotations

from pathlib import Path

from conftest import DbtBuild, copy_of

MART_COLUMNS = {
    "fct_lead_scores": {
        "contact_id", "scoring_model_id", "champion_model_id", "is_champion", "fit_score", "engagement_score",
        "lead_score", "grade", "score_band", "segment", "is_mql", "first_mql_at", "last_activity_at", "rules_version",
    },
    "fct_lead_score_components": {
        "contact_id", "scoring_model_id", "rule_id", "occurrences", "raw_points", "decay_factor",
        "points_after_decay", "points_after_caps",
    },
    "fct_lead_score_history": {
        "contact_id", "scoring_model_id", "champion_model_id", "is_champion", "score_date", "lead_score",
        "score_band", "is_mql",
    },
    "fct_lead_score_transitions": {
        "contact_id", "scoring_model_id", "champion_model_id", "is_champion", "from_score_band", "to_score_band",
        "transitioned_on",
    },
    "rpt_score_band_distribution": {"scoring_model_id", "segment", "score_band", "leads", "share_of_segment"},
    "rpt_score_band_conversion": {"scoring_model_id", "score_band", "leads", "leads_with_opportunity", "leads_with_won_deal"},
}  # fmt: skip


def test_marts_exist_with_their_contract_columns(demo_build: DbtBuild) -> None:
    for table, expected in MART_COLUMNS.items():
        columns = {row[0] for row in demo_build.query(f"describe marts.{table}")}
        assert expected <= columns, f"{table} lacks {expected - columns}"
        assert demo_build.scalar(f"select count(*) from marts.{table}") > 0, table


def test_every_contact_is_scored_once_per_model(demo_build: DbtBuild) -> None:
    contacts = demo_build.scalar("select count(*) from staging.stg_crm__contacts")
    models = demo_build.scalar("select count(*) from staging.stg_scoring_rules__models")
    assert demo_build.scalar("select count(*) from marts.fct_lead_scores") == contacts * models


def test_marts_hold_no_personal_data(demo_build: DbtBuild) -> None:
    personal = {"email", "first_name", "last_name", "full_name", "email_local_part"}
    for table in MART_COLUMNS:
        columns = {row[0] for row in demo_build.query(f"describe marts.{table}")}
        assert not columns & personal, table


def test_mart_columns_have_types_bi_tools_and_parquet_keep(demo_build: DbtBuild) -> None:
    """HUGEINT (what DuckDB's sum of integers gives) becomes DOUBLE in Parquet, and many BI
    drivers cannot read it: counts in the marts are BIGINT."""
    wide = demo_build.query(
        "select table_name, column_name, data_type from duckdb_columns()"
        " where schema_name = 'marts' and data_type in ('HUGEINT', 'UHUGEINT')"
    )
    assert wide == []


def test_generated_bad_rows_are_quarantined_with_reasons(demo_build: DbtBuild) -> None:
    reasons = dict(
        demo_build.query(
            "select reject_reason, count(*) from staging.stg_marketing__events_quarantine group by 1"
        )
    )
    assert {"unknown_contact_id", "unknown_event_type", "missing_contact_id", "duplicate_event_id"} <= set(
        reasons
    )
    raw = demo_build.scalar(f"select count(*) from read_parquet('{demo_build.raw_dir}/events/*.parquet')")
    staged = demo_build.scalar("select count(*) from staging.stg_marketing__events")
    assert raw == staged + sum(reasons.values())


def test_scores_spread_over_the_bands(demo_build: DbtBuild) -> None:
    bands = dict(demo_build.query(
        "select score_band, sum(leads) from marts.rpt_score_band_distribution where scoring_model_id = 'platform' group by 1"
    ))  # fmt: skip
    assert all(bands[band] > 0 for band in ("hot", "warm", "cold", "unqualified")), bands
    assert bands["hot"] < bands["unqualified"]


def test_next_day_run_keeps_first_mql_dates(demo_build: DbtBuild, tmp_path: Path) -> None:
    # on a copy: the session's demo build stays as of AS_OF_DATE for the tests after this one
    build = copy_of(demo_build, tmp_path)
    before = dict(build.query(
        "select lead_score_id, first_mql_at from marts.fct_lead_scores where first_mql_at is not null"
    ))  # fmt: skip
    result = build.run("build", "--select", "path:models/marts", as_of_date="2026-11-01")
    assert result.success
    after = dict(build.query(
        "select lead_score_id, first_mql_at from marts.fct_lead_scores where first_mql_at is not null"
    ))  # fmt: skip
    assert before and all(after[lead] == first for lead, first in before.items())
    assert (
        build.scalar("select max(score_date) from marts.fct_lead_score_history").isoformat() == "2026-11-01"
    )


def test_empty_as_of_date_means_today_in_utc(demo_build: DbtBuild) -> None:
    from datetime import UTC, datetime

    result = demo_build.run("compile", "--select", "fct_lead_scores", as_of_date="")
    assert result.success
    compiled = (
        demo_build.work_dir
        / "target"
        / "compiled"
        / "lead_scoring"
        / "models"
        / "marts"
        / "scoring"
        / "fct_lead_scores.sql"
    ).read_text()
    assert f"cast('{datetime.now(UTC).date().isoformat()}' as date)" in compiled
