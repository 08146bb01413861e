"""The semantic layer: MetricFlow metrics over the published marts, queried with `mf query` through
the read-only `serving` profile target, agree with direct SQL over the marts."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DbtBuild, copy_project

MF = Path(sys.executable).parent / "mf"
DBT = Path(sys.executable).parent / "dbt"


@pytest.fixture(scope="module")
def metricflow(demo_build: DbtBuild, tmp_path_factory: pytest.TempPathFactory):
    """Run `mf` as a user does: in a project root whose target/ holds the semantic manifest,
    against the demo build's published copy."""
    project = copy_project(tmp_path_factory.mktemp("semantic") / "project")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "LEAD_SCORING_TARGET": "serving",
        "LEAD_SCORING_SERVING_DIR": str(demo_build.serving_dir),
    }
    env.pop("DBT_TARGET_PATH", None)
    parsed = subprocess.run(
        [str(DBT), "parse", "--quiet"], cwd=project, env=env, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr

    def query(*args: str) -> list[dict[str, str]]:
        output = project / "target" / "query.csv"
        result = subprocess.run(
            [str(MF), "query", *args, "--quiet", "--csv", str(output)],
            cwd=project, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        with output.open(newline="") as handle:
            return list(csv.DictReader(handle))

    return query, project, env


def test_metric_definitions_validate_against_the_published_copy(metricflow) -> None:
    _, project, env = metricflow
    result = subprocess.run(
        [str(MF), "validate-configs"], cwd=project, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERRORS: 0" in result.stdout and "WARNINGS: 0" in result.stdout


def test_lead_metrics_by_model_and_segment_equal_the_marts(metricflow, published_demo: DbtBuild) -> None:
    query, _, _ = metricflow
    rows = query(
        "--metrics", "leads,mql_count,average_lead_score,hot_lead_share,unqualified_lead_share",
        "--group-by", "lead_day__scoring_model_id,lead_day__segment",
    )  # fmt: skip
    found = {
        (row["lead_day__scoring_model_id"], row["lead_day__segment"]): (
            int(row["leads"]), int(row["mql_count"]), float(row["average_lead_score"]),
            float(row["hot_lead_share"]), float(row["unqualified_lead_share"]),
        )
        for row in rows
    }  # fmt: skip
    expected = {
        (model, segment): (leads, mqls, float(average), float(hot), float(unqualified))
        for model, segment, leads, mqls, average, hot, unqualified in published_demo.query(
            """
            select scoring_model_id, segment, count(*), count(*) filter (where is_mql), avg(lead_score),
                   avg(case when score_band = 'hot' then 1.0 else 0 end),
                   avg(case when score_band = 'unqualified' then 1.0 else 0 end)
            from marts.fct_lead_scores group by all
            """
        )
    }
    assert found.keys() == expected.keys()
    for key, values in expected.items():
        assert found[key][:2] == values[:2], key
        assert found[key][2:] == pytest.approx(values[2:], rel=1e-9), key


def test_daily_metrics_follow_the_score_history(metricflow, published_demo: DbtBuild) -> None:
    query, _, _ = metricflow
    rows = query(
        "--metrics", "mql_count,leads", "--group-by", "metric_time__day,lead_day__scoring_model_id",
        "--order", "metric_time__day",
    )  # fmt: skip
    found = {
        (row["metric_time__day"][:10], row["lead_day__scoring_model_id"]): int(row["mql_count"])
        for row in rows
    }
    expected = {
        (str(day), model): mqls
        for day, model, mqls in published_demo.query(
            "select score_date, scoring_model_id, count(*) filter (where is_mql)"
            " from marts.fct_lead_score_history group by all"
        )
    }
    assert found == expected
    assert len({day for day, _ in found}) > 20


def test_conversion_rate_by_band_equals_the_conversion_mart(metricflow, published_demo: DbtBuild) -> None:
    query, _, _ = metricflow
    rows = query("--metrics", "opportunity_conversion_rate,cohort_leads,converted_leads",
                 "--group-by", "band_cohort__score_band")  # fmt: skip
    found = {
        row["band_cohort__score_band"]: (int(row["cohort_leads"]), int(row["converted_leads"]), row["opportunity_conversion_rate"])
        for row in rows
    }  # fmt: skip
    expected = published_demo.query(
        "select score_band, sum(leads), sum(leads_with_opportunity) from marts.rpt_score_band_conversion group by all"
    )
    assert set(found) == {"hot", "warm", "cold", "unqualified"}
    for band, leads, converted in expected:
        assert found[band][:2] == (leads, converted), band
        if leads:
            assert float(found[band][2]) == pytest.approx(converted / leads, rel=1e-9), band


def test_champion_dimensions_split_the_leads(metricflow, published_demo: DbtBuild) -> None:
    query, _, _ = metricflow
    rows = query("--metrics", "leads", "--group-by", "lead_day__champion_model_id,lead_day__is_champion")
    found = {
        (row["lead_day__champion_model_id"], row["lead_day__is_champion"].lower()): int(row["leads"])
        for row in rows
    }
    expected = {
        (model, str(is_champion).lower()): leads
        for model, is_champion, leads in published_demo.query(
            "select champion_model_id, is_champion, count(*) from marts.fct_lead_scores group by all"
        )
    }
    assert found == expected
    assert all(is_champion == "true" for _, is_champion in expected)  # the demo rules have no challenger
