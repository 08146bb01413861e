"""Malformed raw rows: each lands in its quarantine with the expected reason, or the build fails with a
message that names the table and the problem; nothing else is lost.

One build reads a small valid dataset plus every malformed row of CASES. A case row is a valid row
with one thing wrong, marked with its case id in a column its quarantine shows (MARKER). Rows that
need text where the raw schema has numbers or timestamps go to a second, all-text Parquet file in the
table's directory, read together with the typed one (union_by_name); the events directory also holds
a Parquet file with no rows. Whole-file problems (a missing column, binary or non-UTF-8 text,
timestamps as epoch integers, a table without any file) each break one raw table of one partial
build. An events table without rows builds through to the scores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_ROOT, DbtBuild, errors_of
from dbt.cli.main import dbtRunnerResult
from generate_data import SCHEMAS
from raw_tables import ts, write_raw_tables

VALID = {
    "contacts": [
        dict(contact_id="C1", company_id="A1", email="jane@acme.com", first_name="Jane", last_name="Doe",
             job_title="Project Manager", seniority="manager", department="project_management", country_code="US",
             lead_source="webinar", created_at=ts("2026-01-10"), updated_at=ts("2026-06-01")),
        dict(contact_id="C2", company_id=None, email="bob@gmail.com", first_name="Bob", last_name="Smith",
             job_title="Analyst", seniority="individual_contributor", department="finance", country_code="GB",
             lead_source="organic_search", created_at=ts("2026-09-01"), updated_at=ts("2026-09-01")),
        dict(contact_id="C3", company_id="A2", email="cfo@bigbank.com", first_name="Maria", last_name="Rossi",
             job_title="CFO", seniority="c_level", department="finance", country_code="DE",
             lead_source="direct", created_at=ts("2026-02-01"), updated_at=ts("2026-02-01")),
        # odd but valid text: accents, an emoji, a right-to-left mark and a tab are kept as they are
        dict(contact_id="C4", company_id="A1", email="zoe@acme.com", first_name="Zoë", last_name="Ō’Brien 😀\u200f",
             job_title="Head of\tGrowth", seniority="director", department="marketing", country_code="IE",
             lead_source="webinar", created_at=ts("2026-03-01"), updated_at=ts("2026-03-01")),
    ],
    "companies": [
        dict(company_id="A1", company_name="Acme", domain="acme.com", industry="software", employee_count=120,
             annual_revenue=2.0e7, country_code="US", updated_at=ts("2026-01-01")),
        dict(company_id="A2", company_name="Big Bank", domain="bigbank.com", industry="financial_services",
             employee_count=8000, annual_revenue=2.0e9, country_code="DE", updated_at=ts("2026-01-01")),
    ],
    "contact_changes": [
        dict(change_id="H1", contact_id="C1", attribute="seniority", old_value="individual_contributor",
             new_value="manager", changed_at=ts("2026-06-01")),
    ],
    "opportunities": [
        dict(opportunity_id="O1", contact_id="C1", company_id="A1", product_line="platform", stage="closed_won",
             amount=12000.0, created_at=ts("2026-08-01"), closed_at=ts("2026-09-15"), updated_at=ts("2026-09-15")),
        dict(opportunity_id="O2", contact_id="C3", company_id="A2", product_line="analytics", stage="discovery",
             amount=None, created_at=ts("2026-10-01"), closed_at=None, updated_at=ts("2026-10-02")),
    ],
    "events": [
        dict(event_id=1, contact_id="C1", event_type="demo_request", occurred_at=ts("2026-10-01 09:00"),
             loaded_at=ts("2026-10-01 10:00")),
        dict(event_id=2, contact_id="C1", event_type="page_view", url="https://www.example.com/pricing?utm=x",
             occurred_at=ts("2026-10-30 10:00"), loaded_at=ts("2026-10-30 11:00")),
        dict(event_id=3, contact_id="C2", event_type="email_open", occurred_at=ts("2026-10-20 08:00"),
             loaded_at=ts("2026-10-20 09:00")),
        dict(event_id=4, contact_id="C3", event_type="content_download", content_type="Whitepaper",
             occurred_at=ts("2026-10-15 12:00"), loaded_at=ts("2026-10-15 13:00")),
        # a type in other case and padded is normalised, not rejected
        dict(event_id=5, contact_id=" C4 ", event_type=" Page_View ", url="https://www.example.com/Blog/post",
             occurred_at=ts("2026-10-25 12:00"), loaded_at=ts("2026-10-25 13:00")),
    ],
}  # fmt: skip

# Valid rows written as text (write_text_file): a timestamp with an offset is read in UTC.
VALID_AS_TEXT = {
    "events": [
        dict(event_id="6", contact_id="C2", event_type="webinar_attended", occurred_at="2026-10-01T09:00:00+02:00",
             loaded_at="2026-10-01 12:00:00"),
    ],
}  # fmt: skip

# The quarantine column each table's case rows carry their case id in.
MARKER = {
    "contacts": "company_id",
    "companies": "company_name",
    "contact_changes": "change_id",
    "opportunities": "product_line",
    "events": "content_type",
}
STAGED_KEY = {
    "contacts": "contact_id",
    "companies": "company_id",
    "contact_changes": "change_id",
    "opportunities": "opportunity_id",
    "events": "event_id",
}
MODELS = {
    "contacts": "stg_crm__contacts",
    "companies": "stg_crm__companies",
    "contact_changes": "stg_crm__contact_changes",
    "opportunities": "stg_crm__opportunities",
    "events": "stg_marketing__events",
}
# A valid row of each table, which a case changes in one respect.
TEMPLATE = {
    "contacts": dict(email="ann@example.com", first_name="Ann", last_name="Lee", job_title="Engineer",
                     seniority="individual_contributor", department="engineering", country_code="US",
                     lead_source="webinar", created_at=ts("2026-03-01"), updated_at=ts("2026-03-02")),
    "companies": dict(domain="example.com", industry="software", employee_count=50, annual_revenue=1.0e6,
                      country_code="US", updated_at=ts("2026-01-02")),
    "contact_changes": dict(contact_id="C1", attribute="job_title", old_value="Manager", new_value="Director",
                            changed_at=ts("2026-07-01")),
    "opportunities": dict(contact_id="C1", company_id="A1", stage="discovery", amount=1000.0,
                          created_at=ts("2026-08-01"), updated_at=ts("2026-08-02")),
    "events": dict(contact_id="C1", event_type="email_open", occurred_at=ts("2026-10-10 10:00"),
                   loaded_at=ts("2026-10-10 11:00")),
}  # fmt: skip
FAR_FUTURE = ts("2099-01-01")
# The raw tables' staging and its tests (the marts are not needed to see where a raw row went).
STAGING = ("+path:models/staging/crm", "+path:models/staging/marketing")
# Partial builds: only the data tests of built models; unit tests check logic on fixtures, not raw data.
PARTIAL = ("--indirect-selection", "cautious", "--exclude-resource-type", "unit_test")


@dataclass(frozen=True)
class Case:
    table: str
    id: str  # lower-case: some markers are lower-cased in staging
    change: dict = field(default_factory=dict)
    reason: str = ""
    as_text: bool = False  # written to the all-text file: for values the typed schema cannot hold
    marker: str = ""  # the quarantine column that finds the row, when not the table's MARKER

    @property
    def marker_column(self) -> str:
        return self.marker or MARKER[self.table]

    @property
    def row(self) -> dict:
        """The template with the case's own id, its marker and its change."""
        own_id = {STAGED_KEY[self.table]: 1000 + CASES.index(self) if self.table == "events" else self.id}
        return {**TEMPLATE[self.table], **own_id, self.marker_column: self.id, **self.change}

    @property
    def marker_value(self) -> object:
        return self.row[self.marker_column]


