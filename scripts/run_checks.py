"""Run every check CI runs and print a short summary: `make test`.

Steps, in order (each one runs even when an earlier one failed, except where it needs its output):

  ruff         Python lint and formatting (scripts/, tests/)
  sqlfluff     SQL lint of the dbt project (dialect duckdb, dbt templater)
  dbt build    the whole project on the demo data, with its seeds validated, unit tests and
               data tests (thresholds, band-share guardrails, conservation, ...), then
               published as `make build` does (scripts/build.py)
  great_exp    Great Expectations checkpoint over the published score marts of that build
  pytest       end-to-end tests that build the project on fixture data in temporary directories
  spark        the fixture data built on Spark (the profile's spark target, PySpark in this
               process) and every relation compared with the DuckDB build (`make test-spark`)

The demo build goes to target/checks/ (raw data and DuckDB file), apart from the user's
warehouse in data/, and is pinned to an as-of date so that every run checks the same thing.
Exit status: 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHECKS_DIR = PROJECT_ROOT / "target" / "checks"
SERVING_DIR = CHECKS_DIR / "serving"
AS_OF_DATE = "2026-10-31"
DEMO_CONTACTS = 5000
DEMO_EVENTS = 250_000


@dataclass
class Step:
    name: str
    status: str = "skipped"  # passed, failed or skipped
    detail: str = ""
    seconds: float = 0.0
    output: str = field(default="", repr=False)


def run(step: Step, command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run a command, streaming its output, and record status and time on the step."""
    print(f"\n=== {step.name}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    step.seconds += time.perf_counter() - started
    step.output += completed.stdout
    print(completed.stdout, end="", flush=True)
    step.status = "passed" if completed.returncode == 0 and step.status != "failed" else "failed"
    return completed


def ruff() -> Step:
    step = Step("ruff")
    run(step, [str(BIN / "ruff"), "check", "scripts", "tests"])
    run(step, [str(BIN / "ruff"), "format", "--check", "scripts", "tests"])
    step.detail = "lint and format of scripts/ and tests/"
    return step


def sqlfluff() -> Step:
    step = Step("sqlfluff")
    # compiling needs no data: an in-memory database never locks the warehouse file
    env = {"LEAD_SCORING_DUCKDB_PATH": ":memory:"}
    completed = run(step, [str(BIN / "sqlfluff"), "lint", "models", "tests/dbt"], env)
    with_violations = sum(1 for line in completed.stdout.splitlines() if line.startswith("== ["))
    # a model dbt cannot compile is skipped with a warning, not linted: that is a failure too
    skipped = completed.stdout.count("Skipped file")
    if skipped:
        step.status = "failed"
        step.detail = f"{skipped} files could not be compiled for linting"
    elif step.status == "failed":
        step.detail = f"{with_violations} files with violations"
    else:
        step.detail = "models and tests lint-clean"
    return step


def dbt_build(database: Path) -> Step:
    step = Step("dbt build")  # and publish
    raw_dir = CHECKS_DIR / "raw"
    if not (raw_dir / "events").exists():
        run(step, [
            str(BIN / "python"), "scripts/generate_data.py", "--output-dir", str(raw_dir),
            "--contacts", str(DEMO_CONTACTS), "--events", str(DEMO_EVENTS), "--end-date", AS_OF_DATE,
            "--force",
        ])  # fmt: skip
        if step.status == "failed":
            step.detail = "could not generate the demo data"
            return step
    database.unlink(missing_ok=True)
    target = CHECKS_DIR / "dbt_target"
    # as `make build` does: dbt build, then publish the marts if every model and test passed
    run(step, [
        str(BIN / "python"), "scripts/build.py", "--raw-dir", str(raw_dir),
        "--vars", json.dumps({"as_of_date": AS_OF_DATE}),
    ], {
        "LEAD_SCORING_DUCKDB_PATH": str(database), "LEAD_SCORING_SERVING_DIR": str(SERVING_DIR),
        "LEAD_SCORING_DUCKDB_TEMP_DIRECTORY": str(CHECKS_DIR / "duckdb_tmp"),
        "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(CHECKS_DIR / "dbt_logs"),
    })  # fmt: skip
    run_results = target / "run_results.json"
    if run_results.exists():
        results = json.loads(run_results.read_text())["results"]
        kinds = Counter(result["unique_id"].split(".")[0] for result in results)
        statuses = Counter(result["status"] for result in results)
        step.detail = (
            f"{kinds['model']} models, {kinds['seed']} seeds, {kinds['unit_test']} unit tests, "
            f"{kinds['test']} data tests; " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        )
    return step


def great_expectations(dbt_step: Step) -> Step:
    step = Step("great_expectations")
    if dbt_step.status != "passed":
        step.detail = "needs a passing dbt build"
        return step
    completed = run(step, [
        str(BIN / "python"), "scripts/validate_marts.py",
        "--database", str(SERVING_DIR / "lead_scoring.duckdb"),
        "--docs-dir", str(PROJECT_ROOT / "target" / "gx_data_docs"),
    ])  # fmt: skip
    summary = [line for line in completed.stdout.splitlines() if "expectations" in line.lower()]
    step.detail = summary[-1].strip() if summary else ""
    return step


def pytest(extra_args: list[str], name: str = "pytest") -> Step:
    step = Step(name)
    report = CHECKS_DIR / f"{name}.xml"
    report.unlink(missing_ok=True)
    completed = run(step, [str(BIN / "python"), "-m", "pytest", f"--junitxml={report}", *extra_args])
    if report.exists():
        suite = ElementTree.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite[0]
        counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
        passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        step.detail = (
            f"{passed} passed, {counts['failures'] + counts['errors']} failed, {counts['skipped']} skipped"
        )
    # the Spark comparison names its build time (tests/python/test_spark.py)
    spark_build = [line.strip() for line in completed.stdout.splitlines() if line.startswith("Spark build")]
    if spark_build:
        step.detail += f"; {spark_build[-1]}"
    return step


def print_summary(steps: list[Step], seconds: float) -> None:
    print("\n" + "=" * 100)
    print(f"{'check':<20} {'result':<8} {'time':>8}  detail")
    for step in steps:
        print(f"{step.name:<20} {step.status:<8} {step.seconds:>7.1f}s  {step.detail}")
    verdict = "CHECKS FAILED" if any(step.status == "failed" for step in steps) else "all checks passed"
    print(f"{'total':<20} {'':<8} {seconds:>7.1f}s  {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    steps_choice = ["ruff", "sqlfluff", "dbt", "gx", "pytest", "spark"]
    parser.add_argument(
        "--skip", action="append", default=[], choices=steps_choice, help="skip a step (repeatable)"
    )
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    args = parser.parse_args(argv)

    CHECKS_DIR.mkdir(parents=True, exist_ok=True)
    database = CHECKS_DIR / "lead_scoring.duckdb"
    started = time.perf_counter()
    steps = []
    if "ruff" not in args.skip:
        steps.append(ruff())
    if "sqlfluff" not in args.skip:
        steps.append(sqlfluff())
    dbt_step = Step("dbt build", detail="skipped on request")
    if "dbt" not in args.skip:
        steps.append(dbt_step := dbt_build(database))
    if "gx" not in args.skip:
        steps.append(great_expectations(dbt_step))
    if "pytest" not in args.skip:
        steps.append(pytest(args.pytest_args))
    if "spark" not in args.skip:
        steps.append(pytest(["-m", "spark"], name="spark"))
    print_summary(steps, time.perf_counter() - started)
    return 1 if any(step.status == "failed" for step in steps) else 0


if __name__ == "__main__":
    sys.exit(main())
