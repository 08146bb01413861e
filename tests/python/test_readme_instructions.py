"""The README's instructions for reading the published scores work as written: each code block
marked `<!-- readme-test: NAME -->` runs with bash in a directory laid out like the project (its
.venv, and data/serving holding the demo build's publication)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, DbtBuild

MARKED_BLOCK = re.compile(r"<!-- readme-test: (?P<name>[\w-]+) -->\s*```bash\n(?P<code>.*?)```", re.DOTALL)


def readme_blocks() -> dict[str, str]:
    return {
        match["name"]: match["code"]
        for match in MARKED_BLOCK.finditer((PROJECT_ROOT / "README.md").read_text())
    }


@pytest.fixture(scope="module")
def project_like_dir(demo_build: DbtBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    (root / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    (root / "data").mkdir()
    (root / "data" / "serving").symlink_to(demo_build.serving_dir)
    return root


def run_block(name: str, cwd: Path) -> str:
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_blocks()[name]],
                            cwd=cwd, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def test_the_readme_marks_the_duckdb_cli_and_python_instructions() -> None:
    assert {"duckdb-cli", "python", "backtest"} <= readme_blocks().keys()


def test_duckdb_cli_instructions(project_like_dir: Path, published_demo: DbtBuild) -> None:
    output = run_block("duckdb-cli", project_like_dir)
    publication_id = published_demo.query("select publication_id from meta.publication")[0][0]
    assert publication_id in output
    for model, leads, mqls in published_demo.query(
        "select scoring_model_id, count(*), count(*) filter (where is_mql) from marts.fct_lead_scores group by all"
    ):  # fmt: skip
        assert re.search(rf"│ {model}\s+│\s+{leads} │\s+{mqls} │", output), output


def test_python_instructions(project_like_dir: Path, published_demo: DbtBuild) -> None:
    output = run_block("python", project_like_dir)
    publication_id, as_of = published_demo.query("select publication_id, as_of_date from meta.publication")[0]
    assert f"('{publication_id}', datetime.date({as_of.year}, {as_of.month}, {as_of.day}))" in output
    best = published_demo.query("select contact_id from marts.fct_lead_scores where is_mql order by lead_score desc, contact_id limit 1")[0][0]  # fmt: skip
    assert "contact_id" in output and "lead_score" in output and best in output
    top_rule = published_demo.query(
        "select rule_id from marts.fct_lead_score_components where rule_kind in ('fit', 'engagement', 'inactivity')"
        " group by rule_id order by sum(points_after_caps) desc limit 1"
    )[0][0]  # fmt: skip
    assert top_rule in output


def test_backtest_instructions(project_like_dir: Path, published_demo: DbtBuild) -> None:
    output = run_block("backtest", project_like_dir)
    for model, auc in published_demo.query(
        "select scoring_model_id, round(auc, 3) from marts.rpt_backtest_performance where segment = 'all'"
    ):
        assert re.search(rf"│ {model}\s+│ all\s+│.*│\s+{auc}\s+│", output), output
