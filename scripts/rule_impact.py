"""Show what a change of the rule seeds does to the scores, before it ships.

Scores the same raw data twice: with the seeds of a base git ref, and with the seeds of the working
tree. Both builds use the working tree's models and macros, each in its own project copy and DuckDB file
under the output directory (default target/impact), so the warehouse (data/lead_scoring.duckdb) and the
published copy are never touched. Then it reports, per scoring model:

  - the seed rows added, removed or changed (keyed by rule id and the like: reordering rows is no change);
  - MQLs before and after, and every lead that becomes or stops being an MQL, with the rules behind it;
  - the band migration matrix of each segment (from band x to band y);
  - the shift of the score distribution: mean, quantiles and the Kolmogorov-Smirnov statistic D;
  - the change of each rule's total points and of the number of leads it fired for;
  - the guardrails of var rule_impact_guardrails (dbt_project.yml), and whether each holds.

Outputs, in the output directory: rule_impact.md (a pull-request comment), rule_impact.html (one
self-contained page with charts), rule_impact.json (the figures, for machines), mql_changes.csv (every
lead whose MQL status changes). The two builds stay in base/ and head/ for direct queries.

    scripts/rule_impact.py --base origin/main                 # what the working tree's seeds change
    scripts/rule_impact.py --base HEAD~1 --raw-dir exports/raw
    scripts/rule_impact.py --base main --vars '{as_of_date: "2026-10-31"}'

When the seeds are the same at both ends (row order aside) nothing is scored and the report says so;
--always-score scores both anyway.

Exit codes: 0 every guardrail holds, 1 a guardrail is broken (named on stderr), 2 usage error, unknown
ref, or seeds that do not build.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import html
import io
import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import yaml
from build import parse_vars, raw_parquet_location
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots
from report import (
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    READY_SCRIPT,
    STYLE,
    figure_html,
    ordered_segments,
    segment_label,
    style,
    write_atomically,
)

DEFAULT_OUTPUT_DIR = Path("target/impact")
DEFAULT_RAW_DIR = Path("data/raw")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests/dbt")
SEEDS_DIR = "seeds"
# The marts the report reads, and everything upstream of them: no data tests, no history beyond what
# fct_lead_scores needs. A change that breaks a data test still gets its report (and its guardrails).
BUILD_SELECTION = ("+fct_lead_scores", "+fct_lead_score_components", "+rpt_score_band_distribution")
ABSENT = "(none)"  # the band of a lead in a scoring model that one side does not have

# The columns that name a row of each seed, so that a diff is by row identity, not by line. Seeds not
# listed are keyed by their first column when it is unique on both sides, else by the whole row.
SEED_KEYS = {
    "scoring_models": ("scoring_model_id",),
    "scoring_fit_rules": ("scoring_model_id", "rule_id"),
    "scoring_engagement_rules": ("scoring_model_id", "rule_id"),
    "scoring_inactivity_rules": ("scoring_model_id", "rule_id"),
    "scoring_rule_groups": ("scoring_model_id", "rule_group"),
    "scoring_decay_policies": ("decay_policy_id",),
    "scoring_score_bands": ("scoring_model_id", "segment", "score_band"),
    "scoring_mql_thresholds": ("scoring_model_id", "segment"),
    "scoring_grades": ("scoring_model_id", "grade"),
    "scoring_band_share_bounds": ("scoring_model_id", "segment", "score_band"),
}
RULE_SEEDS = ("scoring_fit_rules", "scoring_engagement_rules", "scoring_inactivity_rules")

GUARDRAILS_VAR = "rule_impact_guardrails"
GUARDRAIL_DEFAULTS: dict[str, Any] = {
    "max_mql_change_pct": 25.0,
    "max_segment_mql_change_pct": 50.0,
    "max_band_change_share": 0.30,
    "band_share_bounds": "error",
}
BAND_SHARE_LEVELS = ("error", "warn", "off")

MARKDOWN_SAMPLE_LEADS = 10  # leads listed per direction in the Markdown; the HTML and CSV list all
MARKDOWN_TOP_RULES = 20
HTML_MAX_LEADS = 5000
# GitHub refuses comments over 65,536 characters
MARKDOWN_MAX_CHARS = 60_000
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


class ImpactError(Exception):
    """A usage error, an unknown ref, or seeds that do not build."""


# --- guardrails configuration --------------------------------------------------------------------------


def load_guardrails(project_yaml: str, source: str) -> dict[str, Any]:
    """The guardrails of var rule_impact_guardrails in a dbt_project.yml text, over the defaults."""
    try:
        project = yaml.safe_load(project_yaml) or {}
    except yaml.YAMLError as error:
        raise ImpactError(f"{source} is not YAML: {error}") from error
    configured = (project.get("vars") or {}).get(GUARDRAILS_VAR) or {}
    if not isinstance(configured, dict):
        raise ImpactError(f"{source}: var {GUARDRAILS_VAR} must be a mapping of guardrail to limit")
    unknown = sorted(set(configured) - set(GUARDRAIL_DEFAULTS))
    if unknown:
        raise ImpactError(
            f"{source}: unknown guardrail(s) in var {GUARDRAILS_VAR}: {', '.join(unknown)} "
            f"(known: {', '.join(GUARDRAIL_DEFAULTS)})"
        )
    guardrails = {**GUARDRAIL_DEFAULTS, **configured}
    for name, limit in guardrails.items():
        if name == "band_share_bounds":
            if limit not in BAND_SHARE_LEVELS:
                raise ImpactError(
                    f"{source}: {GUARDRAILS_VAR}.band_share_bounds must be one of "
                    f"{', '.join(BAND_SHARE_LEVELS)}, not {limit!r}"
                )
        elif isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 0:
            raise ImpactError(f"{source}: {GUARDRAILS_VAR}.{name} must be a number >= 0, not {limit!r}")
    return guardrails


def min_segment_leads(project_yaml: str) -> int:
    """Var band_share_min_segment_leads: segments with fewer leads are too small for share guardrails."""
    project = yaml.safe_load(project_yaml) or {}
    return int((project.get("vars") or {}).get("band_share_min_segment_leads", 50))


# --- seeds at a git ref and in the working tree ----------------------------------------------------------


def git(project_dir: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(project_dir), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise ImpactError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def git_bytes(project_dir: Path, *args: str) -> bytes:
    result = subprocess.run(["git", "-C", str(project_dir), *args], capture_output=True)
    if result.returncode != 0:
        raise ImpactError(f"git {' '.join(args)}: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


@dataclass
class Side:
    """One end of the comparison: its label, the seed files and dbt_project.yml it scores with."""

    name: str  # base or head
    label: str
    seeds: dict[str, bytes]  # path under seeds/ -> content
    project_yaml: str


def base_side(project_dir: Path, ref: str) -> Side:
    try:
        commit = git(project_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except ImpactError:
        raise ImpactError(f"--base {ref!r} is not a commit of the git repository at {project_dir}") from None
    prefix = git(project_dir, "rev-parse", "--show-prefix").strip()
    listing = git_bytes(
        project_dir, "ls-tree", "-r", "-z", "--name-only", commit, "--", f"{prefix}{SEEDS_DIR}"
    )
    seeds = {}
    for path in filter(None, listing.decode().split("\0")):
        relative = path[len(prefix) + len(SEEDS_DIR) + 1 :]
        seeds[relative] = git_bytes(project_dir, "show", f"{commit}:{path}")
    if not seeds:
        raise ImpactError(f"{ref} ({commit[:10]}) has no files under {prefix}{SEEDS_DIR}/")
    try:
        project_yaml = git_bytes(project_dir, "show", f"{commit}:{prefix}dbt_project.yml").decode()
    except ImpactError:
        project_yaml = ""
    subject = git(project_dir, "log", "-1", "--format=%s", commit).strip()
    subject = subject if len(subject) <= 60 else subject[:59] + "…"
    return Side("base", f"{ref} ({commit[:10]}: {subject})", seeds, project_yaml)


def seed_files(seeds_dir: Path) -> dict[str, bytes]:
    """Every file under a seeds directory (CSVs and their YAML), by path relative to it."""
    return {
        path.relative_to(seeds_dir).as_posix(): path.read_bytes()
        for path in sorted(seeds_dir.rglob("*"))
        if path.is_file()
    }


def head_side(project_dir: Path) -> Side:
    seeds = seed_files(project_dir / SEEDS_DIR)
    try:
        dirty = bool(git(project_dir, "status", "--porcelain", "--", SEEDS_DIR).strip())
    except ImpactError:
        dirty = False
    label = "working tree" + (" (uncommitted seed changes)" if dirty else "")
    return Side("head", label, seeds, (project_dir / "dbt_project.yml").read_text())


# --- seed diff ----------------------------------------------------------------------------------------


@dataclass
class RowChange:
    kind: str  # added, removed or changed
    key: dict[str, str]
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, before, after
    row: dict[str, str] = field(default_factory=dict)  # the whole row, for added and removed


@dataclass
class SeedDiff:
    seed: str  # path under seeds/, without .csv
    added_columns: list[str] = field(default_factory=list)
    removed_columns: list[str] = field(default_factory=list)
    rows: list[RowChange] = field(default_factory=list)
    note: str = ""


def read_csv_rows(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        return [], []
    header = [column.strip() for column in rows[0]]
    return header, [
        {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(header)} for row in rows[1:]
    ]


def same_value(before: str, after: str) -> bool:
    """Seed values are text; 40 and 40.0 are the same number."""
    if before == after:
        return True
    try:
        return float(before) == float(after)
    except ValueError:
        return False


def seed_key(
    name: str, header: list[str], other_header: list[str], rows: list[dict], other: list[dict]
) -> tuple:
    key = SEED_KEYS.get(name)
    if key and all(column in header and column in other_header for column in key):
        return key
    if header and other_header and header[0] == other_header[0]:
        first = header[0]
        if all(len({row[first] for row in side}) == len(side) for side in (rows, other)):
            return (first,)
    return tuple(column for column in header if column in other_header)


def keyed(rows: list[dict[str, str]], key: tuple) -> dict[tuple, dict[str, str]]:
    """Rows by key; a repeated key (a seed the build will refuse) gets a counter so that none is lost."""
    result: dict[tuple, dict[str, str]] = {}
    for row in rows:
        value = tuple(row.get(column, "") for column in key)
        while value in result:
            value = (*value, "#")
        result[value] = row
    return result


def diff_seed(seed: str, before: bytes | None, after: bytes | None) -> SeedDiff | None:
    name = seed.rsplit("/", 1)[-1]
    if before is None or after is None:
        header, rows = read_csv_rows(before if after is None else after)
        kind = "removed" if after is None else "added"
        return SeedDiff(
            seed,
            note=f"seed file {kind}",
            rows=[RowChange(kind, {c: row[c] for c in header[:1]}, row=row) for row in rows],
        )
    if before == after:
        return None
    header_before, rows_before = read_csv_rows(before)
    header_after, rows_after = read_csv_rows(after)
    key = seed_key(name, header_before, header_after, rows_before, rows_after)
    diff = SeedDiff(
        seed,
        added_columns=[c for c in header_after if c not in header_before],
        removed_columns=[c for c in header_before if c not in header_after],
    )
    by_key_before, by_key_after = keyed(rows_before, key), keyed(rows_after, key)
    shared_columns = [c for c in header_after if c in header_before]
    for value, row in by_key_after.items():
        key_values = dict(zip(key, value, strict=False))
        if value not in by_key_before:
            diff.rows.append(RowChange("added", key_values, row=row))
            continue
        old = by_key_before[value]
        changes = [(c, old[c], row[c]) for c in shared_columns if not same_value(old[c], row[c])]
        changes += [(c, "", row[c]) for c in diff.added_columns if row[c]]
        changes += [(c, old[c], "") for c in diff.removed_columns if old[c]]
        if changes:
            diff.rows.append(RowChange("changed", key_values, changes))
    for value, row in by_key_before.items():
        if value not in by_key_after:
            diff.rows.append(RowChange("removed", dict(zip(key, value, strict=False)), row=row))
    if diff.rows or diff.added_columns or diff.removed_columns:
        return diff
    return None


def diff_seeds(base: Side, head: Side) -> list[SeedDiff]:
    """Keyed differences of every seed CSV; files that are not CSV are compared as bytes."""
    diffs = []
    for path in sorted(set(base.seeds) | set(head.seeds)):
        before, after = base.seeds.get(path), head.seeds.get(path)
        if not path.endswith(".csv"):
            if before != after:
                state = "added" if before is None else "removed" if after is None else "changed"
                diffs.append(SeedDiff(path, note=f"{state} (not a CSV: compared as a file)"))
            continue
        diff = diff_seed(path[: -len(".csv")], before, after)
        if diff:
            diffs.append(diff)
    return diffs


# --- the two builds -----------------------------------------------------------------------------------


def with_new_columns(base: bytes, head: bytes) -> bytes:
    """The base seed with the columns only the head's version has, empty: the working tree's models
    may read a column the base ref's seeds predate (a new optional column such as challenger_of)."""
    header, rows = read_csv_rows(base)
    head_header, _ = read_csv_rows(head)
    added = [column for column in head_header if column not in header]
    if not added or not header:
        return base
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=[*header, *added], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return output.getvalue().encode()


