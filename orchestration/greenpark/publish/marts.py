"""Read the public marts, dims and seeds the site is built from — and nothing else.

The warehouse also holds confidential enterprise tables (raw_enterprise_quarter,
fct_enterprise_mujun). Publishing reads through `load_marts`, which only knows the public tables
below, so no enterprise row can reach a page or a download by accident; and it hands out only the
frames `disclosure.disclose` has protected, so no small count can be read or derived either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .disclosure import disclose, latest_thresholds
from .markup import split_ids

# table -> sort key (every frame is sorted so pages come out identical for identical marts)
PUBLIC_TABLES: dict[str, tuple[str, ...]] = {
    "dim_park": ("park_code",),
    "dim_indicator": ("indicator_id",),
    "dimensions": ("dimension_code",),
    "fct_park_indicators": ("park_code", "year", "indicator_id"),
    "fct_park_evaluation": ("park_code", "year"),
    "fct_park_quarter": ("park_code", "year", "quarter"),
    "fct_park_year_wide": ("park_code", "year"),
    "fct_city_year": ("city_code", "year"),
    "fct_province_year": ("year",),
    "fct_targets": ("year", "target_id"),
    "fct_dynamic_management": ("park_code", "year", "flag_code"),
    "fct_revisions": ("park_code", "year", "indicator_id"),
    "fct_park_mujun_public": ("park_code", "year", "mujun_class"),
    # 动态管理 decisions as recorded (认定, 复查, 现场核查, 撤销, 恢复): their public part only.
    "fct_park_decisions": ("park_code", "decision_key"),
    # The 评价导则 editions and each edition's catalogue: a year is scored under its own edition.
    "dim_evaluation_edition": ("valid_from_year",),
    "dim_indicator_edition": ("edition_id", "indicator_id"),
    "energy_factors": ("valid_from_year", "carrier"),
    "grid_emission_factors": ("year",),
    # The numbers of the evaluation rules (综合评价, 动态管理, 亩均 disclosure): the marts apply them,
    # the site only states them, both from this seed, so site and marts cannot disagree.
    "evaluation_thresholds": ("edition_id", "threshold_id"),
    "mujun_weights": ("mujun_indicator_code",),  # the 亩均 method (weights, classes), stated on the site
    "mujun_class_cutoffs": ("mujun_class",),
    # Which of the tables above are built from enterprise rows, and how they are protected.
    "disclosure_rules": ("table_name",),
}
REQUIRED = ("dim_park", "dim_indicator", "fct_park_indicators", "fct_park_evaluation", "evaluation_thresholds",
            "disclosure_rules")


def join_new_columns(left: pd.DataFrame, right: pd.DataFrame, on: str | list[str]) -> pd.DataFrame:
    """Left join that takes from `right` only the columns `left` lacks.

    Marts repeat descriptive columns (city_code, baseline, ...); a plain merge would rename both
    copies with _x/_y suffixes and leave the expected name missing."""
    keys = [on] if isinstance(on, str) else list(on)
    extra = [c for c in right.columns if c not in left.columns and c not in keys]
    return left.merge(right[keys + extra].drop_duplicates(keys), on=keys, how="left")


@dataclass(frozen=True)
class Marts:
    tables: dict[str, pd.DataFrame]

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def years(self) -> list[int]:
        return sorted({int(y) for y in self.fct_park_evaluation["year"]})

    @property
    def dimension_order(self) -> list[str]:
        """EG, RG, IG, CG, HG, MG: the order of the score_* columns of the evaluation mart."""
        from_scores = [c[len("score_"):].upper() for c in self.fct_park_evaluation.columns if c.startswith("score_")]
        others = sorted(set(self.dim_indicator["dimension_code"]) - set(from_scores))
        return from_scores + others

    @property
    def thresholds(self) -> dict[str, float]:
        """threshold_id -> value of the seed evaluation_thresholds, in the latest edition (rows are
        sorted by edition, so the last one of each id wins)."""
        return latest_thresholds(self.evaluation_thresholds)

    def source_date_epoch(self) -> int:
        """The data vintage as a timestamp (end of the latest quarter in the marts), used for the
        few dates a build writes (sitemap): a rebuild from the same marts gives the same bytes."""
        periods = [(int(y), int(q)) for y, q in zip(self.fct_park_quarter.get("year", []),
                                                    self.fct_park_quarter.get("quarter", []))]
        for ids in self.fct_park_evaluation["source_version_ids"]:
            for vid in split_ids(ids):
                period = parse_version_id(vid)
                if period:
                    periods.append(period[1:3])
        if not periods:
            periods = [(y, 4) for y in self.years] or [(1980, 1)]
        year, quarter = max(periods)
        first_of_next = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
        end = dt.datetime.combine(first_of_next - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        return int(end.timestamp())


def parse_version_id(version_id: str) -> tuple[str, int, int, int] | None:
    """'330100-2025Q3-v2' -> ('330100', 2025, 3, 2); None when it has another shape."""
    try:
        city, period, version = version_id.split("-")
        year, quarter = period.split("Q")
        return city, int(year), int(quarter), int(version.lstrip("v"))
    except ValueError:
        return None


def load_marts(warehouse_path: Path, *, disclosure_control: bool = True) -> Marts:
    """The public tables, after disclosure control (the only way publishing reads the warehouse);
    `disclosure_control`: settings.disclosure_control."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        missing = [t for t in REQUIRED if t not in present]
        if missing:
            raise RuntimeError(f"数据仓库缺少发布所需的表：{', '.join(missing)}（请先运行 dbt build）")
        tables = {}
        for name, key in PUBLIC_TABLES.items():
            if name not in present:
                tables[name] = pd.DataFrame(columns=list(key))
                continue
            frame = con.execute(f'SELECT * FROM main."{name}"').df()
            sort_key = [k for k in key if k in frame.columns]
            tables[name] = frame.sort_values(sort_key, kind="mergesort").reset_index(drop=True) if sort_key else frame
    finally:
        con.close()
    return Marts(disclose(tables, enabled=disclosure_control))
