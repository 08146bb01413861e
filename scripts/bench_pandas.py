"""Lead scores computed with pandas from the raw exports and the rule seeds.

A plain pandas implementation of the dbt mart ``fct_lead_scores``: the raw contacts,
companies, contact changes and events are typed, checked and deduplicated like the staging
models, contacts are versioned from their property changes, and every lead is scored by the
rule seeds (fit rules, decayed and capped engagement, inactivity penalties, group caps and the
score clamp) on each day of the history, so that the first MQL date is known. Everything is
UTC. Writes one row per contact and scoring model as of the as-of date.

    python scripts/bench_pandas.py --raw-dir data/raw --as-of-date 2026-11-22 --output scores.parquet
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TRACKED_ATTRIBUTES = ["job_title", "seniority", "department", "company_id", "email"]
LOWER_CASED_CHANGES = ["email", "seniority", "department"]
DECAY_PARAMETERS = ["half_life_days", "lifetime_days", "expiry_days", "step_days", "step_points"]
NUMBER_ATTRIBUTES = ["employee_count", "annual_revenue_usd"]
POINTS_DECIMALS = 6
URL_PATH = r"^(?:[a-z][a-z0-9+.-]*://[^/?#]*)?([^?#]*)"
ENGAGEMENT_PARAMETERS = ["points", "max_occurrences", "window_days", "decay_type", *DECAY_PARAMETERS]
RAW_TYPES = {
    pa.float64(): pd.ArrowDtype(pa.float64()),
    pa.int64(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.string(): pd.StringDtype(na_value=np.nan),
    pa.large_string(): pd.StringDtype(na_value=np.nan),
}
OUTPUT_COLUMNS = [
    "contact_id",
    "scoring_model_id",
    "champion_model_id",
    "is_champion",
    "company_id",
    "email_domain",
    "segment",
    "fit_score",
    "engagement_score",
    "lead_score",
    "grade",
    "score_band",
    "band_rank",
    "mql_threshold",
    "is_mql",
    "first_mql_at",
    "last_activity_at",
    "as_of_date",
]


# --- reading and typing ----------------------------------------------------------------------


def read_raw(raw_dir: Path, table: str) -> pd.DataFrame:
    """All Parquet files of a raw table, columns matched by name. Doubles stay Arrow-typed, so that a
    null is told apart from NaN; integers with nulls stay integers."""
    files = sorted((raw_dir / table).glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no Parquet files in {raw_dir / table}")
    frames = [pq.read_table(path).to_pandas(types_mapper=RAW_TYPES.get) for path in files]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def read_seed(path: Path) -> pd.DataFrame:
    """A seed CSV as text; empty fields are null."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def text(values: pd.Series, case: str | None = None) -> pd.Series:
    """nullif(trim(cast(value as text)), ''), optionally lower- or upper-cased."""
    result = values.astype("str").str.strip(" ")
    if case == "lower":
        result = result.str.lower()
    elif case == "upper":
        result = result.str.upper()
    return result.mask(result == "")


def utc_timestamp(values: pd.Series) -> pd.Series:
    """A raw timestamp (typed, or ISO text with or without an offset) as naive UTC; NaT when unparseable."""
    if isinstance(values.dtype, pd.ArrowDtype):
        arrow_type = values.dtype.pyarrow_dtype
        if pa.types.is_timestamp(arrow_type) and arrow_type.tz:
            values = values.astype(pd.DatetimeTZDtype(arrow_type.unit, arrow_type.tz))
        elif pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
            values = values.astype("datetime64[us]")
        else:
            values = values.astype("str")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC").dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(values):
        parsed = values
    else:
        parsed = pd.to_datetime(values.astype("str"), utc=True, errors="coerce", format="ISO8601")
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[us]")


def try_number(values: pd.Series, integer: bool = False) -> pd.Series:
    """try_cast to double, or to bigint (a double rounds half to even, text half away from zero):
    null when it does not convert."""
    if pd.api.types.is_integer_dtype(values):
        return values.astype("Int64") if integer else values.astype("float64")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
        whole = numbers.round()
    else:
        numbers = pd.to_numeric(text(values), errors="coerce").astype("float64")
        whole = np.sign(numbers) * np.floor(np.abs(numbers) + 0.5)
    return whole.where(np.isfinite(whole)).astype("Int64") if integer else numbers


def try_float(value: object) -> float:
    """One value as a double, NaN when it is not a number."""
    try:
        return float(str(value).strip())
    except ValueError:
        return np.nan


def has_control_character(values: pd.Series) -> pd.Series:
    """Whether the text holds an ASCII control character ([[:cntrl:]])."""
    return values.str.contains(r"[\x00-\x1f\x7f]", regex=True, na=False)


def in_pipe_list(item: str, pipe_list: str) -> bool:
    """Whether the item is one of the values of the pipe-separated list, ignoring case."""
    return f"|{item.lower()}|" in f"|{pipe_list.lower()}|"


def category_type(values: Iterable[str]) -> pd.CategoricalDtype:
    """A categorical type of the distinct values, for ids repeated on many rows."""
    return pd.CategoricalDtype(pd.Index(sorted(set(values)), dtype=object))


