"""Propose rule points fitted on past conversions, and show on a later period what they are worth.

Reads the backtest marts of a build (marts.fct_backtest_lead_scores and
marts.fct_backtest_lead_score_components: every lead scored as of each backtest date by the current
rules, and whether it got an opportunity in the conversion window after). The features are the rules
themselves, in the units of each rule: 1 when a fit rule fired, the decayed and capped occurrences of
an engagement rule (points_after_caps / points), the penalised periods of an inactivity rule
(points_after_caps / points_per_period). Per scoring model:

  1. time-based split: the last --holdout-snapshots backtest dates are held out; training is every
     earlier date whose outcome window ended before the first held-out date;
  2. a logistic regression of the outcome on the current linear score gives the scale (log-odds per
     point), so that the proposal stays on the current scale and the thresholds keep their meaning;
  3. with that scale fixed, a logistic regression fits each rule's points, shrunk towards the current
     points (an L2 penalty lambda/2 * sum((q - p)^2): the experts' rules are the prior). Lambda is
     chosen on the last quarter of the training dates (purged the same way), fitting on the rest:
     the largest lambda whose validation AUC is within one standard error of the best, since a few
     dozen conversions cannot tell finer differences from noise. Then the fit is repeated on every
     training date. When the validation dates cannot tell the lambdas apart, the proposal stays at
     (or next to) the current points: the data gives no reason to move them;
  4. the points are rounded to integers that the seed validation accepts; engagement max_points and
     inactivity max_penalty scale with them (the same number of counted units).

On the held-out dates it reports the AUC (with the Hanley & McNeil standard error) of the current
rules, of the calibrated integer points as the scoring engine scores them (a backtest build of the
held-out dates with the proposed seeds, in a scratch copy of the project under the output
directory), of the same points as a plain sum (before group caps and the score clamp), and of the
unconstrained model (the same regression with the lambda that fits the validation dates best, by
deviance: real-valued points, free to follow the data, no rounding, caps or clamp), so that what
keeping the points simple and cautious costs is visible.

Outputs, in the output directory (default target/calibration): proposed_seeds/rules/*.csv (the three
rule seeds with the calibrated points; every other cell byte for byte as in the live seeds, which are
never written), calibration.md and calibration.json. The rescoring build stays in rescore/.

    scripts/calibrate.py                                   # every scoring model of the published marts
    scripts/calibrate.py --model platform --holdout-snapshots 8
    scripts/calibrate.py --no-rescore                      # no build: the engine-scored AUC is left out
    scripts/calibrate.py --lambda 0.01                     # a penalty of your choice, no search

Exit codes: 0 done, 1 the proposed seeds do not build, 2 usage error, missing marts, marts built with
other rules than the seeds, or too few conversions to fit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from build import parse_vars, raw_parquet_location
from challenger import split_records
from publish import DEFAULT_SERVING_DATABASE
from report import write_atomically
from rule_impact import (
    RULE_SEEDS,
    Side,
    build_failure,
    prepare_project,
    read_csv_rows,
    seed_files,
    start_build,
)

DEFAULT_OUTPUT_DIR = Path("target/calibration")
DEFAULT_RAW_DIR = Path("data/raw")
SCORES_TABLE = "marts.fct_backtest_lead_scores"
COMPONENTS_TABLE = "marts.fct_backtest_lead_score_components"
RULE_KINDS = {
    "scoring_fit_rules": "fit",
    "scoring_engagement_rules": "engagement",
    "scoring_inactivity_rules": "inactivity",
}
# the seed columns a rule's points and cap are in, by kind
POINTS_COLUMNS = {"fit": "points", "engagement": "points", "inactivity": "points_per_period"}
CAP_COLUMNS = {"engagement": "max_points", "inactivity": "max_penalty"}
# what the rescoring build needs: the backtest marts and what they read, no tests
RESCORE_SELECTION = ("+fct_backtest_lead_scores",)
MIN_POSITIVES = 10
# penalty strengths tried, in nats per squared point, largest first: from "keep the current points"
# (1000) to "the data decide" (1e-5)
LAMBDA_GRID = tuple(10.0 ** (exponent / 2) for exponent in range(6, -11, -1))
TOLERANCE = 1e-6  # points are decimal(18, 6)


class CalibrationError(Exception):
    """A usage error, missing or mismatched marts, or too little data; the message says why."""


class RescoreError(Exception):
    """The proposed seeds do not build."""


# --- the live rules -----------------------------------------------------------------------------------


@dataclass
class Rule:
    model: str
    rule_id: str
    kind: str  # fit, engagement or inactivity
    seed: str  # the seed file's name, without .csv
    points: float  # points per unit: per fit, per occurrence, per inactive period
    cap: float | None  # engagement max_points, inactivity max_penalty
    decay_policy_id: str = ""
    is_step_decay: bool = False  # the engagement feature depends on the points (macro decay_factor)


def read_seed(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise CalibrationError(f"{path} does not exist (--seeds-dir is {path.parent.parent})")
    return read_csv_rows(path.read_bytes())[1]


def number(text: str, where: str) -> float | None:
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise CalibrationError(f"{where}: {text!r} is not a number") from None


def load_rules(seeds_dir: Path) -> dict[str, list[Rule]]:
    """The fit, engagement and inactivity rules of the seeds, by scoring model, in seed order."""
    step_policies = {
        row["decay_policy_id"]
        for row in read_seed(seeds_dir / "rules" / "scoring_decay_policies.csv")
        if row.get("decay_type") == "step"
    }
    rules: dict[str, list[Rule]] = {}
    for seed in RULE_SEEDS:
        kind = RULE_KINDS[seed]
        path = seeds_dir / "rules" / f"{seed}.csv"
        for row in read_seed(path):
            where = f"{path}, rule {row.get('rule_id')!r}"
            points = number(row.get(POINTS_COLUMNS[kind], ""), where)
            if points is None:
                raise CalibrationError(f"{where}: no {POINTS_COLUMNS[kind]}")
            policy = row.get("decay_policy_id", "")
            rule = Rule(
                model=row["scoring_model_id"],
                rule_id=row["rule_id"],
                kind=kind,
                seed=seed,
                points=points,
                cap=number(row.get(CAP_COLUMNS.get(kind, ""), ""), where),
                decay_policy_id=policy,
                is_step_decay=policy in step_policies,
            )
            rules.setdefault(rule.model, []).append(rule)
    return rules


# --- the backtest marts -------------------------------------------------------------------------------


@dataclass
class Backtest:
    dates: list[dt.date]
    window_days: int  # conversion_window_days
    interval_days: int  # backtest_interval_days
    as_of_date: dt.date


@dataclass
class ModelData:
    """The evaluated lead snapshots of one scoring model: one row per lead and backtest date."""

    model: str
    rules: list[Rule]
    dates: np.ndarray  # datetime64[D]
    contact_ids: np.ndarray
    lead_score: np.ndarray  # the mart's, by the current rules
    converted: np.ndarray  # bool: has_opportunity
    features: np.ndarray  # rows x rules, in the rules' units

    @property
    def current_points(self) -> np.ndarray:
        return np.array([rule.points for rule in self.rules])


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    if not database.is_file():
        raise CalibrationError(f"no database at {database}: run `make build` first, or pass --database")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as error:
        raise CalibrationError(f"cannot open {database}: {error}") from error
    tables = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    missing = [table for table in (SCORES_TABLE, COMPONENTS_TABLE) if table not in tables]
    if missing:
        con.close()
        raise CalibrationError(
            f"{database} has no {' or '.join(missing)}: run `make build` first (the backtest marts "
            "are built with the scores)"
        )
    return con


def load_backtest(con: duckdb.DuckDBPyConnection) -> Backtest:
    rows = con.execute(
        f"""
        select
            backtest_date,
            min(cast(outcome_window_end_date as date)),
            max(cast(outcome_window_end_date as date))
        from {SCORES_TABLE}
        group by backtest_date
        order by backtest_date
        """
    ).fetchall()
    if len(rows) < 3:
        raise CalibrationError(
            f"{SCORES_TABLE} has {len(rows)} backtest date(s): a time-based split needs more "
            "(var backtest_snapshots)"
        )
    windows = {(end - date).days for date, first_end, last_end in rows for end in (first_end, last_end)}
    gaps = {(later[0] - earlier[0]).days for earlier, later in zip(rows, rows[1:], strict=False)}
    if len(windows) != 1 or len(gaps) != 1:
        raise CalibrationError(
            f"{SCORES_TABLE}: the backtest dates are not evenly spaced with one conversion window "
            f"(gaps {sorted(gaps)}, windows {sorted(windows)} days)"
        )
    dates = [row[0] for row in rows]
    return Backtest(dates, windows.pop(), gaps.pop(), rows[-1][2])


def mart_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in con.execute(f"select distinct scoring_model_id from {SCORES_TABLE} order by 1").fetchall()
    ]


def check_rules_match(
    con: duckdb.DuckDBPyConnection, rules: dict[str, list[Rule]], models: list[str]
) -> None:
    """The marts must have been scored by the rules on disk: each fired rule is in the seeds with the
    points (per unit) it was scored with, and its components stay within its cap."""
    fired = con.execute(
        f"""
        select
            scoring_model_id,
            rule_id,
            rule_kind,
            min(cast(case when rule_kind = 'fit' then points_after_caps
                          else raw_points / nullif(occurrences, 0) end as double)) as min_unit_points,
            max(cast(case when rule_kind = 'fit' then points_after_caps
                          else raw_points / nullif(occurrences, 0) end as double)) as max_unit_points,
            min(cast(points_after_caps as double)) as min_points,
            max(cast(points_after_caps as double)) as max_points
        from {COMPONENTS_TABLE}
        where rule_kind in ('fit', 'engagement', 'inactivity') and list_contains($models, scoring_model_id)
        group by all
        order by 1, 2
        """,
        {"models": models},
    ).fetchall()
    by_id = {(rule.model, rule.rule_id): rule for model in models for rule in rules.get(model, [])}
    problems = [f"scoring model {model} has no rules in the seeds" for model in models if model not in rules]
    for model, rule_id, kind, min_unit, max_unit, min_points, max_points in fired:
        rule = by_id.get((model, rule_id))
        if rule is None or rule.kind != kind:
            problems.append(f"{kind} rule {rule_id} of {model} is in the marts, not in the seeds")
            continue
        if abs(min_unit - rule.points) > TOLERANCE or abs(max_unit - rule.points) > TOLERANCE:
            shown = (
                f"{min_unit:g}" if abs(max_unit - min_unit) <= TOLERANCE else f"{min_unit:g} to {max_unit:g}"
            )
            problems.append(
                f"{rule_id} of {model} scored {shown} points per unit, the seed says {rule.points:g}"
            )
        elif rule.cap is not None and (
            min_points < rule.cap - TOLERANCE if rule.cap < 0 else max_points > rule.cap + TOLERANCE
        ):
            problems.append(f"{rule_id} of {model} gave more than its cap of {rule.cap:g}")
    if problems:
        shown = "\n".join(f"  {problem}" for problem in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise CalibrationError(
            f"the marts were built with other rules than the seeds on disk:\n{shown}{more}\n"
            "run `make build` first (or pass the --database and --seeds-dir that belong together)"
        )


def load_model_data(
    con: duckdb.DuckDBPyConnection, rules: dict[str, list[Rule]], models: list[str]
) -> dict[str, ModelData]:
    """The evaluated lead snapshots of each model with their features, ordered by date and contact."""
    snapshots = f"""
        select
            scoring_model_id,
            backtest_date,
            contact_id,
            cast(lead_score as double) as lead_score,
            has_opportunity,
            row_number() over (
                partition by scoring_model_id order by backtest_date, contact_id
            ) - 1 as row_index
        from {SCORES_TABLE}
        where is_evaluated and list_contains($models, scoring_model_id)
    """
    scores = con.execute(f"{snapshots} order by scoring_model_id, row_index", {"models": models}).df()
    components = con.execute(
        f"""
        with snapshots as ({snapshots})
        select
            components.scoring_model_id,
            snapshots.row_index,
            components.rule_id,
            cast(components.points_after_caps as double) as points_after_caps
        from {COMPONENTS_TABLE} as components
        inner join snapshots
            on components.scoring_model_id = snapshots.scoring_model_id
            and components.backtest_date = snapshots.backtest_date
            and components.contact_id = snapshots.contact_id
        where components.rule_kind in ('fit', 'engagement', 'inactivity')
        """,
        {"models": models},
    ).df()
    data = {}
    for model in models:
        model_rules = rules[model]
        rows = scores[scores.scoring_model_id == model]
        fired = components[components.scoring_model_id == model]
        column = {rule.rule_id: index for index, rule in enumerate(model_rules)}
        columns = fired.rule_id.map(column).to_numpy()
        units = np.array([rule.points for rule in model_rules])
        is_fit = np.array([rule.kind == "fit" for rule in model_rules])
        values = np.where(is_fit[columns], 1.0, fired.points_after_caps.to_numpy() / units[columns])
        features = np.zeros((len(rows), len(model_rules)))
        features[fired.row_index.to_numpy(), columns] = values
        data[model] = ModelData(
            model=model,
            rules=model_rules,
            dates=rows.backtest_date.to_numpy().astype("datetime64[D]"),
            contact_ids=rows.contact_id.to_numpy(),
            lead_score=rows.lead_score.to_numpy(),
            converted=rows.has_opportunity.to_numpy().astype(bool),
            features=features,
        )
    return data


# --- time-based split ----------------------------------------------------------------------------------


def quarter(count: int) -> int:
    """A quarter of count, rounded half up, at least 1."""
    return max(1, math.floor(count / 4 + 0.5))


def time_split(dates: list[dt.date], window_days: int, holdout: int) -> tuple[list[dt.date], list[dt.date]]:
    """The training and held-out dates: the last `holdout` dates are held out; training is every
    earlier date whose outcome window ended before the first held-out date."""
    dates = sorted(dates)
    held_out = dates[-holdout:]
    training = [date for date in dates[:-holdout] if date + dt.timedelta(days=window_days) < held_out[0]]
    return training, held_out


# --- fitting --------------------------------------------------------------------------------------------


def negative_log_likelihood(eta: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, eta) - y * eta


def newton_logistic(
    design: np.ndarray,
    y: np.ndarray,
    start: np.ndarray,
    prior: np.ndarray,
    penalty: np.ndarray,
    max_iterations: int = 100,
) -> np.ndarray:
    """The coefficients minimising the logistic negative log-likelihood of y on design plus
    sum(penalty / 2 * (coefficients - prior)^2), by Newton's method with step halving."""
    y = y.astype(float)
    theta = start.astype(float).copy()

    def objective(candidate: np.ndarray) -> float:
        eta = design @ candidate
        return float(negative_log_likelihood(eta, y).sum() + 0.5 * (penalty * (candidate - prior) ** 2).sum())

    current = objective(theta)
    ridge = 1e-9 * np.eye(len(theta))  # keeps the Hessian invertible for a column that is all zero
    for _ in range(max_iterations):
        eta = design @ theta
        mu = np.exp(-np.logaddexp(0.0, -eta))
        weights = mu * (1.0 - mu)
        gradient = design.T @ (mu - y) + penalty * (theta - prior)
        hessian = (design * weights[:, None]).T @ design + np.diag(penalty) + ridge
        step = np.linalg.solve(hessian, gradient)
        length = 1.0
        while True:
            candidate = theta - length * step
            value = objective(candidate)
            if value <= current + 1e-12 * abs(current) or length < 1e-8:
                break
            length /= 2
        if value > current:  # no step downhill is left: as good as it gets
            break
        converged = np.max(np.abs(candidate - theta)) < 1e-9 or current - value < 1e-11 * max(
            abs(current), 1.0
        )
        theta, current = candidate, value
        if converged:
            break
    return theta


