"""Tests for scripts/generate_data.py (the synthetic raw-data generator)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import generate_data as gd
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate_data.py"
END_DATE = "2025-06-30"
END = datetime(2025, 7, 1, tzinfo=UTC)  # exclusive end of END_DATE
CONTACTS, EVENTS, SEED = 300, 20_000, 7
TABLES = ("contacts", "companies", "contact_changes", "events", "opportunities")
TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
EXPECTED_SCHEMAS = {
    "contacts": {
        "contact_id": STR,
        "company_id": STR,
        "email": STR,
        "first_name": STR,
        "last_name": STR,
        "job_title": STR,
        "seniority": STR,
        "department": STR,
        "country_code": STR,
        "lead_source": STR,
        "created_at": TS,
        "updated_at": TS,
    },
    "companies": {
        "company_id": STR,
        "company_name": STR,
        "domain": STR,
        "industry": STR,
        "employee_count": pa.int64(),
        "annual_revenue": pa.float64(),
        "country_code": STR,
        "updated_at": TS,
    },
    "contact_changes": {
        "change_id": STR,
        "contact_id": STR,
        "attribute": STR,
        "old_value": STR,
        "new_value": STR,
        "changed_at": TS,
    },
    "events": {
        "event_id": pa.int64(),
        "contact_id": STR,
        "event_type": STR,
        "occurred_at": TS,
        "url": STR,
        "content_type": STR,
        "loaded_at": TS,
    },
    "opportunities": {
        "opportunity_id": STR,
        "contact_id": STR,
        "company_id": STR,
        "product_line": STR,
        "stage": STR,
        "amount": pa.float64(),
        "created_at": TS,
        "closed_at": TS,
        "updated_at": TS,
    },
}
EVENT_TYPES = {
    "page_view",
    "email_open",
    "email_click",
    "email_unsubscribe",
    "email_bounce",
    "form_submit",
    "content_download",
    "webinar_registered",
    "webinar_attended",
    "demo_request",
    "social_engagement",
    "sales_meeting",
}
PERSONAL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "proton.me")


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def small_args(out: Path, seed: int = SEED) -> list[str | Path]:
    return [
        "--output-dir",
        out,
        "--contacts",
        str(CONTACTS),
        "--events",
        str(EVENTS),
        "--seed",
        str(seed),
        "--end-date",
        END_DATE,
    ]


def read(out: Path, table: str) -> pd.DataFrame:
    return pq.read_table(out / table).to_pandas()


def parse_summary(stdout: str) -> dict[str, dict[str, int]]:
    summary = {}
    for line in stdout.splitlines():
        m = re.match(r"(\w+)\s+([\d,]+) rows\s+(\d+) file", line)
        if m:
            bad = {k: int(v.replace(",", "")) for v, k in re.findall(r"([\d,]+) ([a-z_ ']+?)(?:,|$)", line)}
            summary[m[1]] = {"rows": int(m[2].replace(",", "")), "files": int(m[3]), **bad}
    return summary


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, int]]]:
    out = tmp_path_factory.mktemp("gen") / "raw"
    result = run_cli(*small_args(out))
    assert result.returncode == 0, result.stderr
    return out, parse_summary(result.stdout)


@pytest.fixture(scope="module")
def out(generated: tuple[Path, dict]) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def summary(generated: tuple[Path, dict]) -> dict[str, dict[str, int]]:
    return generated[1]


@pytest.fixture(scope="module")
def frames(out: Path) -> dict[str, pd.DataFrame]:
    return {table: read(out, table) for table in TABLES}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """A larger dataset (in-process) for statistical properties."""
    out = tmp_path_factory.mktemp("big") / "raw"
    gd.generate(
        gd.Config(
            output_dir=out,
            end_date=date.fromisoformat(END_DATE),
            contacts=6_000,
            events=250_000,
            seed=11,
            progress=False,
        )
    )
    return {table: read(out, table) for table in TABLES}


def valid_events(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Events without the deliberately bad rows (duplicates kept once)."""
    ev = frames["events"]
    ev = ev[ev.contact_id.isin(frames["contacts"].contact_id) & ev.event_type.isin(EVENT_TYPES)]
    return ev.drop_duplicates()


# ---------------------------------------------------------------------------------------------------------
# Layout, counts, schemas
# ---------------------------------------------------------------------------------------------------------


def test_layout_and_summary(out: Path, summary: dict, frames: dict[str, pd.DataFrame]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)
    for table in TABLES:
        files = sorted((out / table).glob("*.parquet"))
        assert [f.name for f in files] == [f"part-{i:05d}.parquet" for i in range(len(files))]
        assert summary[table]["files"] == len(files)
        assert summary[table]["rows"] == len(frames[table])
    assert not list(out.parent.glob(".*tmp*")), "staging directory left behind"