def prepare_project(project_dir: Path, side: Side, side_dir: Path, head: Side | None = None) -> Path:
    """A copy of the project's models and macros with the side's seeds, in side_dir/project. For the
    base side (head given), the seed CSVs get the head's new columns and the seeds' YAML is the head's."""
    if side_dir.exists():
        shutil.rmtree(side_dir)
    project = side_dir / "project"
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        source = project_dir / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        elif source.exists():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    seeds = dict(side.seeds)
    if head:
        # the seeds' properties (column types, docs) are the working tree's, as the models are
        seeds = {path: content for path, content in seeds.items() if path.endswith(".csv")}
        seeds |= {path: content for path, content in head.seeds.items() if not path.endswith(".csv")}
    for relative, content in seeds.items():
        if head and relative.endswith(".csv") and relative in head.seeds:
            content = with_new_columns(content, head.seeds[relative])
        path = project / SEEDS_DIR / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return project


def start_build(
    side_dir: Path,
    project: Path,
    dbt_vars: dict[str, Any],
    selection: tuple[str, ...] = BUILD_SELECTION,
) -> tuple[subprocess.Popen, Path]:
    """Start `dbt build` of the selected nodes (seeds and models, no tests; by default the scoring
    path) on the side's own DuckDB file."""
    log = side_dir / "dbt.log"
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(side_dir / "target"),
        "--log-path",
        str(side_dir / "logs"),
        "--select",
        *selection,
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
        "--vars",
        yaml.safe_dump(dbt_vars, default_flow_style=True, width=10_000).strip(),
    ]
    environment = {
        **os.environ,
        "LEAD_SCORING_TARGET": "dev",
        "DBT_USE_COLORS": "false",
        "LEAD_SCORING_DUCKDB_PATH": str(side_dir / "lead_scoring.duckdb"),
        "LEAD_SCORING_DUCKDB_TEMP_DIRECTORY": str(side_dir / "duckdb_tmp"),
    }
    # two builds share the machine: each gets half of the default memory limit
    environment.setdefault("LEAD_SCORING_DUCKDB_MEMORY_LIMIT", "8GB")
    handle = log.open("w")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=environment, cwd=project)
    handle.close()
    return process, log


