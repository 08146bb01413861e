"""Each generic data test (macros/generic_tests) is itself tested: the dbt project in
tests/generic_test_fixtures attaches every test to a seed that must pass and to one that must fail
(named <test>__passes and <test>__fails), and one `dbt build` of it runs them all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, errors_of, invoke_dbt
from dbt.artifacts.schemas.results import NodeResult

FIXTURE_PROJECT = PROJECT_ROOT / "tests" / "generic_test_fixtures"
GENERIC_TESTS = sorted(path.stem for path in (PROJECT_ROOT / "macros" / "generic_tests").glob("*.sql"))
# a failed or warned test, as macros/hooks/report_test_failures.sql logs it; its rows follow, indented
REPORT_HEADER = re.compile(r"(?:ERROR|WARN) (\w+) \(\d+ failing rows?\):")


@dataclass(frozen=True)
class Expected:
    status: str
    # phrases of the logged failing rows (their `problem` column, or column=value pairs without one),
    # one phrase per failing row: the hook logs at most 10 rows, so failing fixtures stay below that
    problems: tuple[str, ...] = ()


EXPECTED = {
    "one_row_per__passes": Expected("pass"),
    "one_row_per__fails": Expected("fail", (
        "contact_id=c1, valid_from=2026-10-01, row_count=2",
        "contact_id=None, valid_from=2026-10-01, row_count=2",
    )),
    "rows_conserved__passes": Expected("pass"),
    "rows_conserved__fails": Expected("fail", ("raw_rows=5, staged_rows=3, quarantined_rows=1",)),
    "value_between__passes": Expected("pass"),
    "value_between__fails": Expected("fail", ("out_of_range_value=-0.001", "out_of_range_value=1.001")),
    "value_within_span__passes": Expected("pass"),
    "value_within_span__fails": Expected("fail", (
        "mql_threshold 101 of scoring_model_id platform is outside 0-100",
        "mql_threshold -21 of scoring_model_id services is outside -20-80",
        "mql_threshold null of scoring_model_id services is outside -20-80",
        "mql_threshold 50 of scoring_model_id analytics has no span",
    )),
    "ranges_tile__passes": Expected("pass"),
    "ranges_tile__fails": Expected("fail", (
        "platform / gap / rank 2: leaves a gap below the range ranked above, which starts at 70",
        "platform / overlap / rank 2: overlaps the range ranked above, which starts at 70",
        "platform / short_top / rank 1: the highest range ends at 90, not at the upper bound 100",
        "platform / high_bottom / rank 2: the lowest range starts at 10, not at the lower bound 0",
        "platform / empty_band / rank 2: lower bound 70 is not below upper bound 70",
        "analytics / smb / rank 1: has no span",
    )),
    "one_row_per_combination__passes": Expected("pass"),
    "one_row_per_combination__fails": Expected("fail", (
        "contact_id=c1, scoring_model_id=platform: no row",
        "contact_id=c2, scoring_model_id=platform: repeated",
        "contact_id=c3, scoring_model_id=platform: a row for no combination of the parents",
        "contact_id=c9, scoring_model_id=services: a row for no combination of the parents",
    )),
    "components_add_up__passes": Expected("pass"),
    "components_add_up__fails": Expected("fail", (
        "lead_score 35.000001 <> sum of components 35.000000",
        "lead_score 1.000000 <> sum of components 0",
        "engagement_score 6.000000 <> sum of components 5.000000",
        "fit_score null <> sum of components 10.000000",
        "engagement_score null <> sum of components 0",
    )),
    "band_shares_within_bounds__warn_passes": Expected("pass"),
    "band_shares_within_bounds__warn_fails": Expected("warn", (
        "platform / smb: hot share 60.0 % (6 of 10 leads) is above the warn bound of 50.0 %",
        "services / smb: hot share 50.0 % (5 of 10 leads) is above the warn bound of 30.0 %",
        "services / mid: hot share 0.0 % (0 of 20 leads) is below the warn bound of 5.0 %",
        "services / mid: cold share 90.0 % (18 of 20 leads) is above the warn bound of 80.0 %",
    )),
    "band_shares_within_bounds__error_passes": Expected("pass"),
    "band_shares_within_bounds__error_fails": Expected("fail", (
        "services / smb: hot share 50.0 % (5 of 10 leads) is above the error bound of 40.0 %",
        "services / mid: hot share 0.0 % (0 of 20 leads) is below the error bound of 2.0 %",
        "services / small: hot share 100.0 % (5 of 5 leads) is above the error bound of 40.0 %",
        "platform / empty: no lead is scored in this segment",
    )),
    "points_within_rule_bounds__passes": Expected("pass"),
    "points_within_rule_bounds__fails": Expected("fail", (
        "c1 / platform / fit_manager: 8.000000 points, but the fit rule gives 10 points",
        "c2 / platform / eng_demo: 40.500000 points, but the engagement rule allows 0 to 40",
        "c3 / platform / eng_webinar: -1.000000 points, but the engagement rule allows 0 to any",
        "c4 / platform / eng_unsubscribe: -31.000000 points, but the engagement rule allows -30 to 0",
        "c5 / platform / eng_unsubscribe: 5.000000 points, but the engagement rule allows -30 to 0",
        "c6 / platform / inactive_any: -41.000000 points, but the inactivity rule allows -40 to 0",
        "c7 / platform / inactive_any: 1.000000 points, but the inactivity rule allows -40 to 0",
        "c8 / platform / group intent: 55.000000 points, but the rule group allows any to 50",
        "c9 / platform / group disqualifier: -70.000000 points, but the rule group allows -60 to any",
        "c10 / platform / eng_deleted: -5.000000 points, but the engagement rule is not in the rules",
    )),
}  # fmt: skip


@dataclass
class FixtureBuild:
    tests: dict[str, NodeResult]
    # per failed or warned test, the rows the on-run-end hook logged
    reported: dict[str, list[str]]


def build_fixture_project(work_dir: Path) -> FixtureBuild:
    """`dbt build` of the fixture project in place, with the main project's profile and macros;
    the database, target and logs go to work_dir."""
    command = ["build", "--project-dir", str(FIXTURE_PROJECT)]
    result = invoke_dbt(command, PROJECT_ROOT, work_dir / "fixtures.duckdb", work_dir)
    logged = result.logged
    assert result.exception is None, errors_of(result)
    # the seeds load and the hook runs; only the tests may fail
    others = [r for r in result.result.results if r.node.resource_type != "test"]
    assert all(r.status == "success" for r in others), errors_of(result)

    reported: dict[str, list[str]] = {}
    rows: list[str] = []
    for line in logged:
        if header := REPORT_HEADER.fullmatch(line):
            rows = reported.setdefault(header.group(1), [])
        elif line.startswith("    "):
            rows.append(line.strip())
    tests = {r.node.name: r for r in result.result.results if r.node.resource_type == "test"}
    return FixtureBuild(tests, reported)


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> FixtureBuild:
    return build_fixture_project(tmp_path_factory.mktemp("generic_test_fixtures"))


def test_every_generic_test_has_a_passing_and_a_failing_fixture(fixture_build: FixtureBuild) -> None:
    assert sorted(fixture_build.tests) == sorted(EXPECTED)
    for generic_test in GENERIC_TESTS:
        outcomes = {e.status for name, e in EXPECTED.items() if name.startswith(f"{generic_test}__")}
        assert "pass" in outcomes, f"{generic_test} has no fixture that must pass"
        assert outcomes & {"fail", "warn"}, f"{generic_test} has no fixture that must fail"


@pytest.mark.parametrize("name", EXPECTED)
def test_fixture_passes_or_fails_as_expected(fixture_build: FixtureBuild, name: str) -> None:
    expected = EXPECTED[name]
    result = fixture_build.tests[name]
    reported = fixture_build.reported.get(name, [])

    assert (result.status, result.failures) == (expected.status, len(expected.problems)), reported
    assert len(reported) == len(expected.problems)
    for problem in expected.problems:
        assert any(problem in row for row in reported), f"{problem!r} not in {reported}"
