"""Write a self-contained HTML report of the lead scores, for marketing and sales leaders.

Reads the marts of a warehouse (the published serving file by default, or any dbt build) through a
read-only DuckDB connection, closed right after the read, and writes one HTML file that opens without
a network: plotly.js is embedded inline once, and there are no external scripts, styles or fonts.

The page shows, per scoring model: leads, MQLs and the average score; the score distribution per
segment; the band shares day by day; the opportunity rate and lift of each band; the rules that add
and take away the most points; and the 20 best leads with the rules behind their scores.

Exit codes: 0 report written, 2 usage or I/O error (no database, missing mart table, unwritable output).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import math
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots
from publish import DEFAULT_SERVING_DATABASE

DEFAULT_OUTPUT = "target/report/lead_scoring_report.html"
REQUIRED_TABLES = (
    "marts.fct_lead_scores",
    "marts.fct_lead_score_components",
    "marts.fct_lead_score_history",
    "marts.rpt_score_band_conversion",
)
PUBLICATION_TABLE = "meta.publication"
# optional: display names of the scoring models (seed scoring_models), when the file carries them
MODELS_TABLE = "scoring_rules.scoring_models"

TOP_LEADS = 20
TOP_RULES_PER_LEAD = 3
TOP_RULES_PER_DIRECTION = 8
# The rules people write in the seeds. Group caps and the 0-100 clamp are adjustments on top of them,
# not reasons a lead scores what it does, so the rule chart and the lead table leave them out.
RULE_KINDS = ("fit", "engagement", "inactivity")
RULE_KINDS_SQL = ", ".join(f"'{kind}'" for kind in RULE_KINDS)

# One colour per band in every chart; bands the report does not know get the fallback colours in turn.
BAND_COLOURS = {"hot": "#c0392b", "warm": "#e67e22", "cold": "#2e86c1", "unqualified": "#a6acaf"}
FALLBACK_COLOURS = ("#8e44ad", "#16a085", "#7f8c8d", "#d35400")
SEGMENT_ORDER = ("enterprise", "mid_market", "smb", "unknown")
SEGMENT_LABELS = {
    "enterprise": "Enterprise",
    "mid_market": "Mid-market",
    "smb": "SMB",
    "unknown": "Unknown size",
}
POSITIVE_COLOUR = "#1e8449"
NEGATIVE_COLOUR = "#b03a2e"
FONT_FAMILY = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
# no mode bar: a reading report needs no zoom tools, and some of them link to plotly's website
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}


class ReportError(Exception):
    """The database or one of its tables cannot be read, or the report cannot be written."""


@dataclass
class ReportData:
    """Everything the page shows, read from the marts."""

    header: dict[str, str]
    model_names: dict[str, str]
    bands: list[str]
    kpis: pd.DataFrame
    score_bins: pd.DataFrame
    band_shares: pd.DataFrame
    conversion: pd.DataFrame
    rule_totals: pd.DataFrame
    top_leads: pd.DataFrame

    @property
    def models(self) -> list[str]:
        return list(self.kpis["scoring_model_id"])


# --- reading -------------------------------------------------------------------------------------------


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_schema || '.' || table_name from information_schema.tables").fetchall()
    return {name for (name,) in rows}


def read_header(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, str]:
    """As-of date, publication and rules versions: from meta.publication in a published file, else
    from the scores themselves."""
    if PUBLICATION_TABLE in tables:
        publication = con.sql(f"select * from {PUBLICATION_TABLE} order by published_at desc limit 1").df()
        if not publication.empty:
            row = publication.iloc[0]
            fields = {
                "As of": "as_of_date",
                "Publication": "publication_id",
                "Published at (UTC)": "published_at",
                "Rules versions": "rules_versions",
                "dbt invocation": "dbt_invocation_id",
                "Git commit": "git_commit",
            }
            return {label: display_value(row[column]) for label, column in fields.items() if column in row}
    as_of_dates = con.execute("select distinct as_of_date from marts.fct_lead_scores order by 1").fetchall()
    versions = con.execute(
        """
        select scoring_model_id, string_agg(distinct rules_version, ', ' order by rules_version)
        from marts.fct_lead_scores
        group by scoring_model_id
        order by scoring_model_id
        """
    ).fetchall()
    return {
        "As of": ", ".join(display_value(date) for (date,) in as_of_dates) or "no scores",
        "Publication": "not published (read from a dbt build)",
        "Rules versions": ", ".join(f"{model} {version}" for model, version in versions),
    }


def read_model_names(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, str]:
    if MODELS_TABLE not in tables:
        return {}
    rows = con.execute(f"select scoring_model_id, scoring_model_name from {MODELS_TABLE}").fetchall()
    return {model: name for model, name in rows if name}


def read_kpis(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per scoring model: leads, MQLs, MQL share and average lead score."""
    return con.sql(
        """
        select
            scoring_model_id,
            count(*) as leads,
            count(*) filter (where is_mql) as mql_leads,
            count(*) filter (where is_mql) / count(*) as mql_share,
            avg(lead_score::double) as average_lead_score
        from marts.fct_lead_scores
        group by scoring_model_id
        order by scoring_model_id
        """
    ).df()


