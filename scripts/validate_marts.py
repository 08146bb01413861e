"""Validate the lead-score marts with Great Expectations and write Data Docs.

Reads the marts of a built warehouse into pandas through a read-only DuckDB connection, closed
right after the read, so a running `dbt build` is never blocked for longer than that. Validates
them against one expectation suite per mart, plus one per scoring model for the shape of its score
distribution, prints a summary, and writes Data Docs HTML (open index.html in the docs directory).

Exit codes: 0 all expectations met, 1 at least one failed, 2 usage or I/O error (no database,
missing mart table, unreadable file). The bounds are in BOUNDS below.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from publish import DEFAULT_SERVING_DATABASE

if TYPE_CHECKING:
    import pandas as pd

# great_expectations is imported inside the functions that need it: importing it
# takes seconds, which --help and the usage errors need not wait for.
# With the spark extra installed, great_expectations imports pyspark, which warns that it does
# not fully support pandas 3; this script validates pandas dataframes and never uses Spark.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

DEFAULT_DOCS_DIR = "target/gx_data_docs"
DOCS_SITE = "lead_scoring_marts"
MARTS = (
    "fct_lead_scores",
    "fct_lead_score_components",
    "fct_lead_score_history",
    "rpt_score_band_distribution",
    "fct_backtest_lead_scores",
    "rpt_backtest_performance",
    "rpt_mql_threshold_recommendations",
)

# The marts' contract: the values these columns may hold (seeds scoring_score_bands, scoring_grades).
SCORE_BANDS = ["hot", "warm", "cold", "unqualified"]
BAND_RANKS = [1, 2, 3, 4]
GRADES = ["A", "B", "C", "D"]
SEGMENTS = ["smb", "mid_market", "enterprise", "unknown"]
RULE_KINDS = ["fit", "engagement", "inactivity", "group_cap", "score_clamp"]
RULE_CATEGORIES = ["fit", "engagement", "adjustment"]
RECOMMENDATIONS = ["keep", "raise", "lower", "no threshold meets the targets", "no target declared"]

# Every bound in one place. Demo figures are from the demo data (1,500 and 5,000 contacts, as of
# 2026-10-31); the bounds leave them wide room and still fail on broken builds: every score 0 or
# 100, every lead hot, one score for everybody, a column gone null.
BOUNDS: dict[str, Any] = {
    # share of leads whose contact has no company (CRM contacts matched to no account); demo 6 %
    "max_share_without_company": 0.20,
    # share of leads in the 'unknown' segment (company size unknown); demo 6 %
    "max_share_unknown_segment": 0.20,
    # share of leads without an e-mail domain; demo 0.1 %
    "max_share_without_email_domain": 0.05,
    # share of leads with no engagement event at all up to the as-of date; demo 5 %
    "max_share_without_activity": 0.30,
    # Per scoring model. A model missing from the marts, or one not listed here, fails the run:
    # a new model needs its own bounds, chosen once its first scores have been looked at.
    "scoring_models": {
        "platform": {
            # mean lead score; demo 22-25
            "lead_score_mean": (10, 50),
            # median lead score; demo 17-21
            "lead_score_median": (5, 50),
            # 90th percentile: the best leads must stand out, and not all of them hit the cap; demo 56-59
            "lead_score_p90": (35, 90),
            # standard deviation: scores must separate leads; demo 25-26
            "lead_score_stdev": (10, 45),
            # share of hot leads: some, but never a flood for sales (the dbt band-share error bound per
            # segment is 0.40 as well); demo 5 %
            "hot_share": (0.01, 0.40),
            # share of unqualified leads: nearly everybody unqualified means the scores collapsed;
            # demo 58-63 %
            "max_unqualified_share": 0.85,
            # share of MQLs; demo 12-14 %
            "max_mql_share": 0.50,
            # backtest AUC of the rules over all segments: rules ranking leads barely better than
            # chance are broken; demo 0.95
            "backtest_auc": (0.75, 1.0),
        },
        "analytics": {
            # mean lead score; demo 31-33
            "lead_score_mean": (15, 55),
            # median lead score; demo 27-31
            "lead_score_median": (10, 55),
            # 90th percentile; demo 70-75
            "lead_score_p90": (45, 95),
            # standard deviation; demo 28
            "lead_score_stdev": (10, 45),
            # share of hot leads; demo 8-9 %
            "hot_share": (0.01, 0.40),
            # share of unqualified leads; demo 49-54 %
            "max_unqualified_share": 0.85,
            # share of MQLs; demo 16-18 %
            "max_mql_share": 0.50,
            # backtest AUC over all segments; demo 0.95
            "backtest_auc": (0.75, 1.0),
        },
    },
}


class MartsUnavailable(Exception):
    """The database or one of its mart tables cannot be read."""


@dataclass
class Failure:
    suite: str
    column: str
    expectation: str
    observed: str
    description: str | None = None


@dataclass
class SuiteOutcome:
    suite: str
    evaluated: int
    failures: list[Failure]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_SERVING_DATABASE,
        help="published DuckDB file (default: %(default)s)",
    )
    parser.add_argument(
        "--docs-dir",
        default=DEFAULT_DOCS_DIR,
        help="directory for the Data Docs HTML site (default: %(default)s)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the failures")
    return parser.parse_args(argv)


def read_marts(database: Path) -> dict[str, pd.DataFrame]:
    """Every mart as a dataframe; the read-only connection is closed before this returns."""
    if not database.is_file():
        raise MartsUnavailable(f"database {database} does not exist; run `make build` or pass --database")
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            present = {
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'marts'"
                ).fetchall()
            }
            missing = [f"marts.{name}" for name in MARTS if name not in present]
            if missing:
                raise MartsUnavailable(
                    f"{database} has no table {', '.join(missing)}; is the dbt build complete?"
                )
            return {name: con.sql(f"select * from marts.{name}").df() for name in MARTS}
    except duckdb.Error as error:
        raise MartsUnavailable(f"cannot read {database}: {error}") from error


@functools.cache
def quantile_expectation() -> type:
    """ExpectColumnQuantileValuesToBeBetween that reports plain booleans.

    As shipped (GX 1.24.1 with numpy 2) it returns numpy booleans, which GX's own result store then
    fails to serialise: the validation raises "TypeError: Object of type bool is not JSON serializable".
    """
    import great_expectations.expectations as gxe

    class ExpectColumnQuantilesToBeBetween(gxe.ExpectColumnQuantileValuesToBeBetween):
        def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
            outcome = super()._validate(metrics, runtime_configuration, execution_engine)
            details = outcome["result"]["details"]
            details["success_details"] = [bool(success) for success in details["success_details"]]
            return {**outcome, "success": bool(outcome["success"])}

    return ExpectColumnQuantilesToBeBetween


def build_suites() -> dict[str, dict[str, list]]:
    """The expectations: {mart: {suite name: [expectation, ...]}}."""
    import great_expectations.expectations as gxe

    def not_null(*columns: str) -> list:
        return [gxe.ExpectColumnValuesToNotBeNull(column=column) for column in columns]

    def key(column: str) -> list:
        return [*not_null(column), gxe.ExpectColumnValuesToBeUnique(column=column)]

    def score_range(column: str) -> list:
        return [
            *not_null(column),
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=100),
        ]

    def non_empty() -> object:
        return gxe.ExpectTableRowCountToBeBetween(min_value=1)

    models = BOUNDS["scoring_models"]
    suites: dict[str, dict[str, list]] = {
        "fct_lead_scores": {
            "fct_lead_scores": [
                non_empty(),
                *key("lead_score_id"),
                gxe.ExpectCompoundColumnsToBeUnique(column_list=["contact_id", "scoring_model_id"]),
                *not_null("contact_id", "fit_score", "engagement_score", "is_mql", "segment"),
                gxe.ExpectColumnDistinctValuesToEqualSet(column="scoring_model_id", value_set=list(models)),
                *score_range("lead_score"),
                gxe.ExpectColumnValuesToBeInSet(column="score_band", value_set=SCORE_BANDS),
                gxe.ExpectColumnValuesToBeInSet(column="band_rank", value_set=BAND_RANKS),
                gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=GRADES),
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=SEGMENTS),
                *score_range("mql_threshold"),
                gxe.ExpectColumnUniqueValueCountToBeBetween(
                    column="as_of_date",
                    min_value=1,
                    max_value=1,
                    description="One as-of date for all scores.",
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="company_id", mostly=1 - BOUNDS["max_share_without_company"]
                ),
                gxe.ExpectColumnValuesToNotBeInSet(
                    column="segment", value_set=["unknown"], mostly=1 - BOUNDS["max_share_unknown_segment"]
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="email_domain", mostly=1 - BOUNDS["max_share_without_email_domain"]
                ),
                gxe.ExpectColumnValuesToNotBeNull(
                    column="last_activity_at", mostly=1 - BOUNDS["max_share_without_activity"]
                ),
            ],
        },
        "fct_lead_score_components": {
            "fct_lead_score_components": [
                non_empty(),
                *key("lead_score_component_id"),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["contact_id", "scoring_model_id", "rule_id"]
                ),
                *not_null("contact_id", "scoring_model_id", "rule_id", "points_after_caps"),
                gxe.ExpectColumnValuesToBeInSet(column="rule_kind", value_set=RULE_KINDS),
                gxe.ExpectColumnValuesToBeInSet(column="rule_category", value_set=RULE_CATEGORIES),
                gxe.ExpectColumnValuesToBeBetween(column="decay_factor", min_value=0, max_value=1),
            ],
        },
        "fct_lead_score_history": {
            "fct_lead_score_history": [
                non_empty(),
                *key("lead_score_history_id"),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["contact_id", "scoring_model_id", "score_date"]
                ),
                *not_null("score_date"),
                *score_range("lead_score"),
                gxe.ExpectColumnValuesToBeInSet(column="score_band", value_set=SCORE_BANDS),
                gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=GRADES),
            ],
        },
        "rpt_score_band_distribution": {
            "rpt_score_band_distribution": [
                non_empty(),
                *key("score_band_distribution_id"),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["scoring_model_id", "segment", "score_band"]
                ),
                gxe.ExpectColumnValuesToBeInSet(column="score_band", value_set=SCORE_BANDS),
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=SEGMENTS),
                *not_null("share_of_segment"),
                gxe.ExpectColumnValuesToBeBetween(column="share_of_segment", min_value=0, max_value=1),
                gxe.ExpectColumnValuesToBeBetween(column="leads", min_value=0),
            ],
        },
        "fct_backtest_lead_scores": {
            "fct_backtest_lead_scores": [
                non_empty(),
                *key("backtest_lead_score_id"),
                gxe.ExpectCompoundColumnsToBeUnique(
                    column_list=["contact_id", "scoring_model_id", "backtest_date"]
                ),
                *not_null("backtest_date", "is_evaluated", "has_opportunity"),
                *score_range("lead_score"),
                gxe.ExpectColumnValuesToBeInSet(column="score_band", value_set=SCORE_BANDS),
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=SEGMENTS),
                gxe.ExpectColumnValuesToBeBetween(column="days_to_opportunity", min_value=0),
            ],
        },
        "rpt_backtest_performance": {
            "rpt_backtest_performance": [
                non_empty(),
                *key("backtest_performance_id"),
                gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=[*SEGMENTS, "all"]),
                *[
                    gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
                    for column in (
                        "auc",
                        "opportunity_rate",
                        "precision_at_threshold",
                        "recall_at_threshold",
                        "mql_to_opportunity_rate",
                    )
                ],
                gxe.ExpectColumnValuesToBeBetween(column="lead_snapshots", min_value=1),
            ],
        },
        "rpt_mql_threshold_recommendations": {
            "rpt_mql_threshold_recommendations": [
                non_empty(),
                *key("mql_threshold_recommendation_id"),
                gxe.ExpectColumnValuesToBeInSet(column="recommendation", value_set=RECOMMENDATIONS),
                *score_range("current_mql_threshold"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="recommended_mql_threshold", min_value=0, max_value=100
                ),
            ],
        },
    }
    for model, bounds in models.items():
        suites["fct_lead_scores"][f"fct_lead_scores.{model}"] = score_distribution(model, bounds)
        suites["rpt_backtest_performance"][f"rpt_backtest_performance.{model}"] = backtest_ranking(
            model, bounds
        )
    return suites


def backtest_ranking(model: str, bounds: dict[str, Any]) -> list:
    """One scoring model's backtest AUC over all segments within its bounds."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    low, high = bounds["backtest_auc"]
    of_model = (Column("scoring_model_id") == model) & (Column("segment") == "all")
    return [
        # a null AUC (no conversion, or nothing but conversions, in the backtest) says nothing
        gxe.ExpectColumnValuesToNotBeNull(column="auc", row_condition=of_model),
        gxe.ExpectColumnValuesToBeBetween(
            column="auc",
            min_value=low,
            max_value=high,
            row_condition=of_model,
            description=f"The {model} rules rank converting leads above the others (AUC {low}-{high}).",
        ),
    ]


