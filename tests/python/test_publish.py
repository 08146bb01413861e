"""Publishing for BI tools: `make build` publishes the marts of a passed build to a serving copy
(a DuckDB file and Parquet files) that readers use. Readers never block a build and always see one
complete publication; a build whose tests fail, or a build or publish killed midway, leaves the
published data unchanged and readable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import publish
import pytest
from conftest import (
    PROJECT_ROOT,
    add_rule,
    checksum_sql,
    copy_project,
    generate_raw_data,
    run_script,
    table_checksums,
)

FIRST_AS_OF = "2026-10-30"
SECOND_AS_OF = "2026-10-31"
READER = Path(__file__).with_name("serving_reader.py")


@dataclass
class Warehouse:
    """A build database, dbt target directory and serving directory of their own, in a temp dir."""

    root: Path
    raw_dir: Path

    @property
    def build_database(self) -> Path:
        return self.root / "build.duckdb"

    @property
    def serving_dir(self) -> Path:
        return self.root / "serving"

    @property
    def target_dir(self) -> Path:
        return self.root / "target"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "LEAD_SCORING_DUCKDB_PATH": str(self.build_database),
            "LEAD_SCORING_SERVING_DIR": str(self.serving_dir),
            "LEAD_SCORING_DUCKDB_TEMP_DIRECTORY": str(self.root / "duckdb_tmp"),
            "DBT_TARGET_PATH": str(self.target_dir),
            "DBT_LOG_PATH": str(self.root / "logs"),
        }

    def make_build_command(self, as_of_date: str) -> list[str]:
        return [
            "make", "--no-print-directory", "build",
            f"RAW_DIR={self.raw_dir}", f"DBT_VARS={{as_of_date: '{as_of_date}'}}",
        ]  # fmt: skip

    def make_build(self, as_of_date: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.make_build_command(as_of_date),
            cwd=PROJECT_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )

    def script(self, name: str, *args: str) -> subprocess.CompletedProcess:
        return run_script(name, *args, env=self.env())


@dataclass(frozen=True)
class ServingState:
    publication_id: str
    as_of_date: str
    tables: dict[str, str]
    parquet: dict[str, str]


def serving_state(serving_dir: Path) -> ServingState:
    """What a reader sees now: the publication, and checksums of every table and Parquet file."""
    database = serving_dir / publish.SERVING_DATABASE_NAME
    with duckdb.connect(str(database), read_only=True) as con:
        publication_id, as_of_date = con.execute(
            "select publication_id, as_of_date from meta.publication"
        ).fetchone()
    return ServingState(
        publication_id, str(as_of_date), table_checksums(database), parquet_checksums(serving_dir)
    )


def parquet_checksums(serving_dir: Path) -> dict[str, str]:
    release = (serving_dir / publish.PARQUET_LINK_NAME).resolve()
    with duckdb.connect() as con:
        return {
            path.stem: con.execute(checksum_sql("read_parquet(?)"), [str(path)]).fetchone()[0]
            for path in sorted(release.glob("*.parquet"))
        }


def leftovers(serving_dir: Path) -> list[Path]:
    return [*serving_dir.glob(".*.tmp"), *(serving_dir / publish.RELEASES_DIR_NAME).glob("*.tmp")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """A warehouse built and published once by `make build`, as of FIRST_AS_OF. A copy of that
    passed build (database and target directory) is kept in <root>/passed for publishing in-process."""
    root = tmp_path_factory.mktemp("publish")
    raw_dir = generate_raw_data(root / "raw", contacts=400, events=15_000)
    warehouse = Warehouse(root, raw_dir)
    result = warehouse.make_build(FIRST_AS_OF)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    (root / "passed" / "target").mkdir(parents=True)
    shutil.copy(warehouse.build_database, root / "passed" / "build.duckdb")
    for name in ("run_results.json", "manifest.json"):
        shutil.copy(warehouse.target_dir / name, root / "passed" / "target" / name)
    return warehouse


@pytest.fixture
def passed_build(warehouse: Warehouse, tmp_path: Path) -> tuple[Path, Path]:
    """The first passed build (database and target directory), copied for one test."""
    shutil.copytree(warehouse.root / "passed", tmp_path / "passed")
    return tmp_path / "passed" / "build.duckdb", tmp_path / "passed" / "target"


def test_make_build_publishes_the_marts_of_a_passed_build(warehouse: Warehouse) -> None:
    state = serving_state(warehouse.serving_dir)
    built = table_checksums(warehouse.build_database)

    assert state.as_of_date == FIRST_AS_OF
    assert set(state.tables) >= {"fct_lead_scores", "fct_lead_score_components", "rpt_score_band_conversion"}
    assert state.tables == built, "the serving copy differs from the build"
    assert state.parquet == built, "the Parquet files differ from the build"
    with duckdb.connect(str(warehouse.serving_dir / "lead_scoring.duckdb"), read_only=True) as con:
        counts = dict(con.execute("select table_name, row_count from meta.published_tables").fetchall())
        comment = con.execute(
            "select comment from duckdb_columns() where table_name = 'fct_lead_scores' and column_name = 'is_mql'"
        ).fetchone()[0]
    release = json.loads((warehouse.serving_dir / "parquet" / "publication.json").read_text())
    assert release["publication_id"] == state.publication_id
    assert release["rows"] == counts
    assert counts["fct_lead_scores"] == 400 * 2
    assert "MQL" in comment, "column descriptions are carried to the serving copy"
    assert leftovers(warehouse.serving_dir) == []


def start_reader(mode: str, serving_dir: Path, log: Path, stop: Path) -> subprocess.Popen:
    reader = subprocess.Popen([sys.executable, str(READER), mode, str(serving_dir), str(log), str(stop)])
    deadline = time.monotonic() + 30
    while not (log.exists() and log.read_text().count("\n") >= 1):
        assert reader.poll() is None and time.monotonic() < deadline, f"the {mode} reader did not start"
        time.sleep(0.1)
    return reader


def observations(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_readers_never_block_a_build_and_always_see_a_complete_publication(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    before = serving_state(warehouse.serving_dir)
    stop = tmp_path / "stop"
    held = start_reader("held", warehouse.serving_dir, tmp_path / "held.jsonl", stop)
    polling = start_reader("poll", warehouse.serving_dir, tmp_path / "poll.jsonl", stop)
    try:
        result = warehouse.make_build(SECOND_AS_OF)
        time.sleep(1.5)  # let the polling reader see the new publication
    finally:
        stop.touch()
        held.wait(timeout=30)
        polling.wait(timeout=30)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    after = serving_state(warehouse.serving_dir)
    assert after.publication_id != before.publication_id
    assert after.as_of_date == SECOND_AS_OF
    assert after.tables == table_checksums(warehouse.build_database)

    # the reader that kept the file open saw the publication it opened, unchanged, throughout
    held_seen = observations(tmp_path / "held.jsonl")
    assert len(held_seen) > 20
    assert [seen for seen in held_seen if "error" in seen] == []
    assert {seen["publication_id"] for seen in held_seen} == {before.publication_id}
    assert {seen["checksum"] for seen in held_seen} == {held_seen[0]["checksum"]}
    assert all(seen["complete"] for seen in held_seen)

    # the reader that reconnects saw one complete publication at every read: the old, then the new
    polled = observations(tmp_path / "poll.jsonl")
    assert [seen for seen in polled if "error" in seen] == []
    assert all(seen["complete"] for seen in polled)
    for source in ("duckdb", "parquet"):
        sequence = [seen["publication_id"] for seen in polled if seen["source"] == source]
        assert sequence[0] == before.publication_id and sequence[-1] == after.publication_id, source
        switches = sum(
            1 for previous, current in zip(sequence, sequence[1:], strict=False) if previous != current
        )
        assert switches == 1, f"{source} readers went back and forth between publications"


def test_killing_the_build_midway_leaves_the_published_data_unchanged(warehouse: Warehouse) -> None:
    before = serving_state(warehouse.serving_dir)
    build = subprocess.Popen(
        warehouse.make_build_command("2026-11-01"),
        cwd=PROJECT_ROOT, env=warehouse.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    seen = []
    for line in build.stdout:
        seen.append(line)
        if "START sql" in line and "model marts." in line:
            break  # the marts are being rebuilt
    os.killpg(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    assert any("model marts." in line for line in seen), "".join(seen[-20:])

    assert serving_state(warehouse.serving_dir) == before
    # and the half-written build database is never published with the previous run's results
    result = warehouse.script("publish.py")
    assert result.returncode == 1
    assert "nothing was published" in result.stderr
    assert "(started), not by the passed build" in result.stderr
    assert f"readers keep publication {before.publication_id}" in result.stderr
    assert serving_state(warehouse.serving_dir) == before


def test_a_build_whose_tests_fail_publishes_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    before = serving_state(warehouse.serving_dir)
    project = copy_project(tmp_path / "project")
    add_rule(project, "scoring_fit_rules", {
        "rule_id": "fit_platform_everyone_hot", "scoring_model_id": "platform", "rule_group": "push",
        "attribute": "segment", "operator": "in", "value": "smb|mid_market|enterprise", "points": "90",
        "description": "A rule that would flood sales",
    })  # fmt: skip

    result = warehouse.script(
        "build.py", "--project-dir", str(project), "--raw-dir", str(warehouse.raw_dir),
        "--vars", f"{{as_of_date: '{SECOND_AS_OF}'}}",
    )  # fmt: skip

    assert result.returncode != 0
    assert "band_shares_within_error_bounds" in result.stdout
    assert "dbt build failed" in result.stderr and "nothing was published" in result.stderr
    assert f"readers keep publication {before.publication_id}" in result.stderr
    assert serving_state(warehouse.serving_dir) == before
    # publishing the failed build by hand is refused too, naming what failed
    result = warehouse.script("publish.py")
    assert result.returncode == 1
    assert "the last dbt build did not pass" in result.stderr
    assert "band_shares_within_error_bounds" in result.stderr
    assert serving_state(warehouse.serving_dir) == before


def test_a_reader_of_the_build_database_gets_a_clear_error_before_dbt_starts(
    warehouse: Warehouse, passed_build: tuple[Path, Path], tmp_path: Path
) -> None:
    database = tmp_path / "build.duckdb"
    shutil.copy(passed_build[0], database)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
         " time.sleep(60)", str(database)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        env = {**warehouse.env(), "LEAD_SCORING_DUCKDB_PATH": str(database)}
        result = run_script("build.py", "--raw-dir", warehouse.raw_dir, env=env)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert f"{database} is open in another process" in result.stderr
    assert "Conflicting lock" in result.stderr  # DuckDB's own message names the holder's PID
    assert "read the published copy" in result.stderr


def test_publish_is_refused_for_a_run_that_is_not_a_passed_build(
    passed_build: tuple[Path, Path], tmp_path: Path
) -> None:
    database, target = passed_build
    run_results = json.loads((target / "run_results.json").read_text())
    cases = {
        "a test failed": (
            lambda r: r["results"][-1].update(status="fail"),
            "the last dbt build did not pass",
        ),
        "a model errored": (lambda r: r["results"][0].update(status="error"), "did not pass"),
        "not a build": (lambda r: r["args"].update(which="run"), "was `dbt run`, not `dbt build`"),
        "another invocation": (
            lambda r: r["metadata"].update(invocation_id="0000"),
            "was last written by dbt invocation",
        ),
    }
    for case, (change, message) in cases.items():
        changed = json.loads(json.dumps(run_results))
        change(changed)
        case_target = tmp_path / case.replace(" ", "_")
        case_target.mkdir()
        shutil.copy(target / "manifest.json", case_target)
        (case_target / "run_results.json").write_text(json.dumps(changed))
        with pytest.raises(publish.PublishError, match=message):
            publish.publish(database, case_target, tmp_path / "serving")
        assert not (tmp_path / "serving" / publish.SERVING_DATABASE_NAME).exists(), case


def test_a_failure_while_publishing_leaves_the_publication_unchanged_and_no_leftovers(
    passed_build: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, target = passed_build
    serving = tmp_path / "serving"
    publish.publish(database, target, serving)
    before = serving_state(serving)

    def disk_full(path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "fsync_path", disk_full)
    time.sleep(1)  # a new publication id (its time has a resolution of one second)
    with pytest.raises(OSError, match="No space left"):
        publish.publish(database, target, serving)
    assert serving_state(serving) == before
    assert leftovers(serving) == []


def test_killing_a_publish_midway_leaves_a_complete_publication(
    passed_build: tuple[Path, Path], tmp_path: Path
) -> None:
    """SIGKILL while the new copy is being written: readers keep the previous one, and the next
    publish clears what the killed one left behind."""
    database, target = passed_build
    serving = tmp_path / "serving"
    publish.publish(database, target, serving)
    before = serving_state(serving)
    command = [
        sys.executable, str(PROJECT_ROOT / "scripts" / "publish.py"),
        "--database", str(database), "--target-dir", str(target), "--serving-dir", str(serving),
    ]  # fmt: skip

    killed_while_writing = False
    for _attempt in range(5):
        time.sleep(1)  # a new publication id
        publisher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while publisher.poll() is None and not list(
            serving.glob(f".lead_scoring.duckdb.{publisher.pid}.tmp")
        ):
            time.sleep(0.001)
        publisher.kill()
        publisher.wait()
        if list(serving.glob(f".lead_scoring.duckdb.{publisher.pid}.tmp")):
            killed_while_writing = True
            break
        before = serving_state(serving)  # it finished first: that is the publication to keep
    assert killed_while_writing, "the publisher always finished before it could be killed"

    assert serving_state(serving) == before
    assert leftovers(serving) != []
    publication = publish.publish(database, target, serving)
    assert leftovers(serving) == []
    assert serving_state(serving).publication_id == publication.publication_id != before.publication_id


def test_a_reader_holding_the_serving_file_for_writing_does_not_block_publishing(
    passed_build: tuple[Path, Path], tmp_path: Path
) -> None:
    """Even a tool that opens the serving file read-write (and so locks it) cannot block a publish:
    the new file replaces the old one, which the tool keeps until it reconnects."""
    database, target = passed_build
    serving = tmp_path / "serving"
    first = publish.publish(database, target, serving)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
         " time.sleep(60)", str(serving / publish.SERVING_DATABASE_NAME)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        time.sleep(1)
        second = publish.publish(database, target, serving)
    finally:
        holder.kill()
        holder.wait()
    assert second.publication_id != first.publication_id
    assert serving_state(serving).publication_id == second.publication_id
