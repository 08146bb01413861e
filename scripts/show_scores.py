"""Print where the published lead-score tables are, what they hold, and how to query them.

Run after a build was published (``make build`` does both). Reads the published copy, and the
quarantine counts from the build's own file, both read-only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
from publish import DEFAULT_BUILD_DATABASE, DEFAULT_SERVING_DATABASE

MART_TABLES = (
    "marts.fct_lead_scores",
    "marts.fct_lead_score_components",
    "marts.fct_lead_score_history",
    "marts.fct_lead_score_transitions",
    "marts.rpt_score_band_distribution",
    "marts.rpt_score_band_conversion",
)
QUARANTINE_TABLES = (
    "staging.stg_crm__contacts_quarantine",
    "staging.stg_crm__companies_quarantine",
    "staging.stg_crm__contact_changes_quarantine",
    "staging.stg_crm__opportunities_quarantine",
    "staging.stg_marketing__events_quarantine",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--serving-database",
        default=DEFAULT_SERVING_DATABASE,
        help="published DuckDB file (default: %(default)s)",
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_BUILD_DATABASE,
        help="the build's DuckDB file, for quarantine counts (default: %(default)s)",
    )
    parser.add_argument(
        "--top", type=int, default=10, help="how many of the best leads to list (default: 10)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database = Path(args.serving_database)
    build_database = Path(args.database)
    for path in (database, build_database):
        if not path.exists():
            print(f"error: {path} does not exist; run `make build` first", file=sys.stderr)
            return 1
    with duckdb.connect(str(build_database), read_only=True) as con:
        quarantined = {t: con.sql(f"select count(*) from {t}").fetchone()[0] for t in QUARANTINE_TABLES}
    with duckdb.connect(str(database), read_only=True) as con:
        publication_id, published_at = con.sql(
            "select publication_id, published_at from meta.publication"
        ).fetchone()
        print(f"\nLead scores are published in {database.resolve()} (DuckDB), schema `marts`")
        print(
            f"(publication {publication_id}, {published_at} UTC; "
            f"Parquet copies in {database.parent / 'parquet'}):"
        )
        for table in MART_TABLES:
            rows = con.sql(f"select count(*) from {table}").fetchone()[0]
            print(f"  {table:<40} {rows:>12,} rows")
        print(f"Raw rows set aside with a reject_reason, schema `staging` of {build_database}:")
        for table, rows in quarantined.items():
            print(f"  {table:<40} {rows:>12,} rows")

        as_of = con.sql("select max(as_of_date) from marts.fct_lead_scores").fetchone()[0]
        print(f"\nBand distribution as of {as_of}:")
        con.sql(
            """
            select scoring_model_id, score_band, sum(leads) as leads, sum(mql_leads) as mqls,
                   round(100.0 * sum(leads) / sum(sum(leads)) over (partition by scoring_model_id), 1) as pct
            from marts.rpt_score_band_distribution
            group by scoring_model_id, score_band, band_rank
            order by scoring_model_id, band_rank
            """
        ).show()
        print(f"The {args.top} best leads:")
        con.sql(
            f"""
            select contact_id, scoring_model_id, segment, grade, score_band,
                   round(lead_score, 1) as lead_score, round(fit_score, 1) as fit,
                   round(engagement_score, 1) as engagement, first_mql_at
            from marts.fct_lead_scores
            order by lead_score desc, contact_id, scoring_model_id
            limit {int(args.top)}
            """
        ).show()

    print(
        "Query them from Python or the DuckDB CLI (the published copy never blocks a build):\n"
        f"  .venv/bin/python -c \"import duckdb; duckdb.connect('{database}', read_only=True)"
        ".sql('select * from marts.fct_lead_scores order by lead_score desc limit 20').show()\"\n"
        f"  .venv/bin/duckdb -readonly {database}\n"
        "Why a lead scores what it does:\n"
        "  select rule_id, occurrences, raw_points, decay_factor, points_after_caps\n"
        "  from marts.fct_lead_score_components where contact_id = '<id>' and scoring_model_id = 'platform'\n"
        "  order by abs(points_after_caps) desc;"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