def score_distribution(model: str, bounds: dict[str, Any]) -> list:
    """The shape of one scoring model's scores: their mean, median, 90th percentile and spread, and
    the shares of hot, unqualified and MQL leads."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    of_model = Column("scoring_model_id") == model

    def between(expectation: type, bound: str) -> object:
        low, high = bounds[bound]
        return expectation(column="lead_score", min_value=low, max_value=high, row_condition=of_model)

    # A share bound as `mostly`: "at most 40 % hot" is "at least 60 % of the rows not hot".
    def at_most(share: float, column: str, value: object, leads: str) -> object:
        return gxe.ExpectColumnValuesToNotBeInSet(
            column=column,
            value_set=[value],
            mostly=1 - share,
            row_condition=of_model,
            description=f"At most {share:.0%} of {model} leads are {leads}.",
        )

    def at_least(share: float, column: str, value: object, leads: str) -> object:
        return gxe.ExpectColumnValuesToBeInSet(
            column=column,
            value_set=[value],
            mostly=share,
            row_condition=of_model,
            description=f"At least {share:.0%} of {model} leads are {leads}.",
        )

    min_hot, max_hot = bounds["hot_share"]
    return [
        between(gxe.ExpectColumnMeanToBeBetween, "lead_score_mean"),
        quantile_expectation()(
            column="lead_score",
            quantile_ranges={
                "quantiles": [0.5, 0.9],
                "value_ranges": [list(bounds["lead_score_median"]), list(bounds["lead_score_p90"])],
            },
            row_condition=of_model,
        ),
        between(gxe.ExpectColumnStdevToBeBetween, "lead_score_stdev"),
        at_most(max_hot, "score_band", "hot", "hot"),
        at_least(min_hot, "score_band", "hot", "hot"),
        at_most(bounds["max_unqualified_share"], "score_band", "unqualified", "unqualified"),
        at_most(bounds["max_mql_share"], "is_mql", True, "MQLs"),
    ]


def validate(marts: dict[str, pd.DataFrame], docs_dir: Path) -> list[SuiteOutcome]:
    """Run one checkpoint per mart (a checkpoint hands the same dataframe to all its validation
    definitions), each updating the same Data Docs site."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(docs_dir.resolve()),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    # An explicit config: the default ephemeral one also writes a docs site to a temporary directory
    # and draws a progress bar per suite on stderr.
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            data_docs_sites={DOCS_SITE: site},
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    data_source = context.data_sources.add_pandas("marts")
    run_id = RunIdentifier(run_name="validate_marts", run_time=dt.datetime.now(dt.UTC))
    outcomes = []
    for mart, suites in build_suites().items():
        batch = data_source.add_dataframe_asset(mart).add_batch_definition_whole_dataframe(mart)
        definitions = [
            context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=name, data=batch, suite=context.suites.add(gx.ExpectationSuite(name, expectations))
                )
            )
            for name, expectations in suites.items()
        ]
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=mart,
                validation_definitions=definitions,
                actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE])],
                result_format="SUMMARY",
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": marts[mart]}, run_id=run_id)
        outcomes.extend(outcome_of(suite_result) for suite_result in result.run_results.values())
    return outcomes