def first_reject_reason(checks: list[tuple[pd.Series, str]]) -> pd.Series:
    """The reason of the first check a row fails (condition true), or null when it passes them all."""
    index = checks[0][0].index
    conditions = [np.asarray(condition.fillna(False), dtype=bool) for condition, _ in checks]
    reasons = np.select(conditions, [reason for _, reason in checks], default=None)
    return pd.Series(reasons, index=index, dtype=object)


def keep_first(frame: pd.DataFrame, key: str, order: list[str], ascending: list[bool]) -> pd.DataFrame:
    """The first row of each key in the given order (nulls last)."""
    ordered = frame.sort_values(
        [key, *order], ascending=[True, *ascending], na_position="last", kind="stable"
    )
    return ordered.drop_duplicates(key)


def email_parts(email: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The local part (before the first @) and the domain (after the last @, when both sides are set)."""
    local_part = email.str.split("@", n=1).str[0]
    is_address = email.str.contains(".@.", regex=True, flags=re.DOTALL, na=False)
    domain = email.str.rsplit("@", n=1).str[-1].where(is_address)
    return local_part.astype("str"), domain.astype("str")


def to_points(values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Points as the fixed-point decimal(18, 6) the scores are kept in: a double cast to it rounds
    to 6 decimals, halves away from zero."""
    scaled = values * 10.0**POINTS_DECIMALS
    whole = np.trunc(scaled)
    return (whole + np.sign(scaled) * (np.abs(scaled - whole) >= 0.5)) / 10.0**POINTS_DECIMALS


def capped(points: pd.Series, cap: pd.Series) -> pd.Series:
    """A cap with the sign of the points: a positive cap is a ceiling, a negative one a floor."""
    return pd.Series(
        np.where(cap.isna(), points, np.where(cap >= 0, np.minimum(points, cap), np.maximum(points, cap))),
        index=points.index,
    )


def clamped(value: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """The value held within [low, high]; a null bound does not bound."""
    return pd.Series(
        np.where(low.notna() & (value < low), low, np.where(high.notna() & (value > high), high, value)),
        index=value.index,
    )


# --- staging -----------------------------------------------------------------------------------


def stage_contacts(raw: pd.DataFrame, latest_allowed: pd.Timestamp) -> pd.DataFrame:
    """Typed contacts without rejected rows, the latest valid version of each."""
    typed = pd.DataFrame(
        {
            "contact_id": text(raw["contact_id"]),
            "company_id": text(raw["company_id"]),
            "email": text(raw["email"], "lower"),
            "first_name": text(raw["first_name"]),
            "last_name": text(raw["last_name"]),
            "job_title": text(raw["job_title"]),
            "seniority": text(raw["seniority"], "lower"),
            "department": text(raw["department"], "lower"),
            "country_code": text(raw["country_code"], "upper"),
            "lead_source": text(raw["lead_source"], "lower"),
            "created_at": utc_timestamp(raw["created_at"]),
            "updated_at": utc_timestamp(raw["updated_at"]),
        }
    )
    reason = first_reject_reason(
        [
            (typed["contact_id"].isna(), "missing_contact_id"),
            (has_control_character(typed["contact_id"]), "invalid_contact_id"),
            (raw["created_at"].isna(), "missing_created_at"),
            (typed["created_at"].isna(), "unparseable_created_at"),
            (typed["created_at"] > latest_allowed, "future_created_at"),
            (raw["updated_at"].notna() & typed["updated_at"].isna(), "unparseable_updated_at"),
        ]
    )
    contacts = keep_first(
        typed[reason.isna()],
        "contact_id",
        ["updated_at", "created_at", "email", "job_title"],
        [False, True, True, True],
    )
    contacts["email_local_part"], contacts["email_domain"] = email_parts(contacts["email"])
    return contacts.reset_index(drop=True)


def stage_companies(raw: pd.DataFrame) -> pd.DataFrame:
    """Typed companies without rejected rows, the latest valid version of each."""
    typed = pd.DataFrame(
        {
            "company_id": text(raw["company_id"]),
            "company_name": text(raw["company_name"]),
            "company_domain": text(raw["domain"], "lower"),
            "industry": text(raw["industry"], "lower"),
            "employee_count": try_number(raw["employee_count"], integer=True),
            "annual_revenue_usd": try_number(raw["annual_revenue"]),
            "country_code": text(raw["country_code"], "upper"),
            "updated_at": utc_timestamp(raw["updated_at"]),
        }
    )
    revenue = typed["annual_revenue_usd"]
    reason = first_reject_reason(
        [
            (typed["company_id"].isna(), "missing_company_id"),
            (has_control_character(typed["company_id"]), "invalid_company_id"),
            (
                raw["employee_count"].notna()
                & (typed["employee_count"].isna() | (typed["employee_count"] < 0)),
                "invalid_employee_count",
            ),
            (
                raw["annual_revenue"].notna() & ~((revenue >= 0) & (revenue < np.inf)),
                "invalid_annual_revenue",
            ),
            (raw["updated_at"].notna() & typed["updated_at"].isna(), "unparseable_updated_at"),
        ]
    )
    companies = keep_first(
        typed[reason.isna()],
        "company_id",
        ["updated_at", "company_name", "company_domain"],
        [False, True, True],
    )
    return companies.reset_index(drop=True)


def stage_contact_changes(
    raw: pd.DataFrame, contacts: pd.DataFrame, latest_allowed: pd.Timestamp
) -> pd.DataFrame:
    """Typed changes of tracked attributes of known contacts, without rejected rows or repeated ids."""
    typed = pd.DataFrame(
        {
            "change_id": text(raw["change_id"]),
            "contact_id": text(raw["contact_id"]),
            "attribute": text(raw["attribute"], "lower"),
            "old_value": text(raw["old_value"]),
            "new_value": text(raw["new_value"]),
            "changed_at": utc_timestamp(raw["changed_at"]),
        }
    )
    reason = first_reject_reason(
        [
            (typed["change_id"].isna(), "missing_change_id"),
            (has_control_character(typed["change_id"]), "invalid_change_id"),
            (typed["contact_id"].isna(), "missing_contact_id"),
            (~typed["contact_id"].isin(contacts["contact_id"]), "unknown_contact_id"),
            (~typed["attribute"].isin(TRACKED_ATTRIBUTES), "unknown_attribute"),
            (raw["changed_at"].isna(), "missing_changed_at"),
            (typed["changed_at"].isna(), "unparseable_changed_at"),
            (typed["changed_at"] > latest_allowed, "future_changed_at"),
        ]
    )
    changes = keep_first(typed[reason.isna()], "change_id", ["changed_at", "attribute"], [True, True])
    lowered = changes["attribute"].isin(LOWER_CASED_CHANGES)
    for column in ["old_value", "new_value"]:
        changes[column] = changes[column].where(~lowered, changes[column].str.lower())
    return changes.reset_index(drop=True)


def page_categories_by_path(url_paths: pd.Series, page_categories: pd.DataFrame) -> pd.Series:
    """The page category of each distinct URL path: its longest matching prefix (null when none)."""
    paths = pd.Series(url_paths.dropna().unique(), dtype="str")
    page_paths = paths.where((paths == "/") | ~paths.str.endswith("/"), paths.str[:-1])
    categories = pd.Series(np.nan, index=paths.index, dtype=object)
    longest = pd.Series(-1, index=paths.index)
    for prefix, category in page_categories[["url_path_prefix", "page_category"]].itertuples(index=False):
        matches = (page_paths == prefix) | ((prefix != "/") & page_paths.str.startswith(prefix + "/"))
        better = matches & (len(prefix) > longest)
        categories[better] = category
        longest[better] = len(prefix)
    return pd.Series(categories.to_numpy(), index=paths.to_numpy())


def stage_events(
    raw: pd.DataFrame,
    contacts: pd.DataFrame,
    event_types: pd.DataFrame,
    page_categories: pd.DataFrame,
    now: pd.Timestamp,
    tolerance: pd.Timedelta,
) -> pd.DataFrame:
    """Typed events of known contacts and event types, with their qualifier, without rejected rows;
    a redelivered event keeps its first delivery. Few distinct texts: categoricals."""
    urls = pd.Series(raw["url"].dropna().unique())
    path_by_url = text(urls, "lower").str.extract(URL_PATH, expand=False)
    path_by_url = pd.Series(path_by_url.mask(path_by_url == "").to_numpy(), index=urls.to_numpy())
    typed = pd.DataFrame(
        {
            "event_id": try_number(raw["event_id"], integer=True),
            "contact_id": text(raw["contact_id"]),
            "event_type": text(raw["event_type"], "lower").astype("category"),
            "occurred_at": utc_timestamp(raw["occurred_at"]),
            "loaded_at": utc_timestamp(raw["loaded_at"]),
            "url_path": raw["url"].map(path_by_url).astype("category"),
            "content_type": text(raw["content_type"], "lower").astype("category"),
        }
    )
    kinds = typed["event_type"].map(event_types.set_index("event_type")["qualifier_kind"])
    category = typed["url_path"].map(page_categories_by_path(typed["url_path"], page_categories))
    qualifier = np.where(
        kinds == "page_category",
        category.astype(object).fillna("other"),
        np.where(kinds == "content_type", typed["content_type"].astype(object), None),
    )
    typed["event_qualifier"] = pd.Series(qualifier, index=typed.index).astype("category")
    reason = first_reject_reason(
        [
            (raw["event_id"].isna(), "missing_event_id"),
            (typed["event_id"].isna(), "invalid_event_id"),
            (typed["contact_id"].isna(), "missing_contact_id"),
            (~typed["contact_id"].isin(contacts["contact_id"]), "unknown_contact_id"),
            (typed["event_type"].isna(), "missing_event_type"),
            (~typed["event_type"].isin(event_types["event_type"]), "unknown_event_type"),
            (raw["occurred_at"].isna(), "missing_occurred_at"),
            (typed["occurred_at"].isna(), "unparseable_occurred_at"),
            (raw["loaded_at"].notna() & typed["loaded_at"].isna(), "unparseable_loaded_at"),
            (typed["occurred_at"] > typed["loaded_at"].fillna(now) + tolerance, "future_occurred_at"),
        ]
    )
    events = keep_first(
        typed[reason.isna()],
        "event_id",
        ["loaded_at", "occurred_at", "event_type", "url_path", "content_type"],
        [True, True, True, True, True],
    )
    events["event_date"] = events["occurred_at"].dt.floor("D")
    return events.reset_index(drop=True)


def events_aggregated_daily(events: pd.DataFrame) -> pd.DataFrame:
    """Events counted per contact, day, event type and qualifier."""
    return events.groupby(
        ["contact_id", "event_date", "event_type", "event_qualifier"], dropna=False, as_index=False
    ).agg(occurrences=("event_id", "size"), last_occurred_at=("occurred_at", "max"))


# --- contact versions and fit ------------------------------------------------------------------


def contact_versions(contacts: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Contact attributes over time: one row per contact and period [valid_from, valid_to). Before a
    change an attribute had the change's old value; after its last change, the current value."""
    creations = contacts[["contact_id", "created_at"]]
    later_changes = changes.merge(creations, on="contact_id")
    later_changes = later_changes[later_changes["changed_at"] > later_changes["created_at"]]
    starts = pd.concat(
        [
            creations.rename(columns={"created_at": "valid_from"}),
            later_changes[["contact_id", "changed_at"]].rename(columns={"changed_at": "valid_from"}),
        ]
    ).drop_duplicates()
    starts = starts.sort_values(["contact_id", "valid_from"]).reset_index(drop=True)
    starts["valid_to"] = starts.groupby("contact_id")["valid_from"].shift(-1)

    following = starts[["contact_id", "valid_from"]].merge(
        changes[["contact_id", "attribute", "old_value", "changed_at", "change_id"]], on="contact_id"
    )
    following = following[following["changed_at"] > following["valid_from"]]
    next_changes = following.sort_values(
        ["contact_id", "valid_from", "attribute", "changed_at", "change_id"]
    ).drop_duplicates(["contact_id", "valid_from", "attribute"])

    current = contacts.drop(columns=["email_local_part", "email_domain", "updated_at"])
    versions = starts.merge(current, on="contact_id")
    for attribute in TRACKED_ATTRIBUTES:
        before = next_changes.loc[
            next_changes["attribute"] == attribute, ["contact_id", "valid_from", "old_value"]
        ]
        versions = versions.merge(
            before.assign(has_later_change=True), on=["contact_id", "valid_from"], how="left"
        )
        has_later_change = versions["has_later_change"].fillna(False).astype(bool)
        versions[attribute] = versions["old_value"].where(has_later_change, versions[attribute]).astype("str")
        versions = versions.drop(columns=["old_value", "has_later_change"])

    versions["email_local_part"], versions["email_domain"] = email_parts(versions["email"])
    full_name = versions["first_name"].fillna("") + " " + versions["last_name"].fillna("")
    versions["full_name"] = full_name.str.strip(" ").str.lower()
    versions["version_id"] = np.arange(len(versions))
    return versions


def range_lookup(
    values: pd.Series, bands: pd.DataFrame, low: str, high: str, high_inclusive: bool
) -> pd.Series:
    """The index of the band (low <= value <= or < high, open-ended when high is null) each value is in."""
    found = pd.Series(np.nan, index=values.index)
    for position, band in enumerate(bands.itertuples(index=False)):
        low_value, high_value = getattr(band, low), getattr(band, high)
        below_high = values <= high_value if high_inclusive else values < high_value
        inside = (values >= low_value) & (below_high if pd.notna(high_value) else True)
        found[inside.fillna(False).astype(bool)] = position
    return found


def contact_features(
    versions: pd.DataFrame, companies: pd.DataFrame, seeds: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Every attribute a fit rule can test, per contact version: company, size and revenue bands,
    region, e-mail domain type and segment."""
    company_columns = companies[
        ["company_id", "industry", "employee_count", "annual_revenue_usd", "country_code"]
    ]
    features = versions.merge(
        company_columns.rename(columns={"country_code": "company_country_code"}), on="company_id", how="left"
    )
    size_bands = seeds["company_size_bands"].assign(
        min_employees=lambda f: f["min_employees"].astype(float),
        max_employees=lambda f: f["max_employees"].astype(float),
    )
    size_band = range_lookup(features["employee_count"], size_bands, "min_employees", "max_employees", True)
    features["company_size_band"] = size_band.map(size_bands["company_size_band"]).astype("str")
    features["segment"] = size_band.map(size_bands["segment"]).fillna("unknown").astype("str")
    revenue_bands = seeds["revenue_bands"].assign(
        min_revenue_usd=lambda f: f["min_revenue_usd"].astype(float),
        max_revenue_usd=lambda f: f["max_revenue_usd"].astype(float),
    )
    revenue_band = range_lookup(
        features["annual_revenue_usd"], revenue_bands, "min_revenue_usd", "max_revenue_usd", False
    )
    features["revenue_band"] = revenue_band.map(revenue_bands["revenue_band"]).astype("str")
    regions = seeds["countries"].drop_duplicates("country_code").set_index("country_code")["region"]
    features["region"] = (
        features["country_code"].fillna(features["company_country_code"]).map(regions).astype("str")
    )
    domain_types = (
        seeds["email_domains"].drop_duplicates("email_domain").set_index("email_domain")["email_domain_type"]
    )
    domain_type = features["email_domain"].map(domain_types).fillna("business")
    features["email_domain_type"] = domain_type.where(features["email_domain"].notna()).astype("str")
    features["employee_count"] = features["employee_count"].astype("Int64")
    features["created_date"] = features["created_at"].dt.floor("D")
    return features


def fit_condition(features: pd.DataFrame, rule: pd.Series) -> pd.Series:
    """Whether each contact version meets a fit rule; text compares lower-cased, null never meets."""
    attribute, operator, value = rule["attribute"], rule["operator"], rule["value_text"]
    values = features[attribute]
    lowered = values.astype("str").str.lower()
    number = (
        values.astype("float64") if attribute in NUMBER_ATTRIBUTES else pd.Series(np.nan, index=values.index)
    )
    if operator == "equals":
        met = lowered == value
    elif operator == "not_equals":
        met = lowered.notna() & (lowered != value)
    elif operator in ("in", "not_in"):
        met = lowered.map({item: in_pipe_list(item, value) for item in lowered.dropna().unique()})
        met = met if operator == "in" else ~met.fillna(True).astype(bool)
    elif operator == "contains":
        met = lowered.str.contains(value, regex=False)
    elif operator == "starts_with":
        met = lowered.str.startswith(value)
    elif operator == "ends_with":
        met = lowered.str.endswith(value)
    elif operator == "matches":
        with warnings.catch_warnings():  # groups in the pattern only group, nothing is extracted
            warnings.simplefilter("ignore", UserWarning)
            met = lowered.str.contains(rule["value_pattern"], regex=True)
    elif operator == "greater_than":
        met = number > rule["value_number"]
    elif operator == "greater_or_equal":
        met = number >= rule["value_number"]
    elif operator == "less_than":
        met = number < rule["value_number"]
    elif operator == "less_or_equal":
        met = number <= rule["value_number"]
    elif operator == "between":
        met = (number >= rule["value_low"]) & (number <= rule["value_high"])
    elif operator == "is_null":
        met = lowered.isna()
    elif operator == "is_not_null":
        met = lowered.notna()
    else:
        raise ValueError(f"unknown fit operator {operator!r} in rule {rule['rule_id']}")
    return met.astype(object).fillna(False).astype(bool)


def fit_rules_matched(features: pd.DataFrame, fit_rules: pd.DataFrame) -> pd.DataFrame:
    """The fit rules each contact version meets: one row per version and matching rule."""
    matched = []
    for _, rule in fit_rules.iterrows():
        met = fit_condition(features, rule)
        matched.append(
            features.loc[met, ["version_id", "contact_id"]].assign(
                scoring_model_id=rule["scoring_model_id"],
                rule_group=rule["rule_group"],
                points=rule["points"],
            )
        )
    matched = pd.concat(matched, ignore_index=True)
    return matched.astype(fit_rules[["scoring_model_id", "rule_group"]].dtypes.to_dict())


# --- rule seeds --------------------------------------------------------------------------------


def load_seeds(seeds_dir: Path) -> dict[str, pd.DataFrame]:
    """Every rule and mapping seed, by name."""
    return {
        path.stem: read_seed(path)
        for folder in ("rules", "mappings")
        for path in (seeds_dir / folder).glob("*.csv")
    }


def stage_rules(seeds: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The rule seeds typed like the stg_scoring_rules__* models."""

    def trimmed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        frame = frame.copy()
        for column in columns:
            frame[column] = frame[column].str.strip(" ").mask(lambda s: s == "")
        return frame

    def numbers(
        frame: pd.DataFrame, columns: list[str], decimals: int | None = POINTS_DECIMALS
    ) -> pd.DataFrame:
        for column in columns:
            frame[column] = frame[column].map(try_float)
            if decimals is not None:
                frame[column] = to_points(frame[column])
        return frame

    models = trimmed(seeds["scoring_models"], ["scoring_model_id", "challenger_of", "product_line"])
    models["champion_model_id"] = models["challenger_of"].fillna(models["scoring_model_id"])
    models["is_champion"] = models["challenger_of"].isna()
    models = numbers(models, ["min_score", "max_score"])

    fit = trimmed(
        seeds["scoring_fit_rules"], ["rule_id", "scoring_model_id", "rule_group", "attribute", "operator"]
    )
    value = fit["value"].fillna("")
    fit["value_text"] = value.str.strip(" ").str.lower()
    fit["value_pattern"] = value.str.strip(" ")
    fit["value_number"] = fit["value_pattern"].map(try_float)
    fit["value_low"] = value.str.split("|").str[0].map(try_float)
    fit["value_high"] = value.str.split("|").str[1].map(try_float)
    fit = numbers(fit, ["points"])

    engagement = trimmed(
        seeds["scoring_engagement_rules"],
        ["rule_id", "scoring_model_id", "rule_group", "event_type", "qualifier"],
    )
    engagement["decay_policy_id"] = engagement["decay_policy_id"].str.strip(" ")
    engagement["qualifier"] = engagement["qualifier"].str.lower()
    engagement = numbers(engagement, ["points", "max_points"])
    engagement = numbers(engagement, ["max_occurrences", "window_days"], decimals=None)
    engagement = engagement[
        ["rule_id", "scoring_model_id", "rule_group", "event_type", "qualifier", "points", "max_occurrences"]
        + ["window_days", "max_points", "decay_policy_id"]
    ]

    decay = trimmed(seeds["scoring_decay_policies"], ["decay_policy_id", "decay_type"])
    decay = numbers(decay, DECAY_PARAMETERS, None)[["decay_policy_id", "decay_type", *DECAY_PARAMETERS]]

    inactivity = trimmed(
        seeds["scoring_inactivity_rules"], ["rule_id", "scoring_model_id", "rule_group", "event_type"]
    )
    inactivity = numbers(inactivity, ["points_per_period", "max_penalty"])
    inactivity = numbers(inactivity, ["grace_days", "period_days"], decimals=None)

    groups = numbers(
        trimmed(seeds["scoring_rule_groups"], ["scoring_model_id", "rule_group"]),
        ["min_points", "max_points"],
    )

    bands = trimmed(seeds["scoring_score_bands"], ["scoring_model_id", "segment", "score_band"])
    bands = numbers(bands, ["min_score", "max_score"])
    bands["band_rank"] = bands["band_rank"].map(try_float).astype("Int32")

    thresholds = numbers(
        trimmed(seeds["scoring_mql_thresholds"], ["scoring_model_id", "segment"]), ["mql_threshold"]
    )

    grades = numbers(trimmed(seeds["scoring_grades"], ["scoring_model_id", "grade"]), ["min_fit_score"])
    grades = grades.sort_values(["scoring_model_id", "min_fit_score"], na_position="first")
    grades["next_min_fit_score"] = grades.groupby("scoring_model_id")["min_fit_score"].shift(-1)

    event_types = seeds["event_types"].assign(
        is_engagement=lambda f: f["is_engagement"].str.lower() == "true"
    )
    staged = {
        "models": models[["scoring_model_id", "champion_model_id", "is_champion", "min_score", "max_score"]],
        "fit_rules": fit,
        "engagement_rules": engagement.merge(decay, on="decay_policy_id").drop(columns="decay_policy_id"),
        "inactivity_rules": inactivity,
        "rule_groups": groups[["scoring_model_id", "rule_group", "min_points", "max_points"]],
        "score_bands": bands[
            ["scoring_model_id", "segment", "score_band", "band_rank", "min_score", "max_score"]
        ],
        "mql_thresholds": thresholds[["scoring_model_id", "segment", "mql_threshold"]],
        "grades": grades[["scoring_model_id", "grade", "min_fit_score", "next_min_fit_score"]],
    }
    # the ids repeat on every scored row: categoricals shared by all rule tables keep them small
    id_types = {
        column: category_type(v for f in staged.values() if column in f for v in f[column].dropna())
        for column in ["scoring_model_id", "rule_id", "rule_group", "decay_type"]
    }
    for name, frame in staged.items():
        staged[name] = frame.astype({column: kind for column, kind in id_types.items() if column in frame})
    return {
        **staged,
        "event_types": event_types,
    }


# --- scoring -----------------------------------------------------------------------------------


def rule_activity(daily: pd.DataFrame, engagement_rules: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily event counts matched to the engagement rules (a rule without qualifier takes every event
    of its type): contact_id, event_date, occurrences and rule_key (the rule's row in
    engagement_rules), newest first within each contact and rule, which series_id numbers. Also the
    contact, model, rule group and cap of each series."""
    rules = engagement_rules.reset_index(drop=True)
    keys = rules[["event_type", "qualifier"]].assign(rule_key=rules.index)
    columns = ["contact_id", "event_date", "occurrences", "rule_key"]
    any_qualifier = daily.merge(keys[keys["qualifier"].isna()], on="event_type")
    by_qualifier = daily.merge(
        keys[keys["qualifier"].notna()],
        left_on=["event_type", "event_qualifier"],
        right_on=["event_type", "qualifier"],
    )
    activity = pd.concat([any_qualifier[columns], by_qualifier[columns]], ignore_index=True)
    activity = activity.sort_values(
        ["contact_id", "rule_key", "event_date"], ascending=[True, True, False]
    ).reset_index(drop=True)
    activity["series_id"] = activity.groupby(["contact_id", "rule_key"], sort=False).ngroup()
    series = activity.drop_duplicates("series_id")[["series_id", "contact_id", "rule_key"]].merge(
        rules[["scoring_model_id", "rule_group", "max_points"]], left_on="rule_key", right_index=True
    )
    return activity, series.drop(columns="rule_key")


def decay_factor(rule: pd.DataFrame, age_days: pd.Series) -> np.ndarray:
    """The share of an occurrence's points left age_days after it, under its rule's decay policy."""
    kind = rule["decay_type"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.select(
            [kind == "none", kind == "half_life", kind == "linear", kind == "expiry", kind == "step"],
            [
                np.ones(len(rule)),
                np.power(0.5, age_days / rule["half_life_days"]),
                np.maximum(0.0, 1.0 - age_days / rule["lifetime_days"]),
                np.where(age_days < rule["expiry_days"], 1.0, 0.0),
                np.maximum(
                    0.0,
                    1.0 - rule["step_points"] * np.floor(age_days / rule["step_days"]) / rule["points"].abs(),
                ),
            ],
            default=np.nan,
        )


def engagement_components(
    activity: pd.DataFrame,
    series: pd.DataFrame,
    engagement_rules: pd.DataFrame,
    contact_ids: pd.Series,
    day: pd.Timestamp,
) -> pd.DataFrame:
    """Per contact and engagement rule: decayed points of the occurrences up to the day, the most
    recent max_occurrences of each window counted, the total capped at max_points (see rule_activity)."""
    active = activity[(activity["event_date"] <= day) & activity["contact_id"].isin(contact_ids)]
    parameters = engagement_rules.reset_index(drop=True)[ENGAGEMENT_PARAMETERS]
    rule = parameters.take(active["rule_key"]).set_index(active.index)
    age_days = (day - active["event_date"]).dt.days.astype("float64")
    window = np.floor(age_days / rule["window_days"])
    occurrences = active["occurrences"]
    earlier = occurrences.groupby([active["series_id"], window], dropna=False).cumsum() - occurrences
    limit = rule["max_occurrences"]
    counted = np.where(limit.isna(), occurrences, np.minimum(occurrences, np.maximum(0, limit - earlier)))
    decayed = counted * rule["points"] * decay_factor(rule, age_days)
    totals = decayed.groupby(active["series_id"]).sum().rename("points").reset_index()
    totals = totals.merge(series, on="series_id")
    totals["points"] = to_points(capped(totals["points"], totals["max_points"]))
    return totals


def inactivity_components(
    engagement_days: pd.DataFrame, contacts: pd.DataFrame, inactivity_rules: pd.DataFrame, day: pd.Timestamp
) -> pd.DataFrame:
    """Per contact and inactivity rule: points for each full period without engagement (of the rule's
    event type, or any) after the grace days, counted from creation for a contact never active."""
    past = engagement_days[engagement_days["event_date"] <= day]
    by_type = past.groupby(["contact_id", "event_type"], as_index=False)["event_date"].max()
    any_type = by_type.groupby("contact_id", as_index=False)["event_date"].max().assign(event_type="*")
    last_activity = pd.concat([by_type, any_type], ignore_index=True).rename(
        columns={"event_type": "activity_key", "event_date": "last_activity_date"}
    )
    rules = inactivity_rules.assign(activity_key=inactivity_rules["event_type"].fillna("*"))
    periods = contacts[["contact_id", "created_date"]].merge(rules, how="cross")
    periods = periods.merge(last_activity, on=["contact_id", "activity_key"], how="left")
    idle_days = (day - periods["last_activity_date"].fillna(periods["created_date"])).dt.days
    periods["periods"] = np.floor(np.maximum(idle_days - periods["grace_days"], 0) / periods["period_days"])
    periods = periods[periods["periods"] > 0]
    points = periods["periods"] * periods["points_per_period"]
    return periods.assign(points=to_points(capped(points, periods["max_penalty"])))


def score_day(
    day: pd.Timestamp, inputs: dict[str, pd.DataFrame], rules: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """One row per contact existing at the end of the day and scoring model: fit, engagement and
    lead score, grade, band and MQL status, with the contact version valid at the end of the day."""
    cutoff = day + pd.Timedelta(days=1)
    features = inputs["features"]
    valid = (features["valid_from"] < cutoff) & (
        features["valid_to"].isna() | (features["valid_to"] >= cutoff)
    )
    contacts = features.loc[
        valid, ["version_id", "contact_id", "company_id", "email_domain", "segment", "created_date"]
    ]

    fit = inputs["fit_matches"][inputs["fit_matches"]["version_id"].isin(contacts["version_id"])]
    columns = ["contact_id", "scoring_model_id", "rule_group", "is_fit", "points"]
    components = pd.concat(
        [
            fit.assign(is_fit=True)[columns],
            engagement_components(
                inputs["activity"], inputs["series"], rules["engagement_rules"], contacts["contact_id"], day
            ).assign(is_fit=False)[columns],
            inactivity_components(inputs["engagement_days"], contacts, rules["inactivity_rules"], day).assign(
                is_fit=False
            )[columns],
        ],
        ignore_index=True,
    )

    group_keys = ["contact_id", "scoring_model_id", "rule_group", "is_fit"]
    groups = components.groupby(group_keys, as_index=False)["points"].sum()
    groups = groups.merge(rules["rule_groups"], on=["scoring_model_id", "rule_group"])
    groups["points"] = to_points(groups["points"])
    groups["cap"] = to_points(
        clamped(groups["points"], groups["min_points"], groups["max_points"]) - groups["points"]
    )
    group_caps = groups.loc[groups["cap"] != 0, group_keys].assign(points=groups["cap"])

    capped_components = pd.concat([components, group_caps], ignore_index=True)
    totals = (
        capped_components.assign(
            fit_score=capped_components["points"].where(capped_components["is_fit"], 0.0),
            engagement_score=capped_components["points"].where(~capped_components["is_fit"], 0.0),
        )
        .groupby(["contact_id", "scoring_model_id"], as_index=False)[["fit_score", "engagement_score"]]
        .sum()
        .merge(rules["models"][["scoring_model_id", "min_score", "max_score"]], on="scoring_model_id")
    )
    totals["fit_score"] = to_points(totals["fit_score"])
    totals["engagement_score"] = to_points(totals["engagement_score"])
    total = to_points(totals["fit_score"] + totals["engagement_score"])
    totals["lead_score"] = to_points(clamped(total, totals["min_score"], totals["max_score"]))

    scores = (
        contacts.drop(columns=["version_id", "created_date"])
        .merge(rules["models"][["scoring_model_id", "champion_model_id", "is_champion"]], how="cross")
        .merge(
            totals[["contact_id", "scoring_model_id", "fit_score", "engagement_score", "lead_score"]],
            on=["contact_id", "scoring_model_id"],
            how="left",
        )
    )
    scores[["fit_score", "engagement_score", "lead_score"]] = scores[
        ["fit_score", "engagement_score", "lead_score"]
    ].fillna(0.0)
    return rate(scores, rules)


def rate(scores: pd.DataFrame, rules: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Grade (by fit score), band (by lead score in the segment) and MQL status of each lead."""
    keys = ["contact_id", "scoring_model_id"]
    grades = scores[[*keys, "fit_score"]].merge(rules["grades"], on="scoring_model_id")
    grades = grades[
        (grades["min_fit_score"].isna() | (grades["fit_score"] >= grades["min_fit_score"]))
        & (grades["next_min_fit_score"].isna() | (grades["fit_score"] < grades["next_min_fit_score"]))
    ]
    bands = scores[[*keys, "segment", "lead_score"]].merge(
        rules["score_bands"], on=["scoring_model_id", "segment"]
    )
    bands = bands[
        (bands["lead_score"] >= bands["min_score"])
        & (
            (bands["lead_score"] < bands["max_score"])
            | ((bands["band_rank"] == 1) & (bands["lead_score"] <= bands["max_score"]))
        )
    ]
    scores = (
        scores.merge(grades[[*keys, "grade"]], on=keys, how="left")
        .merge(bands[[*keys, "score_band", "band_rank"]], on=keys, how="left")
        .merge(rules["mql_thresholds"], on=["scoring_model_id", "segment"], how="left")
    )
    scores["is_mql"] = (scores["lead_score"] >= scores["mql_threshold"]).fillna(False).astype(bool)
    return scores


def score_with_pandas(
    raw_dir: Path,
    seeds_dir: Path,
    as_of_date: datetime.date,
    history_days: int = 28,
    future_tolerance_hours: int = 24,
) -> pd.DataFrame:
    """Every contact's scores per scoring model as of the end of as_of_date (UTC), with the first day
    of the history (as_of_date - history_days to as_of_date) on which it was an MQL."""
    raw_dir, seeds_dir = Path(raw_dir), Path(seeds_dir)
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    tolerance = pd.Timedelta(hours=future_tolerance_hours)
    seeds = load_seeds(seeds_dir)
    rules = stage_rules(seeds)

    contacts = stage_contacts(read_raw(raw_dir, "contacts"), now + tolerance)
    companies = stage_companies(read_raw(raw_dir, "companies"))
    changes = stage_contact_changes(read_raw(raw_dir, "contact_changes"), contacts, now + tolerance)
    events = stage_events(
        read_raw(raw_dir, "events"), contacts, rules["event_types"], seeds["page_categories"], now, tolerance
    )
    contact_ids = category_type(contacts["contact_id"])
    daily = events_aggregated_daily(events.astype({"contact_id": contact_ids}))
    del events

    features = contact_features(contact_versions(contacts, changes), companies, seeds)
    features["contact_id"] = features["contact_id"].astype(contact_ids)
    engagement_types = rules["event_types"].loc[rules["event_types"]["is_engagement"], "event_type"]
    engagement_events = daily[daily["event_type"].isin(engagement_types)]
    activity, series = rule_activity(daily, rules["engagement_rules"])
    inputs = {
        "features": features,
        "fit_matches": fit_rules_matched(features, rules["fit_rules"]),
        "activity": activity,
        "series": series,
        "engagement_days": engagement_events[["contact_id", "event_type", "event_date"]].drop_duplicates(),
    }

    as_of = pd.Timestamp(as_of_date)
    mql_days = []
    for day in pd.date_range(as_of - pd.Timedelta(days=history_days), as_of, freq="D"):
        scores = score_day(day, inputs, rules)
        mql_days.append(
            scores.loc[scores["is_mql"], ["contact_id", "scoring_model_id"]].assign(first_mql_at=day)
        )
    first_mql = (
        pd.concat(mql_days).groupby(["contact_id", "scoring_model_id"], as_index=False)["first_mql_at"].min()
    )

    last_activity = (
        engagement_events[engagement_events["event_date"] <= as_of]
        .groupby("contact_id", as_index=False)["last_occurred_at"]
        .max()
        .rename(columns={"last_occurred_at": "last_activity_at"})
    )
    scores = scores.merge(first_mql, on=["contact_id", "scoring_model_id"], how="left").merge(
        last_activity, on="contact_id", how="left"
    )
    scores["first_mql_at"] = (
        scores["first_mql_at"].dt.date.astype(object).where(scores["first_mql_at"].notna(), None)
    )
    scores["as_of_date"] = as_of.date()
    scores = scores.astype({"contact_id": "str", "scoring_model_id": "str"})
    return scores[OUTPUT_COLUMNS].sort_values(["contact_id", "scoring_model_id"]).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--raw-dir", required=True, type=Path, help="folder of the raw tables (<table>/*.parquet)"
    )
    parser.add_argument(
        "--seeds-dir", default=Path("seeds"), type=Path, help="seed folder (default: %(default)s)"
    )
    parser.add_argument(
        "--as-of-date",
        required=True,
        type=datetime.date.fromisoformat,
        help="score as of the end of this day (UTC)",
    )
    parser.add_argument(
        "--history-days", default=28, type=int, help="days of history scored (default: %(default)s)"
    )
    parser.add_argument(
        "--future-tolerance-hours",
        default=24,
        type=int,
        help="events stamped more than this after they were loaded are rejected (default: %(default)s)",
    )
    parser.add_argument("--output", required=True, type=Path, help="Parquet file to write")
    args = parser.parse_args(argv)
    scores = score_with_pandas(
        args.raw_dir, args.seeds_dir, args.as_of_date, args.history_days, args.future_tolerance_hours
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    scores.to_parquet(args.output, index=False)
    print(f"{len(scores)} lead scores as of {args.as_of_date} written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
