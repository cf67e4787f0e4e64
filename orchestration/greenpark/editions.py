"""The 评价导则 edition in force for a year and its thresholds, read from the dbt seeds
(evaluation_editions, evaluation_thresholds): the same rows the marts read through the macro
threshold(id, year), so the intake's warnings and the marts' flags apply one number; and the
indicators the quarterly sheet determines (indicator_quarter_ratios, named by the edition's
indicator_catalogue), which the intake recomputes as the marts do.

The validator asks for every file it checks; a seed is read once per version of the file (path
and modification time), so an edited seed is still read again."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path


def _rows(path: Path) -> tuple[dict, ...]:
    return _read(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _read(path: Path, mtime_ns: int) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def edition_for_year(seeds_dir: Path, year: int) -> str | None:
    """The edition whose validity years cover `year`; None when no edition does."""
    for r in _rows(seeds_dir / "evaluation_editions.csv"):
        if int(r["valid_from_year"]) <= year and (not r["valid_to_year"] or year <= int(r["valid_to_year"])):
            return r["edition_id"]
    return None


def thresholds_for_year(seeds_dir: Path, year: int) -> dict[str, float]:
    """threshold_id -> value of the edition in force for `year` (empty if none is)."""
    edition = edition_for_year(seeds_dir, year)
    return {r["threshold_id"]: float(r["value"]) for r in _rows(seeds_dir / "evaluation_thresholds.csv")
            if r["edition_id"] == edition}


def quarter_ratio_indicators(seeds_dir: Path, year: int) -> tuple[tuple[str, str, str, str], ...]:
    """(indicator_id, indicator_name, numerator, denominator) of the seed indicator_quarter_ratios,
    in its order, named by the catalogue of the edition in force for `year` (empty if none is)."""
    edition = edition_for_year(seeds_dir, year)
    names = {r["indicator_id"]: r["indicator_name"] for r in _rows(seeds_dir / "indicator_catalogue.csv")
             if r["edition_id"] == edition}
    return tuple((r["indicator_id"], names[r["indicator_id"]], r["numerator"], r["denominator"])
                 for r in _rows(seeds_dir / "indicator_quarter_ratios.csv") if r["indicator_id"] in names)
