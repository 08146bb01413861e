"""The floor for scoring: fct_lead_scores computed by one hand-written DuckDB query, straight from the
raw Parquet tables and the seed CSVs, with no intermediate tables, tests or dbt.

It applies the rules of the dbt project in one pass: the staging checks that can reject rows of
typed Parquet (missing or unknown ids, unknown event types, redelivered events, events in the
future, duplicate contact and company versions), contact versions from the change log, fit rules,
engagement points with decay, max_occurrences and caps, inactivity, group caps and the clamp,
grades, bands, thresholds, and the first MQL date over the history days. scripts/benchmark.py
times it next to the dbt build and checks that the scores are equal.

    scripts/benchmark_floor.py --raw-dir data/raw --as-of-date 2026-10-31 --output floor.parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent

FLOOR_SQL = (Path(__file__).parent / "benchmark_floor.sql").read_text()

TRACKED = ["job_title", "seniority", "department", "company_id", "email"]
TEXT_ATTRIBUTES = [
    "job_title", "seniority", "department", "lead_source", "country_code", "region", "email_domain",
    "email_domain_type", "email_local_part", "full_name", "industry", "company_size_band", "revenue_band",
    "segment", "employee_count", "annual_revenue_usd",
]  # fmt: skip
NUMBER_ATTRIBUTES = ["employee_count", "annual_revenue_usd"]


def decay(age_days: str) -> str:
    """The share of a rule's points left age_days after the action, under the rule's decay policy."""
    age = f"cast({age_days} as double)"
    return (
        "case r.decay_type when 'none' then 1.0"
        f" when 'half_life' then power(0.5, {age} / r.half_life_days)"
        f" when 'linear' then greatest(0.0, 1.0 - {age} / r.lifetime_days)"
        f" when 'expiry' then case when {age} < r.expiry_days then 1.0 else 0.0 end"
        f" when 'step' then greatest(0.0, 1.0 - r.step_points * floor({age} / r.step_days) / abs(r.points))"
        " end"
    )


def floor_sql(raw_dir: Path, seeds_dir: Path, as_of: dt.date, history_days: int) -> str:
    version_attributes = ",\n        ".join(
        f"case when n_{a}.contact_id is not null then n_{a}.old_value else c.{a} end as {a}" for a in TRACKED
    )
    text = (
        "case r.attribute "
        + " ".join(f"when '{a}' then lower(cast(f.{a} as varchar))" for a in TEXT_ATTRIBUTES)
        + " end"
    )
    number = (
        "case r.attribute "
        + " ".join(f"when '{a}' then cast(f.{a} as double)" for a in NUMBER_ATTRIBUTES)
        + " end"
    )
    joins = "".join(
        f"\n    left join next_changes as n_{a} on v.contact_id = n_{a}.contact_id "
        f"and v.valid_from = n_{a}.valid_from and n_{a}.attribute = '{a}'"
        for a in TRACKED
    )
    first_date = as_of - dt.timedelta(days=history_days)
    return FLOOR_SQL.format(
        raw=raw_dir, seeds=seeds_dir, as_of=as_of, first_date=first_date,
        decay_first_date=decay(f"date '{first_date}' - r.event_date"),
        decay_score_date=decay("s.score_date - r.event_date"),
        version_attributes=version_attributes, text=text, number=number, next_change_joins=joins,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--seeds-dir", type=Path, default=PROJECT_DIR / "seeds")
    parser.add_argument("--as-of-date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--history-days", type=int, default=28)
    parser.add_argument("--output", type=Path, required=True, help="Parquet file for the scores")
    parser.add_argument(
        "--temp-directory", type=Path, help="where DuckDB may spill (default: beside --output)"
    )
    args = parser.parse_args(argv)
    temp = args.temp_directory or args.output.parent / "duckdb_tmp"
    with duckdb.connect() as con:
        con.execute(f"set TimeZone = 'UTC'; set temp_directory = '{temp}'")
        sql = floor_sql(args.raw_dir.resolve(), args.seeds_dir.resolve(), args.as_of_date, args.history_days)
        con.execute(f"copy ({sql}) to '{args.output}' (format parquet)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
