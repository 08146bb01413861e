"""Build the warehouse with `dbt build` and, if every model and test passed, publish the marts.

This is what `make build` runs. dbt writes to the build's DuckDB file (LEAD_SCORING_DUCKDB_PATH,
default data/lead_scoring.duckdb), which nothing else should hold open. BI tools read the published
copy (LEAD_SCORING_SERVING_DIR, default data/serving; see scripts/publish.py), which is replaced
only after a build whose tests passed. A failed build publishes nothing and says so.

    scripts/build.py                                   # dbt build with the project's vars
    scripts/build.py --raw-dir exports/raw             # raw Parquet tables from another directory
    scripts/build.py --vars '{as_of_date: "2026-10-31"}' -- --full-refresh
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml
from publish import (
    DEFAULT_BUILD_DATABASE,
    DEFAULT_SERVING_DIR,
    DEFAULT_TARGET_DIR,
    PublishError,
    describe_current,
    publish,
    report,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project-dir", type=Path, default=Path("."), help="the dbt project (default: .)")
    parser.add_argument("--raw-dir", type=Path,
                        help="read the raw tables from <raw dir>/<table>/*.parquet")  # fmt: skip
    parser.add_argument(
        "--vars", default="{}", help="dbt vars, as YAML (e.g. '{as_of_date: \"2026-10-31\"}')"
    )
    parser.add_argument("--no-publish", action="store_true", help="build and test only")
    parser.add_argument("dbt_args", nargs="*", help="more arguments for dbt build, after --")
    args = parser.parse_args(argv)
    args.vars = parse_vars(parser, args.vars)
    if args.raw_dir:
        args.vars["raw_external_location"] = raw_parquet_location(args.raw_dir)
    return args


def parse_vars(parser: argparse.ArgumentParser, text: str) -> dict:
    """The --vars option: dbt vars as a YAML mapping (argparse's usage error otherwise)."""
    try:
        dbt_vars = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        parser.error(f"--vars is not YAML: {error}")
    if not isinstance(dbt_vars, dict):
        parser.error("--vars must be a YAML mapping, e.g. '{as_of_date: \"2026-10-31\"}'")
    return dbt_vars


def raw_parquet_location(raw_dir: Path) -> str:
    """The raw_external_location var for raw tables stored as <raw dir>/<table>/*.parquet."""
    location = str(raw_dir).replace("'", "''")
    return f"read_parquet('{location}/{{name}}/*.parquet', union_by_name = true)"


def build_database_is_free(database: Path, serving_dir: Path) -> bool:
    """dbt needs the build's file to itself. Say who holds it, and where readers belong."""
    if not database.exists():
        return True
    try:
        duckdb.connect(str(database)).close()
    except duckdb.IOException as error:
        print(
            f"error: {database} is open in another process, so dbt cannot write it:\n  {error}\n"
            f"BI tools and notebooks should read the published copy in {serving_dir} "
            "(see README, 'Reading the scores from a BI tool'), which never blocks a build.",
            file=sys.stderr,
        )
        return False
    return True


def run_dbt_build(project_dir: Path, vars: dict, dbt_args: list[str]) -> int:
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), "build", "--project-dir", str(project_dir), *dbt_args]
    if vars:
        command += ["--vars", yaml.safe_dump(vars, default_flow_style=True, width=10_000).strip()]
    environment = {"DBT_PROFILES_DIR": str(project_dir), **os.environ}
    return subprocess.run(command, env=environment).returncode


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    build_database = Path(DEFAULT_BUILD_DATABASE)
    serving_dir = Path(DEFAULT_SERVING_DIR)
    target_dir = Path(DEFAULT_TARGET_DIR)
    if not target_dir.is_absolute():
        target_dir = args.project_dir / target_dir
    if not build_database_is_free(build_database, serving_dir):
        return 1

    returncode = run_dbt_build(args.project_dir, args.vars, args.dbt_args)
    if returncode != 0:
        print(
            f"\ndbt build failed (exit code {returncode}): nothing was published; "
            f"{describe_current(serving_dir)}.",
            file=sys.stderr,
        )
        return returncode
    if args.no_publish:
        return 0

    print(f"\nPublishing the marts to {serving_dir} ...", flush=True)
    try:
        publication = publish(build_database, target_dir, serving_dir, args.project_dir)
    except PublishError as error:
        print(f"error: nothing was published: {error}; {describe_current(serving_dir)}.", file=sys.stderr)
        return 1
    report(publication)
    return 0


if __name__ == "__main__":
    sys.exit(main())
