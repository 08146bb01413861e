"""How fast the warehouse scores leads, against the hardware's floor and the usual alternative.

`make bench` runs this; it is not part of the tests. For each size (events; contacts in the demo's
proportion, one contact per 50 events) it generates raw data, holds back the events of the last
day, and measures wall time and peak memory (RSS) of:

  scoring path     `dbt build` of the sources up to fct_lead_scores and fct_lead_score_components,
                   with their data tests, into a new DuckDB file (a full build)
  whole project    `dbt build` of every model, seed and data test into a new DuckDB file
  daily run        the same `dbt build` again on each of those files, as of the next day, after the
                   held-back day of events was appended (what a daily job costs)
  floor            one hand-written DuckDB query computing fct_lead_scores straight from the raw
                   Parquet (scripts/benchmark_floor.sql): what the engine needs for this work
  pandas           the same scoring in pandas (scripts/bench_pandas.py), where it fits in memory

The dbt builds leave out the unit tests, as a production run does: their inputs are fixed rows,
so they say nothing about the data and run in CI (`make test`), not in the daily job.

Each step runs in its own process; its peak RSS is that process's (os.wait4). The floor's and the
pandas scores must equal the scoring path's fct_lead_scores row for row (scores to 1e-6, the
decimal places of the marts); otherwise the run fails. A step that fails (e.g. out of memory or
temp disk at a size the machine cannot take) is recorded with its time and memory until then and
its log; the steps that need it are not run, the others are, and the run exits 1 after the table.
The table is printed and written, with every figure, to target/benchmark/benchmark.json.

    scripts/benchmark.py                              # 1M, 10M and 100M events
    scripts/benchmark.py --sizes 1M,10M
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
SCRIPTS_DIR = PROJECT_DIR / "scripts"
EVENTS_PER_CONTACT = 50
END_DATE = dt.date(2026, 11, 22)
SCORING_PATH = ["+fct_lead_scores", "+fct_lead_score_components"]
SCORE_COLUMNS = ["fit_score", "engagement_score", "lead_score"]
EXACT_COLUMNS = ["segment", "grade", "score_band", "is_mql", "first_mql_at", "last_activity_at"]
SCORE_TOLERANCE = 1e-6
FLOOR, PANDAS = "floor (one DuckDB query)", "pandas"
PANDAS_SCRIPT = SCRIPTS_DIR / "bench_pandas.py"


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_gib: float
    failed: str | None = None  # why the step failed: its exit code and log


@dataclass
class Skipped:
    name: str
    reason: str


def contacts_for(events: int) -> int:
    return max(events // EVENTS_PER_CONTACT, 100)


def parse_size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * factor)


def run_measured(name: str, command: list[str], env: dict | None = None, log: Path | None = None) -> Step:
    """Run a command in its own process: wall time and that process's peak RSS, and why it failed."""
    started = time.perf_counter()
    with open(log or os.devnull, "w") as out:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    failed = None
    if code != 0:
        failed = f"exit {code}: {' '.join(command)}" + (f"; see {log}" if log else "")
    return Step(name, seconds, usage.ru_maxrss / 1024**2, failed)


def generate(raw_dir: Path, events: int) -> tuple[Step, float]:
    """Raw data up to END_DATE; the events of END_DATE go to <raw_dir>/next_day/, held back."""
    step = run_measured(
        "generate",
        [sys.executable, str(SCRIPTS_DIR / "generate_data.py"), "--output-dir", str(raw_dir), "--force",
         "--contacts", str(contacts_for(events)), "--events", str(events),
         "--end-date", END_DATE.isoformat()],
    )  # fmt: skip
    if step.failed:
        raise RuntimeError(f"generating {events:,} events failed ({step.failed})")
    events_dir, held_dir = raw_dir / "events", raw_dir / "next_day"
    held_dir.mkdir()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        source = f"read_parquet('{events_dir}/*.parquet')"
        split = f"cast(occurred_at as date) >= date '{END_DATE}'"
        con.execute(f"copy (select * from {source} where {split}) to '{held_dir}/part-next-day.parquet'")
        con.execute(f"copy (select * from {source} where not {split}) to '{raw_dir}/events-base.parquet'")
        held, total = con.execute(f"select count(*) filter ({split}), count(*) from {source}").fetchone()
    for part in events_dir.glob("*.parquet"):
        part.unlink()
    (raw_dir / "events-base.parquet").rename(events_dir / "part-base.parquet")
    return step, held / total