def build_failure(side: Side, side_dir: Path, log: Path, returncode: int) -> str:
    """The messages of the nodes that failed (from run_results.json), else the end of dbt's log."""
    messages = []
    run_results = side_dir / "target" / "run_results.json"
    if run_results.exists():
        results = json.loads(run_results.read_text()).get("results", [])
        messages = [result["message"] for result in results if result.get("status") == "error"]
    if not messages:
        messages = log.read_text(errors="replace").splitlines()[-25:]
    shown = "\n".join(f"    {line}" for message in messages for line in str(message).splitlines())
    return (
        f"the {side.name} rules ({side.label}) do not build (dbt exit code {returncode}); "
        f"full log: {log}\n{shown}"
    )


def build_both(
    project_dir: Path, output_dir: Path, base: Side, head: Side, dbt_vars: dict[str, Any]
) -> dict[str, Path]:
    """Build both sides at once (dbt is mostly single-threaded Python); the database file of each."""
    started = []
    for side in (base, head):
        side_dir = output_dir / side.name
        project = prepare_project(project_dir, side, side_dir, head=head if side is base else None)
        started.append((side, side_dir, *start_build(side_dir, project, dbt_vars)))
    failures = []
    for side, side_dir, process, log in started:
        if process.wait() != 0:
            failures.append(build_failure(side, side_dir, log, process.returncode))
    if failures:
        raise ImpactError("\n".join(failures))
    return {side.name: side_dir / "lead_scoring.duckdb" for side, side_dir, _process, _log in started}


# --- comparison ---------------------------------------------------------------------------------------


@dataclass
class GuardrailResult:
    name: str
    description: str
    limit: str
    observed: str  # the worst value seen, and where
    holds: bool
    breaches: list[str] = field(default_factory=list)


@dataclass
class Impact:
    base: Side
    head: Side
    as_of_date: str
    seed_diffs: list[SeedDiff]
    scored: bool
    models: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per scoring model
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)  # per model and segment
    migrations: pd.DataFrame = field(default_factory=pd.DataFrame)  # model, segment, from, to, leads
    band_shares: pd.DataFrame = field(default_factory=pd.DataFrame)  # model, segment, band, shares
    rules: pd.DataFrame = field(default_factory=pd.DataFrame)  # per model and rule
    mql_changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # every lead whose MQL status changes
    histograms: pd.DataFrame = field(default_factory=pd.DataFrame)  # model, side, bin, leads
    guardrails: list[GuardrailResult] = field(default_factory=list)
    guardrail_changes: list[str] = field(default_factory=list)

    @property
    def broken(self) -> list[GuardrailResult]:
        return [guardrail for guardrail in self.guardrails if not guardrail.holds]

    @property
    def scores_changed(self) -> bool:
        if not self.scored or self.models.empty:
            return False
        return bool(
            (self.models["leads_changed_score"] > 0).any()
            or (self.models["model_change"] != "").any()
            or (self.models["leads_changed_band"] > 0).any()
        )


LEAD_PAIRS_SQL = f"""
create temp table lead_pairs as
select
    coalesce(head_scores.contact_id, base_scores.contact_id) as contact_id,
    coalesce(head_scores.scoring_model_id, base_scores.scoring_model_id) as scoring_model_id,
    coalesce(head_scores.segment, base_scores.segment) as segment,
    base_scores.segment as base_segment,
    cast(base_scores.lead_score as double) as base_score,
    cast(head_scores.lead_score as double) as head_score,
    coalesce(base_scores.score_band, '{ABSENT}') as base_band,
    coalesce(head_scores.score_band, '{ABSENT}') as head_band,
    coalesce(base_scores.is_mql, false) as base_mql,
    coalesce(head_scores.is_mql, false) as head_mql,
    base_scores.rules_version as base_version,
    head_scores.rules_version as head_version,
    base_scores.contact_id is not null as in_base,
    head_scores.contact_id is not null as in_head
from base.marts.fct_lead_scores as base_scores
full outer join head.marts.fct_lead_scores as head_scores
    on base_scores.contact_id = head_scores.contact_id
    and base_scores.scoring_model_id = head_scores.scoring_model_id
"""

RULE_PAIRS_SQL = """
create temp table rule_pairs as
with
base_components as (
    select contact_id, scoring_model_id, rule_id, rule_kind, cast(points_after_caps as double) as points
    from base.marts.fct_lead_score_components
),
head_components as (
    select contact_id, scoring_model_id, rule_id, rule_kind, cast(points_after_caps as double) as points
    from head.marts.fct_lead_score_components
)
select
    coalesce(head_components.contact_id, base_components.contact_id) as contact_id,
    coalesce(head_components.scoring_model_id, base_components.scoring_model_id) as scoring_model_id,
    coalesce(head_components.rule_id, base_components.rule_id) as rule_id,
    coalesce(head_components.rule_kind, base_components.rule_kind) as rule_kind,
    coalesce(base_components.points, 0) as base_points,
    coalesce(head_components.points, 0) as head_points,
    base_components.contact_id is not null as fired_base,
    head_components.contact_id is not null as fired_head
from base_components
full outer join head_components
    on base_components.contact_id = head_components.contact_id
    and base_components.scoring_model_id = head_components.scoring_model_id
    and base_components.rule_id = head_components.rule_id
"""


