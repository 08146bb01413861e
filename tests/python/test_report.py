"""scripts/report.py: the HTML report of the lead scores, its numbers against the marts, and how it renders
in headless Chromium (no console errors, no network, every chart drawn)."""

from __future__ import annotations

import math
import re
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import report
from conftest import PROJECT_ROOT, DbtBuild, changed_copy, run_script
from headless_chromium import ChromiumError, HeadlessChromium, ensure_chromium

SCREENSHOT = PROJECT_ROOT / "target" / "report" / "report_screenshot.png"
LOCAL_SCHEMES = ("file:", "data:", "about:")
READY = "window.reportReady === true"


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_script("report.py", *args)


def models_of(published_demo: DbtBuild) -> list[str]:
    return [
        model
        for (model,) in published_demo.query(
            "select distinct scoring_model_id from marts.fct_lead_scores order by 1"
        )
    ]


@pytest.fixture(scope="module")
def report_file(published_demo: DbtBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("report") / "nested" / "lead_scoring_report.html"
    result = run_cli("--database", published_demo.database, "--output", output)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == str(output)
    return output


@pytest.fixture(scope="module")
def report_html(report_file: Path) -> str:
    return report_file.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def chromium() -> Path:
    try:
        return ensure_chromium()
    except ChromiumError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def browser(chromium: Path, report_file: Path) -> Iterator[HeadlessChromium]:
    """The demo report, open in headless Chromium and drawn."""
    with HeadlessChromium(chromium, width=1400) as browser:
        browser.open(report_file.as_uri(), ready=READY, timeout=90)
        yield browser


def test_kpi_tiles_equal_the_marts(published_demo: DbtBuild, report_html: str) -> None:
    expected = {}
    for model, leads, mqls, average in published_demo.query(
        "select scoring_model_id, count(*), count(*) filter (where is_mql), avg(lead_score::double) from marts.fct_lead_scores group by 1"
    ):
        expected |= {
            (model, "leads"): leads,
            (model, "mql_leads"): mqls,
            (model, "mql_share"): mqls / leads,
            (model, "average_lead_score"): average,
        }
    tiles = re.findall(
        r'class="kpi" data-model="([^"]+)" data-kpi="([^"]+)" data-value="([^"]+)"', report_html
    )
    shown = {(model, kpi): float(value) for model, kpi, value in tiles}
    assert shown.keys() == expected.keys()
    for key, value in expected.items():
        assert shown[key] == pytest.approx(value, rel=1e-9), key
    assert len(models_of(published_demo)) == 2
    for model in models_of(published_demo):
        assert f">{expected[(model, 'leads')]:,}</div>" in report_html


def test_top_leads_table_lists_the_best_leads_with_their_rules(
    published_demo: DbtBuild, browser: HeadlessChromium
) -> None:
    rows = browser.evaluate(
        """[...document.querySelectorAll('#top-leads tbody tr')].map(row => ({
            contact: row.dataset.contactId, model: row.dataset.model,
            score: row.querySelector('td.score').textContent,
            rules: [...row.querySelectorAll('.top-rules li')].map(li => li.querySelector('.rule').textContent)}))"""
    )
    expected = published_demo.query(
        "select contact_id, scoring_model_id, lead_score::double from marts.fct_lead_scores order by lead_score desc, contact_id, scoring_model_id limit 20"
    )
    assert len(rows) == 20
    assert [(row["contact"], row["model"]) for row in rows] == [
        (contact, model) for contact, model, _ in expected
    ]
    assert [row["score"] for row in rows] == [f"{score:.1f}" for _, _, score in expected]
    for row in rows[:5]:
        top_rules = published_demo.query(
            f"""select rule_id from marts.fct_lead_score_components
            where contact_id = '{row["contact"]}' and scoring_model_id = '{row["model"]}'
              and rule_kind in ('fit', 'engagement', 'inactivity') and points_after_caps > 0
            order by points_after_caps desc, rule_id limit 3"""
        )
        assert row["rules"] == [rule_id for (rule_id,) in top_rules]
        assert row["rules"], "a top lead has rules that add points"


def test_conversion_rates_and_lift_are_sums_of_counts(published_demo: DbtBuild) -> None:
    with duckdb.connect(str(published_demo.database), read_only=True) as con:
        conversion = report.conversion_by_band(report.read_conversion_rows(con))
    expected = published_demo.query(
        """
        select scoring_model_id, score_band, sum(leads), sum(leads_with_opportunity),
               sum(sum(leads)) over (partition by scoring_model_id),
               sum(sum(leads_with_opportunity)) over (partition by scoring_model_id)
        from marts.rpt_score_band_conversion group by 1, 2
        """
    )
    assert len(conversion) == len(expected) == 2 * 4
    by_key = conversion.set_index(["scoring_model_id", "score_band"])
    for model, band, leads, opportunities, model_leads, model_opportunities in expected:
        row = by_key.loc[(model, band)]
        assert row["leads"] == leads and row["leads_with_opportunity"] == opportunities
        rate = opportunities / leads if leads else math.nan
        model_rate = model_opportunities / model_leads
        assert row["opportunity_rate"] == pytest.approx(rate, nan_ok=True)
        assert row["lift"] == pytest.approx(rate / model_rate if model_rate else math.nan, nan_ok=True)


def test_conversion_without_leads_or_opportunities_has_no_rate() -> None:
    rows = pd.DataFrame(
        {
            "scoring_model_id": ["quiet", "quiet", "busy", "busy", "busy"],
            "segment": ["smb", "smb", "smb", "smb", "enterprise"],
            "score_band": ["hot", "cold", "hot", "cold", "hot"],
            "band_rank": [1, 3, 1, 3, 1],
            "leads": [0, 10, 10, 30, 0],
            "leads_with_opportunity": [0, 0, 4, 0, 0],
            "leads_with_won_deal": [0, 0, 1, 0, 0],
            "cohort_date": pd.Timestamp("2026-10-01"),
            "outcome_until_date": pd.Timestamp("2026-10-31"),
        }
    )
    conversion = report.conversion_by_band(rows).set_index(["scoring_model_id", "score_band"])
    assert math.isnan(conversion.loc[("quiet", "hot"), "opportunity_rate"])  # no leads
    assert conversion.loc[("quiet", "cold"), "opportunity_rate"] == 0
    assert conversion[["lift"]].loc["quiet"].isna().all().all()  # no opportunity at all
    # busy: 4 of 40 leads overall (10 %); hot 4 of 10 (40 %), 4x the overall rate; enterprise adds no leads
    assert conversion.loc[("busy", "hot"), "opportunity_rate"] == pytest.approx(0.4)
    assert conversion.loc[("busy", "hot"), "lift"] == pytest.approx(4.0)
    assert conversion.loc[("busy", "cold"), "lift"] == 0


def test_report_says_when_there_are_no_conversions_yet(published_demo: DbtBuild, tmp_path: Path) -> None:
    database = changed_copy(
        published_demo.database,
        tmp_path / "changed.duckdb",
        "update marts.rpt_score_band_conversion set leads_with_opportunity = 0, leads_with_won_deal = 0",
        "update marts.rpt_score_band_conversion set leads = 0 where score_band = 'hot'",
    )
    output = tmp_path / "report.html"
    result = run_cli("--database", database, "--output", output)
    assert result.returncode == 0, result.stderr
    page = output.read_text(encoding="utf-8")
    assert "No conversions yet for" in page
    assert "No opportunities yet for these leads" in page
    assert page.count('<td class="num">n/a</td>') >= 2 * 4  # lift of every band, rate of the empty bands


def test_report_is_self_contained(published_demo: DbtBuild, report_html: str) -> None:
    # the markup, script bodies emptied: plotly.js holds URLs in strings it never loads on its own
    markup = re.sub(r"(<script\b[^>]*>).*?(</script>)", r"\1\2", report_html, flags=re.DOTALL | re.IGNORECASE)
    assert len(re.findall(r"<script\b", markup)) == 2 + 3 + len(
        models_of(published_demo)
    )  # flag, plotly.js, charts
    for pattern in (
        r"<script\b[^>]*\bsrc\s*=",
        r"<link\b",
        r"<iframe\b",
        r"<img\b",
        r"@import",
        r"url\(\s*['\"]?(https?:)?//",
        r"""(src|href)\s*=\s*['"]?(https?:)?//""",
    ):
        assert not re.search(pattern, markup, re.IGNORECASE), pattern
    # plotly.js inline exactly once, and each chart drawn by its own inline script
    assert report_html.count(report.get_plotlyjs()[:500]) == 1
    assert report_html.count('<section class="report-chart"') == 3 + len(models_of(published_demo))


def test_renders_without_console_errors_or_network(browser: HeadlessChromium, report_file: Path) -> None:
    assert browser.console_errors == []
    assert report_file.as_uri() in browser.requests
    assert [url for url in browser.requests if not url.startswith(LOCAL_SCHEMES)] == []


def test_every_chart_is_drawn(published_demo: DbtBuild, browser: HeadlessChromium) -> None:
    models = models_of(published_demo)
    charts = browser.evaluate(
        """[...document.querySelectorAll('section.report-chart')].map(section => ({
            id: section.id,
            svgs: section.querySelectorAll('.js-plotly-plot .main-svg').length,
            marks: section.querySelectorAll('.js-plotly-plot g.trace path').length,
            height: section.querySelector('.js-plotly-plot').getBoundingClientRect().height,
            width: section.clientWidth,
            svgWidth: section.querySelector('.main-svg').getBoundingClientRect().width}))"""
    )
    assert [chart["id"] for chart in charts] == [
        "chart-score-distribution",
        "chart-band-shares",
        "chart-conversion",
        *(f"chart-rules-{model}" for model in models),
    ]
    for chart in charts:
        assert chart["svgs"] > 0 and chart["marks"] > 0 and chart["height"] > 200, chart
        assert 300 < chart["svgWidth"] <= chart["width"], chart  # drawn, and inside its panel
    assert browser.evaluate("window.reportChartsRendered") == len(charts)
    assert browser.evaluate("document.querySelectorAll('#kpis .kpi').length") == 4 * len(models)


def test_full_page_screenshot(browser: HeadlessChromium) -> None:
    SCREENSHOT.unlink(missing_ok=True)
    browser.screenshot(SCREENSHOT)
    assert browser.console_errors == []  # the charts redraw for the tall viewport without errors
    png = SCREENSHOT.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1400
    assert 3000 < height < 20000  # the whole page, not just the first screen
    assert 50_000 < len(png) < 20_000_000


def test_missing_database_is_a_usage_error(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = run_cli("--database", tmp_path / "absent.duckdb", "--output", output)
    assert result.returncode == 2
    assert "absent.duckdb does not exist" in result.stderr
    assert not output.exists()


def test_missing_mart_is_a_usage_error(published_demo: DbtBuild, tmp_path: Path) -> None:
    database = changed_copy(
        published_demo.database, tmp_path / "changed.duckdb", "drop table marts.fct_lead_score_history"
    )
    output = tmp_path / "report.html"
    result = run_cli("--database", database, "--output", output)
    assert result.returncode == 2
    assert "no table marts.fct_lead_score_history" in result.stderr
    assert not output.exists()


def test_header_names_the_publication_it_shows(published_demo: DbtBuild, report_html: str) -> None:
    publication_id, as_of_date = published_demo.query(
        "select publication_id, as_of_date from meta.publication"
    )[0]
    assert f"<dd>{publication_id}</dd>" in report_html
    assert f"{as_of_date:%-d %b %Y}" in report_html
    assert "not published" not in report_html


def test_header_shows_the_publication_escaped(published_demo: DbtBuild, tmp_path: Path) -> None:
    database = changed_copy(
        published_demo.database,
        tmp_path / "changed.duckdb",
        "create schema if not exists meta",
        """create or replace table meta.publication as select
            '<b>pub-7 & co</b>' as publication_id, timestamp '2026-11-01 06:30:00' as published_at,
            date '2026-10-31' as as_of_date, 'inv-1' as dbt_invocation_id, 'abc123' as git_commit,
            map {'platform': 'v1', 'analytics': 'v2'} as rules_versions""",
    )
    output = tmp_path / "report.html"
    assert run_cli("--database", database, "--output", output).returncode == 0
    page = output.read_text(encoding="utf-8")
    assert "<dd>&lt;b&gt;pub-7 &amp; co&lt;/b&gt;</dd>" in page
    assert "<b>pub-7" not in page
    assert "<dd>1 Nov 2026 06:30</dd>" in page
    assert "<dd>platform v1, analytics v2</dd>" in page
    assert "not published" not in page


def test_browser_client_catches_errors_and_requests(chromium: Path, tmp_path: Path) -> None:
    """The checks above can fail: the client sees console errors, exceptions and outside requests."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><img src='http://127.0.0.1:9/pixel.png'>"
        "<script>console.error('boom'); window.done = true; throw new Error('bang');</script></body></html>"
    )
    with HeadlessChromium(chromium) as browser:
        browser.open(page.as_uri(), ready="window.done === true", timeout=30)
        assert browser.evaluate("1 + 1") == 2
        assert any("boom" in error for error in browser.console_errors)
        assert any("bang" in error for error in browser.console_errors)
        assert "http://127.0.0.1:9/pixel.png" in browser.requests
        with pytest.raises(TimeoutError):
            browser.open(page.as_uri(), ready="window.never === true", timeout=1)
