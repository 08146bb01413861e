"""Publish the marts of a dbt build whose tests passed to the serving location that BI tools read.

DuckDB lets one process write a file or many processes read it, never both: a BI tool holding the
build's file would make `dbt build` fail, and would see marts whose tests had not passed yet. So
readers never touch the build's file. They read the serving location:

  <serving dir>/lead_scoring.duckdb          every mart as a table (schema marts) and, in schema meta,
                                             which build it is (meta.publication, meta.published_tables)
  <serving dir>/parquet/<mart>.parquet       the same marts as Parquet files, and publication.json
  <serving dir>/parquet_views.sql            `create view marts.<mart>` over those Parquet files, for
                                             tools that keep a connection open (Metabase's init SQL)

Both are written beside the live copy and swapped in with one rename each (os.replace of the DuckDB
file, of the `parquet` symlink to a release directory), so a reader sees the previous complete
publication or the new one, never a half-written one, and a reader never blocks a build. A process
that has the old file open keeps reading the old data until it reconnects.

Only a build whose results are all successful is published: the run_results.json of the last dbt
command must be a `dbt build` with no error, failure or skip, and the build's database must have
been written last by that same invocation, which finished (table dbt_invocation, written by the
project's on-run-start and on-run-end hooks). `scripts/build.py` (`make build`)
calls this after `dbt build`; run it alone to publish the last build again.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

DEFAULT_BUILD_DATABASE = os.environ.get("LEAD_SCORING_DUCKDB_PATH", "data/lead_scoring.duckdb")
DEFAULT_SERVING_DIR = os.environ.get("LEAD_SCORING_SERVING_DIR", "data/serving")
DEFAULT_TARGET_DIR = os.environ.get("DBT_TARGET_PATH", "target")
SERVING_DATABASE_NAME = "lead_scoring.duckdb"
# the published DuckDB file, which readers (scripts/show_scores.py, report.py, validate_marts.py) open
DEFAULT_SERVING_DATABASE = os.path.join(DEFAULT_SERVING_DIR, SERVING_DATABASE_NAME)
PARQUET_VIEWS_NAME = "parquet_views.sql"
PARQUET_LINK_NAME = "parquet"
RELEASES_DIR_NAME = "releases"
KEPT_RELEASES = 3
MART_SCHEMA = "marts"
PASSED_STATUSES = {"success", "pass", "warn", "no-op"}  # no-op: exposures


class PublishError(Exception):
    """The build cannot be published; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class Mart:
    name: str
    description: str
    columns: dict[str, str]


@dataclass(frozen=True)
class Publication:
    publication_id: str
    serving_database: Path
    parquet_dir: Path
    rows: dict[str, int]
    as_of_date: str | None
    build_summary: str


def passed_build(target_dir: Path) -> tuple[dict, dict]:
    """The run results and manifest of the last dbt command, if it was a build that passed."""
    run_results_path = target_dir / "run_results.json"
    manifest_path = target_dir / "manifest.json"
    for path in (run_results_path, manifest_path):
        if not path.exists():
            raise PublishError(f"{path} does not exist: run `dbt build` (or `make build`) first")
    run_results = json.loads(run_results_path.read_text())
    command = run_results.get("args", {}).get("which")
    if command != "build":
        raise PublishError(
            f"the last dbt command in {target_dir} was `dbt {command}`, not `dbt build`: "
            "only a build, whose tests ran, is published"
        )
    not_passed = [
        f"{result['unique_id']} ({result['status']})"
        for result in run_results["results"]
        if result["status"] not in PASSED_STATUSES
    ]
    if not_passed:
        shown = ", ".join(not_passed[:5]) + (
            f" and {len(not_passed) - 5} more" if len(not_passed) > 5 else ""
        )
        raise PublishError(f"the last dbt build did not pass: {shown}")
    return run_results, json.loads(manifest_path.read_text())