def test_exact_event_count(frames: dict[str, pd.DataFrame]) -> None:
    assert len(frames["events"]) == EVENTS


def test_schemas(out: Path) -> None:
    for table, expected in EXPECTED_SCHEMAS.items():
        for path in (out / table).glob("*.parquet"):
            schema = pq.read_schema(path)
            assert {f.name: f.type for f in schema} == expected, (table, schema)


def test_sizes(frames: dict[str, pd.DataFrame]) -> None:
    assert len(frames["contacts"]) == CONTACTS
    assert len(frames["companies"]) == 50  # max(50, contacts / 10)
    assert 0 < frames["contact_changes"].contact_id.nunique() < 0.2 * CONTACTS


def test_id_formats_and_uniqueness(frames: dict[str, pd.DataFrame]) -> None:
    id_columns = [
        ("contacts", "contact_id", r"C\d{8}"),
        ("companies", "company_id", r"A\d{7}"),
        ("contact_changes", "change_id", r"H\d{9}"),
        ("opportunities", "opportunity_id", r"O\d{7}"),
    ]
    for table, column, pattern in id_columns:
        values = frames[table][column]
        assert values.is_unique, column
        assert values.str.fullmatch(pattern).all(), column
    companies = frames["companies"]
    assert companies.domain.is_unique
    assert {"rivalsoft.io", "competeflow.com", "leadrival.com"} <= set(companies.domain)
    company_ids = frames["contacts"].company_id.dropna()
    assert company_ids.isin(companies.company_id).all()


def test_event_ids_unique_except_duplicate_deliveries(frames: dict[str, pd.DataFrame], summary: dict) -> None:
    ev = frames["events"]
    n_dup = summary["events"]["duplicate deliveries"]
    assert n_dup == round(EVENTS * 0.001) // 4
    assert len(ev) - ev.event_id.nunique() == n_dup
    repeated = ev[ev.event_id.duplicated(keep=False)]
    assert len(repeated.drop_duplicates()) == n_dup, "duplicate deliveries must be exact copies"


def test_bad_event_rows_match_summary(frames: dict[str, pd.DataFrame], summary: dict) -> None:
    ev, contacts = frames["events"], frames["contacts"]
    s = summary["events"]
    assert ev.contact_id.isna().sum() == s["null contact_id"] > 0
    orphan = ev.contact_id.notna() & ~ev.contact_id.isin(contacts.contact_id)
    assert orphan.sum() == s["orphan contact_id"] > 0
    assert ev.contact_id[orphan].str.fullmatch(r"C\d{8}").all()
    assert (~ev.event_type.isin(EVENT_TYPES)).sum() == s["unknown event_type"] > 0
    assert sum(
        s[k] for k in ("null contact_id", "orphan contact_id", "unknown event_type", "duplicate deliveries")
    ) == round(EVENTS * 0.001)


def test_bad_rows_in_other_tables(frames: dict[str, pd.DataFrame], summary: dict) -> None:
    email = frames["contacts"].email.str.strip()
    malformed = ~email.str.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
    assert malformed.sum() == summary["contacts"]["malformed email"] >= 1
    opps = frames["opportunities"]
    orphan = ~opps.contact_id.isin(frames["contacts"].contact_id)
    assert orphan.sum() == summary["opportunities"]["unknown contact_id"] >= 1


# ---------------------------------------------------------------------------------------------------------
# Values and consistency
# ---------------------------------------------------------------------------------------------------------


def test_categorical_values(frames: dict[str, pd.DataFrame]) -> None:
    c = frames["contacts"]
    assert set(c.seniority) <= {"c_level", "vp", "director", "manager", "individual_contributor", "student"}
    assert set(c.department) <= {
        "executive",
        "engineering",
        "it",
        "operations",
        "project_management",
        "marketing",
        "sales",
        "finance",
        "human_resources",
        "product",
        "education",
    }
    assert set(c.lead_source) <= {
        "organic_search",
        "paid_search",
        "webinar",
        "referral",
        "event",
        "content_syndication",
        "direct",
    }
    assert c.country_code.str.fullmatch(r"[A-Z]{2}").all()
    assert (c.department[c.seniority == "student"] == "education").all()
    o = frames["opportunities"]
    assert set(o.product_line) <= {"platform", "analytics"}
    stages = {"qualification", "discovery", "proposal", "negotiation", "closed_won", "closed_lost"}
    assert set(o.stage) <= stages
    assert (o.amount > 0).all()
    co = frames["companies"]
    assert co.employee_count.between(1, 200_000).all() and (co.annual_revenue > 0).all()
    assert (
        frames["contact_changes"]
        .attribute.isin({"job_title", "seniority", "department", "company_id", "email"})
        .all()
    )


