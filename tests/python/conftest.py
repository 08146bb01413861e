"""Shared fixtures: demo data in a temporary directory and dbt builds of it, run in-process."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import publish
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt_common.events.base_types import EventMsg

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AS_OF_DATE = "2026-10-31"
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")


@dataclass
class DbtBuild:
    """A DuckDB warehouse built by dbt from raw Parquet tables, for tests to query."""

    project_dir: Path
    database: Path
    raw_dir: Path
    work_dir: Path
    serving_dir: Path | None = None  # where the build was published, if it was

    def run(self, *args: str, **vars: object) -> dbtRunnerResult:
        return run_dbt(self, list(args), vars)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.sql(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def run_dbt(build: DbtBuild, args: list[str], vars: dict[str, object] | None = None) -> dbtRunnerResult:
    """Invoke dbt in-process against the build's project copy and DuckDB file."""
    all_vars = {
        "raw_external_location": f"read_parquet('{build.raw_dir}/{{name}}/*.parquet', union_by_name = true)",
        "as_of_date": AS_OF_DATE,
        **(vars or {}),
    }
    vars_yaml = "{" + ", ".join(f'"{key}": "{value}"' for key, value in all_vars.items()) + "}"
    command = [*args, "--project-dir", str(build.project_dir), "--vars", vars_yaml]
    return invoke_dbt(command, build.project_dir, build.database, build.work_dir)


def invoke_dbt(command: list[str], profiles_dir: Path, database: Path, work_dir: Path) -> dbtRunnerResult:
    """Run a dbt command in-process with the project's profile on the given DuckDB file, target and
    logs in work_dir. The result carries the lines the project's macros logged (`logged`), e.g.
    the failing rows of a test (macro report_test_failures)."""
    command = [
        *command,
        "--profiles-dir", str(profiles_dir),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        "--quiet",
    ]  # fmt: skip
    logged: list[str] = []

    def collect_logged_lines(event: EventMsg) -> None:
        if event.info.name == "JinjaLogInfo":
            logged.append(event.info.msg)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEAD_SCORING_DUCKDB_PATH", str(database))
        patch.setenv("LEAD_SCORING_DUCKDB_TEMP_DIRECTORY", str(work_dir / "duckdb_tmp"))
        try:
            result = dbtRunner(callbacks=[collect_logged_lines]).invoke(command)
        finally:
            release_duckdb_file()
    result.logged = logged
    return result


def release_duckdb_file() -> None:
    """dbt-duckdb keeps its database open in the process after a run; close it so that the tests
    (and the next run, with other settings) can open the file."""
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project, for tests that change seeds or models."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        target = destination / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def run_script(
    script: str, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run scripts/<script> as a user does: with the project's Python, from the project root."""
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / script), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300)


def copy_of(build: DbtBuild, directory: Path) -> DbtBuild:
    """A build on a copy of another's DuckDB file, with its own target and logs in directory:
    for tests that run dbt again without changing what later tests see."""
    copy = dataclasses.replace(
        build, database=directory / "warehouse.duckdb", work_dir=directory, serving_dir=None
    )
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(build.database, copy.database)
    return copy


def changed_copy(database: Path, copy: Path, *statements: str) -> Path:
    """A copy of a DuckDB file with the statements applied to it."""
    shutil.copy(database, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


def add_rule(project: Path, seed: str, row: dict[str, str]) -> None:
    """Append a row to a rule seed of a project copy."""
    path = project / "seeds" / "rules" / f"{seed}.csv"
    with path.open(newline="") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow([row.get(column, "") for column in header])


def checksum_sql(relation: str) -> str:
    """A query for an order-independent checksum of all rows of a relation (a table, or e.g.
    `read_parquet(?)`)."""
    return f"select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) from {relation} as t"


def table_checksums(database: Path, schema: str = "marts") -> dict[str, str]:
    """An order-independent checksum of every table in a schema of a DuckDB file."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()]  # fmt: skip
        return {table: con.execute(checksum_sql(f"{schema}.{table}")).fetchone()[0] for table in tables}


def generate_raw_data(output_dir: Path, contacts: int, events: int, seed: int = 7) -> Path:
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "generate_data.py"),
            "--output-dir",
            str(output_dir),
            "--contacts",
            str(contacts),
            "--events",
            str(events),
            "--seed",
            str(seed),
            "--end-date",
            AS_OF_DATE,
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    return output_dir


def errors_of(result: dbtRunnerResult) -> str:
    """The messages of every failed node (or the exception) of a dbt invocation, and the lines
    the project logged about failed tests, as one text."""
    messages = [str(result.exception)] if result.exception else []
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) in ("error", "fail"):
            messages.append(f"{node_result.node.name}: {node_result.message}")
    messages.extend(getattr(result, "logged", []))
    return "\n".join(messages)


@pytest.fixture(scope="session")
def demo_raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw_data(tmp_path_factory.mktemp("demo") / "raw", contacts=1500, events=60_000)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory, demo_raw_dir: Path) -> DbtBuild:
    """The whole project built on small demo data, as of AS_OF_DATE, and published to
    <work_dir>/serving as `make build` does."""
    work_dir = tmp_path_factory.mktemp("demo_build")
    build = DbtBuild(PROJECT_ROOT, work_dir / "warehouse.duckdb", demo_raw_dir, work_dir)
    # the unit tests do not depend on the data: the demo build of `make test` runs them
    result = build.run("build", "--exclude", "test_type:unit")
    assert result.success, errors_of(result)
    build.serving_dir = work_dir / "serving"
    publish.publish(build.database, work_dir / "target", build.serving_dir, PROJECT_ROOT)
    return build


@pytest.fixture(scope="session")
def published_demo(demo_build: DbtBuild) -> DbtBuild:
    """The demo build's published copy, as BI tools read it. Unlike the demo build's own file, it
    does not change when a test rebuilds the demo (e.g. for the next day)."""
    return dataclasses.replace(demo_build, database=demo_build.serving_dir / publish.SERVING_DATABASE_NAME)
