"""Small hand-written raw tables, written as the Parquet layout the project reads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from generate_data import SCHEMAS


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