def test_url_and_content_type_only_where_expected(frames: dict[str, pd.DataFrame]) -> None:
    ev = frames["events"]
    with_url = ev.event_type.isin({"page_view", "form_submit"})
    assert ev.url[with_url].notna().all() and ev.url[~with_url].isna().all()
    assert ev.url.dropna().str.lower().str.startswith("https://www.northwind-cloud.com").all()
    downloads = ev.event_type == "content_download"
    assert set(ev.content_type[downloads]) <= {"whitepaper", "case_study", "ebook"}
    assert ev.content_type[downloads].notna().all() and ev.content_type[~downloads].isna().all()


def test_event_times_within_contact_lifetime(frames: dict[str, pd.DataFrame]) -> None:
    ev = valid_events(frames).merge(frames["contacts"][["contact_id", "created_at"]], on="contact_id")
    assert len(ev) > 0.99 * EVENTS
    assert (ev.occurred_at >= ev.created_at).all()
    assert (ev.occurred_at < END).all()
    assert (ev.loaded_at >= ev.occurred_at).all()
    assert (ev.loaded_at - ev.occurred_at).max() <= timedelta(days=3)


def test_contact_timestamps(frames: dict[str, pd.DataFrame]) -> None:
    c = frames["contacts"]
    start = END - timedelta(days=730)
    assert c.created_at.between(start, END, inclusive="left").all()
    assert (c.updated_at >= c.created_at).all() and (c.updated_at < END).all()


def test_contact_changes_chain_to_current_values(frames: dict[str, pd.DataFrame]) -> None:
    changes = frames["contact_changes"].sort_values(["contact_id", "attribute", "changed_at"])
    contacts = frames["contacts"].set_index("contact_id")
    assert (changes.old_value != changes.new_value).any()
    created = contacts.created_at.reindex(changes.contact_id).to_numpy()
    assert (changes.changed_at.to_numpy() > created).all() and (changes.changed_at < END).all()
    for (contact_id, attribute), group in changes.groupby(["contact_id", "attribute"]):
        assert list(group.old_value.iloc[1:]) == list(group.new_value.iloc[:-1]), (contact_id, attribute)
        assert group.new_value.iloc[-1] == contacts.at[contact_id, attribute], (contact_id, attribute)
    # Changes of one kind happen at one instant: a promotion moves title and seniority together.
    seniority = changes[changes.attribute == "seniority"][["contact_id", "changed_at"]]
    titles = changes[changes.attribute == "job_title"][["contact_id", "changed_at"]]
    assert len(seniority.merge(titles)) == len(seniority)


def test_current_emails_unique_after_normalisation(frames: dict[str, pd.DataFrame]) -> None:
    email = frames["contacts"].email.str.strip().str.lower()
    assert email[email.str.contains("@")].is_unique


def test_opportunities_follow_behaviour(frames: dict[str, pd.DataFrame]) -> None:
    opps = frames["opportunities"]
    opps = opps[opps.contact_id.isin(frames["contacts"].contact_id)]
    assert len(opps) > 0
    first_event = valid_events(frames).groupby("contact_id").occurred_at.min()
    assert (first_event.reindex(opps.contact_id).to_numpy() < opps.created_at.to_numpy()).all()
    assert (opps.created_at < END).all() and (opps.updated_at >= opps.created_at).all()
    closed = opps.stage.str.startswith("closed")
    assert opps.closed_at[closed].notna().all() and opps.closed_at[~closed].isna().all()
    assert (opps.closed_at[closed] >= opps.created_at[closed]).all()


# ---------------------------------------------------------------------------------------------------------
# Hidden propensity (larger dataset)
# ---------------------------------------------------------------------------------------------------------