def ks_statistic(before: np.ndarray, after: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov D: the largest gap between the two empirical distributions."""
    if before.size == 0 or after.size == 0:
        return math.nan
    values = np.union1d(before, after)
    cdf_before = np.searchsorted(np.sort(before), values, side="right") / before.size
    cdf_after = np.searchsorted(np.sort(after), values, side="right") / after.size
    return float(np.max(np.abs(cdf_before - cdf_after)))


def change_pct(before: float, after: float) -> float:
    if before == after:
        return 0.0
    return math.inf if before == 0 else 100.0 * (after - before) / before


def read_models(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    models = con.sql(
        """
        select
            scoring_model_id,
            count(*) filter (where in_head) as leads,
            count(*) filter (where in_base) as base_leads,
            bool_or(in_base) as in_base,
            bool_or(in_head) as in_head,
            any_value(base_version) as base_version,
            any_value(head_version) as head_version,
            count(*) filter (where base_mql) as base_mqls,
            count(*) filter (where head_mql) as head_mqls,
            count(*) filter (where head_mql and not base_mql) as became_mql,
            count(*) filter (where base_mql and not head_mql) as stopped_mql,
            count(*) filter (where base_band <> head_band) as leads_changed_band,
            count(*) filter (where base_score is distinct from head_score) as leads_changed_score,
            avg(base_score) as base_mean,
            avg(head_score) as head_mean
        from lead_pairs
        group by scoring_model_id
        order by scoring_model_id
        """
    ).df()
    extra = []
    for model in models["scoring_model_id"]:
        before = con.execute(
            "select base_score from lead_pairs where scoring_model_id = ? and in_base", [model]
        ).fetchnumpy()["base_score"]
        after = con.execute(
            "select head_score from lead_pairs where scoring_model_id = ? and in_head", [model]
        ).fetchnumpy()["head_score"]
        row = {"ks_d": ks_statistic(np.asarray(before, float), np.asarray(after, float))}
        for q in QUANTILES:
            label = f"p{round(q * 100)}"
            row[f"base_{label}"] = float(np.quantile(before, q)) if len(before) else math.nan
            row[f"head_{label}"] = float(np.quantile(after, q)) if len(after) else math.nan
        extra.append(row)
    models = pd.concat([models, pd.DataFrame(extra, index=models.index)], axis=1)
    models["model_change"] = [
        "added" if not in_base else "removed" if not in_head else ""
        for in_base, in_head in zip(models["in_base"], models["in_head"], strict=True)
    ]
    models["mql_change_pct"] = [
        change_pct(b, h) for b, h in zip(models["base_mqls"], models["head_mqls"], strict=True)
    ]
    models["band_change_share"] = models["leads_changed_band"] / models[["leads", "base_leads"]].max(axis=1)
    return models


def read_segments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    segments = con.sql(
        """
        select
            scoring_model_id,
            segment,
            count(*) filter (where in_head) as leads,
            count(*) filter (where base_mql) as base_mqls,
            count(*) filter (where head_mql) as head_mqls,
            count(*) filter (where head_mql and not base_mql) as became_mql,
            count(*) filter (where base_mql and not head_mql) as stopped_mql,
            count(*) filter (where base_band <> head_band) as leads_changed_band,
            count(*) filter (where base_segment is distinct from segment and in_base and in_head)
                as leads_changed_segment,
            avg(base_score) as base_mean,
            avg(head_score) as head_mean
        from lead_pairs
        group by scoring_model_id, segment
        order by scoring_model_id, segment
        """
    ).df()
    segments["mql_change_pct"] = [
        change_pct(b, h) for b, h in zip(segments["base_mqls"], segments["head_mqls"], strict=True)
    ]
    return segments


def read_band_shares(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each band's share of its segment on both sides, from rpt_score_band_distribution."""
    return con.sql(
        """
        with
        base_shares as (select * from base.marts.rpt_score_band_distribution),
        head_shares as (select * from head.marts.rpt_score_band_distribution)
        select
            coalesce(head_shares.scoring_model_id, base_shares.scoring_model_id) as scoring_model_id,
            coalesce(head_shares.segment, base_shares.segment) as segment,
            coalesce(head_shares.score_band, base_shares.score_band) as score_band,
            coalesce(head_shares.band_rank, base_shares.band_rank) as band_rank,
            coalesce(base_shares.leads, 0) as base_leads,
            coalesce(head_shares.leads, 0) as head_leads,
            coalesce(head_shares.segment_leads, 0) as segment_leads,
            base_shares.share_of_segment as base_share,
            head_shares.share_of_segment as head_share
        from base_shares
        full outer join head_shares
            on base_shares.scoring_model_id = head_shares.scoring_model_id
            and base_shares.segment = head_shares.segment
            and base_shares.score_band = head_shares.score_band
        order by 1, 2, 4
        """
    ).df()


def read_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(
        """
        select
            scoring_model_id,
            rule_id,
            any_value(rule_kind) as rule_kind,
            sum(base_points) as base_points,
            sum(head_points) as head_points,
            sum(head_points) - sum(base_points) as points_change,
            count(*) filter (where fired_base) as base_leads,
            count(*) filter (where fired_head) as head_leads,
            count(*) filter (where base_points <> head_points) as leads_changed
        from rule_pairs
        group by scoring_model_id, rule_id
        order by scoring_model_id, abs(sum(head_points) - sum(base_points)) desc, rule_id
        """
    ).df()


def read_mql_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every lead whose MQL status changes, with the (up to 3) rules whose points changed most for it."""
    return con.sql(
        """
        with
        changed as (
            select * from lead_pairs where base_mql <> head_mql
        ),
        drivers as (
            select
                rule_pairs.contact_id,
                rule_pairs.scoring_model_id,
                rule_pairs.rule_id,
                rule_pairs.head_points - rule_pairs.base_points as points_change,
                row_number() over (
                    partition by rule_pairs.contact_id, rule_pairs.scoring_model_id
                    order by abs(rule_pairs.head_points - rule_pairs.base_points) desc, rule_pairs.rule_id
                ) as driver_rank
            from rule_pairs
            inner join changed
                on rule_pairs.contact_id = changed.contact_id
                and rule_pairs.scoring_model_id = changed.scoring_model_id
            where rule_pairs.head_points <> rule_pairs.base_points
        )
        select
            changed.contact_id,
            changed.scoring_model_id,
            changed.segment,
            case when changed.head_mql then 'became MQL' else 'stopped being MQL' end as change,
            changed.base_score,
            changed.head_score,
            changed.base_band,
            changed.head_band,
            coalesce(string_agg(
                drivers.rule_id || ' ' || case when drivers.points_change > 0 then '+' else '' end
                    || cast(round(drivers.points_change, 1) as varchar),
                ', ' order by drivers.driver_rank
            ), 'threshold or band change only') as changed_rules
        from changed
        left join drivers
            on changed.contact_id = drivers.contact_id
            and changed.scoring_model_id = drivers.scoring_model_id
            and drivers.driver_rank <= 3
        group by
            changed.contact_id, changed.scoring_model_id, changed.segment, changed.head_mql,
            changed.base_score, changed.head_score, changed.base_band, changed.head_band
        order by
            changed.scoring_model_id, change, changed.head_score - changed.base_score desc, changed.contact_id
        """
    ).df()


def read_histograms(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(
        """
        select scoring_model_id, 'base' as side, floor(base_score / 5) * 5 as bin, count(*) as leads
        from lead_pairs where in_base group by all
        union all
        select scoring_model_id, 'head' as side, floor(head_score / 5) * 5 as bin, count(*) as leads
        from lead_pairs where in_head group by all
        order by 1, 2, 3
        """
    ).df()


def compare(impact: Impact, databases: dict[str, Path]) -> None:
    """Read the two builds into the impact's tables."""
    with duckdb.connect() as con:
        for side, database in databases.items():
            escaped = str(database).replace("'", "''")
            con.execute(f"attach '{escaped}' as {side} (read_only)")
        con.execute(LEAD_PAIRS_SQL)
        con.execute(RULE_PAIRS_SQL)
        impact.models = read_models(con)
        impact.segments = read_segments(con)
        impact.migrations = con.sql(
            """
            select scoring_model_id, segment, base_band, head_band, count(*) as leads
            from lead_pairs
            group by all
            order by 1, 2, 3, 4
            """
        ).df()
        impact.band_shares = read_band_shares(con)
        impact.rules = read_rules(con)
        impact.mql_changes = read_mql_changes(con)
        impact.histograms = read_histograms(con)
        impact.as_of_date = str(
            con.execute("select max(as_of_date) from head.marts.fct_lead_scores").fetchone()[0]
        )


# --- guardrails ---------------------------------------------------------------------------------------


def percent_text(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "from none"
    return f"{value:+.{digits}f} %"


def mql_change_guardrail(
    rows: pd.DataFrame, name: str, limit: float, where: str, description: str
) -> GuardrailResult:
    breaches, worst, worst_where = [], 0.0, ""
    for row in rows.itertuples():
        if abs(row.mql_change_pct) > abs(worst) or not worst_where:
            worst, worst_where = row.mql_change_pct, where.format(row=row)
        if abs(row.mql_change_pct) > limit:
            breaches.append(
                f"{where.format(row=row)}: MQLs {row.base_mqls:,} -> {row.head_mqls:,} "
                f"({percent_text(row.mql_change_pct)}, limit ±{limit:g} %)"
            )
    observed = f"{percent_text(worst)} ({worst_where})" if worst_where else "no leads"
    return GuardrailResult(name, description, f"±{limit:g} %", observed, not breaches, breaches)


def bounds_rows(content: bytes | None) -> list[dict[str, str]]:
    return read_csv_rows(content)[1] if content else []


def band_share_bounds_guardrail(impact: Impact, level: str, min_leads: int) -> GuardrailResult:
    """Each band's share of its segment within the bounds of seed scoring_band_share_bounds (as the
    proposed seeds set them), the most specific bounds row winning, as the data test does."""
    description = (
        f"every band's share of its segment within the {level} bounds of seed scoring_band_share_bounds "
        f"(segments of at least {min_leads} leads)"
    )
    bounds = bounds_rows(impact.head.seeds.get("rules/scoring_band_share_bounds.csv"))
    breaches, checked = [], 0
    for row in impact.band_shares.itertuples():
        if row.segment_leads < min_leads or row.segment_leads == 0 or pd.isna(row.head_share):
            continue
        matching = [
            bound
            for bound in bounds
            if bound.get("score_band") == row.score_band
            and bound.get("scoring_model_id", "") in ("", row.scoring_model_id)
            and bound.get("segment", "") in ("", row.segment)
        ]
        if not matching:
            continue
        bound = max(matching, key=lambda b: 2 * bool(b.get("scoring_model_id")) + bool(b.get("segment")))
        low, high = bound.get(f"{level}_min_share", ""), bound.get(f"{level}_max_share", "")
        checked += 1
        share = float(row.head_share)
        where = f"{row.scoring_model_id} / {row.segment} / {row.score_band}"
        before = "n/a" if pd.isna(row.base_share) else f"{float(row.base_share):.1%}"
        if low and share < float(low):
            breaches.append(
                f"{where}: share {share:.1%} (was {before}) is below the {level} bound {float(low):.0%}"
            )
        if high and share > float(high):
            breaches.append(
                f"{where}: share {share:.1%} (was {before}) is above the {level} bound {float(high):.0%}"
            )
    observed = f"{len(breaches)} of {checked} band shares out of bounds"
    return GuardrailResult(
        "band_share_bounds", description, f"{level} bounds", observed, not breaches, breaches
    )


def evaluate_guardrails(impact: Impact, guardrails: dict[str, Any], min_leads: int) -> list[GuardrailResult]:
    if not impact.scored:
        return []
    compared = impact.models[impact.models["model_change"] == ""]
    results = [
        mql_change_guardrail(
            compared,
            "max_mql_change_pct",
            float(guardrails["max_mql_change_pct"]),
            "{row.scoring_model_id}",
            "MQL count change per scoring model",
        )
    ]
    segments = impact.segments[
        impact.segments["scoring_model_id"].isin(compared["scoring_model_id"])
        & (impact.segments["leads"] >= min_leads)
    ]
    results.append(
        mql_change_guardrail(
            segments,
            "max_segment_mql_change_pct",
            float(guardrails["max_segment_mql_change_pct"]),
            "{row.scoring_model_id} / {row.segment}",
            f"MQL count change per scoring model and segment (segments of at least {min_leads} leads)",
        )
    )
    limit = float(guardrails["max_band_change_share"])
    breaches, worst, worst_where = [], 0.0, ""
    for row in compared.itertuples():
        if row.band_change_share >= worst:
            worst, worst_where = row.band_change_share, row.scoring_model_id
        if row.band_change_share > limit:
            breaches.append(
                f"{row.scoring_model_id}: {row.leads_changed_band:,} of {row.leads:,} leads change band "
                f"({row.band_change_share:.1%}, limit {limit:.0%})"
            )
    results.append(
        GuardrailResult(
            "max_band_change_share",
            "share of a scoring model's leads that change band",
            f"{limit:.0%}".replace("%", " %"),
            f"{100 * worst:.1f} % ({worst_where})" if worst_where else "no leads",
            not breaches,
            breaches,
        )
    )
    if guardrails["band_share_bounds"] != "off":
        results.append(band_share_bounds_guardrail(impact, guardrails["band_share_bounds"], min_leads))
    return results


def guardrail_changes(base_yaml: str, head_yaml: str) -> list[str]:
    """Guardrails this change loosens or tightens: a reviewer should see them next to the verdicts."""
    try:
        before = load_guardrails(base_yaml, "base dbt_project.yml") if base_yaml else GUARDRAIL_DEFAULTS
    except ImpactError:
        return ["the base ref's rule_impact_guardrails cannot be read"]
    after = load_guardrails(head_yaml, "dbt_project.yml")
    return [f"{name}: {before[name]} -> {after[name]}" for name in after if before.get(name) != after[name]]


# --- Markdown -----------------------------------------------------------------------------------------


def number(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def signed(value: float, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+,.{digits}f}" if round(value, digits) != 0 else f"{0:.{digits}f}"


def md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], rows: list[list[Any]], align: str = "") -> str:
    """A Markdown table; align is one letter per column, l or r (default l)."""
    align = align or "l" * len(header)
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def describe_key(key: dict[str, str]) -> str:
    return " / ".join(f"`{value}`" for value in key.values() if value) or "(empty key)"


def seed_diff_lines(diffs: list[SeedDiff], limit: int | None = None) -> list[str]:
    lines = []
    for diff in diffs:
        head = f"- **{diff.seed}**" + (f": {diff.note}" if diff.note else "")
        if diff.added_columns:
            head += f"; columns added: {', '.join(diff.added_columns)}"
        if diff.removed_columns:
            head += f"; columns removed: {', '.join(diff.removed_columns)}"
        lines.append(head)
        shown = diff.rows if limit is None else diff.rows[:limit]
        for change in shown:
            if change.kind == "changed":
                what = ", ".join(
                    f"{column} `{old or '(empty)'}` → `{new or '(empty)'}`"
                    for column, old, new in change.changes
                )
                lines.append(f"  - changed {describe_key(change.key)}: {what}")
            else:
                values = ", ".join(
                    f"{k}={v}"
                    for k, v in change.row.items()
                    if v and k not in change.key and k != "description"
                )
                lines.append(
                    f"  - {change.kind} {describe_key(change.key)}" + (f" ({values})" if values else "")
                )
        if len(shown) < len(diff.rows):
            lines.append(f"  - … and {len(diff.rows) - len(shown)} more rows (see the HTML report)")
    return lines


def verdict_line(impact: Impact) -> str:
    if not impact.seed_diffs and not impact.scored:
        return "✅ **No change**: the seeds are the same at both ends (row order aside): every score is too."
    if not impact.scored:
        return "The seeds differ; nothing was scored."
    if impact.broken:
        names = ", ".join(f"`{g.name}`" for g in impact.broken)
        return (
            f"❌ **{len(impact.broken)} guardrail(s) broken**: {names}. Merging this change would break them."
        )
    if not impact.scores_changed:
        seeds = "the seeds differ" if impact.seed_diffs else "the seeds are the same (row order aside)"
        return f"✅ **No change**: {seeds}, and every lead scores exactly as before."
    return f"✅ **All {len(impact.guardrails)} guardrails hold.**"


def summary_rows(impact: Impact) -> list[list[Any]]:
    rows = []
    for m in impact.models.itertuples():
        version = (
            m.base_version
            if m.base_version == m.head_version
            else f"{m.base_version or ABSENT} → {m.head_version or ABSENT}"
        )
        name = m.scoring_model_id + (f" ({m.model_change})" if m.model_change else "")
        rows.append(
            [
                name,
                f"`{version}`",
                f"{m.leads:,}",
                f"{m.base_mqls:,} → {m.head_mqls:,}",
                percent_text(m.mql_change_pct),
                f"+{m.became_mql:,}" if m.became_mql else "0",
                f"−{m.stopped_mql:,}" if m.stopped_mql else "0",
                f"{m.leads_changed_band:,}",
                f"{number(m.base_mean)} → {number(m.head_mean)}",
                number(m.ks_d, 3),
            ]
        )
    return rows


SUMMARY_HEADER = ["Model", "Rules version", "Leads", "MQLs", "MQL change", "Became MQL", "Stopped",
                  "Band changed", "Mean score", "KS D"]  # fmt: skip


def migration_matrix(migrations: pd.DataFrame, bands: list[str]) -> tuple[list[str], list[list[Any]]]:
    """From-band rows and to-band columns; moved counts in bold."""
    header = ["from \\ to", *bands, "total"]
    rows = []
    for source in bands:
        cells = []
        for target in bands:
            leads = int(
                migrations[(migrations.base_band == source) & (migrations.head_band == target)]["leads"].sum()
            )
            cells.append("·" if leads == 0 else (f"**{leads:,}**" if source != target else f"{leads:,}"))
        total = int(migrations[migrations.base_band == source]["leads"].sum())
        rows.append([source, *cells, f"{total:,}"])
    totals = [f"{int(migrations[migrations.head_band == t]['leads'].sum()):,}" for t in bands]
    rows.append(["total", *totals, f"{int(migrations['leads'].sum()):,}"])
    return header, rows


def band_order(impact: Impact, model: str) -> list[str]:
    ranked = impact.band_shares[impact.band_shares.scoring_model_id == model].sort_values("band_rank")
    bands = list(dict.fromkeys(ranked["score_band"]))
    present = impact.migrations[impact.migrations.scoring_model_id == model]
    for band in list(present["base_band"]) + list(present["head_band"]):
        if band not in bands:
            bands.append(band)
    return bands


RULE_HEADER = ["Model", "Rule", "Kind", "Points before", "Points after", "Change", "Leads before",
               "Leads after"]  # fmt: skip


def rules_that_changed(impact: Impact) -> pd.DataFrame:
    """The rules whose total points or number of leads differ between the two builds."""
    rules = impact.rules
    return rules[(rules.points_change.abs() > 1e-9) | (rules.base_leads != rules.head_leads)]


def rule_rows(rules: pd.DataFrame, code: bool = False) -> list[list[Any]]:
    return [
        [
            rule.scoring_model_id,
            f"`{rule.rule_id}`" if code else rule.rule_id,
            rule.rule_kind,
            number(rule.base_points),
            number(rule.head_points),
            signed(rule.points_change),
            f"{rule.base_leads:,}",
            f"{rule.head_leads:,}",
        ]
        for rule in rules.itertuples()
    ]


def render_markdown(impact: Impact, html_name: str = "rule_impact.html") -> str:
    lines = [
        f"## Rule impact: {impact.head.label} vs {impact.base.label}",
        "",
        verdict_line(impact),
        "",
    ]
    if not impact.seed_diffs and not impact.scored:
        return "\n".join(lines)
    if impact.scored:
        total_leads = int(impact.models["leads"].max()) if not impact.models.empty else 0
        lines += [
            f"Scored as of {impact.as_of_date}: {total_leads:,} contacts per scoring model, "
            "the same raw data on both sides.",
            "",
        ]
    if impact.broken:
        lines += ["### Broken guardrails", ""]
        for guardrail in impact.broken:
            lines.append(f"- **`{guardrail.name}`** ({guardrail.description}, limit {guardrail.limit}):")
            lines += [f"  - {breach}" for breach in guardrail.breaches[:20]]
            if len(guardrail.breaches) > 20:
                lines.append(f"  - … and {len(guardrail.breaches) - 20} more")
        lines.append("")
    if impact.scored:
        lines += ["### Summary", "", md_table(SUMMARY_HEADER, summary_rows(impact), "llrrrrrrrr"), ""]
        lines += ["### Guardrails", ""]
        lines.append(
            md_table(
                ["Guardrail", "What", "Limit", "Observed (worst)", "Verdict"],
                [
                    [
                        f"`{g.name}`",
                        g.description,
                        g.limit,
                        g.observed,
                        "✅ holds" if g.holds else "❌ broken",
                    ]
                    for g in impact.guardrails
                ],
            )
        )
        if impact.guardrail_changes:
            lines += [
                "",
                "⚠️ This change also edits the guardrails: " + "; ".join(impact.guardrail_changes) + ".",
            ]
        lines.append("")
    lines += ["### Seed changes", ""]
    lines += seed_diff_lines(impact.seed_diffs, limit=15) or ["No seed row differs (row order aside)."]
    lines.append("")
    if not impact.scored:
        return "\n".join(lines)

    changed_rules = rules_that_changed(impact)
    lines += ["### Points by rule", ""]
    if changed_rules.empty:
        lines.append("No rule's total points or leads changed.")
    else:
        lines.append(
            "Total points each rule gives over all leads, and the leads it fires for (largest changes first)."
        )
        lines.append("")
        shown = changed_rules.head(MARKDOWN_TOP_RULES)
        lines.append(md_table(RULE_HEADER, rule_rows(shown, code=True), "lllrrrrr"))
        if len(changed_rules) > len(shown):
            lines.append(f"\n… and {len(changed_rules) - len(shown)} more rules in the HTML report.")
    lines.append("")

    lines += ["### Band migration", ""]
    moved_any = False
    for model in impact.models["scoring_model_id"]:
        bands = band_order(impact, model)
        model_segments = impact.segments[impact.segments.scoring_model_id == model]
        for segment in ordered_segments(model_segments["segment"]):
            migrations = impact.migrations[
                (impact.migrations.scoring_model_id == model) & (impact.migrations.segment == segment)
            ]
            moved = int(migrations[migrations.base_band != migrations.head_band]["leads"].sum())
            if moved == 0:
                continue
            moved_any = True
            seg = model_segments[model_segments.segment == segment].iloc[0]
            header, rows = migration_matrix(migrations, bands)
            lines += [
                f"<details><summary><b>{model} · {segment_label(segment)}</b>: "
                f"{moved:,} of {int(migrations['leads'].sum()):,} "
                f"leads change band; MQLs {seg.base_mqls:,} → {seg.head_mqls:,}</summary>",
                "",
                md_table(header, rows, "l" + "r" * (len(header) - 1)),
                "",
                "</details>",
                "",
            ]
    if not moved_any:
        lines += ["No lead changes band.", ""]

    lines += ["### Score distribution", ""]
    lines.append(
        md_table(
            ["Model", "Mean", "p10", "p25", "Median", "p75", "p90", "KS D"],
            [
                [
                    m.scoring_model_id,
                    f"{number(m.base_mean)} → {number(m.head_mean)}",
                    *[
                        f"{number(getattr(m, f'base_p{p}'))} → {number(getattr(m, f'head_p{p}'))}"
                        for p in (10, 25, 50, 75, 90)
                    ],
                    number(m.ks_d, 3),
                ]
                for m in impact.models.itertuples()
            ],
            "lrrrrrrr",
        )
    )
    lines += [
        "",
        "KS D is the largest gap between the two score distributions (0: the same, 1: disjoint).",
        "",
    ]

    lines += ["### Leads that change MQL status", ""]
    if impact.mql_changes.empty:
        lines.append("None.")
    else:
        for change in ("became MQL", "stopped being MQL"):
            leads = impact.mql_changes[impact.mql_changes.change == change]
            if leads.empty:
                continue
            lines += [
                f"**{len(leads):,} {change}**"
                + (f" (first {MARKDOWN_SAMPLE_LEADS})" if len(leads) > MARKDOWN_SAMPLE_LEADS else ""),
                "",
            ]
            lines.append(
                md_table(
                    ["Contact", "Model", "Segment", "Score", "Band", "Rules that changed"],
                    [
                        [
                            r.contact_id,
                            r.scoring_model_id,
                            r.segment,
                            f"{number(r.base_score)} → {number(r.head_score)}",
                            f"{r.base_band} → {r.head_band}",
                            r.changed_rules,
                        ]
                        for r in leads.head(MARKDOWN_SAMPLE_LEADS).itertuples()
                    ],
                    "lllrll",
                )
            )
            lines.append("")
        lines.append(f"Every lead is listed in `{html_name}` and `mql_changes.csv`.")
    lines.append("")
    text = "\n".join(lines)
    if len(text) > MARKDOWN_MAX_CHARS:
        text = (
            text[:MARKDOWN_MAX_CHARS].rsplit("\n", 1)[0]
            + f"\n\n… (cut to {MARKDOWN_MAX_CHARS:,} characters: see `{html_name}`)\n"
        )
    return text


# --- HTML ---------------------------------------------------------------------------------------------


def html_table(header: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(
        f'<th class="{"num" if i in numeric else ""}">{html.escape(h)}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if i in numeric else ""}">{html.escape(str(v))}</td>'
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="data-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def changed_models(impact: Impact) -> list[str]:
    """The scoring models whose scores or bands change: the charts leave the others out."""
    models = impact.models
    changed = (models.leads_changed_score > 0) | (models.leads_changed_band > 0) | (models.model_change != "")
    return list(models[changed]["scoring_model_id"])


def distribution_figure(impact: Impact) -> go.Figure:
    models = changed_models(impact)
    fig = make_subplots(rows=1, cols=max(len(models), 1), subplot_titles=models, shared_yaxes=True)
    for column, model in enumerate(models, start=1):
        for side, colour, name in (("base", "#a6acaf", "before"), ("head", "#2e86c1", "after")):
            rows = impact.histograms[
                (impact.histograms.scoring_model_id == model) & (impact.histograms.side == side)
            ]
            fig.add_bar(
                x=rows["bin"] + 2.5,
                y=rows["leads"],
                width=4.5,
                name=name,
                marker_color=colour,
                opacity=0.65,
                showlegend=column == 1,
                legendgroup=side,
                row=1,
                col=column,
                hovertemplate="score %{x}±2.5: %{y} leads<extra>" + name + "</extra>",
            )
        fig.update_xaxes(title_text="lead score (5-point bins)", row=1, col=column)
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(title_text="leads", row=1, col=1)
    return style(fig, 380)


def migration_figure(impact: Impact) -> go.Figure:
    models = changed_models(impact)
    fig = make_subplots(rows=1, cols=max(len(models), 1), subplot_titles=models, horizontal_spacing=0.12)
    for column, model in enumerate(models, start=1):
        bands = band_order(impact, model)
        rows = impact.migrations[impact.migrations.scoring_model_id == model]
        matrix = [
            [int(rows[(rows.base_band == s) & (rows.head_band == t)]["leads"].sum()) for t in bands]
            for s in bands
        ]
        fig.add_heatmap(
            z=[[math.log10(v + 1) for v in r] for r in matrix],
            x=bands,
            y=bands,
            text=matrix,
            texttemplate="%{text}",
            showscale=False,
            colorscale="Blues",
            hovertemplate="from %{y} to %{x}: %{text} leads<extra></extra>",
            row=1,
            col=column,
        )
        fig.update_xaxes(title_text="band after", side="bottom", row=1, col=column)
        fig.update_yaxes(title_text="band before", autorange="reversed", row=1, col=column)
    return style(fig, 420)


def rules_figure(impact: Impact) -> go.Figure:
    models = changed_models(impact)
    fig = make_subplots(rows=1, cols=max(len(models), 1), subplot_titles=models, horizontal_spacing=0.25)
    for column, model in enumerate(models, start=1):
        rows = impact.rules[
            (impact.rules.scoring_model_id == model) & (impact.rules.points_change.abs() > 1e-9)
        ]
        rows = rows.head(15).iloc[::-1]
        fig.add_bar(
            x=rows["points_change"],
            y=rows["rule_id"],
            orientation="h",
            showlegend=False,
            marker_color=[POSITIVE_COLOUR if v > 0 else NEGATIVE_COLOUR for v in rows["points_change"]],
            hovertemplate="%{y}: %{x:+,.1f} points in all<extra></extra>",
            row=1,
            col=column,
        )
        fig.update_xaxes(title_text="change of total points", row=1, col=column)
    return style(fig, 460)


def chart_section(chart_id: str, title: str, how_to_read: str, figure: go.Figure) -> str:
    return (
        f'<section class="report-chart" id="{chart_id}"><h3>{html.escape(title)}</h3>'
        f'<p class="how-to-read"><strong>How to read this:</strong> {html.escape(how_to_read)}</p>'
        f"{figure_html(figure, chart_id + '-plot')}</section>"
    )


def render_html(impact: Impact) -> str:
    verdict_text = verdict_line(impact).replace("**", "").replace("`", "")
    verdict_class = "broken" if impact.broken else "holds"
    verdict = html.escape(verdict_text.removeprefix("✅ ").removeprefix("❌ "))
    sections, charts = [], 0
    if impact.scored:
        sections.append(
            "<h2>Summary</h2>"
            + html_table(
                SUMMARY_HEADER,
                [[str(v).replace("`", "") for v in row] for row in summary_rows(impact)],
                set(range(2, 10)),
            )
        )
        sections.append(
            "<h2>Guardrails</h2>"
            + html_table(
                ["Guardrail", "What", "Limit", "Observed (worst)", "Verdict", "Breaches"],
                [
                    [
                        g.name,
                        g.description,
                        g.limit,
                        g.observed,
                        "holds" if g.holds else "BROKEN",
                        "; ".join(g.breaches),
                    ]
                    for g in impact.guardrails
                ],
            )
        )
        if impact.guardrail_changes:
            sections.append(
                "<p><strong>This change also edits the guardrails:</strong> "
                f"{html.escape('; '.join(impact.guardrail_changes))}</p>"
            )
    seed_lines = seed_diff_lines(impact.seed_diffs) or ["No seed row differs (row order aside)."]
    sections.append(
        '<h2>Seed changes</h2><pre class="seed-diff">'
        + html.escape("\n".join(seed_lines).replace("`", "").replace("**", ""))
        + "</pre>"
    )
    if impact.scored and impact.scores_changed:
        sections.append(
            "<h2>Score distribution</h2>"
            + chart_section(
                "distribution",
                "Scores before and after",
                "leads per 5-point score bin, before (grey) and after (blue) the change.",
                distribution_figure(impact),
            )
        )
        sections.append(
            "<h2>Band migration</h2>"
            + chart_section(
                "migration",
                "From band to band, all segments",
                "each cell counts the leads in the row's band before and the column's band after; "
                "off the diagonal, leads that move.",
                migration_figure(impact),
            )
        )
        sections.append(
            "<h2>Points by rule</h2>"
            + chart_section(
                "rules",
                "Change of each rule's total points",
                "the 15 rules per model whose total points over all leads change most; "
                "green gives more, red less.",
                rules_figure(impact),
            )
        )
        charts = 3
        sections.append(html_table(RULE_HEADER, rule_rows(rules_that_changed(impact)), {3, 4, 5, 6, 7}))
        segment_rows = [
            [
                s.scoring_model_id,
                segment_label(s.segment),
                f"{s.leads:,}",
                f"{s.base_mqls:,} → {s.head_mqls:,}",
                percent_text(s.mql_change_pct),
                f"{s.leads_changed_band:,}",
                f"{number(s.base_mean)} → {number(s.head_mean)}",
            ]
            for s in impact.segments.itertuples()
        ]
        sections.append(
            "<h2>Segments</h2>"
            + html_table(
                ["Model", "Segment", "Leads", "MQLs", "MQL change", "Band changed", "Mean score"],
                segment_rows,
                {2, 3, 4, 5, 6},
            )
        )
        leads = impact.mql_changes.head(HTML_MAX_LEADS)
        more = (
            f" (first {HTML_MAX_LEADS:,} of {len(impact.mql_changes):,}: all in mql_changes.csv)"
            if len(impact.mql_changes) > HTML_MAX_LEADS
            else ""
        )
        sections.append(
            f"<h2>Leads that change MQL status{more}</h2>"
            + html_table(
                [
                    "Contact",
                    "Model",
                    "Segment",
                    "Change",
                    "Score before",
                    "Score after",
                    "Band before",
                    "Band after",
                    "Rules that changed",
                ],
                [
                    [
                        r.contact_id,
                        r.scoring_model_id,
                        r.segment,
                        r.change,
                        number(r.base_score),
                        number(r.head_score),
                        r.base_band,
                        r.head_band,
                        r.changed_rules,
                    ]
                    for r in leads.itertuples()
                ],
                {4, 5},
            )
        )
    ready_script = READY_SCRIPT.replace("CHARTS_EXPECTED", str(charts))
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rule impact</title>
<style>{STYLE}
.verdict {{ font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 8px; }}
.verdict.holds {{ background: #e9f7ef; color: #1e8449; }}
.verdict.broken {{ background: #fdedec; color: #b03a2e; }}
pre.seed-diff {{ background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px;
                 white-space: pre-wrap; }}
</style>
<script>{ready_script}</script>
<script>{get_plotlyjs() if charts else ""}</script>
</head>
<body>
<main>
<header>
<h1>Rule impact</h1>
<p class="subtitle">{html.escape(impact.head.label)} compared with {html.escape(impact.base.label)}{
        f", scored as of {html.escape(impact.as_of_date)}" if impact.scored else ""
    }.</p>
<p class="verdict {verdict_class}">{verdict}</p>
</header>
{body}
<footer>Generated {dt.datetime.now(dt.UTC):%d %b %Y %H:%M} UTC by scripts/rule_impact.py.</footer>
</main>
</body>
</html>
"""


# --- outputs and main ---------------------------------------------------------------------------------


def summary_json(impact: Impact) -> dict[str, Any]:
    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return json.loads(frame.to_json(orient="records", date_format="iso")) if not frame.empty else []

    return {
        "base": impact.base.label,
        "head": impact.head.label,
        "as_of_date": impact.as_of_date,
        "scored": impact.scored,
        "seeds_changed": bool(impact.seed_diffs),
        "scores_changed": impact.scores_changed,
        "guardrails_hold": not impact.broken,
        "guardrails": [asdict(guardrail) for guardrail in impact.guardrails],
        "guardrail_changes": impact.guardrail_changes,
        "seed_changes": [
            {
                "seed": d.seed,
                "note": d.note,
                "added_columns": d.added_columns,
                "removed_columns": d.removed_columns,
                "rows": [asdict(row) for row in d.rows],
            }
            for d in impact.seed_diffs
        ],
        "models": records(impact.models),
        "segments": records(impact.segments),
        "migrations": records(impact.migrations),
        "rules": records(impact.rules),
        "mql_changes": len(impact.mql_changes),
    }


def write_outputs(impact: Impact, output_dir: Path) -> Path:
    markdown = render_markdown(impact)
    write_atomically(output_dir / "rule_impact.md", markdown)
    write_atomically(output_dir / "rule_impact.html", render_html(impact))
    write_atomically(
        output_dir / "rule_impact.json", json.dumps(summary_json(impact), indent=2, default=str) + "\n"
    )
    columns = [
        "contact_id",
        "scoring_model_id",
        "segment",
        "change",
        "base_score",
        "head_score",
        "base_band",
        "head_band",
        "changed_rules",
    ]
    frame = impact.mql_changes if not impact.mql_changes.empty else pd.DataFrame(columns=columns)
    write_atomically(output_dir / "mql_changes.csv", frame.to_csv(index=False))
    return output_dir / "rule_impact.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base", required=True, help="git ref whose seeds are the 'before' (e.g. origin/main)"
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path("."),
        help="the dbt project, in a git repository (default: .)",
    )
    parser.add_argument(
        "--raw-dir",
        type=Path,
        default=DEFAULT_RAW_DIR,
        help="raw tables as <raw dir>/<table>/*.parquet (default: %(default)s)",
    )
    parser.add_argument("--vars", default="{}", help="more dbt vars for both builds, as YAML")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="where the builds and reports go (default: %(default)s)",
    )
    parser.add_argument(
        "--always-score", action="store_true", help="build and compare even when the seeds are the same"
    )
    args = parser.parse_args(argv)
    args.vars = parse_vars(parser, args.vars)
    return args


def run(args: argparse.Namespace) -> Impact:
    project_dir = args.project_dir.resolve()
    if not (project_dir / "dbt_project.yml").exists():
        raise ImpactError(f"{project_dir} is not a dbt project (no dbt_project.yml)")
    head = head_side(project_dir)
    base = base_side(project_dir, args.base)
    guardrails = load_guardrails(head.project_yaml, str(project_dir / "dbt_project.yml"))
    impact = Impact(base, head, as_of_date="", seed_diffs=diff_seeds(base, head), scored=False)
    impact.guardrail_changes = guardrail_changes(base.project_yaml, head.project_yaml)
    output_dir = args.output_dir.resolve()
    for side in (base, head):  # builds of an earlier run would no longer match the report
        shutil.rmtree(output_dir / side.name, ignore_errors=True)
    if not impact.seed_diffs and not args.always_score:
        return impact

    raw_dir = args.raw_dir.resolve()
    dbt_vars = dict(args.vars)
    if "raw_external_location" not in dbt_vars:
        if not (raw_dir / "events").is_dir():
            raise ImpactError(
                f"no raw data in {raw_dir} (expected {raw_dir}/<table>/*.parquet): "
                "run `make data` or pass --raw-dir"
            )
        dbt_vars["raw_external_location"] = raw_parquet_location(raw_dir)
    # fct_lead_scores reads its first-MQL dates from the history: a day of it is all the comparison
    # needs, where a month would take most of the build
    dbt_vars.setdefault("history_days", 0)
    dbt_vars.setdefault("history_start_date", "")
    # one as-of date for both builds, even if they straddle midnight
    if not str(dbt_vars.get("as_of_date") or "").strip():
        dbt_vars["as_of_date"] = dt.datetime.now(dt.UTC).date().isoformat()
    print(
        f"Scoring {raw_dir} with the seeds of {base.label} and of the {head.label} ...",
        file=sys.stderr,
        flush=True,
    )
    databases = build_both(project_dir, output_dir, base, head, dbt_vars)
    impact.scored = True
    compare(impact, databases)
    impact.guardrails = evaluate_guardrails(impact, guardrails, min_segment_leads(head.project_yaml))
    return impact


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        impact = run(args)
        report = write_outputs(impact, args.output_dir)
    except ImpactError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write the report in {args.output_dir}: {error}", file=sys.stderr)
        return 2
    print(report.read_text())
    print(f"Report: {report} and {report.with_suffix('.html')}", file=sys.stderr)
    for guardrail in impact.broken:
        print(
            f"guardrail broken: {guardrail.name} ({guardrail.description}, limit {guardrail.limit})",
            file=sys.stderr,
        )
        for breach in guardrail.breaches:
            print(f"  {breach}", file=sys.stderr)
    return 1 if impact.broken else 0


if __name__ == "__main__":
    sys.exit(main())
