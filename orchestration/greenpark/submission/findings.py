"""Findings: the one record every rule produces and every feedback file is rendered from."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FATAL = "fatal"
ERROR = "error"
WARNING = "warning"
SEVERITY_ORDER = {FATAL: 0, ERROR: 1, WARNING: 2}
SEVERITY_ZH = {FATAL: "无法读取", ERROR: "错误", WARNING: "警告"}

# Version status, as the submitter reads it.
STATUS_ACCEPTED = "已接收"
STATUS_ACCEPTED_WITH_WARNINGS = "已接收但有警告"
STATUS_REJECTED = "退回"
STATUS_UNREADABLE = "无法读取"

# `greenpark validate` exit codes.
EXIT_ACCEPTED, EXIT_WARNINGS, EXIT_REJECTED = 0, 1, 2


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: str  # fatal / error / warning
    message_zh: str  # one sentence a clerk understands, naming where and why
    sheet: str | None = None  # sheet name as in the workbook
    excel_row: int | None = None  # row number as Excel shows it
    column_header: str | None = None  # header text as in the workbook
    excel_column: str | None = None  # column letter(s), e.g. "C"
    value_seen: str | None = None
    expected: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sort_key(self) -> tuple:
        return (
            SEVERITY_ORDER[self.severity],
            self.sheet or "",
            self.excel_row or 0,
            self.excel_column or "",
            self.rule_id,
        )


def status_of(findings: list[Finding]) -> str:
    severities = {f.severity for f in findings}
    if FATAL in severities:
        return STATUS_UNREADABLE
    if ERROR in severities:
        return STATUS_REJECTED
    if WARNING in severities:
        return STATUS_ACCEPTED_WITH_WARNINGS
    return STATUS_ACCEPTED


def exit_code_of(findings: list[Finding]) -> int:
    status = status_of(findings)
    if status in (STATUS_UNREADABLE, STATUS_REJECTED):
        return EXIT_REJECTED
    return EXIT_WARNINGS if status == STATUS_ACCEPTED_WITH_WARNINGS else EXIT_ACCEPTED


def is_accepted(findings: list[Finding]) -> bool:
    return status_of(findings) in (STATUS_ACCEPTED, STATUS_ACCEPTED_WITH_WARNINGS)