def conversion(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    contacts = frames["contacts"].copy()
    contacts["converted"] = contacts.contact_id.isin(frames["opportunities"].contact_id)
    demo = frames["events"].contact_id[frames["events"].event_type == "demo_request"]
    contacts["demo"] = contacts.contact_id.isin(demo)
    domain = contacts.email.str.strip().str.lower().str.split("@").str[-1]
    contacts["personal"] = domain.isin(PERSONAL_DOMAINS)
    return contacts


def test_overall_rates_are_plausible(big: dict[str, pd.DataFrame]) -> None:
    contacts = conversion(big)
    assert 0.015 < contacts.converted.mean() < 0.05
    stages = big["opportunities"].stage
    win_rate = (stages == "closed_won").sum() / stages.str.startswith("closed").sum()
    assert 0.15 < win_rate < 0.4
    assert 0.02 < (contacts.seniority == "student").mean() < 0.045
    assert 0.03 < contacts.company_id.isna().mean() < 0.09
    types = big["events"].event_type.value_counts(normalize=True)
    assert types["page_view"] > types["email_open"] > types["content_download"] > types["demo_request"]
    assert types["sales_meeting"] < 0.01


def test_demo_requesters_convert_much_more(big: dict[str, pd.DataFrame]) -> None:
    contacts = conversion(big)
    with_demo, without = contacts.converted[contacts.demo].mean(), contacts.converted[~contacts.demo].mean()
    assert with_demo > 5 * without


def test_students_and_personal_emails_convert_less(big: dict[str, pd.DataFrame]) -> None:
    contacts = conversion(big)
    business = contacts[(contacts.seniority != "student") & ~contacts.personal]
    students = contacts[contacts.seniority == "student"]
    personal = contacts[contacts.personal]
    assert students.converted.mean() < 0.2 * business.converted.mean()
    assert personal.converted.mean() < 0.5 * business.converted.mean()


def test_analytics_deals_skew_to_larger_companies(big: dict[str, pd.DataFrame]) -> None:
    opps = big["opportunities"].merge(big["companies"][["company_id", "employee_count"]], on="company_id")
    size = opps.groupby("product_line").employee_count.median()
    assert size["analytics"] > size["platform"]


# ---------------------------------------------------------------------------------------------------------
# Determinism and CLI behaviour
# ---------------------------------------------------------------------------------------------------------


def file_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


def test_same_seed_gives_identical_bytes_and_other_seed_differs(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    assert gd.main(list(map(str, small_args(again)))) == 0  # in-process run vs the subprocess run
    assert file_bytes(again) == file_bytes(out)
    other = tmp_path / "other"
    assert gd.main(list(map(str, small_args(other, seed=SEED + 1)))) == 0
    other_bytes, original = file_bytes(other), file_bytes(out)
    assert all(other_bytes[name] != original[name] for name in original)


def test_refuses_to_overwrite_without_force(out: Path) -> None:
    before = file_bytes(out)
    result = run_cli(*small_args(out))
    assert result.returncode != 0
    assert "already contains data" in result.stderr and "--force" in result.stderr
    assert file_bytes(out) == before


def test_force_replaces_existing_data(tmp_path: Path) -> None:
    out = tmp_path / "raw"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    args = [
        "--output-dir",
        str(out),
        "--contacts",
        "60",
        "--events",
        "500",
        "--end-date",
        END_DATE,
        "--force",
    ]
    assert gd.main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)
    assert [p.name for p in tmp_path.iterdir()] == ["raw"], "staging directories left behind"


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        gd.parse_args(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    options = (
        "--output-dir",
        "--contacts",
        "--events",
        "--seed",
        "--end-date",
        "--days",
        "--bad-row-rate",
        "--force",
    )
    assert all(option in text for option in options)


@pytest.mark.parametrize(
    "args", [["--end-date", "30/06/2025"], ["--bad-row-rate", "2"], ["--contacts", "0"], ["--seed", "-1"]]
)
def test_rejects_invalid_options(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        gd.parse_args(args)
    assert exit_info.value.code == 2 and "error" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------
# Chunking and file splitting (direct calls)
# ---------------------------------------------------------------------------------------------------------


def test_chunks_and_files_without_bad_rows(tmp_path: Path) -> None:
    config = gd.Config(
        output_dir=tmp_path / "raw",
        end_date=date.fromisoformat(END_DATE),
        contacts=200,
        events=20_000,
        seed=3,
        bad_row_rate=0.0,
        events_per_chunk=2_000,
        rows_per_file=7_000,
        progress=False,
    )
    summaries = gd.generate(config)
    assert summaries["events"].files == 3 and summaries["events"].rows == 20_000
    files = sorted((config.output_dir / "events").glob("*.parquet"))
    assert [pq.ParquetFile(f).metadata.num_rows for f in files] == [7_000, 7_000, 6_000]
    frames = {table: read(config.output_dir, table) for table in TABLES}
    ev = frames["events"]
    assert ev.event_id.is_unique and ev.contact_id.isin(frames["contacts"].contact_id).all()
    assert ev.event_type.isin(EVENT_TYPES).all()
    assert frames["opportunities"].contact_id.isin(frames["contacts"].contact_id).all()
    with pytest.raises(gd.OutputExistsError):
        gd.generate(config)
    gd.generate(replace(config, force=True))
    assert file_bytes(config.output_dir)


def test_chunk_bounds_cover_all_contacts() -> None:
    counts = pd.Series([5, 0, 7, 3, 9, 1, 0, 4]).to_numpy()
    bounds = gd.chunk_bounds(counts, events_per_chunk=8, max_contacts=3)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(counts)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    assert all(hi - lo <= 3 for lo, hi in bounds)
    assert all(counts[lo:hi].sum() <= 8 + counts.max() for lo, hi in bounds)
