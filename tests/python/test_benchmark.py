"""The two scorers `make bench` times the dbt build against: the hand-written DuckDB query
(scripts/benchmark_floor.py) and pandas (scripts/bench_pandas.py) must give the scores of the demo
build, and the comparison must notice a score that differs."""

from __future__ import annotations

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