CASES = [
    # contacts
    Case("contacts", "contact-null-id", dict(contact_id=None), "missing_contact_id"),
    Case("contacts", "contact-blank-id", dict(contact_id="   "), "missing_contact_id"),
    Case("contacts", "contact-empty-id", dict(contact_id=""), "missing_contact_id"),
    Case("contacts", "contact-id-with-carriage-return", dict(contact_id="C9\r"), "invalid_contact_id"),
    Case("contacts", "contact-id-with-nul", dict(contact_id="C\x009"), "invalid_contact_id"),
    Case("contacts", "contact-missing-created-at", dict(created_at=None), "missing_created_at"),
    Case("contacts", "contact-unparseable-created-at", dict(created_at="31/02/2026"), "unparseable_created_at", as_text=True),
    Case("contacts", "contact-future-created-at", dict(created_at=FAR_FUTURE), "future_created_at"),
    Case("contacts", "contact-unparseable-updated-at", dict(updated_at="last tuesday"), "unparseable_updated_at", as_text=True),
    Case("contacts", "contact-older-duplicate", dict(contact_id="C1", updated_at=ts("2026-05-01")), "duplicate_contact_id"),
    # a newer but broken copy of C2: quarantined, and C2's good row is still staged
    Case("contacts", "contact-broken-newer-copy", dict(contact_id="C2", created_at="not a date", updated_at="2026-10-30"),
         "unparseable_created_at", as_text=True),
    # companies
    Case("companies", "company-null-id", dict(company_id=None), "missing_company_id"),
    Case("companies", "company-id-with-newline", dict(company_id="A\n9"), "invalid_company_id"),
    Case("companies", "company-employees-in-words", dict(employee_count="many"), "invalid_employee_count", as_text=True),
    Case("companies", "company-negative-employees", dict(employee_count=-5), "invalid_employee_count"),
    Case("companies", "company-nan-revenue", dict(annual_revenue=float("nan")), "invalid_annual_revenue"),
    Case("companies", "company-infinite-revenue", dict(annual_revenue=float("inf")), "invalid_annual_revenue"),
    Case("companies", "company-negative-revenue", dict(annual_revenue=-1.0), "invalid_annual_revenue"),
    Case("companies", "company-unparseable-updated-at", dict(updated_at="2026-01-01 25:00"), "unparseable_updated_at", as_text=True),
    Case("companies", "company-older-duplicate", dict(company_id="A1", updated_at=ts("2025-12-01")), "duplicate_company_id"),
    # contact_changes
    Case("contact_changes", "change-null-id", dict(change_id=None), "missing_change_id", marker="contact_id"),
    Case("contact_changes", "change-blank-id", dict(change_id=" "), "missing_change_id", marker="contact_id"),
    Case("contact_changes", "change-missing-contact", dict(contact_id=""), "missing_contact_id"),
    Case("contact_changes", "change-unknown-contact", dict(contact_id="C404"), "unknown_contact_id"),
    Case("contact_changes", "change-of-quarantined-contact", dict(contact_id="contact-future-created-at"), "unknown_contact_id"),
    Case("contact_changes", "change-unknown-attribute", dict(attribute="shoe_size"), "unknown_attribute"),
    Case("contact_changes", "change-missing-changed-at", dict(changed_at=None), "missing_changed_at"),
    Case("contact_changes", "change-unparseable-changed-at", dict(changed_at="2026-13-01"), "unparseable_changed_at", as_text=True),
    Case("contact_changes", "change-future-changed-at", dict(changed_at=FAR_FUTURE), "future_changed_at"),
    Case("contact_changes", "change-redelivered", dict(change_id="H1", changed_at=ts("2026-06-02")), "duplicate_change_id"),
    # opportunities
    Case("opportunities", "opportunity-null-id", dict(opportunity_id=None), "missing_opportunity_id"),
    Case("opportunities", "opportunity-missing-contact", dict(contact_id=None), "missing_contact_id"),
    Case("opportunities", "opportunity-orphan", dict(contact_id="C404"), "unknown_contact_id"),
    Case("opportunities", "opportunity-unknown-stage", dict(stage="won-ish"), "unknown_stage"),
    Case("opportunities", "opportunity-amount-in-words", dict(amount="n/a"), "invalid_amount", as_text=True),
    Case("opportunities", "opportunity-negative-amount", dict(amount=-100.0), "invalid_amount"),
    Case("opportunities", "opportunity-nan-amount", dict(amount=float("nan")), "invalid_amount"),
    Case("opportunities", "opportunity-missing-created-at", dict(created_at=None), "missing_created_at"),
    Case("opportunities", "opportunity-unparseable-created-at", dict(created_at="2026-02-30"), "unparseable_created_at", as_text=True),
    Case("opportunities", "opportunity-future-created-at", dict(created_at=FAR_FUTURE), "future_created_at"),
    Case("opportunities", "opportunity-unparseable-closed-at", dict(closed_at="soon"), "unparseable_closed_at", as_text=True),
    Case("opportunities", "opportunity-older-duplicate", dict(opportunity_id="O1", updated_at=ts("2026-09-01")), "duplicate_opportunity_id"),
    # events
    Case("events", "event-null-id", dict(event_id=None), "missing_event_id"),
    Case("events", "event-id-in-words", dict(event_id="abc"), "invalid_event_id", as_text=True),
    Case("events", "event-null-contact", dict(contact_id=None), "missing_contact_id"),
    Case("events", "event-blank-contact", dict(contact_id="  "), "missing_contact_id"),
    Case("events", "event-unknown-contact", dict(contact_id="C404"), "unknown_contact_id"),
    Case("events", "event-of-quarantined-contact", dict(contact_id="contact-future-created-at"), "unknown_contact_id"),
    Case("events", "event-null-type", dict(event_type=None), "missing_event_type"),
    Case("events", "event-empty-type", dict(event_type=""), "missing_event_type"),
    Case("events", "event-unknown-type", dict(event_type="telepathy"), "unknown_event_type"),
    Case("events", "event-missing-occurred-at", dict(occurred_at=None), "missing_occurred_at"),
    Case("events", "event-unparseable-occurred-at", dict(occurred_at="2026-10-32 10:00"), "unparseable_occurred_at", as_text=True),
    Case("events", "event-epoch-seconds-as-text", dict(occurred_at="1761955200"), "unparseable_occurred_at", as_text=True),
    Case("events", "event-after-its-load", dict(occurred_at=ts("2026-10-13 11:00")), "future_occurred_at"),
    Case("events", "event-unparseable-loaded-at", dict(loaded_at="yesterday"), "unparseable_loaded_at", as_text=True),
    Case("events", "event-redelivered", dict(event_id=1, contact_id="C1", event_type="demo_request",
         occurred_at=ts("2026-10-01 09:00"), loaded_at=ts("2026-10-02 10:00")), "duplicate_event_id"),
]  # fmt: skip


