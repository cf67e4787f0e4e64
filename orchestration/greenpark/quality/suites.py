"""Great Expectations suites built from the rule catalogue, as plain GX-format dicts.

Each contract sheet is validated as two batches:
- `<sheet>.rows`: the typed sheet frame, one row per Excel row (relations between columns, code
  formats, sets, uniqueness);
- `<sheet>.cells`: the same data in long form, one row per (Excel row, column), with one slot
  column per rule holding the cell's value where the rule applies. A rule over 30 columns is then
  ONE expectation instead of 30, which keeps validation of a file well under a second (GX costs
  about 10 ms per expectation whatever the frame size).

Every expectation carries `meta.rule_id`, which is how results map back to catalogue rules. This
module needs no GX import: `quality.gx_runner` turns the dicts into GX objects once per process.
`python -m greenpark.quality.suites` rewrites the exports in expectations/suites/.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..submission import contract
from ..submission.catalogue import Catalogue, Rule, catalogue_path, load_catalogue

ROWS, CELLS = "rows", "cells"
PARAMETERS = ("registry_park_codes", "city_park_codes", "report_year")


def slot(rule: Rule) -> str:
    """The cells-frame column that holds the values a cells rule checks."""
    return "slot__" + rule.id.replace(".", "_")


def derived_column(rule: Rule) -> str | None:
    """A rows-frame column GX compares against when the bound is a multiple of another column."""
    factor = rule.params.get("factor", 1)
    return None if factor == 1 else f"{rule.params['other']}__x{factor:g}"


def suite_name(sheet_key: str, frame: str) -> str:
    return f"{sheet_key}.{frame}"


def _expectations(rule: Rule, sheet_key: str) -> list[tuple[str, dict]]:
    """(GX expectation type, kwargs) for one rule on one sheet."""
    sheet = contract.SHEETS_BY_KEY[sheet_key]
    cols = rule.columns_of(sheet_key)
    p = rule.params
    if rule.kind == "required":
        return [(CELLS, {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": slot(rule)}})]
    if rule.kind == "min":
        kwargs = {"column": slot(rule), "min_value": p["min"], "strict_min": bool(p.get("strict"))}
        return [(CELLS, {"type": "expect_column_values_to_be_between", "kwargs": kwargs})]
    if rule.kind == "duplicate_row":
        kwargs = {"column_list": [c.name for c in sheet.columns]}
        return [(ROWS, {"type": "expect_compound_columns_to_be_unique", "kwargs": kwargs})]
    out = []
    for col in cols:
        if rule.kind == "le":
            bound = derived_column(rule) or p["other"]
            kwargs = {"column_A": bound, "column_B": col, "or_equal": True, "ignore_row_if": "either_value_is_missing"}
            out.append((ROWS, {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": kwargs}))
        elif rule.kind == "in_set":
            if p.get("values_from") == "choices":
                values: object = list(sheet.column(col).choices)
            else:
                values = {"$PARAMETER": p["param"]}
            out.append((ROWS, {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": col, "value_set": values}}))
        elif rule.kind == "max":
            kwargs = {"column": col, "max_value": {"$PARAMETER": p["param"]}}
            out.append((ROWS, {"type": "expect_column_values_to_be_between", "kwargs": kwargs}))
        elif rule.kind == "regex":
            pattern = getattr(contract, p["pattern_from"]).pattern if "pattern_from" in p else p["pattern"]
            out.append((ROWS, {"type": "expect_column_values_to_match_regex", "kwargs": {"column": col, "regex": pattern}}))
        elif rule.kind == "unique":
            out.append((ROWS, {"type": "expect_column_values_to_be_unique", "kwargs": {"column": col}}))
        else:
            raise ValueError(f"rule {rule.id}: kind {rule.kind} has no GX expectation")
    return out


def build_suites(catalogue: Catalogue) -> dict[str, dict]:
    """Suite name → GX suite dict ({name, expectations: [{type, kwargs, meta}]}), sorted."""
    suites: dict[str, dict] = {}
    for sheet in contract.SHEETS:
        for frame in (ROWS, CELLS):
            suites[suite_name(sheet.key, frame)] = {"name": suite_name(sheet.key, frame), "expectations": []}
    for rule in catalogue.by_engine("gx"):
        for sheet_key in rule.sheets:
            for frame, exp in _expectations(rule, sheet_key):
                exp["meta"] = {"rule_id": rule.id, "severity": rule.severity}
                if frame == CELLS:  # which contract columns feed the rule's slot
                    exp["meta"]["columns"] = list(rule.columns_of(sheet_key))
                suites[suite_name(sheet_key, frame)]["expectations"].append(exp)
    return {k: v for k, v in sorted(suites.items()) if v["expectations"]}


def suite_json(suite: dict) -> str:
    return json.dumps(suite, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_suites(expectations_dir: Path) -> list[Path]:
    """Rewrite expectations/suites/*.json from the catalogue (deterministic)."""
    catalogue = load_catalogue(catalogue_path(expectations_dir))
    out_dir = Path(expectations_dir) / "suites"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    suites = build_suites(catalogue)
    for stale in out_dir.glob("*.json"):
        if stale.stem not in suites:
            stale.unlink()
    for name, suite in suites.items():
        path = out_dir / f"{name}.json"
        path.write_text(suite_json(suite), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    from ..settings import get_settings

    for path in export_suites(get_settings().expectations_dir):
        print(path)