@dataclass
class Fit:
    intercept: float
    scale: float  # log-odds per point, from the current points
    points: np.ndarray  # the calibrated points, real-valued

    def linear_predictor(self, features: np.ndarray) -> np.ndarray:
        return self.intercept + self.scale * (features @ self.points)


def fit_scale(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of a logistic regression of y on one score."""
    design = np.column_stack([np.ones_like(score), score])
    rate = min(max(y.mean(), 1e-6), 1 - 1e-6)
    start = np.array([math.log(rate / (1 - rate)), 0.0])
    intercept, slope = newton_logistic(design, y, start, np.zeros(2), np.zeros(2))
    return float(intercept), float(slope)


def fit_points(
    features: np.ndarray, y: np.ndarray, prior: np.ndarray, penalty: float, start: Fit | None = None
) -> Fit:
    """The points q of logit p = a + s * features @ q with s fitted on the current points (prior) and
    fixed, and q shrunk towards the prior by penalty / 2 * sum((q - prior)^2)."""
    intercept, scale = fit_scale(features @ prior, y)
    if scale <= 0:
        raise CalibrationError(
            "the current points do not rank the converted lead snapshots of the training dates higher "
            f"(log-odds per point {scale:.4g}): there is no scale to calibrate on"
        )
    design = np.column_stack([np.ones(len(y)), scale * features])
    initial = np.concatenate([[intercept], prior if start is None else start.points])
    penalties = np.concatenate([[0.0], np.full(len(prior), penalty)])
    theta = newton_logistic(design, y, initial, np.concatenate([[0.0], prior]), penalties)
    return Fit(float(theta[0]), scale, theta[1:])


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    """The area under the ROC curve (Mann-Whitney; ties count a half); nan without both classes."""
    y = np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def auc_standard_error(area: float, positives: int, negatives: int) -> float:
    """The standard error of an AUC (Hanley & McNeil 1982)."""
    if math.isnan(area) or positives == 0 or negatives == 0:
        return math.nan
    q1, q2 = area / (2 - area), 2 * area**2 / (1 + area)
    variance = (area * (1 - area) + (positives - 1) * (q1 - area**2) + (negatives - 1) * (q2 - area**2)) / (
        positives * negatives
    )
    return math.sqrt(max(variance, 0.0))


@dataclass
class LambdaChoice:
    penalty: float
    searched: list[dict[str, float]] = field(default_factory=list)  # lambda, validation AUC
    validation_dates: list[dt.date] = field(default_factory=list)
    fitting_dates: list[dt.date] = field(default_factory=list)
    best_auc: float | None = None
    tolerance: float | None = None  # the standard error of the best validation AUC
    best_deviance_penalty: float | None = None  # the penalty of the unconstrained model


def choose_lambda(data: ModelData, training: list[dt.date], window_days: int) -> LambdaChoice:
    """The penalty of the grid chosen on the last quarter of the training dates, fitted on the training
    dates whose outcome window ended before them: the largest penalty whose validation AUC is within
    one standard error of the best (the one-standard-error rule). A few dozen conversions cannot tell
    the penalties apart more finely; the larger one keeps closer to the current points."""
    fitting_dates, validation_dates = time_split(training, window_days, quarter(len(training)))
    fitting, validation = on_dates(data, fitting_dates), on_dates(data, validation_dates)
    for name, mask, dates in (
        ("fitting", fitting, fitting_dates),
        ("validation", validation, validation_dates),
    ):
        converted = int(data.converted[mask].sum())
        if converted == 0 or converted == mask.sum():
            raise CalibrationError(
                f"{data.model}: the {name} dates that choose lambda ({date_range(dates)}) have "
                f"{converted} converted of {int(mask.sum())} lead snapshots: pass --lambda, or use more data"
            )
    choice = LambdaChoice(
        penalty=LAMBDA_GRID[0], validation_dates=validation_dates, fitting_dates=fitting_dates
    )
    previous = None
    for penalty in LAMBDA_GRID:  # largest first, each fit starting from the last
        previous = fit_points(
            data.features[fitting], data.converted[fitting], data.current_points, penalty, start=previous
        )
        area = auc(data.features[validation] @ previous.points, data.converted[validation])
        deviance = 2 * float(
            negative_log_likelihood(
                previous.linear_predictor(data.features[validation]), data.converted[validation]
            ).mean()
        )
        choice.searched.append({"lambda": penalty, "validation_auc": area, "validation_deviance": deviance})
    y = data.converted[validation]
    choice.best_auc = max(item["validation_auc"] for item in choice.searched)
    choice.tolerance = auc_standard_error(choice.best_auc, int(y.sum()), int((~y).sum()))
    choice.penalty = next(
        item["lambda"]
        for item in choice.searched
        if item["validation_auc"] >= choice.best_auc - choice.tolerance - 1e-12
    )
    choice.best_deviance_penalty = min(choice.searched, key=lambda item: item["validation_deviance"])[
        "lambda"
    ]
    return choice


# --- integer points -------------------------------------------------------------------------------------


def round_half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def integer_points(rule: Rule, value: float) -> int:
    """The calibrated points as an integer the seed validation accepts: engagement points are not 0
    (the smallest points of the fitted sign instead), inactivity points stay negative (-1 at most).
    A fit rule may get 0: it then adds nothing."""
    points = round_half_away(value)
    if rule.kind == "inactivity":
        return min(points, -1)
    if rule.kind == "engagement" and points == 0:
        return 1 if value > 0 or (value == 0 and rule.points > 0) else -1
    return points


def scaled_cap(rule: Rule, points: int) -> float | None:
    """The rule's cap for the new points: the same number of counted units, with the new points' sign."""
    if rule.cap is None or rule.cap == 0 or points == rule.points:
        return rule.cap
    cap = round_half_away(rule.cap * points / rule.points)
    return cap if cap != 0 else math.copysign(1, points)


# --- proposed seeds -------------------------------------------------------------------------------------


def cell_spans(record: str) -> list[tuple[int, int]]:
    """Where each cell of one CSV record's text starts and ends (quotes included, line end excluded)."""
    body = record.rstrip("\r\n")
    spans, start = [], 0
    while True:
        if body.startswith('"', start):
            position = start + 1
            while True:
                quote = body.find('"', position)
                if quote < 0 or not body.startswith('"', quote + 1):
                    break
                position = quote + 2
            end = body.find(",", quote + 1 if quote >= 0 else len(body))
        else:
            end = body.find(",", start)
        end = len(body) if end < 0 else end
        spans.append((start, end))
        if end == len(body):
            return spans
        start = end + 1


def same_number(text: str, value: float | None) -> bool:
    if value is None:
        return text.strip() == ""
    try:
        return float(text) == value
    except ValueError:
        return False


def number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def proposed_seed(text: str, changes: dict[tuple[str, str], dict[str, float | None]]) -> str:
    """The seed text with the cells of `changes` ((model, rule_id) -> column -> value) replaced; every
    other cell, and every cell whose number does not change, stays as it is."""
    records = list(split_records(text))
    header = [name.strip().lstrip("\ufeff") for name in records[0].values]
    model_column, rule_column = header.index("scoring_model_id"), header.index("rule_id")
    output = [records[0].text]
    for record in records[1:]:
        values = record.values
        key = (
            (values[model_column].strip(), values[rule_column].strip())
            if len(values) > max(model_column, rule_column)
            else None
        )
        cells = changes.get(key, {})
        edits = [
            (header.index(column), number_text(value))
            for column, value in cells.items()
            if not same_number(values[header.index(column)], value)
        ]
        if not edits:
            output.append(record.text)
            continue
        spans = cell_spans(record.text)
        if len(spans) != len(values):
            raise CalibrationError(f"cannot locate the cells of seed row {record.text.strip()!r}")
        line = record.text
        for index, new_text in sorted(edits, reverse=True):
            start, end = spans[index]
            line = line[:start] + new_text + line[end:]
        output.append(line)
    return "".join(output)


# --- calibration ---------------------------------------------------------------------------------------


@dataclass
class RuleResult:
    model: str
    rule_id: str
    kind: str
    seed: str
    current_points: float
    calibrated_points: int
    unrounded_points: float
    current_cap: float | None
    calibrated_cap: float | None
    cap_column: str | None
    training_snapshots: int  # evaluated training lead snapshots the rule fired for
    training_converted: int
    is_step_decay: bool


@dataclass
class ScoreAuc:
    scores: str
    auc: float | None
    standard_error: float | None


@dataclass
class ModelResult:
    model: str
    penalty: float
    penalty_chosen_by: str  # validation or --lambda
    unconstrained_penalty: float  # the lambda of the unconstrained model
    lambda_search: list[dict[str, float]]  # lambda and validation AUC, largest lambda first
    fitting_dates: list[str]  # the training dates the lambda search fitted on
    validation_dates: list[str]
    validation_best_auc: float | None
    validation_tolerance: float | None  # AUCs this close to the best count as ties
    intercept: float
    scale: float
    training_dates: list[str]
    training_snapshots: int
    training_converted: int
    holdout_dates: list[str]
    holdout_snapshots: int
    holdout_converted: int
    aucs: list[ScoreAuc]
    rules: list[RuleResult]
    rescored_changed: int | None = None  # held-out snapshots whose engine score differs from the mart's


SCORES_CURRENT = "current rules"
SCORES_CURRENT_LINEAR = "current points, plain sum"
SCORES_ENGINE = "calibrated integer points, engine-scored"
SCORES_LINEAR = "calibrated integer points, plain sum"
SCORES_UNCONSTRAINED = "unconstrained model"


def lambda_text(penalty: float) -> str:
    """A penalty in plain digits, 3 significant: 1000, 0.0316."""
    return np.format_float_positional(penalty, precision=3, fractional=False, trim="-")


def date_range(dates: list[dt.date] | list[str]) -> str:
    """The first and last of some dates (or ISO date texts), and how many."""
    return f"{min(dates)} to {max(dates)}, {len(dates)} dates" if dates else "no dates"


def score_auc(name: str, scores: np.ndarray | None, y: np.ndarray) -> ScoreAuc:
    if scores is None:
        return ScoreAuc(name, None, None)
    area = auc(scores, y)
    return ScoreAuc(name, area, auc_standard_error(area, int(y.sum()), int((~y).sum())))


def on_dates(data: ModelData, dates: list[dt.date]) -> np.ndarray:
    """The mask of the model's rows of these dates."""
    return np.isin(data.dates, np.array(dates, dtype="datetime64[D]"))


def check_conversions(
    data: ModelData, training_dates: list[dt.date], holdout_dates: list[dt.date], min_positives: int
) -> None:
    training = int(data.converted[on_dates(data, training_dates)].sum())
    held_out = int(data.converted[on_dates(data, holdout_dates)].sum())
    if training < min_positives or held_out < min_positives:
        raise CalibrationError(
            f"{data.model}: {training} converted lead snapshots in training ({date_range(training_dates)}) "
            f"and {held_out} in the held-out period ({date_range(holdout_dates)}); at least "
            f"{min_positives} each are needed to fit and judge the points: use more data, or another "
            "--holdout-snapshots"
        )


def calibrate_model(
    data: ModelData,
    training_dates: list[dt.date],
    holdout_dates: list[dt.date],
    window_days: int,
    penalty: float | None,
) -> tuple[ModelResult, np.ndarray]:
    """The calibrated points of one model, and the mask of its held-out rows."""
    training, held_out = on_dates(data, training_dates), on_dates(data, holdout_dates)
    if penalty is None:
        choice = choose_lambda(data, training_dates, window_days)
        chosen_by = "validation"
    else:
        choice, chosen_by = LambdaChoice(penalty), "--lambda"
    fit = fit_points(data.features[training], data.converted[training], data.current_points, choice.penalty)
    unconstrained = fit
    if choice.best_deviance_penalty is not None and choice.best_deviance_penalty != choice.penalty:
        unconstrained = fit_points(
            data.features[training],
            data.converted[training],
            data.current_points,
            choice.best_deviance_penalty,
        )
    rules = []
    for index, rule in enumerate(data.rules):
        points = integer_points(rule, fit.points[index])
        fires = data.features[training, index] != 0
        rules.append(
            RuleResult(
                model=data.model,
                rule_id=rule.rule_id,
                kind=rule.kind,
                seed=rule.seed,
                current_points=rule.points,
                calibrated_points=points,
                unrounded_points=float(fit.points[index]),
                current_cap=rule.cap,
                calibrated_cap=scaled_cap(rule, points),
                cap_column=CAP_COLUMNS.get(rule.kind),
                training_snapshots=int(fires.sum()),
                training_converted=int((fires & data.converted[training]).sum()),
                is_step_decay=rule.is_step_decay,
            )
        )
    y = data.converted[held_out]
    features = data.features[held_out]
    integer = np.array([rule.calibrated_points for rule in rules], dtype=float)
    aucs = [
        score_auc(SCORES_CURRENT, data.lead_score[held_out], y),
        score_auc(SCORES_CURRENT_LINEAR, features @ data.current_points, y),
        score_auc(SCORES_ENGINE, None, y),
        score_auc(SCORES_LINEAR, features @ integer, y),
        score_auc(SCORES_UNCONSTRAINED, unconstrained.linear_predictor(features), y),
    ]
    result = ModelResult(
        model=data.model,
        penalty=choice.penalty,
        penalty_chosen_by=chosen_by,
        unconstrained_penalty=choice.best_deviance_penalty or choice.penalty,
        lambda_search=choice.searched,
        fitting_dates=[str(date) for date in choice.fitting_dates],
        validation_dates=[str(date) for date in choice.validation_dates],
        validation_best_auc=choice.best_auc,
        validation_tolerance=choice.tolerance,
        intercept=fit.intercept,
        scale=fit.scale,
        training_dates=[str(date) for date in training_dates],
        training_snapshots=int(training.sum()),
        training_converted=int(data.converted[training].sum()),
        holdout_dates=[str(date) for date in holdout_dates],
        holdout_snapshots=int(held_out.sum()),
        holdout_converted=int(data.converted[held_out].sum()),
        aucs=aucs,
        rules=rules,
    )
    return result, held_out


def seed_changes(results: list[ModelResult]) -> dict[str, dict[tuple[str, str], dict[str, float | None]]]:
    """Per rule seed: (model, rule_id) -> the points (and cap) columns and their calibrated values."""
    changes: dict[str, dict[tuple[str, str], dict[str, float | None]]] = {seed: {} for seed in RULE_SEEDS}
    for result in results:
        for rule in result.rules:
            cells: dict[str, float | None] = {POINTS_COLUMNS[rule.kind]: rule.calibrated_points}
            if rule.cap_column:
                cells[rule.cap_column] = rule.calibrated_cap
            changes[rule.seed][(rule.model, rule.rule_id)] = cells
    return changes


def proposed_seeds(seeds_dir: Path, results: list[ModelResult]) -> dict[str, bytes]:
    """The three rule seeds with the calibrated points, by file name."""
    proposals = {}
    for seed, changes in seed_changes(results).items():
        path = seeds_dir / "rules" / f"{seed}.csv"
        with path.open(newline="", encoding="utf-8") as handle:
            text = handle.read()
        proposals[f"{seed}.csv"] = proposed_seed(text, changes).encode("utf-8")
    return proposals


# --- rescoring with the proposed seeds -----------------------------------------------------------------


def rescore(
    project_dir: Path,
    seeds_dir: Path,
    proposals: dict[str, bytes],
    work_dir: Path,
    dbt_vars: dict[str, Any],
) -> Path:
    """Build the backtest marts in a copy of the project with the proposed rule seeds; its database."""
    seeds = seed_files(seeds_dir)
    seeds |= {f"rules/{name}": content for name, content in proposals.items()}
    side = Side("rescore", "the proposed seeds", seeds, (project_dir / "dbt_project.yml").read_text())
    project = prepare_project(project_dir, side, work_dir)
    process, log = start_build(work_dir, project, dbt_vars, selection=RESCORE_SELECTION)
    if process.wait() != 0:
        raise RescoreError(build_failure(side, work_dir, log, process.returncode))
    return work_dir / "lead_scoring.duckdb"


def rescore_vars(backtest: Backtest, holdout: int, raw_dir: Path, extra: dict[str, Any]) -> dict[str, Any]:
    """The vars that give the marts' held-out backtest dates: the same as-of date, interval and window,
    and only as many dates as are held out (scores of a date do not depend on other dates)."""
    dbt_vars = dict(extra)
    if "raw_external_location" not in dbt_vars:
        if not (raw_dir / "events").is_dir():
            raise CalibrationError(
                f"no raw data in {raw_dir} (expected {raw_dir}/<table>/*.parquet) for the rescoring "
                "build: pass the --raw-dir the marts were built from, or --no-rescore"
            )
        dbt_vars["raw_external_location"] = raw_parquet_location(raw_dir)
    dbt_vars |= {
        "as_of_date": backtest.as_of_date.isoformat(),
        "backtest_snapshots": holdout,
        "backtest_interval_days": backtest.interval_days,
        "conversion_window_days": backtest.window_days,
    }
    return dbt_vars


def engine_scores(database: Path, data: ModelData, held_out: np.ndarray) -> np.ndarray:
    """The rescored lead_score of each held-out row of the model, in the rows' order."""
    with duckdb.connect(str(database), read_only=True) as con:
        rescored = con.execute(
            f"""
            select backtest_date, contact_id, cast(lead_score as double) as lead_score, has_opportunity
            from {SCORES_TABLE}
            where is_evaluated and scoring_model_id = ?
            """,
            [data.model],
        ).df()
    rows = pd.DataFrame(
        {
            "backtest_date": data.dates[held_out],
            "contact_id": data.contact_ids[held_out],
            "converted": data.converted[held_out],
        }
    )
    rescored["backtest_date"] = rescored.backtest_date.to_numpy().astype("datetime64[D]")
    rows["backtest_date"] = rows.backtest_date.to_numpy().astype("datetime64[D]")
    joined = rows.merge(rescored, on=["backtest_date", "contact_id"], how="left", validate="one_to_one")
    if (
        len(rescored) != len(rows)
        or joined.lead_score.isna().any()
        or (joined.converted != joined.has_opportunity).any()
    ):
        raise CalibrationError(
            f"the rescoring build ({database}) does not see the same held-out lead snapshots of "
            f"{data.model} as the marts ({len(rescored):,} against {len(rows):,}): pass the --raw-dir "
            "(and --vars) the marts were built with"
        )
    return joined.lead_score.to_numpy()


# --- reports --------------------------------------------------------------------------------------------


def figure(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def points_text(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:+g}" if value else "0"


def auc_rows(result: ModelResult) -> list[list[str]]:
    current = result.aucs[0].auc
    rows = []
    for item in result.aucs:
        change = "" if item.auc is None or item is result.aucs[0] else f"{item.auc - current:+.3f}"
        rows.append([result.model, item.scores, figure(item.auc), figure(item.standard_error), change])
    return rows


def table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


RULE_HEADER = [
    "Rule",
    "Kind",
    "Current",
    "Calibrated",
    "Unrounded",
    "Cap",
    "Fires (training)",
    "Converted (training)",
    "Note",
]


def auc_table(results: list[ModelResult]) -> list[str]:
    rows = [row for result in results for row in auc_rows(result)]
    return table(["Model", "Scores", "Held-out AUC", "SE", "vs current"], rows, {2, 3, 4})


def render_markdown(
    results: list[ModelResult], backtest: Backtest, database: Path, output_dir: Path, rescored: bool
) -> str:
    lines = [
        "# Calibrated rule points",
        "",
        f"Backtest marts of `{database}`: {date_range(backtest.dates)}, every {backtest.interval_days} days, "
        f"outcome = an opportunity within {backtest.window_days} days. Only evaluated lead snapshots "
        "(no earlier opportunity for the product line) count.",
        "",
        "## Held-out AUC",
        "",
        *auc_table(results),
        "",
        f"*{SCORES_CURRENT}*: the marts' lead_score. *{SCORES_ENGINE}*: the proposed seeds scored by the "
        "scoring engine (decay, occurrence and points caps, group caps, score clamp)"
        + ("" if rescored else ", not built (--no-rescore)")
        + f". *{SCORES_LINEAR}* and *{SCORES_CURRENT_LINEAR}*: points x rule units, summed before "
        f"group caps and the clamp. *{SCORES_UNCONSTRAINED}*: the same regression with the lambda whose "
        "fit has the lowest validation deviance (free to follow the data), real-valued, no rounding, caps "
        "or clamp. SE: Hanley & McNeil (1982).",
        "",
    ]
    for result in results:
        lines += [
            f"## {result.model}",
            "",
            f"- training: {date_range(result.training_dates)}, "
            f"{result.training_snapshots:,} lead snapshots, {result.training_converted:,} converted",
            f"- held out: {date_range(result.holdout_dates)}, "
            f"{result.holdout_snapshots:,} lead snapshots, {result.holdout_converted:,} converted",
            "- lambda (penalty per squared point away from the current points): "
            f"{lambda_text(result.penalty)}, "
            + (
                "the largest whose validation AUC is within one standard error "
                f"({figure(result.validation_tolerance)}) of the best "
                f"({figure(result.validation_best_auc)}), "
                f"fitted on {date_range(result.fitting_dates)} and "
                f"validated on {date_range(result.validation_dates)}; the unconstrained model's, by "
                f"validation deviance: {lambda_text(result.unconstrained_penalty)}"
                if result.penalty_chosen_by == "validation"
                else "set by --lambda"
            ),
        ]
        if result.lambda_search:
            curve = ", ".join(
                f"{lambda_text(item['lambda'])}: {figure(item['validation_auc'])}"
                for item in result.lambda_search
            )
            lines.append(f"- validation AUC by lambda: {curve}")
        changed = sum(
            rule.calibrated_points != rule.current_points or rule.calibrated_cap != rule.current_cap
            for rule in result.rules
        )
        lines += [
            f"- scale: {result.scale:.4f} log-odds per point (fitted on the current points)",
            f"- rules whose points or cap change: {changed} of {len(result.rules)}"
            + (
                "; the training data do not support other points than the current ones" if not changed else ""
            ),
        ]
        if result.rescored_changed is not None:
            lines.append(
                f"- the proposed seeds change the engine score of {result.rescored_changed:,} "
                "held-out lead snapshots"
            )
        rows = []
        for rule in result.rules:
            notes = []
            if rule.is_step_decay:
                notes.append("step decay: its units depend on the points, the engine score tells")
            if rule.training_snapshots == 0:
                notes.append("never fired in training: kept")
            elif rule.calibrated_points != round_half_away(rule.unrounded_points):
                notes.append("nearest legal value")
            cap = (
                ""
                if rule.cap_column is None or rule.current_cap is None
                else f"{points_text(rule.current_cap)} → {points_text(rule.calibrated_cap)}"
            )
            rows.append(
                [
                    rule.rule_id,
                    rule.kind,
                    points_text(rule.current_points),
                    points_text(rule.calibrated_points),
                    f"{rule.unrounded_points:+.2f}",
                    cap,
                    f"{rule.training_snapshots:,}",
                    f"{rule.training_converted:,}",
                    "; ".join(notes),
                ]
            )
        lines += ["", *table(RULE_HEADER, rows, {2, 3, 4, 6, 7}), ""]
    lines += [
        "## How to adopt",
        "",
        f"The proposed seeds are in `{output_dir / 'proposed_seeds' / 'rules'}`: only the points (and "
        "max_points / max_penalty) cells of the calibrated models differ from the live seeds. Copy them to "
        "`seeds/rules/` and run `make impact` to see what they change before you commit them; or put the "
        "calibrated points in a challenger model (`scripts/challenger.py fork`) to score them side by side "
        "with the live rules. The descriptions are left as they are: edit those that quote points.",
        "",
    ]
    return "\n".join(lines)


def summary_json(
    results: list[ModelResult], backtest: Backtest, database: Path, seeds_dir: Path
) -> dict[str, Any]:
    return {
        "database": str(database),
        "seeds_dir": str(seeds_dir),
        "backtest": {
            "dates": [str(date) for date in backtest.dates],
            "interval_days": backtest.interval_days,
            "conversion_window_days": backtest.window_days,
            "as_of_date": str(backtest.as_of_date),
        },
        "models": [asdict(result) for result in results],
    }


def json_safe(value: Any) -> Any:
    """NaN is not JSON: null instead."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_safe(item) for item in value]
    return value


# --- main -----------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        type=Path,
        default=Path(DEFAULT_SERVING_DATABASE),
        help="the DuckDB file with the backtest marts (default: the published copy, %(default)s)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="the dbt project, for the rescoring build (default: .)",
    )
    parser.add_argument(
        "--seeds-dir", type=Path, help="the live seeds, with rules/*.csv (default: <project dir>/seeds)"
    )
    parser.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="MODEL",
        help="a scoring model to calibrate (repeatable; default: every model of the marts)",
    )
    parser.add_argument(
        "--holdout-snapshots",
        type=int,
        help="the last N backtest dates are held out (default: a quarter of the dates, at least 1)",
    )
    parser.add_argument(
        "--lambda",
        dest="penalty",
        type=float,
        help="the penalty towards the current points, instead of choosing it on the training dates",
    )
    parser.add_argument(
        "--min-positives",
        type=int,
        default=MIN_POSITIVES,
        help="converted lead snapshots needed in training and in the held-out period (default: %(default)s)",
    )
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=DEFAULT_RAW_DIR,
        help="raw tables of the rescoring build, as <raw dir>/<table>/*.parquet (default: %(default)s)",
    )
    parser.add_argument("--vars", default="{}", help="more dbt vars for the rescoring build, as YAML")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="where the proposed seeds and reports go (default: %(default)s)",
    )
    parser.add_argument(
        "--no-rescore", action="store_true", help="do not build the proposed seeds (no engine-scored AUC)"
    )
    args = parser.parse_args(argv)
    args.vars = parse_vars(parser, args.vars)
    if args.holdout_snapshots is not None and args.holdout_snapshots < 1:
        parser.error("--holdout-snapshots must be at least 1")
    if args.penalty is not None and not args.penalty > 0:
        parser.error("--lambda must be a number above 0")
    if args.min_positives < 1:
        parser.error("--min-positives must be at least 1")
    return args


@dataclass
class Calibration:
    results: list[ModelResult]
    backtest: Backtest
    report: Path
    rescored: bool


def run(args: argparse.Namespace) -> Calibration:
    started = time.monotonic()
    project_dir = args.project_dir.resolve()
    seeds_dir = (args.seeds_dir or project_dir / "seeds").resolve()
    output_dir = args.output_dir.resolve()
    for seeds in {seeds_dir, (project_dir / "seeds").resolve()}:
        if output_dir.is_relative_to(seeds):
            raise CalibrationError(
                f"--output-dir {args.output_dir} is inside the seeds directory {seeds}: the proposal "
                "must not replace the live seeds; choose another directory (default: target/calibration)"
            )
    rules = load_rules(seeds_dir)
    con = connect(args.database)
    try:
        backtest = load_backtest(con)
        available = mart_models(con)
        models = list(dict.fromkeys(args.models or available))
        unknown = [model for model in models if model not in available]
        if unknown:
            raise CalibrationError(
                f"unknown scoring model(s) {', '.join(unknown)}: the marts have {', '.join(available)}"
            )
        holdout = min(args.holdout_snapshots or quarter(len(backtest.dates)), len(backtest.dates))
        training_dates, holdout_dates = time_split(backtest.dates, backtest.window_days, holdout)
        if len(training_dates) < 2:
            raise CalibrationError(
                f"--holdout-snapshots {holdout} of the {len(backtest.dates)} backtest dates leaves "
                f"{len(training_dates)} training date(s) whose outcome window ends before the first "
                f"held-out date ({holdout_dates[0]}): hold fewer dates out"
            )
        check_rules_match(con, rules, models)
        print(
            f"Reading the backtest of {', '.join(models)} from {args.database} ...",
            file=sys.stderr,
            flush=True,
        )
        data = load_model_data(con, rules, models)
    finally:
        con.close()
    for model in models:
        check_conversions(data[model], training_dates, holdout_dates, args.min_positives)

    results, held_out = [], {}
    for model in models:
        result, held_out[model] = calibrate_model(
            data[model], training_dates, holdout_dates, backtest.window_days, args.penalty
        )
        results.append(result)
        print(
            f"{model}: lambda {lambda_text(result.penalty)} ({result.penalty_chosen_by}), fitted in "
            f"{time.monotonic() - started:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    proposals = proposed_seeds(seeds_dir, results)
    proposed_dir = output_dir / "proposed_seeds" / "rules"
    shutil.rmtree(output_dir / "proposed_seeds", ignore_errors=True)
    shutil.rmtree(output_dir / "rescore", ignore_errors=True)  # an earlier build would not match
    proposed_dir.mkdir(parents=True)
    for name, content in proposals.items():
        (proposed_dir / name).write_bytes(content)

    if not args.no_rescore:
        dbt_vars = rescore_vars(backtest, holdout, args.raw_dir.resolve(), args.vars)
        print(
            f"Scoring the held-out dates with the proposed seeds in {output_dir / 'rescore'} ...",
            file=sys.stderr,
            flush=True,
        )
        database = rescore(project_dir, seeds_dir, proposals, output_dir / "rescore", dbt_vars)
        for result in results:
            model_data, mask = data[result.model], held_out[result.model]
            scores = engine_scores(database, model_data, mask)
            result.aucs = [
                score_auc(SCORES_ENGINE, scores, model_data.converted[mask])
                if item.scores == SCORES_ENGINE
                else item
                for item in result.aucs
            ]
            result.rescored_changed = int((np.abs(scores - model_data.lead_score[mask]) > TOLERANCE).sum())

    markdown = render_markdown(results, backtest, args.database, output_dir, not args.no_rescore)
    write_atomically(output_dir / "calibration.md", markdown)
    summary = json_safe(summary_json(results, backtest, args.database, seeds_dir))
    write_atomically(output_dir / "calibration.json", json.dumps(summary, indent=2, default=str) + "\n")
    print(f"Done in {time.monotonic() - started:.0f} s.", file=sys.stderr)
    return Calibration(results, backtest, output_dir / "calibration.md", not args.no_rescore)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        calibration = run(args)
    except CalibrationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RescoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(auc_table(calibration.results)))
    for result in calibration.results:
        print(
            f"{result.model}: lambda {lambda_text(result.penalty)} ({result.penalty_chosen_by}); training "
            f"{result.training_converted:,} converted of {result.training_snapshots:,}, held out "
            f"{result.holdout_converted:,} converted of {result.holdout_snapshots:,} lead snapshots"
        )
    output_dir = calibration.report.parent
    print(f"Proposed seeds: {output_dir / 'proposed_seeds' / 'rules'}")
    print(f"Report: {calibration.report} and {output_dir / 'calibration.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
