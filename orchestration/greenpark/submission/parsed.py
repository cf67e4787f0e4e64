"""A submission as read from its workbook: typed frames per contract sheet, and where each value was.

The reader (intake.workbook) fills it; the checks (quality) and the feedback read it. It sits below
both so that neither side imports the other: the checks need the parsed form, not the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import contract
from .findings import Finding


@dataclass
class ParsedSubmission:
    filename: str
    city_code: str | None = None
    year: int | None = None
    quarter: int | None = None
    ext: str | None = None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    sheet_names: dict[str, str] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)
    column_letters: dict[str, dict[str, str]] = field(default_factory=dict)
    headers_seen: dict[str, dict[str, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Text above each header (titles, notes): the validator checks it does not name another city.
    preambles: dict[str, str] = field(default_factory=dict)

    @property
    def period(self) -> str | None:
        return f"{self.year}Q{self.quarter}" if self.year and self.quarter else None

    def header_of(self, sheet_key: str, name: str) -> str:
        """The column's header as the submitter wrote it (the contract's if not seen)."""
        seen = self.headers_seen.get(sheet_key, {})
        return seen.get(name) or contract.SHEETS_BY_KEY[sheet_key].column(name).header

    def letter_of(self, sheet_key: str, name: str) -> str | None:
        return self.column_letters.get(sheet_key, {}).get(name)

    def sheet_name_of(self, sheet_key: str) -> str:
        return self.sheet_names.get(sheet_key) or contract.SHEETS_BY_KEY[sheet_key].name
