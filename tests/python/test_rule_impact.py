"""The rule impact report (scripts/rule_impact.py, `make impact`): fixture rule sets with known
differences give the expected migrations and guardrail verdicts, its counts agree with direct queries of
the two builds, and no change (or a reordering of rows) reports no change."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import rule_impact
import yaml
from conftest import AS_OF_DATE, PROJECT_ROOT, add_rule, copy_project, run_script

GIT_IDENTITY = ("-c", "user.name=Rule Impact Tests", "-c", "user.email=tests@example.com")


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *GIT_IDENTITY, *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the project in a git repository of its own, with one commit: the base rules."""
    project = copy_project(tmp_path / "repo")
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "Base rules")
    return project


def set_guardrails(project: Path, **limits: object) -> None:
    path = project / "dbt_project.yml"
    config = yaml.safe_load(path.read_text())
    config["vars"]["rule_impact_guardrails"] = {**config["vars"]["rule_impact_guardrails"], **limits}
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def edit_seed(project: Path, seed: str, key: dict[str, str], **values: str) -> None:
    """Set columns of the one row of seeds/rules/<seed>.csv that matches key."""
    path = project / "seeds" / "rules" / f"{seed}.csv"
    rows = list(csv.DictReader(path.open(newline="")))
    matching = [row for row in rows if all(row[column] == value for column, value in key.items())]
    assert len(matching) == 1, f"{key} matches {len(matching)} rows of {seed}"
    matching[0].update(values)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def impact(repo: Path, raw_dir: Path, output_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_script(
        "rule_impact.py", "--base", "main", "--project-dir", repo, "--raw-dir", raw_dir,
        "--output-dir", output_dir, "--vars", f"{{as_of_date: '{AS_OF_DATE}'}}", *extra,
    )  # fmt: skip


def summary(output_dir: Path) -> dict:
    return json.loads((output_dir / "rule_impact.json").read_text())


def query(database: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(sql).df()


def guardrail(report: dict, name: str) -> dict:
    return next(g for g in report["guardrails"] if g["name"] == name)


# --- no change -----------------------------------------------------------------------------------------


def test_unchanged_tree_reports_no_change_without_building(repo: Path, demo_raw_dir: Path, tmp_path: Path):
    output_dir = tmp_path / "impact"
    # a build of an earlier run must not be left beside a report that no longer matches it
    (output_dir / "head").mkdir(parents=True)

    result = impact(repo, demo_raw_dir, output_dir)

    assert result.returncode == 0, result.stderr
    assert "No change" in result.stdout
    report = summary(output_dir)
    assert report["seeds_changed"] is False and report["scored"] is False and report["guardrails_hold"]
    assert not (output_dir / "base").exists() and not (output_dir / "head").exists()
    assert (output_dir / "mql_changes.csv").read_text().startswith("contact_id,")


def test_reordered_rows_report_no_change_and_score_the_same(repo: Path, demo_raw_dir: Path, tmp_path: Path):
    for seed in ("scoring_fit_rules", "scoring_engagement_rules", "scoring_score_bands"):
        path = repo / "seeds" / "rules" / f"{seed}.csv"
        header, *rows = path.read_text().splitlines(keepends=True)
        random.Random(seed).shuffle(rows)
        path.write_text(header + "".join(rows))
    assert git(repo, "status", "--porcelain"), "the shuffle changed no file"

    quick = impact(repo, demo_raw_dir, tmp_path / "quick")
    assert quick.returncode == 0, quick.stderr
    assert "No change" in quick.stdout and not summary(tmp_path / "quick")["seeds_changed"]

    scored = impact(repo, demo_raw_dir, tmp_path / "scored", "--always-score")
    assert scored.returncode == 0, scored.stderr
    report = summary(tmp_path / "scored")
    assert report["scored"] and not report["seeds_changed"] and not report["scores_changed"]
    assert "No change" in scored.stdout
    for model in report["models"]:
        assert model["base_version"] == model["head_version"]
        assert (model["became_mql"], model["stopped_mql"], model["leads_changed_band"]) == (0, 0, 0)
        assert model["leads_changed_score"] == 0 and model["ks_d"] == 0
    assert all(row["base_band"] == row["head_band"] for row in report["migrations"])
    assert all(rule["points_change"] == 0 for rule in report["rules"])
    assert report["mql_changes"] == 0


# --- known differences ---------------------------------------------------------------------------------


def test_lower_smb_threshold_moves_exactly_the_leads_scored_between(
    repo: Path, demo_raw_dir: Path, tmp_path: Path
):
    """The platform SMB warm band and MQL threshold come down from 50 to 40, no points change: exactly
    the SMB leads that scored in [40, 50) move from cold to warm and become MQLs, and the SMB MQL count
    rises by more than the 10 % the fixture's guardrail allows."""
    edit_seed(repo, "scoring_score_bands", {"scoring_model_id": "platform", "segment": "smb", "score_band": "warm"},
              min_score="40")  # fmt: skip
    edit_seed(repo, "scoring_score_bands", {"scoring_model_id": "platform", "segment": "smb", "score_band": "cold"},
              max_score="40")  # fmt: skip
    edit_seed(
        repo, "scoring_mql_thresholds", {"scoring_model_id": "platform", "segment": "smb"}, mql_threshold="40"
    )
    set_guardrails(repo, max_mql_change_pct=100, max_segment_mql_change_pct=10, max_band_change_share=0.5)
    output_dir = tmp_path / "impact"

    result = impact(repo, demo_raw_dir, output_dir)

    base_scores = query(output_dir / "base" / "lead_scoring.duckdb", "select * from marts.fct_lead_scores")
    smb = base_scores[(base_scores.scoring_model_id == "platform") & (base_scores.segment == "smb")]
    between = smb[(smb.lead_score >= 40) & (smb.lead_score < 50)]
    smb_mqls = int(smb.is_mql.sum())
    assert len(smb) >= 50 and len(between) > 0.1 * smb_mqls, "the fixture data no longer tests the guardrail"

    report = summary(output_dir)
    moved = [m for m in report["migrations"] if m["base_band"] != m["head_band"]]
    assert moved == [{"scoring_model_id": "platform", "segment": "smb", "base_band": "cold", "head_band": "warm",
                      "leads": len(between)}]  # fmt: skip
    platform = next(m for m in report["models"] if m["scoring_model_id"] == "platform")
    assert (platform["became_mql"], platform["stopped_mql"], platform["leads_changed_score"]) == (
        len(between),
        0,
        0,
    )
    changes = pd.read_csv(output_dir / "mql_changes.csv")
    assert sorted(changes.contact_id) == sorted(between.contact_id)
    assert set(changes.changed_rules) == {"threshold or band change only"}

    assert result.returncode == 1, result.stderr
    segment_guardrail = guardrail(report, "max_segment_mql_change_pct")
    assert not segment_guardrail["holds"]
    assert segment_guardrail["breaches"] == [
        f"platform / smb: MQLs {smb_mqls:,} -> {smb_mqls + len(between):,} "
        f"({100 * len(between) / smb_mqls:+.1f} %, limit ±10 %)"
    ]
    assert (
        guardrail(report, "max_mql_change_pct")["holds"]
        and guardrail(report, "max_band_change_share")["holds"]
    )
    assert "guardrail broken: max_segment_mql_change_pct" in result.stderr
    assert "❌ **1 guardrail(s) broken**: `max_segment_mql_change_pct`" in result.stdout
    assert "changed `platform` / `smb`: mql_threshold `50` → `40`" in result.stdout
    assert "⚠️ This change also edits the guardrails" in result.stdout


def test_raised_weight_report_agrees_with_direct_queries_of_both_builds(
    repo: Path, demo_raw_dir: Path, tmp_path: Path
):
    edit_seed(repo, "scoring_engagement_rules", {"rule_id": "eng_platform_webinar_attended"},
              points="20", max_points="40")  # fmt: skip
    git(repo, "checkout", "--quiet", "-b", "more-webinar-points")
    git(repo, "commit", "--quiet", "--all", "--message", "More points for webinars")
    output_dir = tmp_path / "impact"

    result = impact(repo, demo_raw_dir, output_dir)

    assert result.returncode == 0, result.stderr
    report = summary(output_dir)
    assert all(g["holds"] for g in report["guardrails"]) and len(report["guardrails"]) == 4
    assert [(d["seed"], [r["kind"] for r in d["rows"]]) for d in report["seed_changes"]] == [
        ("rules/scoring_engagement_rules", ["changed"])
    ]
    assert report["seed_changes"][0]["rows"][0]["changes"] == [
        ["points", "12", "20"],
        ["max_points", "24", "40"],
    ]

    base, head = output_dir / "base" / "lead_scoring.duckdb", output_dir / "head" / "lead_scoring.duckdb"
    with duckdb.connect() as con:
        con.execute(f"attach '{base}' as base (read_only)")
        con.execute(f"attach '{head}' as head (read_only)")
        pairs = con.sql(
            """
            select b.contact_id, b.scoring_model_id, b.segment, b.is_mql as base_mql, h.is_mql as head_mql,
                b.score_band as base_band, h.score_band as head_band, b.lead_score as base_score,
                h.lead_score as head_score, b.rules_version as base_version, h.rules_version as head_version
            from base.marts.fct_lead_scores as b
            inner join head.marts.fct_lead_scores as h using (contact_id, scoring_model_id)
            """
        ).df()
        webinar_points = con.sql(
            """
            select
                (select sum(points_after_caps) from head.marts.fct_lead_score_components
                 where rule_id = 'eng_platform_webinar_attended')
                - (select sum(points_after_caps) from base.marts.fct_lead_score_components
                   where rule_id = 'eng_platform_webinar_attended')
            """
        ).fetchone()[0]
    assert len(pairs) == 2 * 1500

    for model in report["models"]:
        rows = pairs[pairs.scoring_model_id == model["scoring_model_id"]]
        assert model["leads"] == len(rows)
        assert (model["base_mqls"], model["head_mqls"]) == (
            int(rows.base_mql.sum()),
            int(rows.head_mql.sum()),
        )
        assert model["became_mql"] == int((rows.head_mql & ~rows.base_mql).sum())
        assert model["stopped_mql"] == int((rows.base_mql & ~rows.head_mql).sum())
        assert model["leads_changed_band"] == int((rows.base_band != rows.head_band).sum())
        assert model["head_mean"] == pytest.approx(float(rows.head_score.astype(float).mean()))
        assert (model["base_version"] != model["head_version"]) == (model["scoring_model_id"] == "platform")
    platform = next(m for m in report["models"] if m["scoring_model_id"] == "platform")
    analytics = next(m for m in report["models"] if m["scoring_model_id"] == "analytics")
    assert platform["became_mql"] > 0 and platform["stopped_mql"] == 0 and platform["ks_d"] > 0
    assert analytics["leads_changed_score"] == 0 and analytics["ks_d"] == 0

    expected_migrations = pairs.groupby(["scoring_model_id", "segment", "base_band", "head_band"]).size()
    reported = pd.DataFrame(report["migrations"]).set_index(
        ["scoring_model_id", "segment", "base_band", "head_band"]
    )
    assert reported["leads"].sort_index().to_dict() == expected_migrations.sort_index().to_dict()

    changed = pairs[pairs.base_mql != pairs.head_mql]
    listed = pd.read_csv(output_dir / "mql_changes.csv")
    assert sorted(zip(listed.contact_id, listed.scoring_model_id, strict=True)) == sorted(
        zip(changed.contact_id, changed.scoring_model_id, strict=True)
    )
    assert listed.changed_rules.str.startswith("eng_platform_webinar_attended +").all()

    webinar = next(r for r in report["rules"] if r["rule_id"] == "eng_platform_webinar_attended")
    assert webinar["points_change"] == pytest.approx(float(webinar_points))
    platform_rules = [r["rule_id"] for r in report["rules"] if r["scoring_model_id"] == "platform"]
    assert platform_rules[0] == "eng_platform_webinar_attended"  # the largest change first

    markdown = (output_dir / "rule_impact.md").read_text()
    assert result.stdout == markdown + "\n"
    assert markdown.startswith("## Rule impact: working tree vs main (")
    assert f"{platform['base_mqls']:,} → {platform['head_mqls']:,}" in markdown
    html = (output_dir / "rule_impact.html").read_text()
    assert "<script src" not in html and "<link" not in html and html.count("Plotly.newPlot") == 3


def test_flooding_rule_breaks_the_volume_and_band_share_guardrails(
    repo: Path, demo_raw_dir: Path, tmp_path: Path
):
    add_rule(repo, "scoring_fit_rules", {
        "rule_id": "fit_platform_everyone_hot", "scoring_model_id": "platform", "rule_group": "push",
        "attribute": "segment", "operator": "in", "value": "smb|mid_market|enterprise", "points": "90",
        "description": "A rule that would flood sales",
    })  # fmt: skip
    output_dir = tmp_path / "impact"

    result = impact(repo, demo_raw_dir, output_dir)

    assert result.returncode == 1, result.stderr
    report = summary(output_dir)
    broken = {g["name"] for g in report["guardrails"] if not g["holds"]}
    assert {"max_mql_change_pct", "band_share_bounds", "max_band_change_share"} <= broken
    assert any(b.startswith("platform: MQLs") for b in guardrail(report, "max_mql_change_pct")["breaches"])
    assert any(
        "/ hot: share" in b and "above the error bound 40%" in b
        for b in guardrail(report, "band_share_bounds")["breaches"]
    )
    for name in ("max_mql_change_pct", "band_share_bounds"):
        assert f"guardrail broken: {name}" in result.stderr
    assert "added `platform` / `fit_platform_everyone_hot`" in result.stdout


# --- errors --------------------------------------------------------------------------------------------


def test_unknown_ref_and_unknown_guardrail_are_clear_errors(repo: Path, demo_raw_dir: Path, tmp_path: Path):
    result = run_script("rule_impact.py", "--base", "no-such-branch", "--project-dir", repo,
                        "--output-dir", tmp_path / "impact")  # fmt: skip
    assert result.returncode == 2
    assert "--base 'no-such-branch' is not a commit" in result.stderr

    set_guardrails(repo, max_mql_change_percent=10)
    result = impact(repo, demo_raw_dir, tmp_path / "impact")
    assert result.returncode == 2
    assert "unknown guardrail(s) in var rule_impact_guardrails: max_mql_change_percent" in result.stderr


def test_seeds_that_do_not_build_stop_with_the_seed_error(repo: Path, demo_raw_dir: Path, tmp_path: Path):
    edit_seed(repo, "scoring_engagement_rules", {"rule_id": "eng_platform_webinar_attended"}, points="lots")

    result = impact(repo, demo_raw_dir, tmp_path / "impact")

    assert result.returncode == 2
    assert "the head rules (working tree (uncommitted seed changes)) do not build" in result.stderr
    assert "'lots' is not a number" in result.stderr
    assert not (tmp_path / "impact" / "rule_impact.md").exists()


# --- seed diff (no build) ------------------------------------------------------------------------------


def side(name: str, seeds: dict[str, str]) -> rule_impact.Side:
    return rule_impact.Side(name, name, {path: text.encode() for path, text in seeds.items()}, "")


ENGAGEMENT = (
    "rule_id,scoring_model_id,points,description\n"
    "eng_a,platform,10,A\n"
    "eng_b,platform,5,B\n"
    "eng_a,analytics,8,A for analytics\n"
)


def test_seed_diff_is_by_row_identity():
    base = side("base", {"rules/scoring_engagement_rules.csv": ENGAGEMENT, "rules/_rules.yml": "x"})

    reordered = "".join(
        [ENGAGEMENT.splitlines(keepends=True)[0], *reversed(ENGAGEMENT.splitlines(keepends=True)[1:])]
    )
    same_numbers = ENGAGEMENT.replace(",10,", ",10.0,").replace(
        "eng_b,platform,5,B", " eng_b , platform,5 ,B"
    )
    for head_text in (reordered, same_numbers, ENGAGEMENT.replace("\n", "\r\n")):
        head = side("head", {"rules/scoring_engagement_rules.csv": head_text, "rules/_rules.yml": "x"})
        assert rule_impact.diff_seeds(base, head) == []

    changed = ENGAGEMENT.replace("eng_b,platform,5,B\n", "eng_c,platform,7,C\n").replace(",8,", ",9,")
    changed = changed.replace(
        "rule_id,scoring_model_id,points,description", "rule_id,scoring_model_id,points,description,new"
    )
    head = side("head", {"rules/scoring_engagement_rules.csv": changed, "rules/_rules.yml": "y"})
    diffs = rule_impact.diff_seeds(base, head)
    assert [d.seed for d in diffs] == ["rules/_rules.yml", "rules/scoring_engagement_rules"]
    assert diffs[0].note == "changed (not a CSV: compared as a file)"
    diff = diffs[1]
    assert diff.added_columns == ["new"] and diff.removed_columns == []
    kinds = {(row.kind, row.key["scoring_model_id"], row.key["rule_id"]) for row in diff.rows}
    assert kinds == {
        ("changed", "analytics", "eng_a"),
        ("added", "platform", "eng_c"),
        ("removed", "platform", "eng_b"),
    }
    analytics_change = next(row for row in diff.rows if row.kind == "changed")
    assert analytics_change.changes == [("points", "8", "9")]


def test_seed_diff_of_added_and_removed_files_and_mapping_seeds():
    base = side(
        "base", {"mappings/event_types.csv": "event_type,is_engagement\nwebinar,true\nbounce,false\n"}
    )
    head = side("head", {
        "mappings/event_types.csv": "event_type,is_engagement\nbounce,false\nwebinar,false\n",
        "rules/scoring_grades.csv": "scoring_model_id,grade,min_fit_score\nplatform,A,30\n",
    })  # fmt: skip
    diffs = {d.seed: d for d in rule_impact.diff_seeds(base, head)}
    mapping = diffs["mappings/event_types"]
    assert [(r.kind, r.key, r.changes) for r in mapping.rows] == [
        ("changed", {"event_type": "webinar"}, [("is_engagement", "true", "false")])
    ]
    grades = diffs["rules/scoring_grades"]
    assert grades.note == "seed file added" and [r.kind for r in grades.rows] == ["added"]


def test_guardrail_configuration_is_checked():
    assert rule_impact.load_guardrails("vars: {}", "x") == rule_impact.GUARDRAIL_DEFAULTS
    configured = rule_impact.load_guardrails("vars: {rule_impact_guardrails: {max_mql_change_pct: 5}}", "x")
    assert configured["max_mql_change_pct"] == 5
    for bad, message in (
        ("{max_mql_change_pct: -1}", "must be a number >= 0"),
        ("{max_mql_change_pct: 'ten'}", "must be a number >= 0"),
        ("{band_share_bounds: strict}", "must be one of error, warn, off"),
        ("[1, 2]", "must be a mapping"),
    ):
        with pytest.raises(rule_impact.ImpactError, match=message):
            rule_impact.load_guardrails(f"vars: {{rule_impact_guardrails: {bad}}}", "x")


def test_markdown_stays_within_a_pull_request_comment():
    rows = [rule_impact.RowChange("added", {"rule_id": f"rule_{i}"}, row={"rule_id": f"rule_{i}", "points": "1"})
            for i in range(40)]  # fmt: skip
    impact = rule_impact.Impact(
        side("base", {}), side("head", {}), as_of_date="", seed_diffs=[rule_impact.SeedDiff("rules/x", rows=rows)],
        scored=False,
    )  # fmt: skip
    markdown = rule_impact.render_markdown(impact)
    assert "… and 25 more rows (see the HTML report)" in markdown
    assert len(markdown) < rule_impact.MARKDOWN_MAX_CHARS
    assert io.StringIO(markdown).readline().startswith("## Rule impact: head vs base")


def test_ci_definitions_run_make_impact_on_rule_changes():
    """The GitHub Actions workflow and the README's GitLab CI job run `make impact` against the target
    branch when seeds change, publish the Markdown, and fail on a non-zero exit."""
    workflow = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "rule-impact.yml").read_text())
    assert set(workflow[True]["pull_request"]["paths"]) == {
        "seeds/**",
        "dbt_project.yml",
    }  # `on:` reads as True
    steps = workflow["jobs"]["rule-impact"]["steps"]
    impact_step = next(step for step in steps if step.get("id") == "impact")
    assert "make impact BASE=origin/${{ github.base_ref }}" in impact_step["run"]
    comment = next(step for step in steps if step.get("uses", "").startswith("actions/github-script"))
    assert "target/impact/rule_impact.md" in comment["with"]["script"]
    assert steps[-1]["if"] == "steps.impact.outputs.exit_code != '0'"

    readme = (PROJECT_ROOT / "README.md").read_text()
    gitlab_block = readme.split("```yaml\nrule-impact:")[1].split("```")[0]
    job = yaml.safe_load("rule-impact:" + gitlab_block)["rule-impact"]
    script = "\n".join(job["script"])
    assert 'make impact BASE="origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in script
    assert "body@target/impact/rule_impact.md" in script and script.endswith("exit $status")
    assert job["rules"][0]["changes"] == ["seeds/**/*", "dbt_project.yml"]
