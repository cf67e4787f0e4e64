"""The validator: a parsed submission in, the complete sorted list of findings out.

Order of work for one file: parse findings (from the reader) → file-level context rules (city,
period, Q4 annual sheet) → if nothing is fatal, the GX suites on every sheet present → the pandas
cross-row rules (all of this is `check_file`, the workbook alone) → the rules comparing with earlier
accepted quarters → suppression of findings a more specific one already explains → de-duplication
and sorting (`finish`). Build one `Validator` per process: it pays the GX import and setup once
(~10 s, and only when a file first needs GX) and then validates a file in well under a second.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..editions import quarter_ratio_indicators, thresholds_for_year
from ..registry import city_names, load_parks
from ..settings import Settings
from ..submission import contract
from ..submission import normalize as nz
from ..submission.catalogue import Rule, catalogue_path, load_catalogue
from ..submission.findings import FATAL, Finding
from ..submission.parsed import ParsedSubmission
from . import cross_rules
from .gx_runner import GxRunner
from .suites import CELLS, ROWS, build_suites, derived_column, slot, suite_name


def quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * quarter - 2, 1)


class Validator:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.catalogue = load_catalogue(catalogue_path(settings.expectations_dir))
        self.suites = build_suites(self.catalogue)
        self._gx = GxRunner(self.suites)

    # ------------------------------------------------------------------------------------------
    def validate(
        self,
        parsed: ParsedSubmission,
        *,
        expected_city: str | None = None,
        received_at: dt.datetime | None = None,
        history: pd.DataFrame | None = None,
    ) -> list[Finding]:
        """Every rule, sorted: `check_file` then `finish`."""
        found = self.check_file(parsed, expected_city=expected_city, received_at=received_at)
        return self.finish(parsed, found, expected_city=expected_city, received_at=received_at, history=history)

    def check_file(
        self, parsed: ParsedSubmission, *, expected_city: str | None = None, received_at: dt.datetime | None = None
    ) -> list[Finding]:
        """The rules that need the workbook alone (plus registry and calendar): a pure function of
        the file, so another process may run it ahead (pipeline/prefetch.py). Not yet sorted."""
        ctx = self._context(parsed, expected_city, received_at, history=None)
        findings = list(parsed.findings) + self._context_findings(parsed, ctx)
        if not any(f.severity == FATAL for f in findings):
            for sheet in contract.SHEETS:
                if sheet.key in parsed.frames and not parsed.frames[sheet.key].empty:
                    findings += self._gx_findings(parsed, sheet, ctx)
            for rule in self.catalogue.by_engine("pandas"):
                if rule.kind not in cross_rules.HISTORY_KINDS:
                    findings += cross_rules.RULES[rule.kind](rule, parsed, ctx)
        return findings

    def finish(
        self,
        parsed: ParsedSubmission,
        file_findings: list[Finding],
        *,
        expected_city: str | None = None,
        received_at: dt.datetime | None = None,
        history: pd.DataFrame | None = None,
    ) -> list[Finding]:
        """`check_file`'s findings plus the rules comparing with earlier accepted quarters, then
        suppression, de-duplication and sorting."""
        findings = list(file_findings)
        if not any(f.severity == FATAL for f in findings):
            ctx = self._context(parsed, expected_city, received_at, history=history)
            for rule in self.catalogue.by_engine("pandas"):
                if rule.kind in cross_rules.HISTORY_KINDS:
                    findings += cross_rules.RULES[rule.kind](rule, parsed, ctx)
        return self._finalise(findings)

    def _context(self, parsed: ParsedSubmission, expected_city, received_at, history) -> cross_rules.Context:
        names = city_names(self.settings)
        city = expected_city or parsed.city_code
        seeds = self.settings.dbt_project_dir / "seeds"
        return cross_rules.Context(
            city_code=city,
            city_name=names.get(city or "", city or ""),
            year=parsed.year,
            quarter=parsed.quarter,
            parks=load_parks(self.settings),
            today=self.settings.today,
            received_at=received_at,
            history=history,
            # the 评价导则 edition's numbers for the file's year (revision.site_check reads one)
            thresholds=thresholds_for_year(seeds, parsed.year) if parsed.year else {},
            ratio_indicators=quarter_ratio_indicators(seeds, parsed.year) if parsed.year else (),
            city_names=names,
        )

    # --- file-level rules ----------------------------------------------------------------------
    def _context_findings(self, parsed: ParsedSubmission, ctx: cross_rules.Context) -> list[Finding]:
        rules = self.catalogue
        out: list[Finding] = []
        if parsed.city_code and ctx.city_code and parsed.city_code != ctx.city_code:
            out.append(rules["file.city"].finding(value=parsed.city_code, city_code=ctx.city_code, city_name=ctx.city_name))
        out += self._content_city(parsed, ctx)
        if parsed.year and parsed.quarter:
            period = parsed.period
            if quarter_start(parsed.year, parsed.quarter) > ctx.today:
                current = f"{ctx.today.year}Q{(ctx.today.month - 1) // 3 + 1}"
                out.append(rules["period.future"].finding(value=period, today=ctx.today.isoformat(), current=current))
            late = rules["period.late"]
            due = contract.due_date(parsed.year, parsed.quarter, int(late.params["due_day"]))
            if ctx.received_at is not None and ctx.received_at.date() > due:
                out.append(late.finding(value=period, due=due.isoformat(), received=ctx.received_at.strftime("%Y-%m-%d %H:%M")))
            annual = contract.PARK_ANNUAL
            reported = any(f.sheet in (annual.name, parsed.sheet_names.get(annual.key)) for f in parsed.findings)
            if parsed.quarter == 4 and annual.key not in parsed.frames and not reported:
                out.append(rules["sheet.annual_q4"].finding(sheet=annual.name))
        return out

    def _content_city(self, parsed: ParsedSubmission, ctx: cross_rules.Context) -> list[Finding]:
        """Fatal when a sheet's title names only another city, or all its known parks are another city's."""
        rule = self.catalogue["file.content_city"]
        if not ctx.city_code:
            return []
        out = []
        for sheet in contract.SHEETS:
            if sheet.key not in parsed.frames:
                continue
            sheet_name = parsed.sheet_name_of(sheet.key)
            title = parsed.preambles.get(sheet.key, "")
            others = sorted(n for c, n in ctx.city_names.items() if c != ctx.city_code and n in title)
            if others and ctx.city_name not in title:
                out.append(rule.finding(sheet=sheet_name, city_name=ctx.city_name, value=title,
                                        detail=f"标题写的是{'、'.join(others)}"))
                continue
            codes = parsed.frames[sheet.key].park_code.dropna()
            known = ctx.parks[ctx.parks.park_code.isin(set(codes))]
            cities = set(known.city_code)
            if len(cities) == 1 and ctx.city_code not in cities:
                other = known.city_name.iloc[0]
                out.append(rule.finding(sheet=sheet_name, city_name=ctx.city_name, value=other,
                                        detail=f"中的园区代码全部属于{other}"))
        return out

    # --- GX ------------------------------------------------------------------------------------
    def _gx_findings(self, parsed: ParsedSubmission, sheet: contract.Sheet, ctx: cross_rules.Context) -> list[Finding]:
        frame = parsed.frames[sheet.key]
        rules = [r for r in self.catalogue.by_engine("gx") if sheet.key in r.sheets]
        params = {
            "registry_park_codes": sorted(ctx.parks.park_code),
            "city_park_codes": sorted(ctx.city_parks.park_code),
            "report_year": int(parsed.year or ctx.today.year),
        }
        failures = []
        rows_suite, cells_suite = suite_name(sheet.key, ROWS), suite_name(sheet.key, CELLS)
        if rows_suite in self.suites:
            failures += self._gx.run(rows_suite, _rows_frame(frame, sheet, rules), params)
        if cells_suite in self.suites:
            failures += self._gx.run(cells_suite, _cells_frame(frame, sheet, rules, _problem_cells(parsed, sheet)), params)
        by_row = frame.set_index("source_row", drop=False)
        return [self._gx_finding(self.catalogue[f.rule_id], parsed, sheet, by_row, f.source_row, f.column, ctx) for f in failures]

    def _gx_finding(self, rule: Rule, parsed, sheet, by_row: pd.DataFrame, row: int, column: str | None, ctx) -> Finding:
        if column is None and rule.kind != "duplicate_row":
            column = rule.columns_of(sheet.key)[0]
        record = by_row.loc[row]
        if isinstance(record, pd.DataFrame):  # source_row is unique; guard anyway
            record = record.iloc[0]
        extra: dict = {"city_name": ctx.city_name}
        if rule.kind == "le":
            other = rule.params["other"]
            extra.update(other_header=parsed.header_of(sheet.key, other), other_value=nz.display(_plain(record[other])))
        elif rule.kind == "in_set" and rule.params.get("values_from") == "choices":
            extra["choices"] = "、".join(sheet.column(column).choices)
        elif rule.kind == "max":
            extra["report_year"] = parsed.year
        if rule.kind in ("unique", "duplicate_row"):
            keys = [column] if column else [c.name for c in sheet.columns]
            same = (by_row[keys].astype(str) == record[keys].astype(str).values).all(axis=1)
            extra["rows"] = "、".join(str(r) for r in by_row.index[same] if r != row)
        if column and "park_code" == column:
            extra["park_city"] = ctx.park_city_name(record[column])
        return rule.finding(
            sheet=parsed.sheet_name_of(sheet.key),
            row=int(row),
            header=parsed.header_of(sheet.key, column) if column else None,
            letter=parsed.letter_of(sheet.key, column) if column else None,
            value=nz.display(_plain(record[column])) if column else None,
            **extra,
        )

    # --- finishing -----------------------------------------------------------------------------
    def _finalise(self, findings: list[Finding]) -> list[Finding]:
        """Drop findings a more specific rule explains on the same cell or row; de-duplicate; sort."""
        fired: dict[str, set] = {}
        for f in findings:
            fired.setdefault(f.rule_id, set()).add((f.sheet, f.excel_row, f.excel_column))
        kept = []
        for f in findings:
            rule = self.catalogue.by_id.get(f.rule_id)
            suppressors = rule.suppressed_by if rule else ()
            if any(
                (f.sheet, f.excel_row, f.excel_column) in fired.get(s, ()) or (f.sheet, f.excel_row, None) in fired.get(s, ())
                for s in suppressors
            ):
                continue
            kept.append(f)
        return sorted(set(kept), key=lambda f: (f.sort_key, f.message_zh))


def _plain(value):
    """pandas scalars (NA, numpy numbers) as plain Python for display."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _problem_cells(parsed: ParsedSubmission, sheet: contract.Sheet) -> set[tuple[int, str]]:
    """(row, column) of cells the reader could not type: they are filled, just unreadable."""
    name = parsed.sheet_name_of(sheet.key)
    letters = {v: k for k, v in parsed.column_letters.get(sheet.key, {}).items()}
    return {(f.excel_row, letters[f.excel_column]) for f in parsed.findings
            if f.sheet == name and f.excel_row and f.excel_column in letters}


