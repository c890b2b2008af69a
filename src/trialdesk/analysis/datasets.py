"""The analysis datasets: their column specifications, a validator, analysis-visit windowing and baseline/change,
and their files (CSV and Parquet) with SHA-256.

    participants   one row per randomized participant (arm, dates, populations, disposition, baseline)
    measurements   one row per participant x parameter x analysis visit (built by `assign_analysis_visits`
                   from an `assessments` frame, then `derive_baseline_and_change`)
    adverse_events one row per adverse event
    doses          one row per dose given (exposure)
    screening      one row per person screened (the CONSORT enrolment boxes)

A service builds these frames at a data cut-off; everything below is pure pandas. Study days count from the
randomization date (day 0). Ordinal values (ANA titre) carry their log2 step in `value`, the code in `value_code`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from trialdesk.core.spreadsheet import neutralise_cell
from trialdesk.errors import Problem, ValidationFailed
from trialdesk.protocol.analysis import AnalysisVisit

Kind = Literal["string", "integer", "float", "boolean", "date"]
_DTYPES: dict[str, str] = {
    "string": "string",
    "integer": "Int64",
    "float": "Float64",
    "boolean": "boolean",
    "date": "datetime64[ns]",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    """Columns that identify a row; files are sorted by them so the bytes are deterministic."""

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


def _c(name: str, kind: Kind, nullable: bool = False, allowed: Sequence[str] = (), doc: str = "") -> Column:
    return Column(name, kind, nullable, tuple(allowed), doc)


FLAGS = ("low", "normal", "high")
PARTICIPANTS = DatasetSpec(
    "participants",
    (
        _c("participant", "string", doc="pseudonymous participant id"),
        _c("arm_randomized", "string", doc="arm allocated"),
        _c("arm_treated", "string", doc="arm received (safety population)"),
        _c("randomized_on", "date"),
        _c("first_dose_on", "date", True),
        _c("last_dose_on", "date", True),
        _c("last_contact_on", "date"),
        _c("itt", "boolean"),
        _c("safety", "boolean"),
        _c("per_protocol", "boolean"),
        _c("per_protocol_exclusion", "string", True, doc="why not in the per-protocol population"),
        _c("received_allocated", "boolean"),
        _c("not_received_reason", "string", True),
        _c("discontinued_intervention", "boolean"),
        _c("discontinuation_reason", "string", True),
        _c("lost_to_follow_up", "boolean"),
        _c("lost_reason", "string", True),
        _c("withdrawn", "boolean"),
        _c("withdrawal_reason", "string", True),
        _c("completed", "boolean"),
        _c("age_years", "float", True),
        _c("sex", "string", True, ("female", "male")),
        _c("bmi", "float", True),
        _c("disease_duration_years", "float", True),
        _c("lupus_nephritis", "boolean", True),
        _c("prednisolone_mg_day", "float", True),
    ),
    ("participant",),
)
ASSESSMENTS = DatasetSpec(
    "assessments",
    (
        _c("participant", "string"),
        _c("arm", "string", doc="arm randomized"),
        _c("parameter", "string", doc="item id of the protocol's forms"),
        _c("study_day", "integer", doc="collection date minus randomization date"),
        _c(
            "form_version",
            "string",
            doc="version of the form the value was entered on (kept after amendments)",
        ),
        _c("value", "float", True, doc="canonical unit; ordinal: log2 step"),
        _c("value_code", "string", True, doc="choice code of ordinal/categorical items"),
        _c("unit", "string", True),
        _c("reference_flag", "string", True, FLAGS),
        _c("ctcae_grade", "integer", True),
    ),
    ("participant", "parameter", "study_day"),
)
MEASUREMENTS = DatasetSpec(
    "measurements",
    (
        *ASSESSMENTS.columns,
        _c("analysis_visit", "string"),
        _c("baseline", "float", True),
        _c("baseline_code", "string", True),
        _c("baseline_flag", "string", True, FLAGS),
        _c("change", "float", True),
    ),
    ("participant", "parameter", "analysis_visit"),
)
ADVERSE_EVENTS = DatasetSpec(
    "adverse_events",
    (
        _c("participant", "string"),
        _c("arm_treated", "string"),
        _c("event", "string", doc="pseudonymous event id"),
        _c("term", "string", doc="CTCAE term"),
        _c("soc", "string", doc="system organ class"),
        _c("worst_grade", "integer"),
        _c("serious", "boolean"),
        _c("relationship", "string"),
        _c("related", "boolean"),
        _c("onset_day", "integer", doc="study day of onset"),
        _c("days_after_last_dose", "integer", True, doc="onset minus the last dose before it"),
        _c("led_to_stop", "boolean", doc="dosing stopped because of it"),
        _c("expedited_due", "boolean", doc="an expedited report was required"),
        _c("expedited_on_time", "boolean", True),
        _c("narrative", "string", True, doc="pseudonymous SAE narrative"),
    ),
    ("event",),
)
DOSES = DatasetSpec(
    "doses",
    (
        _c("participant", "string"),
        _c("dose_number", "integer"),
        _c("ladder_step", "string"),
        _c("units", "float"),
        _c("partial", "boolean"),
        _c("lot", "string", True),
        _c("study_day", "integer"),
    ),
    ("participant", "dose_number"),
)
SCREENING = DatasetSpec(
    "screening",
    (
        _c("screening_id", "string"),
        _c("outcome", "string", allowed=("randomized", "excluded")),
        _c("exclusion_category", "string", True, ("not_meeting_criteria", "declined", "other")),
        _c("exclusion_reason", "string", True),
    ),
    ("screening_id",),
)
SPECS = {
    spec.name: spec for spec in (PARTICIPANTS, ASSESSMENTS, MEASUREMENTS, ADVERSE_EVENTS, DOSES, SCREENING)
}


def frame_of(rows: Iterable[Mapping[str, object]], spec: DatasetSpec) -> pd.DataFrame:
    """A frame with the spec's columns built from rows keyed by column name (never by position, so adding a
    column to a spec cannot shift the others). A column a row does not name is empty (the validator then says
    whether it may be); a name outside the spec is refused at once."""
    records = list(rows)
    known = set(spec.names)
    unknown = sorted({key for row in records for key in row} - known)
    if unknown:
        raise ValidationFailed(
            f"rows for the {spec.name} dataset name columns it does not have",
            tuple(Problem(f"{spec.name}.{key}", "column not in the specification") for key in unknown),
        )
    return pd.DataFrame.from_records(records, columns=spec.names)


def _kind_ok(series: pd.Series, kind: Kind) -> bool:
    if kind == "string":
        return bool(ptypes.is_string_dtype(series.dtype))
    if kind == "integer":
        return bool(ptypes.is_integer_dtype(series.dtype))
    if kind == "float":
        return bool(ptypes.is_float_dtype(series.dtype) or ptypes.is_integer_dtype(series.dtype))
    if kind == "boolean":
        return bool(ptypes.is_bool_dtype(series.dtype))
    return bool(ptypes.is_datetime64_any_dtype(series.dtype))


def validate(frame: pd.DataFrame, spec: DatasetSpec) -> None:
    """Raise `ValidationFailed` naming every column that is missing, extra, of the wrong kind, null where
    it may not be, or holding a value outside its allowed set; and duplicated keys."""
    problems: list[Problem] = []
    missing = [name for name in spec.names if name not in frame.columns]
    problems += [Problem(f"{spec.name}.{name}", "column missing") for name in missing]
    problems += [
        Problem(f"{spec.name}.{name}", "column not in the specification")
        for name in frame.columns
        if name not in spec.names
    ]
    for column in spec.columns:
        if column.name in missing:
            continue
        series = frame[column.name]
        if not _kind_ok(series, column.kind):
            problems.append(
                Problem(f"{spec.name}.{column.name}", f"must be {column.kind}, is {series.dtype}")
            )
        if not column.nullable and bool(series.isna().any()):
            problems.append(Problem(f"{spec.name}.{column.name}", "must not be empty"))
        if column.allowed:
            bad = sorted({str(v) for v in series.dropna().unique()} - set(column.allowed))
            if bad:
                problems.append(
                    Problem(f"{spec.name}.{column.name}", f"value '{bad[0]}' not in {list(column.allowed)}")
                )
    if not missing and bool(frame.duplicated(list(spec.key)).any()):
        problems.append(Problem(spec.name, f"key {list(spec.key)} repeats"))
    if problems:
        raise ValidationFailed(f"the {spec.name} dataset does not match its specification", tuple(problems))


def coerce(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """The frame with the spec's columns in order, pandas nullable dtypes, rows sorted by the key."""
    out = pd.DataFrame({c.name: frame[c.name].astype(_DTYPES[c.kind]) for c in spec.columns})  # type: ignore[call-overload]
    return out.sort_values(list(spec.key), kind="stable").reset_index(drop=True)


