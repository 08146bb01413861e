"""The two scorers `make bench` times the dbt build against: the hand-written DuckDB query
(scripts/benchmark_floor.py) and pandas (scripts/bench_pandas.py) must give the scores of the demo
build, and the comparison must notice a score that differs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import benchmark
import duckdb
import pytest
from conftest import AS_OF_DATE, DbtBuild, run_script


@pytest.fixture(scope="module")
def outside_scores(demo_build: DbtBuild, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out_dir = tmp_path_factory.mktemp("bench_scores")
    scores = {}
    for name, script in (("floor", "benchmark_floor.py"), ("pandas", "bench_pandas.py")):
        output = out_dir / f"{name}.parquet"
        result = run_script(
            script, "--raw-dir", demo_build.raw_dir, "--as-of-date", AS_OF_DATE, "--output", output
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        scores[name] = output
    return scores


def test_floor_and_pandas_score_as_the_dbt_build(demo_build: DbtBuild, outside_scores: dict[str, Path]):
    verdicts = benchmark.compare_scores(demo_build.database, outside_scores)

    built = demo_build.scalar("select count(*) from marts.fct_lead_scores")
    assert built > 0
    assert set(verdicts) == {"floor", "pandas"}
    assert all(verdict.startswith(f"{built} rows equal") for verdict in verdicts.values())


@pytest.mark.parametrize(
    "change",
    [
        "update scores set lead_score = lead_score + 0.01 where contact_id = (select min(contact_id) from scores)",
        "update scores set is_mql = not is_mql where contact_id = (select min(contact_id) from scores)",
        "delete from scores where contact_id = (select max(contact_id) from scores)",
    ],
    ids=["score", "mql_flag", "missing_row"],
)
def test_the_comparison_fails_on_any_difference(
    demo_build: DbtBuild, outside_scores: dict[str, Path], tmp_path: Path, change: str
):
    changed = tmp_path / "floor_changed.parquet"
    with duckdb.connect() as con:
        con.execute(f"create table scores as select * from read_parquet('{outside_scores['floor']}')")
        con.execute(change)
        con.execute(f"copy scores to '{changed}' (format parquet)")

    with pytest.raises(AssertionError, match="differs from the dbt build"):
        benchmark.compare_scores(demo_build.database, {"floor": changed})


def test_a_failing_step_is_recorded_with_its_time_memory_and_log(tmp_path: Path):
    log = tmp_path / "step.log"

    step = benchmark.run_measured("fails", ["sh", "-c", "echo out of temp disk; exit 3"], log=log)

    assert step.failed is not None and step.failed.startswith("exit 3") and str(log) in step.failed
    assert step.seconds > 0 and step.peak_rss_gib > 0
    assert log.read_text() == "out of temp disk\n"


def test_the_floor_keeps_its_log_when_it_fails(tmp_path: Path):
    output = tmp_path / "floor.parquet"

    step = benchmark.score_outside_dbt(
        benchmark.FLOOR,
        benchmark.SCRIPTS_DIR / "benchmark_floor.py",
        tmp_path / "no_raw_data",
        dt.date.fromisoformat(AS_OF_DATE),
        output,
    )

    log = tmp_path / "logs" / "floor.log"
    assert step.failed is not None and str(log) in step.failed
    assert "No files found" in log.read_text()


def test_a_size_whose_scoring_path_fails_runs_the_other_steps_and_reports_the_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ran = []

    def generate(raw_dir: Path, events: int):
        (raw_dir / "next_day").mkdir(parents=True)
        (raw_dir / "events").mkdir()
        (raw_dir / "next_day" / "part-next-day.parquet").write_text("")
        return benchmark.Step("generate", 1.0, 0.1), 0.01

    def dbt_build(name, database, raw_dir, as_of, selection, log_dir, full_refresh):
        ran.append(name)
        return benchmark.Step(name, 2.0, 1.0, "exit 1: dbt build" if name == "scoring path" else None)

    def score_outside_dbt(name, script, raw_dir, as_of, output):
        ran.append(name)
        return benchmark.Step(name, 1.0, 0.5)

    def compare_scores(database, candidates):
        raise AssertionError("nothing to compare with: the scoring path failed")

    for name, fake in [("generate", generate), ("dbt_build", dbt_build),
                       ("score_outside_dbt", score_outside_dbt), ("compare_scores", compare_scores)]:  # fmt: skip
        monkeypatch.setattr(benchmark, name, fake)

    result = benchmark.bench_size(1000, tmp_path, pandas_limit=100)
    result["ratios"] = benchmark.ratios(result)
    printed = benchmark.table([result])

    assert ran == ["scoring path", benchmark.FLOOR, "whole project", "whole project, daily run"]
    assert result["steps"]["scoring path, daily run"] == {
        "name": "scoring path, daily run", "reason": "the scoring path failed"
    }  # fmt: skip
    assert "| scoring path | failed after 2.0 s, 1.0 GiB |" in printed
    assert "| scoring path, daily run | not run (the scoring path failed) |" in printed
    assert f"| {benchmark.PANDAS} | not run (more than --pandas-max-events (100)) |" in printed
    assert set(result["ratios"]) == {"daily_over_full_whole_project"}