def read_bands(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The score bands, best first."""
    rows = con.execute(
        """
        select score_band
        from marts.fct_lead_scores
        group by score_band
        order by min(band_rank), score_band
        """
    ).fetchall()
    return [band for (band,) in rows]


def read_score_bins(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Leads per model, segment, band and 5-point score bin; a score of 100 falls in the 95-100 bin."""
    return con.sql(
        """
        select
            scoring_model_id,
            segment,
            score_band,
            least(floor(lead_score::double / 5), 19)::integer * 5 as bin_start,
            count(*) as leads
        from marts.fct_lead_scores
        group by all
        order by all
        """
    ).df()


def read_band_shares(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Leads per model, score date and band, with their share of the model's leads that day."""
    return con.sql(
        """
        select
            scoring_model_id,
            score_date,
            score_band,
            count(*) as leads,
            count(*) / sum(count(*)) over (partition by scoring_model_id, score_date) as share_of_leads
        from marts.fct_lead_score_history
        group by scoring_model_id, score_date, score_band
        order by all
        """
    ).df()


def read_conversion_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.sql(
        """
        select
            scoring_model_id,
            segment,
            score_band,
            band_rank,
            leads::bigint as leads,
            leads_with_opportunity::bigint as leads_with_opportunity,
            leads_with_won_deal::bigint as leads_with_won_deal,
            cohort_date,
            outcome_until_date
        from marts.rpt_score_band_conversion
        """
    ).df()


def conversion_by_band(rows: pd.DataFrame) -> pd.DataFrame:
    """Opportunity and won-deal rates per model and band, summed over the segments, and the lift of
    each band: its opportunity rate over the model's overall rate. Rates are counts over counts (never
    averages of the segments' rates); a band without leads has no rate, and no lift either when the
    model has no opportunity at all (NaN, shown as n/a)."""
    by_band = (
        rows.groupby(["scoring_model_id", "score_band"], as_index=False)
        .agg(
            band_rank=("band_rank", "min"),
            leads=("leads", "sum"),
            leads_with_opportunity=("leads_with_opportunity", "sum"),
            leads_with_won_deal=("leads_with_won_deal", "sum"),
            cohort_date=("cohort_date", "min"),
            outcome_until_date=("outcome_until_date", "max"),
        )
        .sort_values(["scoring_model_id", "band_rank"], ignore_index=True)
    )
    by_model = by_band.groupby("scoring_model_id")
    by_band["model_leads"] = by_model["leads"].transform("sum")
    by_band["model_leads_with_opportunity"] = by_model["leads_with_opportunity"].transform("sum")
    by_band["opportunity_rate"] = ratio(by_band["leads_with_opportunity"], by_band["leads"])
    by_band["won_deal_rate"] = ratio(by_band["leads_with_won_deal"], by_band["leads"])
    by_band["model_opportunity_rate"] = ratio(by_band["model_leads_with_opportunity"], by_band["model_leads"])
    by_band["lift"] = ratio(by_band["opportunity_rate"], by_band["model_opportunity_rate"])
    return by_band


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0 or missing."""
    denominator = denominator.astype("float64")
    return numerator.astype("float64") / denominator.where(denominator != 0)


def read_rule_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per model and rule: the points it gave all leads together, and how many leads it fired for."""
    return con.sql(
        f"""
        select
            scoring_model_id,
            rule_id,
            any_value(rule_kind) as rule_kind,
            any_value(rule_category) as rule_category,
            sum(points_after_caps::double) as total_points,
            count(distinct contact_id) as leads
        from marts.fct_lead_score_components
        where rule_kind in ({RULE_KINDS_SQL})
        group by scoring_model_id, rule_id
        order by scoring_model_id, rule_id
        """
    ).df()


def top_rules(rule_totals: pd.DataFrame, model: str, limit: int = TOP_RULES_PER_DIRECTION) -> pd.DataFrame:
    """The rules of a model that add the most points and those that take away the most, biggest first,
    with a column `direction` ('positive' or 'negative')."""
    rules = rule_totals[rule_totals["scoring_model_id"] == model]
    positive = rules[rules["total_points"] > 0].sort_values(
        ["total_points", "rule_id"], ascending=[False, True]
    )
    negative = rules[rules["total_points"] < 0].sort_values(
        ["total_points", "rule_id"], ascending=[True, True]
    )
    return pd.concat(
        [
            positive.head(limit).assign(direction="positive"),
            negative.head(limit).assign(direction="negative"),
        ],
        ignore_index=True,
    )


def read_top_leads(con: duckdb.DuckDBPyConnection, limit: int = TOP_LEADS) -> pd.DataFrame:
    """The best leads (by lead score, then contact and model), each with its top contributing rules as
    a list of {rule_id, points}."""
    leads = con.sql(
        f"""
        with top_leads as (
            select contact_id, scoring_model_id, segment, grade, score_band, band_rank,
                   lead_score::double as lead_score
            from marts.fct_lead_scores
            where is_champion  -- challengers are scored for comparison, not called
            order by lead_score desc, contact_id, scoring_model_id
            limit {int(limit)}
        ),

        ranked_rules as (
            select
                components.contact_id,
                components.scoring_model_id,
                components.rule_id,
                components.points_after_caps::double as points,
                row_number() over (
                    partition by components.contact_id, components.scoring_model_id
                    order by components.points_after_caps desc, components.rule_id
                ) as rule_rank
            from marts.fct_lead_score_components as components
            inner join top_leads
                on components.contact_id = top_leads.contact_id
                and components.scoring_model_id = top_leads.scoring_model_id
            where components.rule_kind in ({RULE_KINDS_SQL}) and components.points_after_caps > 0
        )

        select
            top_leads.*,
            list(
                {{'rule_id': ranked_rules.rule_id, 'points': ranked_rules.points}}
                order by ranked_rules.rule_rank
            ) filter (where ranked_rules.rule_rank <= {int(TOP_RULES_PER_LEAD)}) as top_rules
        from top_leads
        left join ranked_rules
            on top_leads.contact_id = ranked_rules.contact_id
            and top_leads.scoring_model_id = ranked_rules.scoring_model_id
        group by all
        order by top_leads.lead_score desc, top_leads.contact_id, top_leads.scoring_model_id
        """
    ).df()
    # DuckDB hands lists over as numpy arrays, and a lead without a positive rule as NULL
    leads["top_rules"] = [list(rules) if rules is not None else [] for rules in leads["top_rules"]]
    return leads


def read_report_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    """Read everything the report shows; raises ReportError when a needed table is missing."""
    tables = existing_tables(con)
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise ReportError(f"no table {', '.join(missing)}; is the dbt build complete?")
    return ReportData(
        header=read_header(con, tables),
        model_names=read_model_names(con, tables),
        bands=read_bands(con),
        kpis=read_kpis(con),
        score_bins=read_score_bins(con),
        band_shares=read_band_shares(con),
        conversion=conversion_by_band(read_conversion_rows(con)),
        rule_totals=read_rule_totals(con),
        top_leads=read_top_leads(con),
    )


def read_database(database: Path) -> ReportData:
    """ReportData of a DuckDB file; the read-only connection is closed before this returns."""
    if not database.is_file():
        raise ReportError(f"database {database} does not exist; run `make build` or pass --database")
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            return read_report_data(con)
    except duckdb.Error as error:
        raise ReportError(f"cannot read {database}: {error}") from error


# --- formatting ----------------------------------------------------------------------------------------


def display_value(value: Any) -> str:
    """A value of any column as short text: dates as 22 Nov 2026, lists and maps joined."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "n/a"
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            value = value.date()
        else:
            return f"{value.day} {value:%b %Y %H:%M}" + (" UTC" if value.tzinfo else "")
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, dict):
        return ", ".join(f"{key} {display_value(item)}" for key, item in value.items())
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return ", ".join(display_value(item) for item in value)
    return str(value)


def percent(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}%}"


def band_colour(bands: list[str], band: str) -> str:
    unknown = [known for known in bands if known not in BAND_COLOURS]
    if band in BAND_COLOURS:
        return BAND_COLOURS[band]
    return FALLBACK_COLOURS[unknown.index(band) % len(FALLBACK_COLOURS)]


def band_label(band: str) -> str:
    return band.replace("_", " ").capitalize()


def segment_label(segment: str) -> str:
    return SEGMENT_LABELS.get(segment, segment.replace("_", " ").capitalize())


def model_label(data: ReportData, model: str) -> str:
    return data.model_names.get(model, model.replace("_", " ").capitalize())


def ordered_segments(segments: Iterable[str]) -> list[str]:
    present = set(segments)
    return [s for s in SEGMENT_ORDER if s in present] + sorted(present - set(SEGMENT_ORDER))


def style(fig: go.Figure, height: int) -> go.Figure:
    """The look every chart shares."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT_FAMILY, "size": 13, "color": "#2c3e50"},
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    fig.update_annotations(font={"size": 14})
    return fig


# --- charts --------------------------------------------------------------------------------------------


def score_distribution_figure(data: ReportData) -> go.Figure:
    """Histogram of lead scores in 5-point bins, stacked by band, one panel per model and segment."""
    bins = data.score_bins
    models, segments = data.models, ordered_segments(bins["segment"])
    fig = make_subplots(
        rows=max(len(models), 1),
        cols=max(len(segments), 1),
        shared_xaxes=True,
        row_titles=[model_label(data, model) for model in models],
        column_titles=[segment_label(segment) for segment in segments],
        horizontal_spacing=0.045,
        vertical_spacing=0.1,
    )
    for band in data.bands:
        shown_in_legend = False
        for row, model in enumerate(models, start=1):
            for col, segment in enumerate(segments, start=1):
                cell = bins[
                    (bins["scoring_model_id"] == model)
                    & (bins["segment"] == segment)
                    & (bins["score_band"] == band)
                ]
                if cell.empty:
                    continue
                fig.add_trace(
                    go.Bar(
                        x=cell["bin_start"] + 2.5,
                        y=cell["leads"],
                        width=5,
                        name=band_label(band),
                        legendgroup=band,
                        showlegend=not shown_in_legend,
                        marker={
                            "color": band_colour(data.bands, band),
                            "line": {"width": 0.5, "color": "white"},
                        },
                        customdata=[f"{start}–{start + 5}" for start in cell["bin_start"]],
                        hovertemplate=(
                            f"{html.escape(model_label(data, model))}, {html.escape(segment_label(segment))}"
                            "<br>score %{customdata}<br>%{y:,} leads"
                            f"<extra>{html.escape(band_label(band))}</extra>"
                        ),
                    ),
                    row=row,
                    col=col,
                )
                shown_in_legend = True
    fig.update_layout(barmode="stack", bargap=0)
    fig.update_xaxes(range=[0, 100], dtick=25, showgrid=False)
    fig.update_xaxes(title_text="lead score", row=len(models))
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    fig.update_yaxes(title_text="leads", col=1)
    fig = style(fig, height=150 + 250 * max(len(models), 1))
    fig.update_layout(margin={"r": 50})  # room for the model names beside the rows
    return fig


def band_share_figure(data: ReportData) -> go.Figure:
    """Stacked area per model: the share of leads in each band, score date by score date."""
    shares, models = data.band_shares, data.models
    fig = make_subplots(
        rows=1,
        cols=max(len(models), 1),
        shared_yaxes=True,
        subplot_titles=[model_label(data, model) for model in models],
        horizontal_spacing=0.08,
    )
    for col, model in enumerate(models, start=1):
        of_model = shares[shares["scoring_model_id"] == model]
        # every band on every date, 0 where a band had nobody, so that the areas stack
        table = (
            of_model.pivot_table(
                index="score_date", columns="score_band", values="share_of_leads", aggfunc="sum"
            )
            .reindex(columns=data.bands)
            .fillna(0.0)
        )
        # worst band first, so that it lies at the bottom and hot on top
        for band in reversed(data.bands):
            fig.add_trace(
                go.Scatter(
                    x=table.index,
                    y=table[band] * 100,
                    name=band_label(band),
                    legendgroup=band,
                    legendrank=data.bands.index(band) + 1,
                    showlegend=col == 1,
                    stackgroup=model,
                    mode="lines",
                    line={"width": 0.5, "color": band_colour(data.bands, band)},
                    fillcolor=band_colour(data.bands, band),
                    hovertemplate=f"{html.escape(band_label(band))}: %{{y:.1f}}%<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_yaxes(range=[0, 100], ticksuffix="%", ticklabelstandoff=6)
    fig.update_yaxes(title_text="share of leads", col=1)
    fig.update_xaxes(tickformat="%-d %b", showgrid=False, ticklabelstandoff=4)
    fig.update_layout(hovermode="x unified")
    return style(fig, height=420)


def conversion_figure(data: ReportData) -> go.Figure:
    """Opportunity rate per band and model, labelled with the band's lift."""
    conversion, models = data.conversion, data.models
    fig = make_subplots(
        rows=1,
        cols=max(len(models), 1),
        shared_yaxes=True,
        subplot_titles=[model_label(data, model) for model in models],
        horizontal_spacing=0.05,
    )
    highest_rate = conversion["opportunity_rate"].max(skipna=True)
    for col, model in enumerate(models, start=1):
        of_model = conversion[conversion["scoring_model_id"] == model]
        for band in data.bands:
            row = of_model[of_model["score_band"] == band]
            if row.empty:
                continue
            row = row.iloc[0]
            rate, lift = row["opportunity_rate"], row["lift"]
            label = "no leads" if math.isnan(rate) else percent(rate)
            if not math.isnan(lift):
                label += f"<br>lift {lift:.1f}×"
            fig.add_trace(
                go.Bar(
                    x=[band_label(band)],
                    y=[0 if math.isnan(rate) else rate * 100],
                    name=band_label(band),
                    legendgroup=band,
                    showlegend=False,
                    marker={"color": band_colour(data.bands, band)},
                    text=[label],
                    textposition="outside",
                    cliponaxis=False,
                    hovertemplate=(
                        f"{int(row['leads']):,} leads, {int(row['leads_with_opportunity']):,} with an "
                        f"opportunity, {int(row['leads_with_won_deal']):,} won"
                        f"<extra>{html.escape(band_label(band))}</extra>"
                    ),
                ),
                row=1,
                col=col,
            )
        if of_model["leads_with_opportunity"].sum() == 0:
            axis = "" if col == 1 else str(col)
            fig.add_annotation(
                text="No opportunities yet for these leads",
                xref=f"x{axis} domain",
                yref=f"y{axis} domain",
                x=0.5,
                y=0.6,
                showarrow=False,
                font={"size": 14, "color": "#7f8c8d"},
            )
    top = 1.0 if math.isnan(highest_rate) or highest_rate == 0 else highest_rate * 100 * 1.3
    fig.update_yaxes(range=[0, top], ticksuffix="%", rangemode="tozero")
    fig.update_yaxes(title_text="opportunity rate", col=1)
    fig.update_xaxes(showgrid=False)
    return style(fig, height=420)


def rules_figure(data: ReportData, model: str) -> go.Figure:
    """Horizontal bars: the rules of a model that add the most points and those that take away the most."""
    rules = top_rules(data.rule_totals, model)
    directions = (
        ("positive", "Add the most points", POSITIVE_COLOUR),
        ("negative", "Take away the most points", NEGATIVE_COLOUR),
    )
    fig = make_subplots(
        rows=2,
        cols=1,
        subplot_titles=[title for _, title, _ in directions],
        vertical_spacing=0.12,
    )
    for row, (direction, _, colour) in enumerate(directions, start=1):
        chosen = rules[rules["direction"] == direction]
        fig.add_trace(
            go.Bar(
                x=chosen["total_points"],
                y=chosen["rule_id"],
                orientation="h",
                marker={"color": colour},
                text=[f"{leads:,} leads" for leads in chosen["leads"]],
                # inside long bars, outside short ones: never over the rule names
                textposition="auto",
                insidetextanchor="end",
                insidetextfont={"color": "white"},
                outsidetextfont={"color": "#2c3e50"},
                cliponaxis=False,
                customdata=chosen[["leads", "rule_category"]],
                hovertemplate=(
                    "%{y}<br>%{x:,.0f} points in total<br>fired for %{customdata[0]:,} leads"
                    "<br>category %{customdata[1]}<extra></extra>"
                ),
                showlegend=False,
            ),
            row=row,
            col=1,
        )
        reach = chosen["total_points"].abs().max() if not chosen.empty else 1.0
        span = [0, reach * 1.25] if direction == "positive" else [-reach * 1.25, 0]
        fig.update_xaxes(range=span, row=row, col=1)
        if chosen.empty:
            fig.add_annotation(
                text="No rule in this direction",
                xref=f"x{row} domain",
                yref=f"y{row} domain",
                x=0.5,
                y=0.5,
                showarrow=False,
                font={"color": "#7f8c8d"},
            )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(tickformat=",.0f", zeroline=True, zerolinecolor="#7f8c8d")
    fig.update_xaxes(title_text="points over all leads", row=2, col=1)
    fig.update_layout(bargap=0.25)
    fig = style(fig, height=120 + 2 * 34 * TOP_RULES_PER_DIRECTION)
    fig.update_layout(margin={"t": 40, "r": 20})
    return fig


# --- page ----------------------------------------------------------------------------------------------


@dataclass
class Chart:
    chart_id: str
    title: str
    how_to_read: str
    figure: go.Figure
    extra_html: str = ""


def figure_html(figure: go.Figure, div_id: str) -> str:
    """A figure as a <div> and the script that draws it, counting itself rendered once drawn."""
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        config=PLOTLY_CONFIG,
        post_script="window.reportChartRendered('{plot_id}');",
    )


def chart_html(chart: Chart) -> str:
    return (
        f'<section class="report-chart" id="{html.escape(chart.chart_id)}">\n'
        f"<h3>{html.escape(chart.title)}</h3>\n"
        f'<p class="how-to-read"><strong>How to read this:</strong> {html.escape(chart.how_to_read)}</p>\n'
        f"{figure_html(chart.figure, chart.chart_id + '-plot')}\n{chart.extra_html}</section>"
    )


def header_html(data: ReportData) -> str:
    items = "".join(
        f"<div><dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd></div>"
        for label, value in data.header.items()
    )
    return f'<dl class="report-meta">{items}</dl>'


def kpi_tiles_html(data: ReportData) -> str:
    cards = []
    for kpi in data.kpis.itertuples(index=False):
        model = html.escape(kpi.scoring_model_id)
        tiles = (
            ("leads", "Leads", kpi.leads, f"{kpi.leads:,}"),
            ("mql_leads", "MQLs", kpi.mql_leads, f"{kpi.mql_leads:,}"),
            ("mql_share", "MQL share", kpi.mql_share, percent(kpi.mql_share)),
            ("average_lead_score", "Average score", kpi.average_lead_score, f"{kpi.average_lead_score:.1f}"),
        )
        tiles_html = "".join(
            f'<div class="kpi" data-model="{model}" data-kpi="{key}" data-value="{html.escape(repr(value))}">'
            f'<div class="kpi-value">{html.escape(shown)}</div><div class="kpi-label">{label}</div></div>'
            for key, label, value, shown in tiles
        )
        cards.append(
            f'<div class="kpi-card" data-model="{model}">'
            f"<h3>{html.escape(model_label(data, kpi.scoring_model_id))}</h3>"
            f'<div class="kpi-row">{tiles_html}</div></div>'
        )
    return f'<div class="kpi-cards">{"".join(cards)}</div>'


def band_pill(data: ReportData, band: str) -> str:
    return (
        f'<span class="band" style="background:{band_colour(data.bands, band)}">'
        f"{html.escape(band_label(band))}</span>"
    )


def conversion_table_html(data: ReportData) -> str:
    rows = []
    for row in data.conversion.itertuples(index=False):
        rows.append(
            f'<tr data-model="{html.escape(row.scoring_model_id)}" data-band="{html.escape(row.score_band)}">'
            f"<td>{html.escape(model_label(data, row.scoring_model_id))}</td>"
            f"<td>{band_pill(data, row.score_band)}</td>"
            f'<td class="num">{row.leads:,}</td>'
            f'<td class="num">{row.leads_with_opportunity:,}</td>'
            f'<td class="num">{percent(row.opportunity_rate)}</td>'
            f'<td class="num">{"n/a" if math.isnan(row.lift) else f"{row.lift:.1f}×"}</td>'
            f'<td class="num">{row.leads_with_won_deal:,}</td></tr>'
        )
    return (
        '<table class="data-table conversion-table"><thead><tr><th>Model</th><th>Band</th>'
        '<th class="num">Leads</th><th class="num">With opportunity</th><th class="num">Opportunity rate</th>'
        '<th class="num">Lift</th><th class="num">Won deals</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def conversion_note(data: ReportData) -> str:
    conversion = data.conversion
    if conversion.empty:
        return "There are no leads in the conversion cohort."
    window = (
        f"Leads as banded on {display_value(conversion['cohort_date'].min())}; opportunities and won deals "
        f"counted up to {display_value(conversion['outcome_until_date'].max())}."
    )
    quiet = [
        model_label(data, model)
        for model, opportunities in conversion.groupby("scoring_model_id")["leads_with_opportunity"]
        .sum()
        .items()
        if opportunities == 0
    ]
    if quiet:
        window += f" No conversions yet for {', '.join(quiet)}: the rates fill in as opportunities open."
    return window


def top_leads_html(data: ReportData) -> str:
    rows = []
    for rank, lead in enumerate(data.top_leads.itertuples(index=False), start=1):
        rules_html = "".join(
            f'<li><span class="rule">{html.escape(str(rule["rule_id"]))}</span> '
            f'<span class="points">{rule["points"]:+.1f}</span></li>'
            for rule in lead.top_rules
        )
        rows.append(
            f'<tr data-contact-id="{html.escape(lead.contact_id)}"'
            f' data-model="{html.escape(lead.scoring_model_id)}">'
            f'<td class="num">{rank}</td>'
            f"<td>{html.escape(lead.contact_id)}</td>"
            f"<td>{html.escape(model_label(data, lead.scoring_model_id))}</td>"
            f"<td>{html.escape(segment_label(lead.segment))}</td>"
            f"<td>{html.escape(str(lead.grade))}</td>"
            f"<td>{band_pill(data, lead.score_band)}</td>"
            f'<td class="num score">{lead.lead_score:.1f}</td>'
            f'<td><ul class="top-rules">{rules_html}</ul></td></tr>'
        )
    return (
        '<table class="data-table top-leads" id="top-leads"><thead><tr><th class="num">#</th><th>Contact</th>'
        '<th>Model</th><th>Segment</th><th>Grade</th><th>Band</th><th class="num">Score</th>'
        f"<th>Top {TOP_RULES_PER_LEAD} rules (points)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def charts(data: ReportData) -> list[Chart]:
    """Every chart of the page, in page order."""
    return [
        Chart(
            "chart-score-distribution",
            "How the scores spread: leads per 5-point score bin",
            "each panel is one scoring model (rows) and company segment (columns); bar height is the number "
            "of leads with a score in that 5-point range, coloured by the band it puts them in. The tall "
            "bar at 0 holds the leads whose points add up to zero or less. Each panel has its own vertical "
            "scale.",
            score_distribution_figure(data),
        ),
        Chart(
            "chart-band-shares",
            "Share of leads in each band, day by day",
            "for each day, the share of a model's leads in each band, adding up to 100%. A growing red and "
            "orange area means more leads are ready for sales.",
            band_share_figure(data),
        ),
        Chart(
            "chart-conversion",
            "Do better bands convert? Opportunity rate and lift by band",
            "the bar is the share of a band's leads that got a sales opportunity; lift compares it with the "
            "model's rate over all its leads (2.0× = twice as likely). " + conversion_note(data),
            conversion_figure(data),
            extra_html=conversion_table_html(data),
        ),
        *(
            Chart(
                f"chart-rules-{model}",
                f"What drives the {model_label(data, model)} scores",
                "green bars are the rules that added the most points over all leads, red bars those that "
                "took the most away; the label says how many leads each rule fired for. Caps and the 0–100 "
                "limit are left out.",
                rules_figure(data, model),
            )
            for model in data.models
        ),
    ]


STYLE = """
:root { --ink: #2c3e50; --muted: #6c7a89; --line: #e5e8eb; --panel: #ffffff; --page: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink); font-family: FONT_FAMILY; font-size: 15px;
       line-height: 1.45; }
main { max-width: 1280px; margin: 0 auto; padding: 28px 32px 48px; }
header h1 { margin: 0 0 4px; font-size: 30px; }
header .subtitle { margin: 0 0 16px; color: var(--muted); font-size: 16px; }
.report-meta { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0 0 20px; }
.report-meta dt { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.report-meta dd { margin: 0; font-weight: 600; }
h2 { font-size: 22px; margin: 36px 0 12px; }
h3 { font-size: 18px; margin: 0 0 4px; }
.kpi-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.kpi-card, .report-chart, .table-panel { background: var(--panel); border: 1px solid var(--line);
       border-radius: 8px; padding: 16px 20px; }
.kpi-row { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-top: 10px; }
.kpi-value { font-size: 28px; font-weight: 700; }
.kpi-label { color: var(--muted); font-size: 13px; }
.report-chart { margin-bottom: 16px; }
.how-to-read { color: var(--muted); margin: 0 0 8px; font-size: 14px; max-width: 1000px; }
/* fixed columns: a chart is drawn while the page loads, before the panels after it exist */
.rule-charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; }
@media (max-width: 1100px) { .rule-charts { grid-template-columns: minmax(0, 1fr); } }
/* grid items may shrink below their content's width, so that resized charts never widen a column */
.kpi-cards > *, .rule-charts > * { min-width: 0; }
.data-table { border-collapse: collapse; width: 100%; font-size: 14px; margin-top: 8px; }
.data-table th { text-align: left; font-size: 12px; text-transform: uppercase; letter-spacing: .04em;
       color: var(--muted); border-bottom: 2px solid var(--line); padding: 6px 8px; }
.data-table td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
.data-table .num { text-align: right; font-variant-numeric: tabular-nums; }
.data-table .score { font-weight: 700; }
.band { display: inline-block; color: #fff; border-radius: 10px; padding: 1px 9px; font-size: 12px;
       font-weight: 600; }
.top-rules { list-style: none; margin: 0; padding: 0; }
.top-rules .rule { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
.top-rules .points { color: #1e8449; font-weight: 600; }
footer { color: var(--muted); font-size: 12px; margin-top: 28px; }
""".replace("FONT_FAMILY", FONT_FAMILY)


# window.reportReady turns true once every chart has been drawn (each plotly newPlot promise resolved,
# counted by reportChartRendered) and, the page loaded, fitted to its final panel.
READY_SCRIPT = """
(function () {
  var expected = CHARTS_EXPECTED;
  function fitChartsThenReady() {
    var plots = Array.prototype.slice.call(document.querySelectorAll(".js-plotly-plot"));
    Promise.all(plots.map(function (plot) { return Plotly.Plots.resize(plot); })).then(function () {
      window.reportReady = true;
    });
  }
  function whenLoaded() {
    if (document.readyState === "complete") { fitChartsThenReady(); }
    else { window.addEventListener("load", fitChartsThenReady); }
  }
  window.reportReady = false;
  window.reportChartsRendered = 0;
  window.reportChartRendered = function () {
    window.reportChartsRendered += 1;
    if (window.reportChartsRendered === expected) { whenLoaded(); }
  };
  if (expected === 0) { whenLoaded(); }
})();
"""


def render_report(data: ReportData, source: str, generated_at: dt.datetime | None = None) -> str:
    """The whole page as one HTML document, plotly.js inline."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    all_charts = charts(data)
    distribution, shares, conversion, *rules = (chart_html(chart) for chart in all_charts)
    as_of = data.header.get("As of", "n/a")
    ready_script = READY_SCRIPT.replace("CHARTS_EXPECTED", str(len(all_charts)))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lead scores as of {html.escape(as_of)}</title>
<style>{STYLE}</style>
<script>{ready_script}</script>
<script>{get_plotlyjs()}</script>
</head>
<body>
<main>
<header>
<h1>Lead scores</h1>
<p class="subtitle">Who is ready for sales, how the scores are built, and whether the bands convert.</p>
{header_html(data)}
</header>
<section id="kpis">
{kpi_tiles_html(data)}
</section>
<h2>Score distribution</h2>
{distribution}
<h2>Band shares over time</h2>
{shares}
<h2>Conversion by band</h2>
{conversion}
<h2>The rules that count most</h2>
<div class="rule-charts">
{"".join(rules)}
</div>
<h2>Call these first</h2>
<section class="table-panel" id="call-these-first">
<p class="how-to-read"><strong>How to read this:</strong> the {TOP_LEADS} leads with the highest scores
(ties by contact id), with the rules that added the most points to each.</p>
{top_leads_html(data)}
</section>
<footer>Generated {html.escape(display_value(generated_at))} from {html.escape(source)}.</footer>
</main>
</body>
</html>
"""


def write_atomically(path: Path, text: str) -> None:
    """Write text to path through a temporary file in the same directory, so that a reader never sees a
    half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(0o644)  # mkstemp makes it private; a report is for sharing
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_SERVING_DATABASE,
        help="DuckDB file (default: $LEAD_SCORING_SERVING_DIR/lead_scoring.duckdb, now %(default)s)",
    )
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="HTML file to write (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database, output = Path(args.database), Path(args.output)
    try:
        data = read_database(database)
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        write_atomically(output, render_report(data, source=str(database)))
    except OSError as error:
        print(f"error: cannot write {output}: {error}", file=sys.stderr)
        return 2
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