def check_written_by(con: duckdb.DuckDBPyConnection, build_database: Path, run_results: dict) -> None:
    """The build database (attached as `build`) was last written by the invocation of run_results,
    which finished."""
    invocation_id = run_results["metadata"]["invocation_id"]
    tables = con.execute(
        "select schema_name from duckdb_tables()"
        " where table_name = 'dbt_invocation' and database_name = 'build'"
    ).fetchall()
    if len(tables) != 1:
        raise PublishError(f"{build_database} has no dbt_invocation table: was it built by this project?")
    recorded = con.execute(
        f"select invocation_id, state from build.{quoted(tables[0][0])}.dbt_invocation"
    ).fetchone()
    if recorded != (invocation_id, "finished"):
        raise PublishError(
            f"{build_database} was last written by dbt invocation {recorded[0]} ({recorded[1]}), not by the "
            f"passed build {invocation_id}: a later or interrupted dbt run changed it; run `dbt build` again"
        )


def marts_of(manifest: dict) -> list[Mart]:
    """Every enabled model materialised in the marts schema, with its documentation."""
    marts = [
        Mart(
            name=node["alias"] or node["name"],
            description=node.get("description") or "",
            columns={name: column.get("description") or "" for name, column in node["columns"].items()},
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] == MART_SCHEMA
        and node["config"].get("enabled", True)
        and node["config"]["materialized"] in ("table", "incremental")
    ]
    if not marts:
        raise PublishError(f"the manifest has no table in schema {MART_SCHEMA}")
    return sorted(marts, key=lambda mart: mart.name)


def summarise(run_results: dict) -> str:
    """e.g. "36 models, 17 seeds, 115 data tests, 24 unit tests passed; 0 warned"."""
    kinds = {
        "model": "models",
        "seed": "seeds",
        "snapshot": "snapshots",
        "test": "data tests",
        "unit_test": "unit tests",
    }
    counts = dict.fromkeys(kinds.values(), 0)
    for result in run_results["results"]:
        kind = kinds.get(result["unique_id"].split(".")[0])
        if kind:
            counts[kind] += 1
    warned = sum(1 for result in run_results["results"] if result["status"] == "warn")
    return (
        ", ".join(f"{count} {kind}" for kind, count in counts.items() if count) + f" passed; {warned} warned"
    )


