"""One pending version: parse, validate, feed back to the submitter, load if accepted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..intake.warehouse import record_outcome
from ..intake.workbook import parse_workbook
from ..quality.feedback import VERSION_FIELDS, write_annotated_copy, write_feedback_documents
from ..quality.history import load_history
from ..quality.validation import Validator
from ..registry import city_names
from ..settings import Settings
from ..submission.findings import Finding, is_accepted, status_of
from ..submission.parsed import ParsedSubmission


@dataclass(frozen=True)
class Outcome:
    version_id: str
    city_code: str
    year: int | None
    quarter: int | None
    status: str
    findings: tuple[Finding, ...]
    feedback: dict[str, Path]

    def count(self, severity: str) -> int:
        return sum(f.severity == severity for f in self.findings)


@dataclass(frozen=True)
class Prepared:
    """A version's workbook parsed and checked against the rules that need the file alone."""

    parsed: ParsedSubmission
    file_findings: tuple[Finding, ...]


def prepare(validator: Validator, version: pd.Series) -> Prepared:
    """The part of a version's processing that depends on its bytes only (see pipeline/prefetch.py)."""
    parsed = parse_workbook(Path(version["archive_path"]), filename=version["filename"],
                            limits=validator.settings.file_limits)
    found = validator.check_file(parsed, expected_city=version["city_code"], received_at=_received(version))
    return Prepared(parsed, tuple(found))


def process_version(
    con: duckdb.DuckDBPyConnection,
    validator: Validator,
    settings: Settings,
    version: pd.Series,
    prepared: Prepared | None = None,
) -> Outcome:
    """`prepared`: the version's `prepare` result if another process already made it."""
    archive_path = Path(version["archive_path"])
    prepared = prepared or prepare(validator, version)
    parsed = prepared.parsed
    history = None
    if parsed.year is not None and parsed.quarter is not None:
        history = load_history(con, version["city_code"], parsed.year, parsed.quarter)
    findings = validator.finish(
        parsed,
        list(prepared.file_findings),
        expected_city=version["city_code"],
        received_at=_received(version),
        history=history,
    )
    status = status_of(findings)
    accepted = is_accepted(findings)
    # Feedback first: the submitter hears back even if loading were to fail afterwards. The annotated
    # copy comes last: only the submitter reads it, so the load does not wait for it.
    out_dir = settings.outbox_dir / version["city_code"]
    feedback = write_feedback_documents(out_dir, _version_dict(version, status, settings), findings)
    record_outcome(con, version["version_id"], status, findings, parsed.frames if accepted else None)
    copy = write_annotated_copy(out_dir, version["version_id"], findings, archive_path)
    if copy is not None:
        feedback["xlsx"] = copy
    return Outcome(
        version_id=version["version_id"],
        city_code=version["city_code"],
        year=parsed.year,
        quarter=parsed.quarter,
        status=status,
        findings=tuple(findings),
        feedback=feedback,
    )


def _received(version: pd.Series):
    return version["received_at"].to_pydatetime()


def _version_dict(version: pd.Series, status: str, settings: Settings) -> dict:
    return dict(version_info(version, city_names(settings)), status=status)


def version_info(version: pd.Series, names: dict[str, str]) -> dict:
    """The version fields of the feedback document (quality/feedback.py VERSION_FIELDS); the portal's
    upload check builds the same document, so both call this."""
    received = version["received_at"]
    info = {
        "version_id": version["version_id"],
        "city_code": version["city_code"],
        "city_name": names.get(version["city_code"], version["city_code"]),
        "year": None if pd.isna(version["year"]) else int(version["year"]),
        "quarter": None if pd.isna(version["quarter"]) else int(version["quarter"]),
        "version_no": int(version["version_no"]),
        "filename": version["filename"],
        "sha256": version["sha256"],
        "size_bytes": int(version["size_bytes"]),
        "received_at": received.isoformat() if isinstance(received, (pd.Timestamp, dt.datetime)) else str(received),
        "status": version["status"],
    }
    return {k: info[k] for k in VERSION_FIELDS}