def _rows_frame(frame: pd.DataFrame, sheet: contract.Sheet, rules: list[Rule]) -> pd.DataFrame:
    """The sheet frame with plain numpy/object dtypes GX handles, plus derived bound columns.

    Negative quantities are blanked here: value.nonnegative already reports them on the cells
    frame, and "2760 大于 -35" from a relation rule would only repeat the same mistake."""
    out = pd.DataFrame({"source_row": frame.source_row.astype("int64")})
    for col in sheet.columns:
        s = frame[col.name]
        if col.kind in (contract.NUMBER, contract.INTEGER):
            out[col.name] = s.astype("float64").where(lambda v: ~(v < 0))
        elif col.kind == contract.YEAR:
            out[col.name] = s.astype("float64")
        elif col.kind == contract.BOOL:
            out[col.name] = s.astype(object).where(s.notna(), None)
        else:
            out[col.name] = s
    for rule in rules:
        derived = derived_column(rule)
        if rule.kind == "le" and derived:
            out[derived] = out[rule.params["other"]] * float(rule.params["factor"])
    return out


def _cells_frame(frame: pd.DataFrame, sheet: contract.Sheet, rules: list[Rule], problems: set) -> pd.DataFrame:
    """One row per (Excel row, column), column by column; each cells rule has a slot column holding
    the values it checks. Built as whole numpy columns: a province file has ~150,000 cells."""
    cell_rules = [r for r in rules if r.kind in ("required", "min")]
    source_row = frame.source_row.to_numpy(dtype="int64")
    n = len(frame)
    names = [col.name for col in sheet.columns]
    out = {"source_row": np.tile(source_row, len(names)), "column": np.repeat(np.array(names, dtype=object), n)}
    for rule in cell_rules:
        applies = set(rule.columns_of(sheet.key))
        pieces = []
        for col in sheet.columns:
            values = frame[col.name]
            if rule.kind == "required":
                unreadable = np.isin(source_row, [r for r, c in problems if c == col.name])
                filled = values.notna().to_numpy() | unreadable | (col.name not in applies)
                pieces.append(np.where(filled, "x", None).astype(object))
            elif col.name in applies and col.kind in (contract.NUMBER, contract.INTEGER):
                pieces.append(values.astype("float64").to_numpy())
            else:
                pieces.append(np.full(n, np.nan))
        out[slot(rule)] = np.concatenate(pieces) if pieces else np.empty(0)
    return pd.DataFrame(out)
