"""The same project on Spark (`make test-spark`): the demo data built with the profile's `spark`
target (dbt-spark's session method, PySpark in local mode) must give what the DuckDB build gives.

Every relation of the project (seeds, staging views and their quarantines, intermediate models,
marts) is read back from Spark's catalog and compared with the DuckDB build of the same data, as
of the same date: the same columns with the same kinds of type, the same number of rows, and the
same rows, with every number equal to 1e-9 (relative to the value when it exceeds 1). The Spark
build runs the project's unit tests and data tests too, so the contracts hold on Spark as well.
A daily run after it, where each engine has its own incremental strategy, must agree as well.

Marked `spark`: the default pytest run leaves it out (it needs the `spark` extra and Java 17);
`make test-spark`, and `make test` as its own step, run it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF_DATE, PROJECT_ROOT, DbtBuild, copy_of, errors_of
from spark_tables import spark_env

pytestmark = pytest.mark.spark

SCHEMAS = ("scoring_rules", "staging", "intermediate", "marts")
TOLERANCE = 1e-9
NEXT_DAY = "2026-11-01"
# a daily run of the scoring path: the incremental history, its parents (among them the
# incremental staging of the events) and the live scores
DAILY_RUN = "+fct_lead_score_history fct_lead_scores"
DAILY_RELATIONS = (
    "staging.base_marketing__events_checked",
    "marts.fct_lead_score_components",
    "marts.fct_lead_scores",
    "marts.fct_lead_score_history",
)


def dbt_on_spark(env: dict[str, str], work_dir: Path, *args: str, as_of_date: str = AS_OF_DATE) -> None:
    """Run dbt in a process of its own, as a user does, and fail with dbt's errors from its log
    (dbt-spark prints only 'Runtime Error' on the console)."""
    command = [
        str(Path(sys.executable).parent / "dbt"), *args,
        "--vars", json.dumps({"as_of_date": as_of_date}),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        log = (work_dir / "logs" / "dbt.log").read_text(errors="replace")
        errors = [line for line in log.splitlines() if "Error" in line or "error" in line][-40:]
        pytest.fail(f"dbt {args[0]} on Spark failed:\n{completed.stdout[-4000:]}\n" + "\n".join(errors))


def export(spark_dir: Path, output_dir: Path, relations: list[str]) -> Path:
    """Relations of the Spark catalog in spark_dir as Parquet files (spark_tables.py)."""
    command = [
        sys.executable,
        str(Path(__file__).with_name("spark_tables.py")),
        str(spark_dir),
        str(output_dir),
    ]
    spark_relations = [f"lead_scoring_{relation}" for relation in relations]
    completed = subprocess.run(
        [*command, *spark_relations], capture_output=True, text=True, env=spark_env(spark_dir)
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    return output_dir


def parquet_of(directory: Path, relation: str) -> str:
    return f"read_parquet('{directory / f'lead_scoring_{relation}.parquet'}')"


def relations(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return [f"{schema}.{name}" for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
            f" where table_schema in {SCHEMAS} order by 1, 2"
        ).fetchall()]  # fmt: skip


@pytest.fixture(scope="module")
def spark_build(
    tmp_path_factory: pytest.TempPathFactory,
    demo_raw_dir: Path,
    demo_build: DbtBuild,
    request: pytest.FixtureRequest,
) -> Path:
    """The whole project built on Spark from the demo data (raw Parquet registered as external
    tables), with its seeds, unit tests and data tests. Returns its work directory, with the
    catalog in spark/ and every relation the DuckDB build has written to Parquet in as_of/."""
    work_dir = tmp_path_factory.mktemp("spark_build")
    env = spark_env(work_dir / "spark")
    started = time.perf_counter()
    dbt_on_spark(env, work_dir, "run-operation", "register_raw_tables",
                 "--args", json.dumps({"location": f"{demo_raw_dir}/{{name}}"}))  # fmt: skip
    dbt_on_spark(env, work_dir, "build")
    seconds = time.perf_counter() - started
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    # shown as the run goes, not captured with the test's output
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter.write_line(f"\nSpark build of the demo data: {seconds:.0f} s for {len(results)} nodes")
    export(work_dir / "spark", work_dir / "as_of", relations(demo_build.database))
    return work_dir


def type_kind(type_name: str) -> str:
    """A DuckDB column type as the kind of value it holds."""
    name = type_name.lower()
    kinds = [
        ("decimal", "decimal"), ("double", "float"), ("float", "float"), ("int", "integer"),
        ("bool", "boolean"), ("timestamp", "timestamp"), ("date", "date"), ("varchar", "string"),
    ]  # fmt: skip
    return next((kind for prefix, kind in kinds if prefix in name), name)


def differences(con: duckdb.DuckDBPyConnection, relation: str, spark: str) -> list[str]:
    """How the Spark copy of a DuckDB relation (a read_parquet of its export) differs from it:
    columns, kinds of type, rows."""

    def column_types(source: str) -> dict[str, str]:
        return dict(
            con.execute(f"select column_name, column_type from (describe select * from {source})").fetchall()
        )

    duck_types, spark_types = column_types(relation), column_types(spark)
    if set(duck_types) != set(spark_types):
        return [f"columns differ: DuckDB only {sorted(set(duck_types) - set(spark_types))}, "
                f"Spark only {sorted(set(spark_types) - set(duck_types))}"]  # fmt: skip
    problems = [
        f"column {column}: {duck_type} on DuckDB, {spark_types[column]} on Spark"
        for column, duck_type in duck_types.items()
        if type_kind(duck_type) != type_kind(spark_types[column])
    ]
    numbers = [c for c, t in duck_types.items() if type_kind(t) in ("decimal", "float")]
    keys = [c for c in duck_types if c not in numbers]

    def key(column: str) -> str:
        value = f"t.{column}"
        if type_kind(duck_types[column]) == "timestamp":
            value = f"cast({value} as timestamp)"
        elif column.startswith("raw_"):
            # a source value as text, as the engine prints it: a typed number or time prints in
            # each engine's own way (240086000.0 or 2.40086E8; with or without +00)
            value = (
                f"coalesce(cast(try_cast({value} as double) as varchar),"
                f" cast(try_cast({value} as timestamptz) as varchar), {value})"
            )
        return f"cast({value} as varchar)"

    def numbered(source: str) -> str:
        columns = [f"{key(c)} as k_{i}" for i, c in enumerate(keys)]
        columns += [f"cast(t.{c} as double) as n_{i}" for i, c in enumerate(numbers)]
        partition = ", ".join(f"k_{i}" for i in range(len(keys))) or "1"
        order = ", ".join(f"n_{i}" for i in range(len(numbers))) or "1"
        return (
            f"select *, row_number() over (partition by {partition} order by {order}) as rn"
            f" from (select {', '.join(columns)} from {source} as t)"
        )

    same_row = " and ".join(
        [f"d.k_{i} is not distinct from s.k_{i}" for i in range(len(keys))] + ["d.rn = s.rn"]
    )
    differ = " or ".join(
        ["d.rn is null", "s.rn is null"]
        + [
            f"(d.n_{i} is null) <> (s.n_{i} is null)"
            f" or abs(d.n_{i} - s.n_{i}) > {TOLERANCE} * greatest(1, abs(d.n_{i}))"
            for i in range(len(numbers))
        ]
    )
    rows = con.execute(
        f"select d.*, s.* from ({numbered(relation)}) as d full join ({numbered(spark)}) as s"
        f" on {same_row} where {differ} limit 5"
    ).fetchall()
    counts = con.execute(
        f"select (select count(*) from {relation}), (select count(*) from {spark})"
    ).fetchone()
    if counts[0] != counts[1]:
        problems.append(f"{counts[0]} rows on DuckDB, {counts[1]} on Spark")
    names = [*keys, *numbers, "rn"]
    for row in rows:
        half = len(row) // 2
        duck_row, spark_row = (
            dict(zip(names, row[:half], strict=True)),
            dict(zip(names, row[half:], strict=True)),
        )
        problems.append(f"DuckDB {duck_row} | Spark {spark_row}")
    return problems


def assert_same(database: Path, spark_dir: Path, compared: list[str] | tuple[str, ...]) -> None:
    problems = {}
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for relation in compared:
            found = differences(con, relation, parquet_of(spark_dir, relation))
            if found:
                problems[relation] = found
    report = "\n".join(f"{relation}:\n    " + "\n    ".join(found) for relation, found in problems.items())
    assert not problems, f"{len(problems)} of {len(compared)} relations differ on Spark:\n{report}"


def test_spark_build_equals_duckdb_build(demo_build: DbtBuild, spark_build: Path) -> None:
    """Every relation of the Spark build equals the DuckDB build's: every score, component,
    band, first-MQL date, distribution and conversion row, to 1e-9."""
    compared = relations(demo_build.database)
    assert {"marts.fct_lead_scores", "marts.fct_lead_score_components", "marts.rpt_score_band_distribution",
            "marts.rpt_score_band_conversion", "staging.stg_marketing__events_quarantine"} <= set(compared)  # fmt: skip
    with duckdb.connect() as con:
        scored = con.execute(f"select count(*), count(first_mql_at) from {parquet_of(spark_build / 'as_of', 'marts.fct_lead_scores')}").fetchone()  # fmt: skip
    assert scored[0] > 1000 and scored[1] > 0, scored
    assert_same(demo_build.database, spark_build / "as_of", compared)


def test_next_day_run_on_spark_equals_duckdb(demo_build: DbtBuild, spark_build: Path, tmp_path: Path) -> None:
    """A daily run after the build gives the same staging, scores, components and history on
    both engines, although each runs the incremental models its own way: on DuckDB delete+insert;
    on Spark the history's days overwrite their partitions and the events' staging is rebuilt."""
    duck = copy_of(demo_build, tmp_path / "duckdb")
    result = duck.run("run", "--select", *DAILY_RUN.split(), as_of_date=NEXT_DAY)
    assert result.success, errors_of(result)
    dbt_on_spark(spark_env(spark_build / "spark"), spark_build, "run", "--select", *DAILY_RUN.split(),
                 as_of_date=NEXT_DAY)  # fmt: skip
    next_day = export(spark_build / "spark", tmp_path / "next_day", list(DAILY_RELATIONS))
    with duckdb.connect() as con:
        days = con.execute(
            f"select min(score_date), max(score_date), count(distinct score_date)"
            f" from {parquet_of(next_day, 'marts.fct_lead_score_history')}"
        ).fetchone()
    # the full build's 29 days, kept, and the new day
    assert [day.isoformat() if hasattr(day, "isoformat") else day for day in days] == [
        "2026-10-03",
        NEXT_DAY,
        30,
    ]
    assert_same(duck.database, next_day, DAILY_RELATIONS)
