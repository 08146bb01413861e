"""Small hand-written raw tables, written as the Parquet layout the project reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TIMESTAMP = pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "contacts": pa.schema(
        [
            ("contact_id", pa.string()),
            ("company_id", pa.string()),
            ("email", pa.string()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("job_title", pa.string()),
            ("seniority", pa.string()),
            ("department", pa.string()),
            ("country_code", pa.string()),
            ("lead_source", pa.string()),
            ("created_at", TIMESTAMP),
            ("updated_at", TIMESTAMP),
        ]
    ),
    "companies": pa.schema(
        [
            ("company_id", pa.string()),
            ("company_name", pa.string()),
            ("domain", pa.string()),
            ("industry", pa.string()),
            ("employee_count", pa.int64()),
            ("annual_revenue", pa.float64()),
            ("country_code", pa.string()),
            ("updated_at", TIMESTAMP),
        ]
    ),
    "contact_changes": pa.schema(
        [
            ("change_id", pa.string()),
            ("contact_id", pa.string()),
            ("attribute", pa.string()),
            ("old_value", pa.string()),
            ("new_value", pa.string()),
            ("changed_at", TIMESTAMP),
        ]
    ),
    "events": pa.schema(
        [
            ("event_id", pa.int64()),
            ("contact_id", pa.string()),
            ("event_type", pa.string()),
            ("occurred_at", TIMESTAMP),
            ("url", pa.string()),
            ("content_type", pa.string()),
            ("loaded_at", TIMESTAMP),
        ]
    ),
    "opportunities": pa.schema(
        [
            ("opportunity_id", pa.string()),
            ("contact_id", pa.string()),
            ("company_id", pa.string()),
            ("product_line", pa.string()),
            ("stage", pa.string()),
            ("amount", pa.float64()),
            ("created_at", TIMESTAMP),
            ("closed_at", TIMESTAMP),
            ("updated_at", TIMESTAMP),
        ]
    ),
}


def ts(text: str) -> datetime:
    """A UTC timestamp from 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM'."""
    fmt = "%Y-%m-%d %H:%M" if " " in text else "%Y-%m-%d"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def write_raw_tables(raw_dir: Path, tables: dict[str, list[dict]]) -> Path:
    """Write each table (missing ones empty) to raw_dir/<table>/part-00000.parquet."""
    for name, schema in SCHEMAS.items():
        rows = tables.get(name, [])
        table = pa.Table.from_pylist(
            [{f.name: row.get(f.name) for f in schema} for row in rows], schema=schema
        )
        (raw_dir / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, raw_dir / name / "part-00000.parquet")
    return raw_dir
