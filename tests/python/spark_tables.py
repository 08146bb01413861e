"""Relations of the Spark build written to Parquet files, in a process of its own:

    python tests/python/spark_tables.py <LEAD_SCORING_SPARK_DIR> <output dir> <schema.table>...

writes <output dir>/<schema.table>.parquet for each. The Spark session is configured as the
profile's `spark` target, on the catalog under the given directory. A process of its own, because
the catalog is an embedded Derby database that one JVM at a time may open: a session in the test
process would lock out the next dbt run on Spark.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jinja2
import pyarrow.parquet as pq
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def spark_env(spark_dir: Path) -> dict[str, str]:
    """The environment that selects the profile's spark target on the catalog in spark_dir."""
    return {
        **os.environ,
        "LEAD_SCORING_TARGET": "spark",
        "LEAD_SCORING_SPARK_DIR": str(spark_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
    }


def spark_target(env: dict[str, str]) -> dict:
    """The profile's spark target as dbt renders it with these environment variables."""
    template = jinja2.Template((PROJECT_ROOT / "profiles.yml").read_text())
    rendered = template.render(env_var=lambda name, default=None: env.get(name, default))
    return yaml.safe_load(rendered)["lead_scoring"]["outputs"]["spark"]


def main(spark_dir: str, output_dir: str, *relations: str) -> None:
    from pyspark.sql import SparkSession

    env = spark_env(Path(spark_dir))
    os.environ.update(env)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_target(env)["server_side_parameters"].items():
        builder = builder.config(key, str(value))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    for relation in relations:
        pq.write_table(session.table(relation).toArrow(), Path(output_dir) / f"{relation}.parquet")
    session.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
