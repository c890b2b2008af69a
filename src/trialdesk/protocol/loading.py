"""Reading protocol files: YAML -> validated, frozen `Protocol`, with errors that name the path and the rule.

A protocol file may split itself into parts: a top-level `include: [forms.yaml, ...]` lists files (relative
to it) whose top-level keys are added to its own; a key defined twice is an error. The content hash is taken
over the canonical JSON of the resolved protocol, so the same trial hashes the same however it is split.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from trialdesk.errors import Problem, ProtocolError
from trialdesk.protocol.registration import (
    EMAIL_PATTERN,
    ICD10_PATTERN,
    JALALI_PATTERN,
    PHONE_PATTERN,
    SLUG_PATTERN,
)
from trialdesk.protocol.schema import Protocol

DEFAULT_STUDY = "kums_exosome_sle"


def default_study_path() -> Path:
    """The shipped protocol file of the default study (the lupus exosome trial)."""
    return Path(str(resources.files("trialdesk.studies").joinpath(DEFAULT_STUDY, "protocol.yaml")))


def read_protocol_data(path: Path) -> dict[str, Any]:
    """The raw mapping of a protocol file with its includes resolved."""
    data = _read_yaml(path)
    includes = data.pop("include", []) or []
    if not isinstance(includes, list):
        raise ProtocolError(
            f"{path.name}: 'include' must be a list of file names", (Problem("include", "must be a list"),)
        )
    for name in includes:
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise ProtocolError(
                f"{path.name}: an included part must be a file name in the same folder",
                (Problem("include", f"'{name}' is not a plain file name"),),
            )
        part = _read_yaml(path.parent / name)
        for key, value in part.items():
            if key in data:
                raise ProtocolError(
                    f"{name}: section '{key}' is defined in more than one file",
                    (Problem(key, f"defined again in {name}"),),
                )
            data[key] = value
    return data


MAX_PROTOCOL_BYTES = 5_000_000  # a protocol with every form of a large trial is well under a megabyte


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProtocolError(f"cannot read protocol file {path}: {exc.strerror}") from exc
    return protocol_mapping(raw, path.name)


def protocol_mapping(raw: bytes, name: str) -> dict[str, Any]:
    """The mapping of a protocol file's bytes (an uploaded file, or one read from disk)."""
    if len(raw) > MAX_PROTOCOL_BYTES:
        raise ProtocolError(f"{name} is too large", (Problem(name, f"over {MAX_PROTOCOL_BYTES} bytes"),))
    if b"\x00" in raw:
        raise ProtocolError(f"{name} is not a text file", (Problem(name, "binary content"),))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"{name} is not UTF-8 text", (Problem(name, f"byte {exc.start} is not UTF-8"),)
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{name} is not valid YAML: {exc}", (Problem(name, "YAML syntax"),)) from exc
    except RecursionError:
        raise ProtocolError(f"{name} is nested too deeply", (Problem(name, "nesting too deep"),)) from None
    if not isinstance(data, dict):
        raise ProtocolError(
            f"{name}: a protocol file must be a mapping of sections", (Problem("", "not a mapping"),)
        )
    return data


def load_protocol(path: Path) -> Protocol:
    """Read and validate a protocol file; raises `ProtocolError` naming every bad path."""
    return parse_protocol(read_protocol_data(path), source=path.name)


def parse_protocol(data: dict[str, Any], *, source: str = "protocol") -> Protocol:
    """Validate a mapping; raises `ProtocolError` whose problems read like `arms[1].name: field required`."""
    try:
        return Protocol.model_validate(data)
    except RecursionError:
        raise ProtocolError(f"{source}: nested too deeply", (Problem("", "nesting too deep"),)) from None
    except ValidationError as exc:
        problems = tuple(Problem(format_location(err["loc"]), _rule(err)) for err in exc.errors())
        raise ProtocolError(
            f"{source}: the protocol is not valid ({len(problems)} problem(s))", problems
        ) from None


def format_location(loc: tuple[int | str, ...]) -> str:
    """('arms', 1, 'name') -> 'arms[1].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# Items of these lists are named in the singular in messages: "unknown criterion kind 'foo'".
_SINGULAR = {
    "arms": "arm",
    "criteria": "criterion",
    "outcomes": "outcome",
    "consent": "consent document",
    "assumptions": "assumption",
    "ethics_committees": "ethics committee",
    "funding_sources": "funding source",
    "sponsors": "sponsor",
    "recruitment_centres": "recruitment centre",
    "conditions": "condition",
    "masked_roles": "masked role",
}

_PATTERN_RULES = {
    SLUG_PATTERN: "must be a lower-case identifier (a letter, then letters, digits, '_' or '-')",
    EMAIL_PATTERN: "must be an e-mail address",
    PHONE_PATTERN: "must be a telephone number (digits, spaces, '+', '-', parentheses)",
    JALALI_PATTERN: "must be a Jalali date written as YYYY/MM/DD, e.g. 1400/03/18",
    ICD10_PATTERN: "must be an ICD-10 code such as M32 or M32.1",
}

_TYPE_RULES = {
    "missing": "field required",
    "extra_forbidden": "unknown field",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be yes or no (true/false)",
    "bool_parsing": "must be yes or no (true/false)",
    "list_type": "must be a list",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
    "date_type": "must be a date written as YYYY-MM-DD",
    "date_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date without a time",
}


def _rule(err: Any) -> str:
    """A clinician-readable rule text for one pydantic error."""
    kind: str = err["type"]
    ctx: dict[str, Any] = err.get("ctx") or {}
    if kind in _TYPE_RULES:
        return _TYPE_RULES[kind]
    if kind == "literal_error":
        return f"unknown {_subject(err['loc'])} {_quoted(err['input'])} (expected {_alternatives(ctx)})"
    if kind == "string_pattern_mismatch":
        return _PATTERN_RULES.get(str(ctx.get("pattern")), f"does not match the pattern {ctx.get('pattern')}")
    if kind in _BOUND_RULES:
        return _BOUND_RULES[kind].format(**{name: _plain(value) for name, value in ctx.items()})
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    msg: str = err["msg"]
    return msg[0].lower() + msg[1:] if msg else kind


_BOUND_RULES = {
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} item(s)",
}


def _subject(loc: tuple[int | str, ...]) -> str:
    """('criteria', 3, 'kind') -> 'criterion kind'; ('design', 'masking') -> 'masking'."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return "value"
    field = names[-1].replace("_", " ")
    if len(loc) >= 3 and isinstance(loc[-2], int) and isinstance(loc[-3], str) and loc[-3] in _SINGULAR:
        return f"{_SINGULAR[loc[-3]]} {field}"
    if len(loc) >= 2 and isinstance(loc[-1], int) and isinstance(loc[-2], str) and loc[-2] in _SINGULAR:
        return _SINGULAR[loc[-2]]
    return field


def _alternatives(ctx: dict[str, Any]) -> str:
    """ "'inclusion' or 'exclusion'" (pydantic's text) -> 'inclusion or exclusion'."""
    return str(ctx.get("expected", "")).replace("'", "")


def _plain(value: Any) -> Any:
    """0.0 -> 0, so that bounds read as written in the schema."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _quoted(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def canonical_json(protocol: Protocol) -> str:
    """A canonical serialization: sorted keys, no insignificant white space, UTF-8 text kept."""
    return json.dumps(
        protocol.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def content_hash(protocol: Protocol) -> str:
    """SHA-256 of the canonical JSON: a changed protocol is a new version."""
    return hashlib.sha256(canonical_json(protocol).encode("utf-8")).hexdigest()
