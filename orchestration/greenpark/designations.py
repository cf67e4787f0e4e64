"""动态管理 decisions as the warehouse and the site both read them: the decision types with their
Chinese names (the dbt seed decision_types), and the designation state a park's decisions leave.

The types are a seed so that dbt (int_park_decisions joins it) and Python (the CLI, the province
console, the checks before a decision is written) spell 认定 / 复查 / 现场核查 / 撤销认定 / 恢复认定
from one file.

The state replay (`designation_changes`) is the Python twin of dbt's int_park_designation_spells,
kept in one place because two callers need it before or beside dbt: management refuses a decision
that contradicts the park's state now (revoking a park that is not designated), and the bulletin
states where a park stood in a past year (dim_park holds only today). Its ordering is dbt's: the
year a decision takes effect, its date (the undated initial load first), then record order; the
latest decision wins. tests/unit/test_park_decisions.py compares the two on one set of decisions.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import pandas as pd

# The decision types that change whether a park is designated (the others record a review or an
# inspection of a designated park); a revocation ends a designation, the other two start one.
STATE_TYPES = ("designation", "revocation", "restoration")


@lru_cache(maxsize=4)
def decision_types(seeds_dir: Path) -> MappingProxyType[str, str]:
    """decision_type -> its Chinese name, in the seed's sort_order (read once per seeds folder)."""
    with open(seeds_dir / "decision_types.csv", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["sort_order"]))
    return MappingProxyType({r["decision_type"]: r["decision_type_zh"] for r in rows})


class Change(NamedTuple):
    """A change of a park's designation state: from `year` on, designated or not; batch_year is
    the 认定批次 of the designation in force (the latest batch recorded so far)."""

    year: int
    designated: bool
    batch_year: int | None


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def decision_date(d: dict) -> dt.date | None:
    """A decision row's date; None for an undated (initial-load) decision."""
    value = d.get("decision_date")
    return None if _missing(value) else pd.Timestamp(value).date()


def _record_no(key: str) -> int:
    """Record order of a recorded decision (decision_key D000123); initial-load keys sort first."""
    return int(key[1:]) if key.startswith("D") and key[1:].isdigit() else -1


def designation_changes(decisions: pd.DataFrame | None) -> dict[str, list[Change]]:
    """park_code -> its changes of state, oldest first, from effective decisions shaped as dbt's
    int_park_decisions / fct_park_decisions rows (park_code, decision_key, decision_type,
    decision_date, effective_year, batch_year, is_initial_load); other decision types are ignored."""
    if decisions is None or decisions.empty:
        return {}
    events = sorted(
        (d["park_code"], int(d["effective_year"]),
         decision_date(d) or dt.date.min,
         not d["is_initial_load"], _record_no(str(d["decision_key"])), str(d["decision_key"]),
         d["decision_type"] != "revocation", None if _missing(d["batch_year"]) else int(d["batch_year"]))
        for d in decisions[decisions.decision_type.isin(STATE_TYPES)].to_dict(orient="records"))
    changes: dict[str, list[Change]] = {}
    batches: dict[str, int | None] = {}
    for code, year, *_, designated, batch in events:
        batches[code] = batch if batch is not None else batches.get(code)
        spells = changes.setdefault(code, [])
        if designated != (spells[-1].designated if spells else False):
            spells.append(Change(year, designated, batches[code]))
    return changes