def outcome_of(suite_result) -> SuiteOutcome:
    failures = []
    for result in suite_result.results:
        if result.success:
            continue
        config = result.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column") or ", ".join(kwargs.get("column_list") or []) or "(table)"
        failures.append(
            Failure(suite_result.suite_name, column, config.type, observed_of(result), config.description)
        )
    return SuiteOutcome(suite_result.suite_name, len(suite_result.results), failures)


def observed_of(result) -> str:
    """What the data showed, in a few words."""
    if result.exception_info and result.exception_info.get("raised_exception"):
        return "error: " + str(result.exception_info.get("exception_message")).splitlines()[0]
    details = result.result or {}
    if "observed_value" in details:
        observed = details["observed_value"]
        if isinstance(observed, dict) and "quantiles" in observed:
            return ", ".join(
                f"q{quantile:g}={number(value)}"
                for quantile, value in zip(observed["quantiles"], observed["values"], strict=True)
            )
        return number(observed)
    if "unexpected_count" in details:
        text = (
            f"{details['unexpected_count']:,} of {details['element_count']:,} rows"
            f" ({details['unexpected_percent']:.1f}%) unexpected"
        )
        mostly = result.expectation_config.kwargs.get("mostly")
        if mostly is not None:
            text += f", at most {1 - mostly:.0%} allowed"
        examples = [
            str(item["value"])
            for item in details.get("partial_unexpected_counts", [])[:3]
            if not is_null(item["value"])
        ]
        return text + (f", e.g. {', '.join(examples)}" if examples else "")
    return str(details)


