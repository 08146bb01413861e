"""A malformed rule seed stops the build with an error naming the seed, the line and the column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import DbtBuild, copy_project, errors_of
from raw_tables import write_raw_tables

RULES_ONLY = (
    "--select",
    "resource_type:seed",
    "path:models/staging/scoring_rules",
    "--indirect-selection",
    "cautious",
)


def edit_seed(project: Path, seed: str, line: int, column: str, value: str) -> None:
    """Set one cell of a seed CSV; line counts the header as line 1."""
    path = project / "seeds" / "rules" / f"{seed}.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)


def build_rules(tmp_path: Path) -> DbtBuild:
    project = copy_project(tmp_path / "project")
    raw_dir = write_raw_tables(tmp_path / "raw", {})
    return DbtBuild(project, tmp_path / "warehouse.duckdb", raw_dir, tmp_path)


@pytest.mark.parametrize(
    ("seed", "line", "column", "value", "expected"),
    [
        (
            "scoring_fit_rules",
            3,
            "rule_id",
            "fit_platform_seniority_manager",
            "'fit_platform_seniority_manager' appears more than once for scoring_model_id + rule_id",
        ),
        ("scoring_fit_rules", 4, "operator", "equal", "'equal' is not one of: equals, not_equals"),
        ("scoring_fit_rules", 5, "attribute", "shoe_size", "'shoe_size' is not one of: job_title"),
        ("scoring_fit_rules", 6, "points", "ten", "'ten' is not a number"),
        (
            "scoring_fit_rules",
            2,
            "rule_group",
            "intent",
            "either fit rules or engagement and inactivity rules",
        ),
        ("scoring_engagement_rules", 2, "decay_policy_id", "half_life_7d", "is not a decay_policy_id"),
        ("scoring_engagement_rules", 3, "points", "", "a value is required"),
        ("scoring_decay_policies", 3, "decay_type", "sigmoid", "'sigmoid' is not one of"),
        ("scoring_decay_policies", 3, "half_life_days", "", "needs a positive half_life_days"),
        (
            "scoring_score_bands",
            3,
            "min_score",
            "45",
            "min_score must equal the max_score of the band ranked just below",
        ),
        (
            "scoring_score_bands",
            4,
            "max_score",
            "45",
            "max_score must equal the min_score of the band ranked just above",
        ),
        ("scoring_score_bands", 2, "max_score", "90", "must end at the scoring model's max_score"),
        ("scoring_mql_thresholds", 2, "mql_threshold", "120", "inside the scoring model's score range"),
        ("scoring_inactivity_rules", 2, "points_per_period", "10", "must be negative"),
        ("scoring_band_share_bounds", 2, "warn_max_share", "0.5", "must not be looser than the error bound"),
        ("scoring_band_share_bounds", 3, "error_max_share", "1.5", "a share lies between 0 and 1"),
    ],
)
def test_malformed_seed_stops_the_build_with_file_line_and_column(
    tmp_path: Path, seed: str, line: int, column: str, value: str, expected: str
) -> None:
    build = build_rules(tmp_path)
    edit_seed(build.project_dir, seed, line, column, value)

    result = build.run("build", *RULES_ONLY)

    assert not result.success
    message = errors_of(result)
    assert f"seeds/rules/{seed}.csv:{line}" in message
    assert f"column {column}:" in message
    assert expected in message


def test_valid_seeds_pass(tmp_path: Path) -> None:
    build = build_rules(tmp_path)
    result = build.run("build", *RULES_ONLY)
    assert result.success, errors_of(result)


def test_a_rule_id_repeats_in_another_scoring_model(tmp_path: Path) -> None:
    """Rule ids are unique per scoring model, so that a challenger keeps its champion's."""
    build = build_rules(tmp_path)
    path = build.project_dir / "seeds" / "rules" / "scoring_fit_rules.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    analytics_row = next(row for row in rows if row[1] == "analytics" and row[2] == "seniority")
    with path.open("a", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            ["fit_platform_seniority_manager", *analytics_row[1:]]
        )

    result = build.run("build", *RULES_ONLY)
    assert result.success, errors_of(result)
    assert (
        build.scalar(
            "select count(*) from staging.stg_scoring_rules__fit_rules where rule_id = 'fit_platform_seniority_manager'"
        )
        == 2
    )