def git_commit(project_dir: Path) -> str | None:
    """The project's commit, with `-dirty` when the working tree differs from it."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        changes = subprocess.run(
            ["git", "-C", str(project_dir), "status", "--porcelain", "--", "models", "macros", "seeds"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if changes else "")


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@contextlib.contextmanager
def publish_lock(serving_dir: Path, timeout_seconds: float = 600) -> Iterator[None]:
    """One publisher at a time; a publisher killed midway releases the lock with its process."""
    with (serving_dir / ".publish.lock").open("w") as handle:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError(f"another publish holds {handle.name}") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(serving_dir: Path) -> list[Path]:
    """Files and directories a publisher killed midway left behind (the lock is held)."""
    leftovers = [*serving_dir.glob(".*.tmp"), *serving_dir.glob(".*.tmp.wal")]
    leftovers += (serving_dir / RELEASES_DIR_NAME).glob("*.tmp")
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return leftovers


def fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_serving_copy(
    build_database: Path,
    run_results: dict,
    marts: list[Mart],
    project_dir: Path,
    database_path: Path,
    parquet_dir: Path,
) -> tuple[dict, dict[str, int]]:
    """Copy the marts into a new DuckDB file and Parquet files; returns the publication's metadata
    and the rows per mart. The build database is attached read-only once, for the check that the
    passed build wrote it, the metadata and the copy: no dbt run can write it in between."""
    rows: dict[str, int] = {}
    with duckdb.connect(str(database_path)) as con:
        try:
            con.execute(f"attach {sql_string(str(build_database))} as build (read_only)")
        except duckdb.IOException as error:
            raise PublishError(f"cannot read the build database {build_database}: {error}") from None
        check_written_by(con, build_database, run_results)
        metadata = build_metadata(con, marts, run_results, project_dir)
        con.execute(f"create schema {MART_SCHEMA}")
        for mart in marts:
            table = f"{MART_SCHEMA}.{quoted(mart.name)}"
            try:
                con.execute(f"create table {table} as select * from build.{table}")
            except duckdb.CatalogException:
                raise PublishError(
                    f"{build_database} has no table {MART_SCHEMA}.{mart.name}: was it built by this project?"
                ) from None
            rows[mart.name] = con.execute(f"select count(*) from {table}").fetchone()[0]
            if mart.description:
                con.execute(f"comment on table {table} is {sql_string(mart.description)}")
            existing = {row[0] for row in con.execute(f"describe {table}").fetchall()}
            for column, description in mart.columns.items():
                if description and column in existing:
                    con.execute(f"comment on column {table}.{quoted(column)} is {sql_string(description)}")
            con.execute(
                f"copy {table} to {sql_string(str(parquet_dir / f'{mart.name}.parquet'))}"
                " (format parquet, compression zstd)"
            )
        con.execute("detach build")
        con.execute("create schema meta")
        con.execute(
            """
            create table meta.publication as select
                cast($publication_id as varchar) as publication_id,
                cast($published_at as timestamp) as published_at,
                cast($as_of_date as date) as as_of_date,
                cast($rules_versions as varchar) as rules_versions,
                cast($git_commit as varchar) as git_commit,
                cast($dbt_invocation_id as varchar) as dbt_invocation_id,
                cast($dbt_version as varchar) as dbt_version,
                cast($build_summary as varchar) as build_summary
            """,
            metadata,
        )
        con.execute("create table meta.published_tables (table_name varchar, row_count bigint)")
        con.executemany("insert into meta.published_tables values (?, ?)", sorted(rows.items()))
        con.execute(
            "comment on table meta.publication is 'The dbt build this file holds, and when it was published'"
        )
        con.execute("checkpoint")
    if Path(f"{database_path}.wal").exists():
        raise PublishError(f"{database_path}.wal was left behind: the serving copy is incomplete")
    (parquet_dir / "publication.json").write_text(
        json.dumps({**metadata, "rows": rows}, indent=2, default=str) + "\n"
    )
    return metadata, rows


def build_metadata(
    con: duckdb.DuckDBPyConnection, marts: list[Mart], run_results: dict, project_dir: Path
) -> dict:
    """What meta.publication says about the build attached as `build`."""
    as_of_date = rules_versions = None
    if any(mart.name == "fct_lead_scores" for mart in marts):
        as_of_date, rules_versions = con.execute(
            "select cast(max(as_of_date) as varchar),"
            " string_agg(distinct rules_version, ', ' order by rules_version)"
            " from build.marts.fct_lead_scores"
        ).fetchone()
    invocation_id = run_results["metadata"]["invocation_id"]
    published_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    return {
        "publication_id": f"{published_at:%Y%m%dT%H%M%SZ}-{invocation_id[:8]}",
        "published_at": published_at,
        "as_of_date": as_of_date,
        "rules_versions": rules_versions,
        "git_commit": git_commit(project_dir),
        "dbt_invocation_id": invocation_id,
        "dbt_version": run_results["metadata"]["dbt_version"],
        "build_summary": summarise(run_results),
    }


def publish(
    build_database: Path,
    target_dir: Path,
    serving_dir: Path,
    project_dir: Path = Path("."),
    kept_releases: int = KEPT_RELEASES,
) -> Publication:
    """Publish the marts of the build in build_database, if the build in target_dir passed."""
    run_results, manifest = passed_build(target_dir)
    marts = marts_of(manifest)
    if not build_database.exists():
        raise PublishError(f"the build database {build_database} does not exist")
    serving_dir.mkdir(parents=True, exist_ok=True)
    releases_dir = serving_dir / RELEASES_DIR_NAME
    releases_dir.mkdir(exist_ok=True)
    parquet_link = serving_dir / PARQUET_LINK_NAME
    if parquet_link.exists() and not parquet_link.is_symlink():
        raise PublishError(f"{parquet_link} is not a link to a release: move it away and publish again")
    serving_database = serving_dir / SERVING_DATABASE_NAME

    with publish_lock(serving_dir):
        remove_leftovers(serving_dir)
        staged_database = serving_dir / f".{SERVING_DATABASE_NAME}.{os.getpid()}.tmp"
        staged_release = releases_dir / f"{os.getpid()}.tmp"
        staged_link = serving_dir / f".{PARQUET_LINK_NAME}.{os.getpid()}.tmp"
        try:
            staged_release.mkdir()
            metadata, rows = write_serving_copy(
                build_database, run_results, marts, project_dir, staged_database, staged_release
            )
            publication_id = metadata["publication_id"]
            fsync_path(staged_database)
            release = releases_dir / publication_id
            staged_release.rename(release)
            staged_link.symlink_to(Path(RELEASES_DIR_NAME) / publication_id)
            # the two swaps: each is one rename, atomic for readers
            os.replace(staged_database, serving_database)
            os.replace(staged_link, parquet_link)
            write_parquet_views(serving_dir, marts)
            fsync_path(serving_dir)
        except BaseException:
            remove_leftovers(serving_dir)
            raise
        prune_releases(releases_dir, keep=kept_releases, current=release)
    return Publication(
        publication_id=publication_id,
        serving_database=serving_database,
        parquet_dir=parquet_link,
        rows=rows,
        as_of_date=metadata["as_of_date"],
        build_summary=metadata["build_summary"],
    )


def write_parquet_views(serving_dir: Path, marts: list[Mart]) -> None:
    """Views over the current Parquet files, by absolute path through the `parquet` link: a
    connection that runs them reads the newest publication at every query."""
    parquet_dir = (serving_dir / PARQUET_LINK_NAME).absolute()
    statements = [
        "-- Run in any DuckDB connection (e.g. ':memory:') to read the published marts as views over",
        "-- the Parquet files. Every query reads the publication that is current when it runs.",
        f"create schema if not exists {MART_SCHEMA};",
        *(
            f"create or replace view {MART_SCHEMA}.{quoted(mart.name)} as select * from read_parquet("
            f"{sql_string(str(parquet_dir / f'{mart.name}.parquet'))});"
            for mart in marts
        ),
        "create schema if not exists meta;",
        "create or replace view meta.publication as select * exclude (rows) from read_json("
        f"{sql_string(str(parquet_dir / 'publication.json'))});",
    ]
    staged = serving_dir / f".{PARQUET_VIEWS_NAME}.{os.getpid()}.tmp"
    staged.write_text("\n".join(statements) + "\n")
    os.replace(staged, serving_dir / PARQUET_VIEWS_NAME)


def prune_releases(releases_dir: Path, keep: int, current: Path) -> None:
    """Drop all but the newest releases. A reader that opened a file of a dropped release keeps
    reading it (the file lives until it is closed); the previous ones stay for slow listers."""
    releases = sorted(path for path in releases_dir.iterdir() if path.is_dir() and path.suffix != ".tmp")
    for path in releases[:-keep]:
        if path != current:
            shutil.rmtree(path)


def current_publication(serving_dir: Path) -> dict | None:
    """The publication readers see now, or None when nothing was published."""
    database = serving_dir / SERVING_DATABASE_NAME
    if not database.exists():
        return None
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute("select * from meta.publication")
        columns = [column[0] for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def describe_current(serving_dir: Path) -> str:
    try:
        current = current_publication(serving_dir)
    except duckdb.Error as error:
        return f"the serving copy in {serving_dir} cannot be read: {error}"
    if current is None:
        return f"nothing has been published to {serving_dir} yet"
    return (
        f"readers keep publication {current['publication_id']} (as of {current['as_of_date']}, "
        f"published {current['published_at']} UTC)"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", type=Path, default=Path(DEFAULT_BUILD_DATABASE),
                        help="the DuckDB file dbt built (default: %(default)s)")  # fmt: skip
    parser.add_argument("--target-dir", type=Path, default=Path(DEFAULT_TARGET_DIR),
                        help="dbt's target directory, with run_results.json and manifest.json")  # fmt: skip
    parser.add_argument("--serving-dir", type=Path, default=Path(DEFAULT_SERVING_DIR),
                        help="where readers find the published marts (default: %(default)s)")  # fmt: skip
    parser.add_argument(
        "--project-dir", type=Path, default=Path("."), help="the dbt project, for its git commit"
    )
    return parser.parse_args(argv)


def report(publication: Publication) -> None:
    print(
        f"Published {publication.publication_id} "
        f"(as of {publication.as_of_date}; {publication.build_summary}):"
    )
    print(f"  DuckDB   {publication.serving_database}")
    print(f"  Parquet  {publication.parquet_dir}/<mart>.parquet")
    for name, rows in publication.rows.items():
        print(f"    {name:<36} {rows:>12,} rows")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"Publishing the marts of {args.database} to {args.serving_dir} ...", flush=True)
    try:
        publication = publish(args.database, args.target_dir, args.serving_dir, args.project_dir)
    except PublishError as error:
        print(f"error: nothing was published: {error}; {describe_current(args.serving_dir)}", file=sys.stderr)
        return 1
    report(publication)
    return 0


if __name__ == "__main__":
    sys.exit(main())
