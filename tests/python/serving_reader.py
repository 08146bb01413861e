"""A BI tool's reads of the published marts, run as its own process by test_publish.py.

    serving_reader.py held <serving dir> <log file> <stop file>
        opens the serving DuckDB file read-only once and keeps it open, reading every 0.1 s;
    serving_reader.py poll <serving dir> <log file> <stop file>
        connects anew for every read, to the DuckDB file and to the Parquet files.

Each read appends one JSON line: which publication it saw, whether what it read was complete and
consistent with that publication's own row counts, and a checksum of fct_lead_scores. Errors are
logged, not raised, so the test sees every one. Stops when the stop file exists.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

CHECKSUM = (
    "select md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), ''))"
    " from {table} as t"
)


def read_database(con: duckdb.DuckDBPyConnection) -> dict:
    publication_id, as_of_date = con.execute(
        "select publication_id, as_of_date from meta.publication"
    ).fetchone()
    expected = dict(con.execute("select table_name, row_count from meta.published_tables").fetchall())
    found = {table: con.execute(f"select count(*) from marts.{table}").fetchone()[0] for table in expected}
    scored_as_of = con.execute(
        "select distinct cast(as_of_date as varchar) from marts.fct_lead_scores"
    ).fetchall()
    return {
        "source": "duckdb",
        "publication_id": publication_id,
        "complete": found == expected and scored_as_of == [(str(as_of_date),)],
        "checksum": con.execute(CHECKSUM.format(table="marts.fct_lead_scores")).fetchone()[0],
    }


def read_parquet(serving_dir: Path) -> dict:
    release = (serving_dir / "parquet").resolve()  # one release, as a reader that lists files sees it
    publication = json.loads((release / "publication.json").read_text())
    with duckdb.connect() as con:
        found = {
            table: con.execute(
                "select count(*) from read_parquet(?)", [str(release / f"{table}.parquet")]
            ).fetchone()[0]
            for table in publication["rows"]
        }
    return {
        "source": "parquet",
        "publication_id": publication["publication_id"],
        "complete": found == publication["rows"],
    }


def main(mode: str, serving_dir: Path, log_file: Path, stop_file: Path) -> None:
    database = serving_dir / "lead_scoring.duckdb"
    held = duckdb.connect(str(database), read_only=True) if mode == "held" else None
    with log_file.open("a") as log:
        while not stop_file.exists():
            observations = []
            try:
                if held is not None:
                    observations.append(read_database(held))
                else:
                    with duckdb.connect(str(database), read_only=True) as con:
                        observations.append(read_database(con))
                    observations.append(read_parquet(serving_dir))
            except Exception as error:  # a reader must never fail: log it for the test
                observations.append({"error": f"{type(error).__name__}: {error}"})
            for observation in observations:
                log.write(json.dumps({"at": time.time(), **observation}) + "\n")
            log.flush()
            time.sleep(0.1)
    if held is not None:
        held.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
