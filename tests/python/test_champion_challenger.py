"""Champion and challenger: a challenger forked from a scoring model (scripts/challenger.py) is
scored side by side with it on the same contacts; an unchanged fork scores exactly as its champion
and has its rules_version, a changed one differs only where its rules do, the champion's rows do not
move, rpt_challenger_comparison counts what the history holds, bad challenger_of values stop the
build, and fork then promote gives back the seeds byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import (
    PROJECT_ROOT,
    DbtBuild,
    add_rule,
    copy_project,
    errors_of,
    generate_raw_data,
    run_script,
)

RULES_DIR = Path("seeds") / "rules"
RULES_ONLY = (
    "--select", "resource_type:seed", "path:models/staging/scoring_rules",
    "--indirect-selection", "cautious",
)  # fmt: skip
CHAMPIONS = ("platform", "analytics")
# the pricing-page rule of the demo rules, and the same rule with its weight and cap raised
PRICING_RULE = "eng_platform_pricing_page,{model},web,page_view,pricing,15,3,30,30,"
PRICING_RAISED = "eng_platform_pricing_page,{model},web,page_view,pricing,25,3,30,50,"
# what a lead's score and its explanation consist of, without the scoring model's own columns
SCORE_COLUMNS = (
    "contact_id, segment, fit_score, engagement_score, lead_score, grade, score_band, band_rank,"
    " mql_threshold, is_mql, first_mql_at, last_activity_at, as_of_date, rules_version"
)
COMPONENT_COLUMNS = (
    "contact_id, rule_id, rule_kind, rule_category, rule_group, occurrences, raw_points, decay_factor,"
    " points_after_decay, points_after_caps, as_of_date, rules_version"
)
HISTORY_COLUMNS = (
    "score_date, contact_id, segment, fit_score, engagement_score, lead_score, grade, score_band,"
    " band_rank, mql_threshold, is_mql, rules_version"
)


def challenger_script(seeds_dir: Path, *args: str):
    return run_script("challenger.py", "--seeds-dir", seeds_dir, *args)


def fork(project: Path, champion: str, name: str) -> None:
    result = challenger_script(project / RULES_DIR, "fork", "--from", champion, "--name", name)
    assert result.returncode == 0, result.stderr


def edit_line(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a seed's text, leaving every other byte as it was."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new))


def new_build(work_dir: Path, raw_dir: Path, project: Path = PROJECT_ROOT) -> DbtBuild:
    work_dir.mkdir(parents=True)
    return DbtBuild(project, work_dir / "warehouse.duckdb", raw_dir, work_dir)


def build_all(build: DbtBuild) -> DbtBuild:
    # the unit tests do not depend on the rules' rows: the demo build of `make test` runs them
    result = build.run("build", "--exclude", "test_type:unit")
    assert result.success, errors_of(result)
    return build


def rows_differing(build: DbtBuild, table: str, columns: str, model: str, other: str, where: str = "") -> int:
    """How many rows of one model's and another's in a table differ in the given columns."""
    condition = f" and {where}" if where else ""
    return build.scalar(f"""
        select count(*) from (
            (select {columns} from marts.{table} where scoring_model_id = '{model}'{condition}
             except all
             select {columns} from marts.{table} where scoring_model_id = '{other}'{condition})
            union all
            (select {columns} from marts.{table} where scoring_model_id = '{other}'{condition}
             except all
             select {columns} from marts.{table} where scoring_model_id = '{model}'{condition})
        )
    """)  # fmt: skip


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_raw_data(tmp_path_factory.mktemp("challenger") / "raw", contacts=300, events=12_000)


@pytest.fixture(scope="module")
def without_challengers(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> DbtBuild:
    """The project as shipped: champions only."""
    return build_all(new_build(tmp_path_factory.mktemp("champions") / "build", raw_dir))


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> DbtBuild:
    """The same data with two challengers of platform: platform_same, an unchanged fork, and
    platform_pricing, whose pricing-page rule gives 25 points instead of 15 (at most 50, not 30)."""
    work_dir = tmp_path_factory.mktemp("side_by_side")
    project = copy_project(work_dir / "project")
    fork(project, "platform", "platform_same")
    fork(project, "platform", "platform_pricing")
    edit_line(
        project / RULES_DIR / "scoring_engagement_rules.csv",
        PRICING_RULE.format(model="platform_pricing"),
        PRICING_RAISED.format(model="platform_pricing"),
    )
    return build_all(new_build(work_dir / "build", raw_dir, project))


def test_an_unchanged_fork_scores_exactly_as_its_champion(side_by_side: DbtBuild) -> None:
    leads = side_by_side.scalar(
        "select count(*) from marts.fct_lead_scores where scoring_model_id = 'platform'"
    )
    assert leads == side_by_side.scalar("select count(*) from staging.stg_crm__contacts") > 0
    for table, columns in (
        ("fct_lead_scores", SCORE_COLUMNS),
        ("fct_lead_score_components", COMPONENT_COLUMNS),
        ("fct_lead_score_history", HISTORY_COLUMNS),
    ):
        assert rows_differing(side_by_side, table, columns, "platform_same", "platform") == 0, table
    conversion = (
        "segment, score_band, band_rank, leads, mql_leads, leads_with_opportunity, leads_with_won_deal"
    )
    assert (
        rows_differing(side_by_side, "rpt_score_band_conversion", conversion, "platform_same", "platform")
        == 0
    )

    versions = dict(
        side_by_side.query(
            "select scoring_model_id, rules_version from intermediate.int_scoring_rules_versioned"
        )
    )
    assert versions["platform_same"] == versions["platform"]
    assert len({versions["platform"], versions["platform_pricing"], versions["analytics"]}) == 3

    assert set(side_by_side.query(
        "select distinct scoring_model_id, champion_model_id, is_champion from marts.fct_lead_scores"
    )) == {
        ("platform", "platform", True), ("analytics", "analytics", True),
        ("platform_same", "platform", False), ("platform_pricing", "platform", False),
    }  # fmt: skip


def test_a_raised_weight_changes_only_the_leads_its_rule_scored(side_by_side: DbtBuild) -> None:
    def components(model: str) -> dict[tuple[str, str], tuple]:
        return {
            (contact, rule): (occurrences, raw, capped)
            for contact, rule, occurrences, raw, capped in side_by_side.query(
                "select contact_id, rule_id, occurrences, raw_points, points_after_caps"
                f" from marts.fct_lead_score_components where scoring_model_id = '{model}'"
            )
        }

    champion, challenger = components("platform"), components("platform_pricing")
    viewed_pricing = {contact for contact, rule in champion if rule == "eng_platform_pricing_page"}
    assert viewed_pricing, "the data should have leads who viewed pricing pages"
    # the challenger's rule ids are the champion's: the same leads, the same occurrences, raw points x 25/15
    for contact in viewed_pricing:
        occurrences, raw, _ = champion[contact, "eng_platform_pricing_page"]
        assert challenger[contact, "eng_platform_pricing_page"][:2] == (occurrences, raw / 15 * 25)
    # any other difference is in the adjustments the pricing points move, of leads who viewed pricing
    differing = {
        key for key in champion.keys() | challenger.keys() if champion.get(key) != challenger.get(key)
    }
    assert {rule for _, rule in differing} <= {"eng_platform_pricing_page", "group_cap__web", "score_clamp"}
    assert {contact for contact, _ in differing} <= viewed_pricing

    scores = dict(side_by_side.query(
        "select c.contact_id, c.lead_score - p.lead_score from marts.fct_lead_scores as c"
        " inner join marts.fct_lead_scores as p using (contact_id)"
        " where c.scoring_model_id = 'platform_pricing' and p.scoring_model_id = 'platform'"
    ))  # fmt: skip
    changed = {contact for contact, difference in scores.items() if difference != 0}
    assert changed and changed <= viewed_pricing
    assert all(difference >= 0 for difference in scores.values())

    # on every day of the history, only leads with a pricing view up to that day score differently
    assert side_by_side.query("""
        select c.score_date, c.contact_id
        from marts.fct_lead_score_history as c
        inner join marts.fct_lead_score_history as p
            on c.score_date = p.score_date and c.contact_id = p.contact_id
        where c.scoring_model_id = 'platform_pricing' and p.scoring_model_id = 'platform'
            and c.lead_score <> p.lead_score
            and not exists (
                select 1 from intermediate.int_events_aggregated_daily as e
                where e.contact_id = c.contact_id and e.event_type = 'page_view'
                    and e.event_qualifier = 'pricing' and e.event_date <= c.score_date
            )
    """) == []  # fmt: skip


def test_the_champions_rows_do_not_move_when_a_challenger_is_added(
    side_by_side: DbtBuild, without_challengers: DbtBuild
) -> None:
    champions = ", ".join(f"'{model}'" for model in CHAMPIONS)
    for table in (
        "fct_lead_scores", "fct_lead_score_components", "fct_lead_score_history",
        "fct_lead_score_transitions", "rpt_score_band_distribution", "rpt_score_band_conversion",
    ):  # fmt: skip
        query = f"select * from marts.{table} where scoring_model_id in ({champions}) order by all"
        before, after = without_challengers.query(query), side_by_side.query(query)
        assert before and before == after, table


def test_the_comparison_mart_counts_what_the_history_holds(side_by_side: DbtBuild) -> None:
    columns = (
        "score_date, champion_model_id, challenger_model_id, segment, leads, champion_mql_leads,"
        " challenger_mql_leads, both_mql_leads, champion_only_mql_leads, challenger_only_mql_leads,"
        " round(champion_average_lead_score, 9), round(challenger_average_lead_score, 9),"
        " same_band_leads, round(same_band_share, 9), champion_rules_version, challenger_rules_version"
    )
    reported = side_by_side.query(f"select {columns} from marts.rpt_challenger_comparison order by all")
    expected = side_by_side.query("""
        select
            p.score_date, p.scoring_model_id, c.scoring_model_id, p.segment,
            count(*),
            count(*) filter (where p.is_mql),
            count(*) filter (where c.is_mql),
            count(*) filter (where p.is_mql and c.is_mql),
            count(*) filter (where p.is_mql and not c.is_mql),
            count(*) filter (where c.is_mql and not p.is_mql),
            round(avg(p.lead_score::double), 9),
            round(avg(c.lead_score::double), 9),
            count(*) filter (where p.score_band = c.score_band),
            round(count(*) filter (where p.score_band = c.score_band) / count(*), 9),
            any_value(p.rules_version),
            any_value(c.rules_version)
        from marts.fct_lead_score_history as p
        inner join marts.fct_lead_score_history as c
            on p.score_date = c.score_date and p.contact_id = c.contact_id
        where p.scoring_model_id = 'platform' and c.scoring_model_id in ('platform_same', 'platform_pricing')
        group by all
        order by all
    """)  # fmt: skip
    assert reported == expected
    days = side_by_side.scalar("select count(distinct score_date) from marts.fct_lead_score_history")
    segments = side_by_side.scalar("select count(distinct segment) from marts.fct_lead_scores")
    assert len(reported) == days * 2 * segments

    # the unchanged fork agrees with its champion on every lead; the raised weight makes more MQLs
    same = side_by_side.query("""
        select sum(leads), sum(champion_only_mql_leads + challenger_only_mql_leads), sum(same_band_leads),
               bool_and(champion_rules_version = challenger_rules_version)
        from marts.rpt_challenger_comparison where challenger_model_id = 'platform_same'
    """)[0]  # fmt: skip
    assert same[1] == 0 and same[2] == same[0] and same[3]
    pricing = side_by_side.query("""
        select sum(champion_mql_leads), sum(challenger_mql_leads), sum(champion_only_mql_leads)
        from marts.rpt_challenger_comparison where challenger_model_id = 'platform_pricing'
    """)[0]  # fmt: skip
    assert pricing[1] > pricing[0] and pricing[2] == 0


def test_the_comparison_mart_is_empty_without_challengers(without_challengers: DbtBuild) -> None:
    assert without_challengers.scalar("select count(*) from marts.rpt_challenger_comparison") == 0
    assert without_challengers.scalar("select bool_and(is_champion) from marts.fct_lead_score_history")


def test_a_challenger_added_to_a_built_warehouse_is_compared_from_its_first_run(
    tmp_path: Path, without_challengers: DbtBuild
) -> None:
    """The history is incremental: a challenger added to a warehouse gets the days the next run
    scores (the new day and history_lookback_days back), its champion keeps its whole history."""
    project = copy_project(tmp_path / "project")
    fork(project, "platform", "platform_next")
    build = new_build(tmp_path / "build", without_challengers.raw_dir, project)
    shutil.copy(without_challengers.database, build.database)

    result = build.run("build", "--exclude", "test_type:unit", as_of_date="2026-11-01")
    assert result.success, errors_of(result)

    def days(sql: str) -> list[str]:
        return [str(row[0]) for row in build.query(sql)]

    new_days = ["2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01"]
    assert (
        days(
            "select distinct score_date from marts.fct_lead_score_history where scoring_model_id = 'platform_next' order by 1"
        )
        == new_days
    )
    assert days("select distinct score_date from marts.rpt_challenger_comparison order by 1") == new_days
    assert len(days(
        "select distinct score_date from marts.fct_lead_score_history where scoring_model_id = 'platform' order by 1"
    )) == 30  # fmt: skip


# Each challenger differs from platform in one kind of rule (platform_range: the score range, and the
# best bands with it); platform_renamed only in its name and description.
RULE_CHANGES = {
    "platform_renamed": [],
    "platform_fit": [("scoring_fit_rules", "seniority,in,manager|director,10,", "seniority,in,manager|director,11,")],
    "platform_pricing": [("scoring_engagement_rules", PRICING_RULE, PRICING_RAISED)],
    "platform_idle": [("scoring_inactivity_rules", "inactivity,,0,30,-10,-40,", "inactivity,,0,30,-5,-40,")],
    "platform_groups": [("scoring_rule_groups", "{model},web,,40,", "{model},web,,45,")],
    "platform_mql": [("scoring_mql_thresholds", "{model},smb,50,", "{model},smb,55,")],
    "platform_grades": [("scoring_grades", "{model},A,30,", "{model},A,32,")],
    "platform_bands": [
        ("scoring_score_bands", "{model},smb,hot,1,75,100", "{model},smb,hot,1,70,100"),
        ("scoring_score_bands", "{model},smb,warm,2,50,75", "{model},smb,warm,2,50,70"),
    ],
    "platform_range": [("scoring_models", "{model},Workflow platform ({model}),platform,platform,0,100,",
                        "{model},Workflow platform ({model}),platform,platform,0,120,")] + [
        ("scoring_score_bands", f"{{model}},{segment},hot,1,{low},100", f"{{model}},{segment},hot,1,{low},120")
        for segment, low in (("smb", 75), ("mid_market", 75), ("enterprise", 80), ("unknown", 80))
    ],
}  # fmt: skip


def test_rules_version_is_the_rules_content(tmp_path: Path) -> None:
    """Forks that differ from their champion in nothing but name and description share its
    rules_version; a change to any number of any rule seed gives a new one; a promoted challenger
    keeps its version."""
    project = copy_project(tmp_path / "project")
    for name, changes in RULE_CHANGES.items():
        fork(project, "platform", name)
        for seed, old, new in changes:
            old, new = old.format(model=name), new.format(model=name)
            path = project / RULES_DIR / f"{seed}.csv"
            # the challenger's row holding `old` (rule rows start with the rule id, then the model)
            row = next(
                row for row in path.read_text().splitlines() if f",{name}," in f",{row}" and old in row
            )
            edit_line(path, row, row.replace(old, new))
    models_seed = project / RULES_DIR / "scoring_models.csv"
    renamed_row = next(
        row for row in models_seed.read_text().splitlines() if row.startswith("platform_renamed,")
    )
    edit_line(
        models_seed, renamed_row,
        'platform_renamed,A new name,platform,platform,0,100,"Another description, the same rules"',
    )  # fmt: skip
    build = new_build(tmp_path / "build", tmp_path, project)

    def versions() -> dict[str, str]:
        result = build.run(
            "build", "--select", "resource_type:seed", "path:models/staging/scoring_rules",
            "int_scoring_rules_versioned", "--indirect-selection", "cautious",
        )  # fmt: skip
        assert result.success, errors_of(result)
        return dict(
            build.query(
                "select scoring_model_id, rules_version from intermediate.int_scoring_rules_versioned"
            )
        )

    before = versions()
    assert before["platform_renamed"] == before["platform"]
    changed = {name: before[name] for name in RULE_CHANGES if name != "platform_renamed"}
    assert len(set(changed.values()) | {before["platform"], before["analytics"]}) == len(changed) + 2, before

    promoted = challenger_script(project / RULES_DIR, "promote", "--name", "platform_pricing")
    assert promoted.returncode == 0, promoted.stderr
    after = versions()
    assert after["platform"] == before["platform_pricing"]
    assert "platform_pricing" not in after
    assert {name: after[name] for name in after if name != "platform"} == {
        name: before[name] for name in before if name not in ("platform", "platform_pricing")
    }


@pytest.mark.parametrize(
    ("rows", "line", "expected"),
    [
        ([("platform_next", "nope")], 4, "'nope' is not a scoring_model_id of seed scoring_models"),
        ([("platform_next", "platform_next")], 4, "a scoring model cannot challenge itself"),
        (
            [("platform_next", "platform"), ("platform_next_next", "platform_next")],
            5,
            "challenger_of must name a champion: that model is itself a challenger",
        ),
    ],
    ids=["unknown_model", "itself", "challenger_of_a_challenger"],
)
def test_a_bad_challenger_of_stops_the_build_naming_the_seed_line(
    tmp_path: Path, rows: list[tuple[str, str]], line: int, expected: str
) -> None:
    project = copy_project(tmp_path / "project")
    for model, champion in rows:
        add_rule(project, "scoring_models", {
            "scoring_model_id": model, "scoring_model_name": model, "challenger_of": champion,
            "product_line": "platform", "min_score": "0", "max_score": "100",
        })  # fmt: skip
    result = new_build(tmp_path / "build", tmp_path, project).run("build", *RULES_ONLY)

    assert not result.success
    message = errors_of(result)
    assert (
        f"seeds/rules/scoring_models.csv:{line}, row scoring_model_id='{rows[-1][0]}', column challenger_of: {expected}"
        in message
    )


def test_a_challenger_keeps_its_champions_product_line(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    add_rule(project, "scoring_models", {
        "scoring_model_id": "platform_next", "scoring_model_name": "Next", "challenger_of": "platform",
        "product_line": "analytics", "min_score": "0", "max_score": "100",
    })  # fmt: skip
    result = new_build(tmp_path / "build", tmp_path, project).run("build", *RULES_ONLY)

    assert not result.success
    assert (
        "seeds/rules/scoring_models.csv:4, row scoring_model_id='platform_next', column product_line:"
        " a challenger scores its champion's leads and conversions" in errors_of(result)
    )


def rules_copy(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    seeds_dir = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / RULES_DIR, seeds_dir)
    return seeds_dir, {path.name: path.read_bytes() for path in sorted(seeds_dir.iterdir())}


def contents(seeds_dir: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(seeds_dir.iterdir())}


def test_fork_appends_and_promoting_an_unchanged_fork_gives_back_the_seeds(tmp_path: Path) -> None:
    seeds_dir, original = rules_copy(tmp_path)
    forked = challenger_script(seeds_dir, "fork", "--from", "platform", "--name", "platform_next",
                               "--description", "Pricing pages count more, e-mails less")  # fmt: skip
    assert forked.returncode == 0, forked.stderr

    after_fork = contents(seeds_dir)
    for name, before in original.items():
        assert after_fork[name].startswith(before), f"{name}: fork must only append"
        added = after_fork[name][len(before) :].decode().splitlines()
        platform_rows = [row for row in before.decode().splitlines()[1:] if ",platform," in f",{row}"]
        if name == "scoring_models.csv":
            assert added == [
                "platform_next,Workflow platform (platform_next),platform,platform,0,100,"
                '"Pricing pages count more, e-mails less"'
            ]
        elif name in ("scoring_decay_policies.csv", "scoring_band_share_bounds.csv"):
            assert added == [], name  # no scoring_model_id column, or no row of platform's own
        else:
            assert len(added) == len(platform_rows) > 0, name
            assert all(",platform_next," in f",{row}," for row in added), name

    promoted = challenger_script(seeds_dir, "promote", "--name", "platform_next")
    assert promoted.returncode == 0, promoted.stderr
    assert contents(seeds_dir) == original


def test_promote_takes_the_challengers_rules_and_keeps_every_other_byte(tmp_path: Path) -> None:
    seeds_dir, original = rules_copy(tmp_path)
    assert (
        challenger_script(seeds_dir, "fork", "--from", "platform", "--name", "platform_next").returncode == 0
    )
    engagement, models = seeds_dir / "scoring_engagement_rules.csv", seeds_dir / "scoring_models.csv"
    edit_line(
        engagement, PRICING_RULE.format(model="platform_next"), PRICING_RAISED.format(model="platform_next")
    )
    edit_line(models, "platform_next,Workflow platform (platform_next),platform,platform,0,100,",
              "platform_next,Workflow platform (platform_next),platform,platform,0,120,")  # fmt: skip

    promoted = challenger_script(seeds_dir, "promote", "--name", "platform_next")
    assert promoted.returncode == 0, promoted.stderr

    expected = dict(original)
    expected["scoring_engagement_rules.csv"] = original["scoring_engagement_rules.csv"].replace(
        PRICING_RULE.format(model="platform").encode(), PRICING_RAISED.format(model="platform").encode()
    )
    # the champion keeps its name and description, and takes the challenger's numbers
    expected["scoring_models.csv"] = original["scoring_models.csv"].replace(
        b"platform,Workflow platform,,platform,0,100,", b"platform,Workflow platform,,platform,0,120,"
    )
    assert expected["scoring_engagement_rules.csv"] != original["scoring_engagement_rules.csv"]
    assert expected["scoring_models.csv"] != original["scoring_models.csv"]
    assert contents(seeds_dir) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["fork", "--from", "platform", "--name", "analytics"], "'analytics' is already a scoring model"),
        (["fork", "--from", "services", "--name", "services_next"], "there is no scoring model 'services' to fork"),
        (["fork", "--from", "platform_next", "--name", "platform_alt"], "'platform_next' is itself a challenger (of 'platform')"),
        (["fork", "--from", "platform", "--name", "Platform Next"], "is not a valid scoring_model_id"),
        (["promote", "--name", "analytics"], "'analytics' is not a challenger"),
        (["promote", "--name", "platform_later"], "there is no scoring model 'platform_later' to promote"),
    ],
    ids=["name_exists", "unknown_champion", "champion_is_a_challenger", "invalid_name", "promote_a_champion",
         "promote_unknown"],
)  # fmt: skip
def test_challenger_script_refuses_clearly_and_changes_nothing(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    seeds_dir, _ = rules_copy(tmp_path)
    assert (
        challenger_script(seeds_dir, "fork", "--from", "platform", "--name", "platform_next").returncode == 0
    )
    before = contents(seeds_dir)

    result = challenger_script(seeds_dir, *args)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and expected in result.stderr, result.stderr
    assert contents(seeds_dir) == before
