"""scripts/validate_marts.py: Great Expectations over the score marts of a built warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import validate_marts
from conftest import DbtBuild, changed_copy, run_script


def run_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_script("validate_marts.py", *args, env=env)


def test_demo_build_passes_and_gets_data_docs(demo_build: DbtBuild, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    result = run_cli("--database", demo_build.database, "--docs-dir", docs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout
    assert result.stderr == ""  # no progress bars, warnings or log lines from GX
    for suite in ("fct_lead_scores.platform", "fct_lead_scores.analytics", "fct_lead_score_components"):
        assert suite in result.stdout
    index = (docs / "index.html").read_text()
    assert "fct_lead_score_history" in index and "rpt_score_band_distribution" in index
    assert list((docs / "validations" / "fct_lead_scores" / "platform").rglob("*.html"))


@pytest.mark.parametrize(
    ("statements", "failures"),
    [
        pytest.param(
            ["update marts.fct_lead_scores set lead_score = 150"],
            ["FAILED fct_lead_scores: lead_score: expect_column_values_to_be_between:"],
            id="scores_above_100",
        ),
        pytest.param(
            ["update marts.fct_lead_scores set score_band = 'hot'"],
            [
                "FAILED fct_lead_scores.platform: score_band: expect_column_values_to_not_be_in_set "
                "(At most 40% of platform leads are hot.):",
                "rows (100.0%) unexpected, at most 40% allowed, e.g. hot",
                "FAILED fct_lead_scores.analytics: score_band: expect_column_values_to_not_be_in_set",
            ],
            id="every_lead_hot",
        ),
        pytest.param(
            ["update marts.fct_lead_scores set lead_score = 0 where scoring_model_id = 'analytics'"],
            [
                "FAILED fct_lead_scores.analytics: lead_score: expect_column_mean_to_be_between:\n    observed 0",
                "FAILED fct_lead_scores.analytics: lead_score: expect_column_quantiles_to_be_between:\n"
                "    observed q0.5=0, q0.9=0",
                "FAILED fct_lead_scores.analytics: lead_score: expect_column_stdev_to_be_between:",
            ],
            id="all_scores_zero",
        ),
        pytest.param(
            [
                "insert into marts.fct_lead_score_history select * from marts.fct_lead_score_history limit 1",
                "update marts.fct_lead_scores set fit_score = null where contact_id in "
                "(select distinct contact_id from marts.fct_lead_scores order by contact_id limit 3)",
            ],
            [
                "FAILED fct_lead_score_history: lead_score_history_id: expect_column_values_to_be_unique:",
                "FAILED fct_lead_score_history: contact_id, scoring_model_id, score_date: "
                "expect_compound_columns_to_be_unique:",
                # three contacts, two scoring models
                "FAILED fct_lead_scores: fit_score: expect_column_values_to_not_be_null:\n    observed 6 of ",
            ],
            id="duplicate_key_and_nulls",
        ),
        pytest.param(
            [
                "update marts.rpt_backtest_performance set auc = 0.55 where scoring_model_id = 'platform' and segment = 'all'",
                "update marts.rpt_backtest_performance set auc = null where scoring_model_id = 'analytics' and segment = 'all'",
            ],
            [
                "FAILED rpt_backtest_performance.platform: auc: expect_column_values_to_be_between (The platform "
                "rules rank converting leads above the others (AUC 0.75-1.0).):\n    observed 1 of 1 rows (100.0%) "
                "unexpected, e.g. 0.55",
                "FAILED rpt_backtest_performance.analytics: auc: expect_column_values_to_not_be_null:",
            ],
            id="rules_that_stop_ranking_leads",
        ),
    ],
)
def test_broken_marts_fail_naming_mart_and_column(
    demo_build: DbtBuild,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    statements: list[str],
    failures: list[str],
) -> None:
    database = changed_copy(demo_build.database, tmp_path / "broken.duckdb", *statements)
    assert validate_marts.main(["--database", str(database), "--docs-dir", str(tmp_path / "docs")]) == 1
    output = capsys.readouterr().out
    for failure in failures:
        assert failure in output, output
    assert (tmp_path / "docs" / "index.html").exists()


def test_quiet_prints_only_the_failures(demo_build: DbtBuild, tmp_path: Path, capsys) -> None:
    database = changed_copy(
        demo_build.database, tmp_path / "broken.duckdb", "update marts.fct_lead_scores set grade = 'E'"
    )
    argv = ["--database", str(database), "--docs-dir", str(tmp_path / "docs"), "--quiet"]
    assert validate_marts.main(argv) == 1
    leads = demo_build.scalar("select count(*) from marts.fct_lead_scores")
    assert capsys.readouterr().out.splitlines() == [
        "FAILED fct_lead_scores: grade: expect_column_values_to_be_in_set:",
        f"    observed {leads:,} of {leads:,} rows (100.0%) unexpected, e.g. E",
    ]


def test_missing_database_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    result = run_cli("--database", missing, "--docs-dir", tmp_path / "docs")
    assert result.returncode == 2
    assert f"database {missing} does not exist" in result.stderr
    # the default is the published copy in LEAD_SCORING_SERVING_DIR, as for the BI tools
    serving = tmp_path / "serving"
    result = run_cli(
        "--docs-dir", tmp_path / "docs", env={**os.environ, "LEAD_SCORING_SERVING_DIR": str(serving)}
    )
    assert result.returncode == 2
    assert f"{serving / 'lead_scoring.duckdb'} does not exist" in result.stderr
    assert not (tmp_path / "docs").exists()


def test_missing_mart_is_a_usage_error(demo_build: DbtBuild, tmp_path: Path, capsys) -> None:
    database = changed_copy(
        demo_build.database, tmp_path / "broken.duckdb", "drop table marts.rpt_score_band_distribution"
    )
    assert validate_marts.main(["--database", str(database), "--docs-dir", str(tmp_path / "docs")]) == 2
    assert "has no table marts.rpt_score_band_distribution" in capsys.readouterr().err


def test_database_is_released_right_after_the_read(demo_build: DbtBuild, tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_build.database, database)
    marts = validate_marts.read_marts(database)
    assert set(marts) == set(validate_marts.MARTS)
    # a read-write connection (a dbt build) fails while any read-only one is open in this process
    with duckdb.connect(str(database)) as con:
        con.execute("create table marts.written_after_the_read as select 1 as x")
