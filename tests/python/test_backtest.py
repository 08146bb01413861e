"""The point-in-time backtest (models/marts/backtest): no leakage from after a backtest date, and
every report figure equal to the same figure computed here from the lead snapshots."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import AS_OF_DATE, PROJECT_ROOT, DbtBuild, errors_of

PROJECT_VARS = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
WINDOW_DAYS = PROJECT_VARS["conversion_window_days"]
SNAPSHOTS = PROJECT_VARS["backtest_snapshots"]
INTERVAL_DAYS = PROJECT_VARS["backtest_interval_days"]
MIN_NEW_MQLS = PROJECT_VARS["threshold_target_min_new_mqls"]

# the columns of fct_backtest_lead_scores known on the backtest date (the rest is the outcome)
SCORE_COLUMNS = (
    "backtest_lead_score_id, backtest_date, contact_id, scoring_model_id, segment, fit_score, engagement_score, "
    "lead_score, grade, score_band, is_mql, mql_threshold, max_previous_lead_score, is_new_mql, rules_version"
)


def frame(build: DbtBuild, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(build.database), read_only=True) as con:
        return con.sql(sql).df()


def auc(scores: pd.Series, converted: pd.Series) -> float:
    """Mann-Whitney AUC with average ranks for ties."""
    ranks = scores.rank(method="average")
    positives = int(converted.sum())
    negatives = len(converted) - positives
    return (ranks[converted].sum() - positives * (positives + 1) / 2) / (positives * negatives)


@pytest.fixture(scope="module")
def snapshots(published_demo: DbtBuild) -> pd.DataFrame:
    return frame(published_demo, "select * from marts.fct_backtest_lead_scores")


@pytest.fixture(scope="module")
def evaluated(snapshots: pd.DataFrame) -> pd.DataFrame:
    rows = snapshots[snapshots.is_evaluated].copy()
    rows["lead_score"] = rows.lead_score.astype(float)
    return pd.concat([rows, rows.assign(segment="all")], ignore_index=True)


# --- the backtest dates and outcomes -------------------------------------------------------------


def test_backtest_dates_end_one_window_before_the_as_of_date(snapshots: pd.DataFrame) -> None:
    dates = sorted(pd.to_datetime(snapshots.backtest_date.unique()).date)
    last = date.fromisoformat(AS_OF_DATE) - timedelta(days=WINDOW_DAYS)
    assert dates == [last - timedelta(days=INTERVAL_DAYS * k) for k in reversed(range(SNAPSHOTS))]
    assert (pd.to_datetime(snapshots.outcome_window_end_date).dt.date <= date.fromisoformat(AS_OF_DATE)).all()


def test_outcomes_are_the_first_opportunity_in_the_window_and_prior_ones_exclude(
    published_demo: DbtBuild, snapshots: pd.DataFrame
) -> None:
    with duckdb.connect(str(published_demo.database), read_only=True) as con:
        expected = con.sql(f"""
            with opportunities as (
                select contact_id, product_line, created_at
                from read_parquet('{published_demo.raw_dir}/opportunities/*.parquet')
            )
            select
                s.backtest_lead_score_id,
                count(case when o.created_at < s.backtest_date + interval 1 day then 1 end) = 0 as is_evaluated,
                min(case when o.created_at >= s.backtest_date + interval 1 day
                          and o.created_at < s.backtest_date + interval {WINDOW_DAYS + 1} day
                         then o.created_at end) as first_opportunity_at
            from marts.fct_backtest_lead_scores as s
            left join opportunities as o
                on o.contact_id = s.contact_id and o.product_line = s.product_line
                and o.created_at < date '{AS_OF_DATE}' + interval 1 day
            group by s.backtest_lead_score_id
        """).df()  # fmt: skip
    merged = snapshots.merge(expected, on="backtest_lead_score_id", suffixes=("", "_expected"))
    assert len(merged) == len(snapshots)
    assert (merged.is_evaluated == merged.is_evaluated_expected).all()
    assert (merged.has_opportunity == merged.first_opportunity_at_expected.notna()).all()
    assert merged.has_opportunity.sum() > 20 and (~merged.is_evaluated).sum() > 20


# --- the reports equal the figures computed from the snapshots ---------------------------------------


def test_performance_figures(published_demo: DbtBuild, evaluated: pd.DataFrame) -> None:
    report = frame(published_demo, "select * from marts.rpt_backtest_performance").set_index(
        ["scoring_model_id", "segment"]
    )
    groups = evaluated.groupby(["scoring_model_id", "segment"])
    assert set(report.index) == set(groups.groups)
    for key, rows in groups:
        row = report.loc[key]
        converted = rows.has_opportunity
        assert row.lead_snapshots == len(rows) and row.converted_snapshots == converted.sum()
        if 0 < converted.sum() < len(rows):
            assert row.auc == pytest.approx(auc(rows.lead_score, converted), abs=1e-12)
        else:
            assert pd.isna(row.auc)
        mqls = rows[rows.is_mql]
        assert row.mql_snapshots == len(mqls)
        if len(mqls):
            assert row.precision_at_threshold == pytest.approx(mqls.has_opportunity.mean())
        if converted.sum():
            assert row.recall_at_threshold == pytest.approx(mqls.has_opportunity.sum() / converted.sum())
        new = rows[rows.is_new_mql.fillna(False).astype(bool)]
        flow_weeks = rows[rows.is_new_mql.notna()].backtest_date.nunique() * INTERVAL_DAYS / 7
        assert row.new_mqls == len(new)
        assert row.new_mqls_per_week == pytest.approx(len(new) / flow_weeks)
    assert report.loc[("platform", "all")].auc > 0.7  # the demo's rules rank leads well


def test_conversion_by_band_and_decile_add_up(published_demo: DbtBuild, evaluated: pd.DataFrame) -> None:
    bands = frame(published_demo, "select * from marts.rpt_backtest_conversion_by_band")
    counted = evaluated.groupby(["scoring_model_id", "segment", "score_band"]).agg(
        lead_snapshots=("contact_id", "size"), converted_snapshots=("has_opportunity", "sum")
    )
    merged = bands.merge(
        counted.reset_index(),
        on=["scoring_model_id", "segment", "score_band"],
        how="left",
        suffixes=("", "_expected"),
    )
    assert (merged.lead_snapshots == merged.lead_snapshots_expected.fillna(0)).all()
    assert (merged.converted_snapshots == merged.converted_snapshots_expected.fillna(0)).all()
    assert len(counted) == (merged.lead_snapshots > 0).sum()

    deciles = frame(published_demo, "select * from marts.rpt_backtest_conversion_by_decile")
    for (model, segment), rows in deciles.groupby(["scoring_model_id", "segment"]):
        scored = evaluated[(evaluated.scoring_model_id == model) & (evaluated.segment == segment)]
        rows = rows.sort_values("score_decile")
        assert rows.lead_snapshots.sum() == len(scored)
        assert rows.converted_snapshots.sum() == scored.has_opportunity.sum()
        # better deciles hold higher scores, and ties never straddle two deciles
        assert (rows.min_score.iloc[:-1].to_numpy() > rows.max_score.iloc[1:].to_numpy()).all()
        assert rows.cumulative_share_of_snapshots.iloc[-1] == pytest.approx(1)


def test_threshold_tradeoffs_and_recommendations(published_demo: DbtBuild, evaluated: pd.DataFrame) -> None:
    tradeoffs = frame(published_demo, "select * from marts.rpt_mql_threshold_tradeoffs")
    by_segment = evaluated[evaluated.segment != "all"]
    for (model, segment), rows in by_segment.groupby(["scoring_model_id", "segment"]):
        flow = rows[rows.is_new_mql.notna()]
        flow_weeks = flow.backtest_date.nunique() * INTERVAL_DAYS / 7
        offered = tradeoffs[(tradeoffs.scoring_model_id == model) & (tradeoffs.segment == segment)]
        assert sorted(offered.mql_threshold.astype(float)) == list(map(float, range(1, 101)))
        for threshold in (25.0, 50.0, 55.0, 70.0):
            row = offered[offered.mql_threshold.astype(float) == threshold].iloc[0]
            above = rows[rows.lead_score >= threshold]
            new = flow[
                (flow.lead_score >= threshold) & ~(flow.max_previous_lead_score.astype(float) >= threshold)
            ]
            assert row.lead_snapshots_at_or_above == len(above)
            assert row.converted_at_or_above == above.has_opportunity.sum()
            assert row.new_mqls == len(new) and row.converted_new_mqls == new.has_opportunity.sum()
            assert row.new_mqls_per_week == pytest.approx(len(new) / flow_weeks)
        # at the current threshold, the new MQLs are the snapshots flagged is_new_mql
        current = offered[offered.is_current_threshold]
        assert len(current) == 1
        assert current.new_mqls.iloc[0] == rows.is_new_mql.fillna(False).astype(bool).sum()

    targets = pd.read_csv(PROJECT_ROOT / "seeds" / "rules" / "scoring_mql_targets.csv")
    recommendations = frame(published_demo, "select * from marts.rpt_mql_threshold_recommendations")
    for target in targets.itertuples():
        offered = tradeoffs[
            (tradeoffs.scoring_model_id == target.scoring_model_id) & (tradeoffs.segment == target.segment)
        ]
        meets = pd.Series(True, index=offered.index)
        if pd.notna(target.max_mqls_per_week):
            meets &= offered.new_mqls_per_week <= target.max_mqls_per_week
        if pd.notna(target.min_opportunity_rate):
            meets &= (offered.new_mqls >= MIN_NEW_MQLS) & (
                offered.mql_to_opportunity_rate >= target.min_opportunity_rate
            )
        recommended = recommendations[
            (recommendations.scoring_model_id == target.scoring_model_id)
            & (recommendations.segment == target.segment)
        ].iloc[0]
        if meets.any():
            assert float(recommended.recommended_mql_threshold) == float(offered[meets].mql_threshold.min())
            assert recommended.recommendation in ("keep", "raise", "lower")
        else:
            assert pd.isna(recommended.recommended_mql_threshold)
            assert recommended.recommendation == "no threshold meets the targets"
    assert (recommendations.recommendation.isin(["keep", "raise", "lower"])).any()


# --- no leakage ---------------------------------------------------------------------------------------


def append_parquet(directory: Path, table: pa.Table) -> None:
    pq.write_table(table, directory / "part-99999.parquet")


def leak_after(
    raw_dir: Path, cutoff: pd.Timestamp, contacts: list[str], opportunity_contact: str
) -> dict[str, str]:
    """Add to a copy of the raw data only facts from after `cutoff` (the end of a backtest date):
    events of every type for some contacts, an attribute change, a new contact with events, and
    an opportunity. Returns the ids it changed."""
    con = duckdb.connect()
    events = con.sql(f"select * from read_parquet('{raw_dir}/events/*.parquet')").arrow()
    schema = events.schema
    sample = con.sql(f"""
        select * exclude (rn) from (
            select *, row_number() over (partition by event_type order by event_id) as rn
            from read_parquet('{raw_dir}/events/*.parquet') where contact_id is not null
        ) where rn <= 3
    """).arrow().read_all().to_pylist()  # fmt: skip
    new_contact = "C09999999"
    rows = []
    next_id = int(
        con.sql(f"select max(event_id) from read_parquet('{raw_dir}/events/*.parquet')").fetchone()[0]
    )
    for contact in [*contacts, new_contact]:
        for offset, event in enumerate(sample):
            next_id += 1
            occurred = cutoff + pd.Timedelta(hours=13 if contact == new_contact else 0, seconds=offset)
            rows.append({**event, "event_id": next_id, "contact_id": contact,
                         "occurred_at": occurred, "loaded_at": occurred + pd.Timedelta(minutes=5)})  # fmt: skip
    append_parquet(raw_dir / "events", pa.Table.from_pylist(rows, schema=schema))

    contacts_table = con.sql(f"select * from read_parquet('{raw_dir}/contacts/*.parquet')").df()
    changed = contacts_table[contacts_table.contact_id == contacts[0]].index[0]
    old_seniority = contacts_table.loc[changed, "seniority"]
    new_seniority = "student" if old_seniority != "student" else "manager"
    contacts_table.loc[changed, "seniority"] = new_seniority
    template = contacts_table.loc[changed].copy()
    template["contact_id"], template["email"] = new_contact, "leak.test@northwind-example.com"
    template["created_at"] = template["updated_at"] = cutoff + pd.Timedelta(hours=12)
    contacts_table = pd.concat([contacts_table, template.to_frame().T], ignore_index=True)
    contact_schema = pq.read_schema(next((raw_dir / "contacts").glob("*.parquet")))
    for path in (raw_dir / "contacts").glob("*.parquet"):
        path.unlink()
    pq.write_table(pa.Table.from_pandas(contacts_table, schema=contact_schema, preserve_index=False),
                   raw_dir / "contacts" / "part-00000.parquet")  # fmt: skip
    changes_schema = pq.read_schema(next((raw_dir / "contact_changes").glob("*.parquet")))
    append_parquet(raw_dir / "contact_changes", pa.Table.from_pylist([{
        "change_id": "H999999999", "contact_id": contacts[0], "attribute": "seniority",
        "old_value": old_seniority, "new_value": new_seniority, "changed_at": cutoff,
    }], schema=changes_schema))  # fmt: skip

    opportunity_schema = pq.read_schema(next((raw_dir / "opportunities").glob("*.parquet")))
    append_parquet(raw_dir / "opportunities", pa.Table.from_pylist([{
        "opportunity_id": "O9999999", "contact_id": opportunity_contact, "company_id": None,
        "product_line": "platform", "stage": "qualification", "amount": 10_000.0,
        "created_at": cutoff + pd.Timedelta(days=2), "closed_at": None, "updated_at": cutoff + pd.Timedelta(days=2),
    }], schema=opportunity_schema))  # fmt: skip
    return {"attribute_change": contacts[0], "new_contact": new_contact, "opportunity": opportunity_contact}


def test_facts_after_a_backtest_date_change_nothing_up_to_it(
    published_demo: DbtBuild, tmp_path: Path
) -> None:
    dates = sorted(
        r[0]
        for r in published_demo.query("select distinct backtest_date from marts.fct_backtest_lead_scores")
    )
    cutoff_date = dates[SNAPSHOTS // 2]
    cutoff = pd.Timestamp(cutoff_date, tz="UTC") + pd.Timedelta(days=1)  # the first instant after the date
    # leads that exist on the date, are evaluated and have no opportunity yet
    candidates = [row[0] for row in published_demo.query(f"""
        select contact_id from marts.fct_backtest_lead_scores
        where backtest_date = '{cutoff_date}' and scoring_model_id = 'platform' and is_evaluated
            and not has_opportunity and segment <> 'unknown'
        order by contact_id limit 12
    """)]  # fmt: skip
    raw_dir = tmp_path / "raw"
    shutil.copytree(published_demo.raw_dir, raw_dir)
    leaked = leak_after(raw_dir, cutoff, candidates[:-1], candidates[-1])

    build = DbtBuild(PROJECT_ROOT, tmp_path / "warehouse.duckdb", raw_dir, tmp_path)
    result = build.run(
        "build",
        "--select",
        "+fct_backtest_lead_scores",
        "--indirect-selection",
        "cautious",
        "--exclude",
        "test_type:unit",
    )
    assert result.success, errors_of(result)

    with duckdb.connect() as con:
        con.execute(f"attach '{published_demo.database}' as before (read_only)")
        con.execute(f"attach '{build.database}' as leaked (read_only)")

        def differences(table: str, columns: str, dates: str) -> int:
            query = f"select {columns} from {{}}.marts.{table} where backtest_date {dates}"
            return con.sql(
                f"select count(*) from (({query.format('before')} except all {query.format('leaked')})"
                f" union all ({query.format('leaked')} except all {query.format('before')}))"
            ).fetchone()[0]

        up_to = f"<= date '{cutoff_date}'"
        assert differences("fct_backtest_lead_scores", SCORE_COLUMNS, up_to) == 0
        assert differences("fct_backtest_lead_score_components", "*", up_to) == 0

        # the same facts do show from the next backtest date on (the test can fail)
        after = f"= date '{cutoff_date}' + interval {INTERVAL_DAYS} day"
        changed = con.sql(f"""
            select count(distinct contact_id) from (
                (select contact_id, scoring_model_id, lead_score, fit_score from before.marts.fct_backtest_lead_scores where backtest_date {after}
                 except select contact_id, scoring_model_id, lead_score, fit_score from leaked.marts.fct_backtest_lead_scores where backtest_date {after})
                union all
                (select contact_id, scoring_model_id, lead_score, fit_score from leaked.marts.fct_backtest_lead_scores where backtest_date {after}
                 except select contact_id, scoring_model_id, lead_score, fit_score from before.marts.fct_backtest_lead_scores where backtest_date {after})
            )
        """).fetchone()[0]  # fmt: skip
        assert changed >= len(candidates) // 2
        new_contact_dates = con.sql(
            "select min(backtest_date) from leaked.marts.fct_backtest_lead_scores where contact_id = ?",
            params=[leaked["new_contact"]],
        ).fetchone()[0]
        assert new_contact_dates == cutoff_date + timedelta(days=INTERVAL_DAYS)
        # the opportunity is the outcome of the lead on the date, and only that
        outcome = con.sql(f"""
            select has_opportunity, days_to_opportunity from leaked.marts.fct_backtest_lead_scores
            where contact_id = '{leaked["opportunity"]}' and scoring_model_id = 'platform' and backtest_date = '{cutoff_date}'
        """).fetchone()  # fmt: skip
        assert outcome == (True, 3)