def is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(number(item) for item in value) + "]"
    return str(value.item() if hasattr(value, "item") else value)


def print_summary(
    outcomes: list[SuiteOutcome], database: Path, docs_dir: Path, seconds: float, quiet: bool
) -> None:
    failures = [failure for outcome in outcomes for failure in outcome.failures]
    if not quiet:
        print(f"Great Expectations on the marts of {database}:")
        for outcome in outcomes:
            passed = outcome.evaluated - len(outcome.failures)
            status = "ok" if not outcome.failures else f"{len(outcome.failures)} FAILED"
            print(f"  {outcome.suite:<36} {passed:>3}/{outcome.evaluated:<3} passed  {status}")
    for failure in failures:
        about = f" ({failure.description})" if failure.description else ""
        print(f"FAILED {failure.suite}: {failure.column}: {failure.expectation}{about}:")
        print(f"    observed {failure.observed}")
    if not quiet:
        evaluated = sum(outcome.evaluated for outcome in outcomes)
        print(f"{evaluated - len(failures)} of {evaluated} expectations met ({seconds:.1f} s).")
        print(f"Data Docs: {docs_dir / 'index.html'}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database, docs_dir = Path(args.database), Path(args.docs_dir)
    started = time.perf_counter()
    try:
        marts = read_marts(database)
    except MartsUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        outcomes = validate(marts, docs_dir)
    except OSError as error:
        print(f"error: cannot write Data Docs to {docs_dir}: {error}", file=sys.stderr)
        return 2
    print_summary(outcomes, database, docs_dir, time.perf_counter() - started, args.quiet)
    return 1 if any(outcome.failures for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