def text(value: object) -> str | None:
    """A raw value as an exporter that writes text would write it."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else str(value)


def write_text_file(raw_dir: Path, table: str, rows: list[dict], name: str = "part-00001.parquet") -> None:
    """The table's columns all as text, in a second file of the table's directory."""
    schema = pa.schema([(f.name, pa.string()) for f in SCHEMAS[table]])
    pq.write_table(
        pa.Table.from_pylist([{f.name: text(row.get(f.name)) for f in schema} for row in rows], schema),
        raw_dir / table / name,
    )


def write_malformed_raw(raw_dir: Path) -> Path:
    typed = {
        table: rows + [c.row for c in CASES if c.table == table and not c.as_text]
        for table, rows in VALID.items()
    }
    write_raw_tables(raw_dir, typed)
    for table in SCHEMAS:
        rows = VALID_AS_TEXT.get(table, []) + [c.row for c in CASES if c.table == table and c.as_text]
        if rows:
            write_text_file(raw_dir, table, rows)
    pq.write_table(SCHEMAS["events"].empty_table(), raw_dir / "events" / "part-00002.parquet")
    return raw_dir


@pytest.fixture(scope="module")
def malformed(tmp_path_factory: pytest.TempPathFactory) -> DbtBuild:
    work_dir = tmp_path_factory.mktemp("malformed")
    build = DbtBuild(
        PROJECT_ROOT, work_dir / "warehouse.duckdb", write_malformed_raw(work_dir / "raw"), work_dir
    )
    result = build.run("build", "--select", *STAGING, *PARTIAL)
    assert result.success, errors_of(result)
    return build


def raw_rows(build: DbtBuild, table: str) -> int:
    return build.scalar(
        f"select count(*) from read_parquet('{build.raw_dir}/{table}/*.parquet', union_by_name = true)"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_row_is_quarantined_with_its_reason(malformed: DbtBuild, case: Case) -> None:
    quarantined = malformed.query(
        f"select reject_reason from staging.{MODELS[case.table]}_quarantine where {case.marker_column} = '{case.marker_value}'"
    )
    assert quarantined == [(case.reason,)], (
        f"{case.table} row {case.row} should be quarantined as {case.reason}"
    )


def test_corpus_covers_every_table_and_many_kinds() -> None:
    assert {c.table for c in CASES} == set(SCHEMAS)
    assert len({c.reason for c in CASES}) >= 12


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_every_valid_row_is_staged_and_only_the_cases_are_quarantined(
    malformed: DbtBuild, table: str
) -> None:
    staged = {
        str(row[0]) for row in malformed.query(f"select {STAGED_KEY[table]} from staging.{MODELS[table]}")
    }
    valid = {str(row[STAGED_KEY[table]]).strip() for row in VALID[table] + VALID_AS_TEXT.get(table, [])}
    assert staged == valid, (
        f"{table}: valid rows not staged: {valid - staged}, other rows staged: {staged - valid}"
    )
    reasons = Counter(
        row[0] for row in malformed.query(f"select reject_reason from staging.{MODELS[table]}_quarantine")
    )
    assert reasons == Counter(c.reason for c in CASES if c.table == table)


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_raw_rows_are_staged_or_quarantined(malformed: DbtBuild, table: str) -> None:
    staged = malformed.scalar(f"select count(*) from staging.{MODELS[table]}")
    quarantined = malformed.scalar(f"select count(*) from staging.{MODELS[table]}_quarantine")
    raw = raw_rows(malformed, table)
    assert raw == len(VALID[table]) + len(VALID_AS_TEXT.get(table, [])) + sum(c.table == table for c in CASES)
    assert raw == staged + quarantined, f"{table}: {raw} raw rows, {staged} staged, {quarantined} quarantined"


def test_a_broken_newer_copy_does_not_push_out_the_good_row(malformed: DbtBuild) -> None:
    assert malformed.query(
        "select email, job_title from staging.stg_crm__contacts where contact_id = 'C2'"
    ) == [("bob@gmail.com", "Analyst")]


def test_valid_but_odd_values_are_kept(malformed: DbtBuild) -> None:
    assert malformed.query(
        "select first_name, last_name, job_title from staging.stg_crm__contacts where contact_id = 'C4'"
    ) == [("Zoë", "Ō’Brien 😀\u200f", "Head of\tGrowth")]
    assert malformed.query(
        "select contact_id, event_type, page_category from staging.stg_marketing__events where event_id = 5"
    ) == [("C4", "page_view", "blog")]
    occurred_at = malformed.scalar("select occurred_at from staging.stg_marketing__events where event_id = 6")
    assert str(occurred_at) == "2026-10-01 07:00:00"  # written as 09:00 at +02:00


# ----------------------------------------------------------------------------------------------------------
# Whole-file problems
# ----------------------------------------------------------------------------------------------------------


def test_an_events_table_without_rows_builds_and_scores_no_engagement(tmp_path: Path) -> None:
    raw_dir = write_raw_tables(
        tmp_path / "raw", {table: rows for table, rows in VALID.items() if table != "events"}
    )
    build = DbtBuild(PROJECT_ROOT, tmp_path / "warehouse.duckdb", raw_dir, tmp_path)
    result = build.run(
        "build",
        "--select",
        "+fct_lead_scores",
        "+fct_lead_score_components",
        "stg_marketing__events_quarantine",
        *PARTIAL,
    )
    assert result.success, errors_of(result)
    assert build.scalar("select count(*) from staging.stg_marketing__events_quarantine") == 0
    assert build.scalar("select count(*) from intermediate.int_events_aggregated_daily") == 0
    models = build.scalar("select count(*) from staging.stg_scoring_rules__models")
    assert build.scalar("select count(*) from marts.fct_lead_scores") == len(VALID["contacts"]) * models
    assert (
        build.scalar(
            "select count(*) from marts.fct_lead_score_components where starts_with(rule_id, 'eng_')"
        )
        == 0
    )


def non_utf8_text(raw_dir: Path) -> None:
    row = {**VALID["companies"][0], "company_id": "A3"}
    name = pa.array(["Café GmbH".encode("latin-1")], pa.binary()).view(pa.string())  # not UTF-8, labelled so
    table = pa.Table.from_pylist([row], SCHEMAS["companies"]).set_column(1, "company_name", name)
    pq.write_table(table, raw_dir / "companies" / "part-00001.parquet")


def epoch_timestamps(raw_dir: Path) -> None:
    schema = pa.schema(
        [(f.name, pa.int64() if f.name == "changed_at" else f.type) for f in SCHEMAS["contact_changes"]]
    )
    row = {**TEMPLATE["contact_changes"], "change_id": "H2", "changed_at": 1761955200}
    pq.write_table(pa.Table.from_pylist([row], schema), raw_dir / "contact_changes" / "part-00001.parquet")


def without_occurred_at_and_binary_urls(raw_dir: Path) -> None:
    events = pq.read_table(raw_dir / "events").drop_columns(["occurred_at"])
    urls = events.column("url").cast(pa.string()).cast(pa.binary())
    events = events.set_column(events.schema.get_field_index("url"), "url", urls)
    pq.write_table(events, raw_dir / "events" / "part-00000.parquet")


def no_file(raw_dir: Path) -> None:
    (raw_dir / "opportunities" / "part-00000.parquet").unlink()


@dataclass(frozen=True)
class FileFailure:
    kind: str
    breaks: Callable[[Path], None]  # breaks one table of a valid raw directory
    model: str  # the model that must fail
    says: tuple[str, ...]  # what its message must contain


# Each breaks a different table (contacts, which the others need, stays valid): one build shows them all.
FILE_FAILURES = [
    FileFailure("missing column and binary text", without_occurred_at_and_binary_urls, "base_marketing__events_checked",
                ("Raw table events", "missing column(s) occurred_at", "binary column(s) url", "/events/*.parquet")),
    FileFailure("non-UTF-8 text", non_utf8_text, "base_crm__companies_checked",
                ("companies/part-00001.parquet", "not valid UTF8")),
    FileFailure("timestamps as epoch integers", epoch_timestamps, "base_crm__contact_changes_checked",
                ("contact_changes/part-00001.parquet", 'column "changed_at"', "BIGINT")),
    FileFailure("no file at all", no_file, "base_crm__opportunities_checked",
                ("No files found", "/opportunities/*.parquet")),
]  # fmt: skip


def failure_message(result: dbtRunnerResult, model: str) -> str:
    messages = [
        str(r.message) for r in result.result.results if r.node.name == model and str(r.status) == "error"
    ]
    assert messages, f"{model} did not fail:\n{errors_of(result)}"
    return messages[0]


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory: pytest.TempPathFactory) -> dbtRunnerResult:
    """A partial build of valid raw tables, each of FILE_FAILURES breaking one of them."""
    work_dir = tmp_path_factory.mktemp("broken")
    raw_dir = write_raw_tables(work_dir / "raw", VALID)
    for failure in FILE_FAILURES:
        failure.breaks(raw_dir)
    build = DbtBuild(PROJECT_ROOT, work_dir / "warehouse.duckdb", raw_dir, work_dir)
    return build.run("build", "--select", *(f"+{failure.model}" for failure in FILE_FAILURES), *PARTIAL)


@pytest.mark.parametrize("failure", FILE_FAILURES, ids=[f.kind for f in FILE_FAILURES])
def test_a_broken_raw_file_fails_with_a_clear_message(
    broken_build: dbtRunnerResult, failure: FileFailure
) -> None:
    assert not broken_build.success
    message = failure_message(broken_build, failure.model)
    for words in failure.says:
        assert words in message, (
            f"{failure.kind}: the message of {failure.model} does not say {words!r}:\n{message}"
        )