def dbt_build(name: str, database: Path, raw_dir: Path, as_of: dt.date, selection: list[str], log_dir: Path,
              full_refresh: bool) -> Step:  # fmt: skip
    location = f"read_parquet('{raw_dir}/{{name}}/*.parquet', union_by_name = true)"
    dbt_vars = json.dumps({"raw_external_location": location, "as_of_date": as_of.isoformat()})
    command = [str(PROJECT_DIR / ".venv/bin/dbt"), "build", "--vars", dbt_vars,
               "--exclude-resource-type", "unit_test",
               "--target-path", str(log_dir / name), "--log-path", str(log_dir / name)]  # fmt: skip
    if selection:
        command += ["--select", *selection, "--indirect-selection", "cautious"]
    if full_refresh:
        command.append("--full-refresh")
    env = dict(os.environ, DBT_PROFILES_DIR=str(PROJECT_DIR), LEAD_SCORING_DUCKDB_PATH=str(database),
               LEAD_SCORING_DUCKDB_TEMP_DIRECTORY=str(database.parent / "duckdb_tmp"))  # fmt: skip
    return run_measured(name, command, env=env, log=log_dir / f"{name}.log")


def score_outside_dbt(name: str, script: Path, raw_dir: Path, as_of: dt.date, output: Path) -> Step:
    """The floor or pandas: a script that writes fct_lead_scores as of a date to a Parquet file; its
    output and errors go to logs/<output name>.log beside that file."""
    log = output.parent / "logs" / f"{output.stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return run_measured(
        name,
        [sys.executable, str(script), "--raw-dir", str(raw_dir), "--as-of-date", as_of.isoformat(),
         "--output", str(output)],
        log=log,
    )  # fmt: skip


def compare_scores(database: Path, candidates: dict[str, Path]) -> dict[str, str]:
    """Each candidate's scores against the dbt build's fct_lead_scores; raises on any difference."""
    verdicts = {}
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        built = con.execute("select count(*) from marts.fct_lead_scores").fetchone()[0]
        for name, path in candidates.items():
            joined = f"""
                from marts.fct_lead_scores as built
                full outer join read_parquet('{path}') as other
                    on built.contact_id = other.contact_id and built.scoring_model_id = other.scoring_model_id
            """
            one_side = "built.contact_id is null or other.contact_id is null"
            unmatched = con.execute(f"select count(*) {joined} where {one_side}").fetchone()[0]
            gaps = [f"max(abs(cast(built.{c} as double) - cast(other.{c} as double)))" for c in SCORE_COLUMNS]
            worst = con.execute("select " + ", ".join(gaps) + joined).fetchone()
            differing = con.execute(
                f"select count(*) {joined} where "
                + " or ".join(f"built.{c} is distinct from other.{c}" for c in EXACT_COLUMNS)
            ).fetchone()[0]  # fmt: skip
            max_difference = max(value or 0.0 for value in worst)
            if unmatched or differing or max_difference > SCORE_TOLERANCE:
                raise AssertionError(
                    f"{name} differs from the dbt build: {unmatched} rows on one side only, {differing} "
                    f"rows with another segment, grade, band, MQL flag or date, scores {max_difference} apart"
                )
            verdicts[name] = f"{built} rows equal (scores within {max_difference:.1e})"
    return verdicts


def machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    cpuinfo = Path("/proc/cpuinfo")
    models = (
        [line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        if cpuinfo.exists()
        else []
    )
    cpu = models[0].split(":", 1)[1].strip() if models else platform.processor() or platform.machine()
    return {
        "cores": os.cpu_count(), "memory_gib": round(memory, 1), "cpu": cpu,
        "python": platform.python_version(), "duckdb": duckdb.__version__,
    }  # fmt: skip


def bench_size(events: int, work_dir: Path, pandas_limit: int) -> dict:
    size_dir = work_dir / f"{events}"
    shutil.rmtree(size_dir, ignore_errors=True)
    raw_dir, log_dir = size_dir / "raw", size_dir / "logs"
    log_dir.mkdir(parents=True)
    as_of, next_day = END_DATE - dt.timedelta(days=1), END_DATE
    print(f"\n{events:,} events: generating ...", flush=True)
    generated, next_day_share = generate(raw_dir, events)
    steps: dict[str, Step | Skipped] = {}

    def record(step: Step) -> bool:
        steps[step.name] = step
        outcome = f"  FAILED ({step.failed})" if step.failed else ""
        print(f"  {step.name:<34} {step.seconds:8.1f} s  {step.peak_rss_gib:6.2f} GiB{outcome}", flush=True)
        return not step.failed

    def skip(name: str, reason: str) -> None:
        steps[name] = Skipped(name, reason)
        print(f"  {name:<34} not run: {reason}", flush=True)

    scoring_db, project_db = size_dir / "scoring_path.duckdb", size_dir / "project.duckdb"
    scoring_built = record(dbt_build("scoring path", scoring_db, raw_dir, as_of, SCORING_PATH, log_dir, True))
    candidates = {}
    if record(
        score_outside_dbt(
            FLOOR, SCRIPTS_DIR / "benchmark_floor.py", raw_dir, as_of, size_dir / "floor.parquet"
        )
    ):
        candidates[FLOOR] = size_dir / "floor.parquet"
    if events > pandas_limit:
        skip(PANDAS, f"more than --pandas-max-events ({pandas_limit:,})")
    elif record(score_outside_dbt(PANDAS, PANDAS_SCRIPT, raw_dir, as_of, size_dir / "pandas.parquet")):
        candidates[PANDAS] = size_dir / "pandas.parquet"
    verdicts = compare_scores(scoring_db, candidates) if scoring_built else {}
    project_built = record(dbt_build("whole project", project_db, raw_dir, as_of, [], log_dir, True))

    # the next day's events arrive; the daily job runs as of that day
    shutil.move(
        str(raw_dir / "next_day" / "part-next-day.parquet"), raw_dir / "events" / "part-next-day.parquet"
    )
    daily = [("scoring path, daily run", scoring_db, SCORING_PATH, scoring_built, "scoring path"),
             ("whole project, daily run", project_db, [], project_built, "whole project")]  # fmt: skip
    for name, database, selection, built, full_build in daily:
        if built:
            record(dbt_build(name, database, raw_dir, next_day, selection, log_dir, False))
        else:
            skip(name, f"the {full_build} failed")
    for database in (scoring_db, project_db):
        database.unlink(missing_ok=True)
    return {
        "events": events,
        "contacts": contacts_for(events),
        "next_day_share_of_events": next_day_share,
        "generate_seconds": generated.seconds,
        "steps": {name: asdict(step) for name, step in steps.items()},
        "scores_equal": verdicts,
    }


def ratios(result: dict) -> dict:
    """The targets' ratios, of the steps that ran to the end."""
    ran = {name: step for name, step in result["steps"].items() if "seconds" in step and not step["failed"]}
    steps = {name: step["seconds"] for name, step in ran.items()}
    pairs = {
        "scoring_path_over_floor": ("scoring path", FLOOR),
        "daily_over_full_scoring_path": ("scoring path, daily run", "scoring path"),
        "daily_over_full_whole_project": ("whole project, daily run", "whole project"),
        "pandas_over_scoring_path": (PANDAS, "scoring path"),
    }
    return {key: steps[a] / steps[b] for key, (a, b) in pairs.items() if a in steps and b in steps}


def cell(step: dict | None) -> str:
    if step is None or "reason" in step:
        return "not run" + (f" ({step['reason']})" if step else "")
    figures = f"{step['seconds']:.1f} s, {step['peak_rss_gib']:.1f} GiB"
    return f"failed after {figures}" if step["failed"] else figures


def table(results: list[dict]) -> str:
    names = []
    for result in results:
        names += [name for name in result["steps"] if name not in names]
    header = (
        "| step | "
        + " | ".join(f"{r['events'] / 1e6:g}M events, {r['contacts']:,} contacts" for r in results)
        + " |"
    )
    lines = [header, "|---|" + "---:|" * len(results)]
    for name in names:
        cells = []
        for result in results:
            cells.append(cell(result["steps"].get(name)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    keys = []
    for result in results:
        keys += [key for key in result["ratios"] if key not in keys]
    for key in keys:
        cells = [f"{r['ratios'][key]:.2f}" if key in r["ratios"] else "-" for r in results]
        lines.append(f"| {key.replace('_', ' ')} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1M,10M,100M", help="event counts, e.g. 1M,10M,100M")
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "data/benchmark",
                        help="where the generated data and DuckDB files go")  # fmt: skip
    parser.add_argument("--output", type=Path, default=PROJECT_DIR / "target/benchmark/benchmark.json")
    parser.add_argument("--pandas-max-events", default="10M", help="skip pandas above this size (memory)")
    args = parser.parse_args(argv)
    sizes = [parse_size(size) for size in args.sizes.split(",")]
    results = []
    for events in sizes:
        result = bench_size(events, args.work_dir, parse_size(args.pandas_max_events))
        result["ratios"] = ratios(result)
        results.append(result)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        report = {"machine": machine(), "end_date": END_DATE.isoformat(), "sizes": results}
        args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print("\n" + table(results))
    print(f"\nmachine: {machine()}\nfigures: {args.output}")
    failed = [f"{r['events']:,} events: {step['name']}" for r in results for step in r["steps"].values()
              if step.get("failed")]  # fmt: skip
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