# --- analysis visits --------------------------------------------------------------------------------


def assign_analysis_visits(
    assessments: pd.DataFrame,
    visits: Sequence[AnalysisVisit],
    two_values_rule: Literal["closest_then_later", "closest_then_earlier", "last", "first"],
) -> pd.DataFrame:
    """One row per participant x parameter x analysis visit: each visit takes, from the values inside its
    window, the one its rule picks; the baseline visit always takes the last value on or before its target.
    Values outside every window are dropped. Rows without a value or code are ignored."""
    usable = assessments[assessments["value"].notna() | assessments["value_code"].notna()]
    windows = pd.DataFrame(
        {
            "analysis_visit": [v.id for v in visits],
            "first_day": [v.first_day for v in visits],
            "last_day": [v.last_day for v in visits],
            "target_day": [v.target_day for v in visits],
            "is_baseline": [v.baseline for v in visits],
        }
    )
    paired = usable.merge(windows, how="cross")
    inside = paired[
        (paired["study_day"] >= paired["first_day"]) & (paired["study_day"] <= paired["last_day"])
    ].copy()
    distance = (inside["study_day"] - inside["target_day"]).abs().astype(float)
    later_first = {"closest_then_later": True, "closest_then_earlier": False, "last": True, "first": False}[
        two_values_rule
    ]
    by_distance = two_values_rule.startswith("closest")
    # Sort key: baseline -> latest day first; otherwise distance (if the rule uses it), then day.
    inside["_primary"] = np.where(inside["is_baseline"] | (not by_distance), 0.0, distance)
    inside["_day"] = np.where(inside["is_baseline"] | later_first, -inside["study_day"], inside["study_day"])
    chosen = (
        inside.sort_values(["participant", "parameter", "target_day", "_primary", "_day"], kind="stable")
        .groupby(["participant", "parameter", "analysis_visit"], sort=False)
        .head(1)
    )
    return chosen[[*ASSESSMENTS.names, "analysis_visit"]].reset_index(drop=True)


def derive_baseline_and_change(windowed: pd.DataFrame, baseline_visit: str) -> pd.DataFrame:
    """Add baseline value, code and reference flag (from the baseline analysis visit) and change = value -
    baseline to every row; the measurements dataset, validated and in its canonical form."""
    base = windowed.loc[
        windowed["analysis_visit"] == baseline_visit,
        ["participant", "parameter", "value", "value_code", "reference_flag"],
    ].rename(columns={"value": "baseline", "value_code": "baseline_code", "reference_flag": "baseline_flag"})
    out = windowed.merge(base, on=["participant", "parameter"], how="left")
    out["change"] = out["value"].astype("Float64") - out["baseline"].astype("Float64")
    out = coerce(out, MEASUREMENTS)
    validate(out, MEASUREMENTS)
    return out


# --- files ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetFile:
    name: str
    format: Literal["csv", "parquet"]
    content: bytes
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format}"


def to_csv_bytes(frame: pd.DataFrame, spec: DatasetSpec) -> bytes:
    """UTF-8 CSV, spec column order, rows by key, '\\n' line ends, ISO dates, shortest round-trip floats.
    A text cell that a spreadsheet would run as a formula (free text such as a withdrawal reason or an AE
    term beginning with '=', '+', '-', '@', tab or CR) is prefixed with "'" (OWASP CSV injection); numbers are
    written as numbers and the Parquet file keeps every value as it is."""
    canonical = coerce(frame, spec)
    for column in spec.columns:
        if column.kind == "string":
            canonical[column.name] = canonical[column.name].map(neutralise_cell, na_action="ignore")
    text = canonical.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d", na_rep="")
    return text.encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame, spec: DatasetSpec) -> bytes:
    """Parquet (pyarrow, no pandas index, zstd) of the canonical frame; same input, same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(coerce(frame, spec), preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def dataset_files(frame: pd.DataFrame, spec: DatasetSpec) -> tuple[DatasetFile, DatasetFile]:
    """The CSV and Parquet files of a dataset, each with its SHA-256 (validated first)."""
    validate(coerce(frame, spec), spec)
    files = []
    for fmt, content in (("csv", to_csv_bytes(frame, spec)), ("parquet", to_parquet_bytes(frame, spec))):
        files.append(DatasetFile(spec.name, fmt, content, hashlib.sha256(content).hexdigest()))  # type: ignore[arg-type]
    return files[0], files[1]
