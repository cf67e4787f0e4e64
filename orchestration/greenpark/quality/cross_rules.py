"""Rules GX has no natural expectation for: registry look-ups, check digits, cross-row sums and
comparisons with the park's earlier accepted quarters. Each produces the same `Finding` records
as the GX rules, with its id, severity, thresholds and message from the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .. import uscc
from ..submission import contract
from ..submission import normalize as nz
from ..submission.catalogue import Rule
from ..submission.findings import Finding
from ..submission.parsed import ParsedSubmission
from .history import previous_quarter


@dataclass
class Context:
    """What the rules need to know besides the workbook."""

    city_code: str | None
    city_name: str
    year: int | None
    quarter: int | None
    parks: pd.DataFrame  # the registry: park_code, park_name, city_code, city_name
    today: dt.date
    received_at: dt.datetime | None = None
    history: pd.DataFrame | None = None
    city_names: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)  # evaluation_thresholds of the year's edition
    # (indicator_id, name, numerator, denominator): the seed indicator_quarter_ratios, year's edition
    ratio_indicators: tuple[tuple[str, str, str, str], ...] = ()

    # Derived once per context (a file's check), not per look-up: the rules ask for every row.
    @cached_property
    def city_parks(self) -> pd.DataFrame:
        return self.parks[self.parks.city_code == self.city_code]

    @cached_property
    def _by_code(self) -> dict[str, tuple]:
        """park_code -> (park_name, city_name); codes are unique in the registry."""
        return {code: (name, city) for code, name, city
                in zip(self.parks.park_code, self.parks.park_name, self.parks.city_name)}

    def park_name(self, code: str) -> str | None:
        hit = self._by_code.get(code)
        return hit[0] if hit else None

    def park_city_name(self, code: str) -> str:
        hit = self._by_code.get(code)
        return hit[1] if hit else ""


def _cell(rule: Rule, parsed: ParsedSubmission, sheet_key: str, row: int, name: str, value, **extra) -> Finding:
    return rule.finding(
        sheet=parsed.sheet_name_of(sheet_key),
        row=row,
        header=parsed.header_of(sheet_key, name),
        letter=parsed.letter_of(sheet_key, name),
        value=nz.display(value),
        **extra,
    )


def uscc_check_digit(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    frame = parsed.frames.get(contract.ENTERPRISE_QUARTER.key)
    if frame is None:
        return []
    out = []
    for row, code in zip(frame.source_row, frame.uscc):
        if code is None or len(code) != uscc.LENGTH or any(ch not in uscc.ALPHABET for ch in code):
            continue  # the format rule reports these
        if not uscc.is_valid(code):
            out.append(_cell(rule, parsed, "enterprise_quarter", row, "uscc", code, check_char=uscc.check_char(code[:17])))
    return out


def park_name(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    out = []
    for sheet_key in rule.sheets:
        frame = parsed.frames.get(sheet_key)
        if frame is None:
            continue
        for row, code, name in zip(frame.source_row, frame.park_code, frame.park_name):
            registry = ctx.park_name(code) if code else None
            if registry and name and nz.header_key(name) != nz.header_key(registry):
                out.append(_cell(rule, parsed, sheet_key, row, "park_name", name, registry_name=registry, park_code=code))
    return out


def park_missing(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    out = []
    for sheet_key in rule.sheets:
        frame = parsed.frames.get(sheet_key)
        if frame is None or (sheet_key == contract.PARK_ANNUAL.key and ctx.quarter != 4):
            continue
        present = set(frame.park_code.dropna())
        for code, name in zip(ctx.city_parks.park_code, ctx.city_parks.park_name):
            if code not in present:
                out.append(rule.finding(sheet=parsed.sheet_name_of(sheet_key), value=code, registry_name=name))
    return out


def _unit_of(col: contract.Column) -> str:
    """The unit as the header writes it: 用电量(万千瓦时) → 万千瓦时."""
    head = nz.nfkc(col.header)
    return head[head.rfind("(") + 1 : -1] if head.endswith(")") else col.unit


def _history_rows(ctx: Context, year: int, quarter: int) -> pd.DataFrame:
    h = ctx.history
    if h is None or h.empty:
        return pd.DataFrame()
    return h[(h.year == year) & (h.quarter == quarter)].drop_duplicates("park_code", keep="last").set_index("park_code")


def _previous_quarter_rows(ctx: Context) -> tuple[int, int, pd.DataFrame]:
    """The quarter before the submitted one and its accepted rows by park (empty if unknown)."""
    if not ctx.year or not ctx.quarter:
        return 0, 0, pd.DataFrame()
    py, pq = previous_quarter(ctx.year, ctx.quarter)
    return py, pq, _history_rows(ctx, py, pq)


def _current_rows(parsed: ParsedSubmission):
    frame = parsed.frames.get(contract.PARK_QUARTER.key)
    if frame is None:
        return []
    return [(row, code, rec) for row, code, rec in zip(frame.source_row, frame.park_code, frame.to_dict("records")) if code]


def scale_slip(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    py, pq, prev = _previous_quarter_rows(ctx)
    if prev.empty:
        return []
    scale, tol = float(rule.params["scale"]), float(rule.params["tolerance"])
    prefix = rule.params["unit_prefix"]
    cols = [c for c in (contract.PARK_QUARTER.column(n) for n in rule.columns_of("park_quarter")) if _unit_of(c).startswith(prefix)]
    out = []
    for row, code, rec in _current_rows(parsed):
        if code not in prev.index:
            continue
        for col in cols:
            cur, old = rec[col.name], prev.at[code, col.name]
            if pd.isna(cur) or pd.isna(old) or cur <= 0 or old <= 0:
                continue
            ratio = cur / old
            unit = _unit_of(col)
            if scale / tol <= ratio <= scale * tol:
                likely, direction = unit[len(prefix):], "1 万倍"
            elif 1 / (scale * tol) <= ratio <= tol / scale:
                likely, direction = "亿" + unit[len(prefix):], "万分之一"
            else:
                continue
            out.append(
                _cell(rule, parsed, "park_quarter", row, col.name, cur, prev_period=f"{py}Q{pq}",
                      prev_value=nz.format_number(old), direction=direction, likely_unit=likely, unit=unit)
            )
    return out


def qoq_change(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    py, pq, prev = _previous_quarter_rows(ctx)
    if prev.empty:
        return []
    limit = float(rule.params["max_change"])
    out = []
    for row, code, rec in _current_rows(parsed):
        if code not in prev.index:
            continue
        for name in rule.columns_of("park_quarter"):
            cur, old = rec[name], prev.at[code, name]
            if pd.isna(cur) or pd.isna(old) or old <= 0:
                continue
            change = cur / old - 1
            if abs(change) > limit:
                out.append(
                    _cell(rule, parsed, "park_quarter", row, name, cur, prev_period=f"{py}Q{pq}",
                          prev_value=nz.format_number(old), change_pct=f"{change:+.1%}")
                )
    return out


def looks_cumulative(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    if not ctx.quarter or ctx.quarter < 2:
        return []
    earlier = [_history_rows(ctx, ctx.year, q) for q in range(1, ctx.quarter)]
    if any(e.empty for e in earlier):
        return []
    tol = float(rule.params["tolerance"])
    out = []
    for row, code, rec in _current_rows(parsed):
        if any(code not in e.index for e in earlier):
            continue
        for name in rule.columns_of("park_quarter"):
            values = [e.at[code, name] for e in earlier]
            cur = rec[name]
            if pd.isna(cur) or any(pd.isna(v) for v in values):
                continue
            prior = float(sum(values))
            typical = prior / len(values)
            cumulative = prior + typical
            if prior > 0 and abs(cur - cumulative) <= tol * cumulative:
                out.append(
                    _cell(rule, parsed, "park_quarter", row, name, cur,
                          prior_sum=nz.format_number(prior), typical=nz.format_number(round(typical, 4)))
                )
    return out


def enterprise_sum(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    parks = parsed.frames.get(contract.PARK_QUARTER.key)
    firms = parsed.frames.get(contract.ENTERPRISE_QUARTER.key)
    if parks is None or firms is None or firms.empty:
        return []
    grouped = firms.dropna(subset=["park_code"]).groupby("park_code")["value_added"]
    sums, counts = grouped.sum(min_count=1), grouped.count()
    tol = float(rule.params["tolerance"])
    out = []
    for row, code, va in zip(parks.source_row, parks.park_code, parks.value_added):
        if code not in sums.index or pd.isna(va) or pd.isna(sums[code]):
            continue
        limit = va * (1 + tol)
        if sums[code] > limit:
            out.append(
                _cell(rule, parsed, "park_quarter", row, "value_added", va, park_code=code,
                      enterprise_sum=nz.format_number(round(sums[code], 4)), n=int(counts[code]),
                      limit=nz.format_number(round(limit, 4)))
            )
    return out


def peer_outlier(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    """An enterprise whose energy intensity (tce per 万元 of value added) lies outside the robust
    range of its industry peers in the same file (same city, quarter and 4-digit class).

    The range is taken on the log scale (intensities are skewed): median ± max_robust_z × 1.4826 ×
    MAD, widened to at least a factor min_ratio either way so that a group of near-identical
    peers does not turn ordinary differences into warnings."""
    firms = parsed.frames.get(contract.ENTERPRISE_QUARTER.key)
    if firms is None or firms.empty:
        return []
    min_peers, max_z = int(rule.params["min_peers"]), float(rule.params["max_robust_z"])
    min_log_ratio = float(np.log(float(rule.params["min_ratio"])))
    data = firms[["source_row", "industry_code", "energy_tce", "value_added"]]
    data = data[(data.energy_tce > 0) & (data.value_added > 0) & data.industry_code.notna()]
    log_intensity = np.log(data.energy_tce / data.value_added)
    # Per industry, in one pass over the file (a province file has ~5,000 enterprises in ~100
    # classes): the group's size, median and median absolute deviation on every row.
    industry = data.industry_code
    peers = log_intensity.groupby(industry).transform("size")
    center = log_intensity.groupby(industry).transform("median")
    deviation = (log_intensity - center).abs()
    half_width = np.maximum(max_z * (deviation.groupby(industry).transform("median") * 1.4826), min_log_ratio)
    hits = data.assign(log_intensity=log_intensity, n=peers, center=center, half_width=half_width)[
        (peers >= min_peers) & (deviation > half_width)
    ].sort_values("industry_code", kind="stable")  # by class, then in sheet order, as a clerk reads them
    return [
        _cell(rule, parsed, "enterprise_quarter", rec.source_row, "energy_tce", rec.energy_tce,
              intensity=_sig(np.exp(rec.log_intensity)), value_added=nz.format_number(rec.value_added),
              industry_code=rec.industry_code, n=int(rec.n), median=_sig(np.exp(rec.center)),
              ratio=_sig(np.exp(rec.log_intensity - rec.center)),
              low=_sig(np.exp(rec.center - rec.half_width)), high=_sig(np.exp(rec.center + rec.half_width)))
        for rec in hits.itertuples()
    ]


def revision_site_check(rule: Rule, parsed: ParsedSubmission, ctx: Context) -> list[Finding]:
    """A resubmission of a city-quarter that already has an accepted version in force: for each
    park, the published annual indicators that the quarterly sheet determines (the seed
    indicator_quarter_ratios, ctx.ratio_indicators) are
    computed over the year's accepted quarters twice, with the in-force version's row and with
    this file's row. A change beyond the seed's revision_site_check_pct (the number the marts'
    建议现场核查 flag uses, edition of the file's year) warns the submitter now, instead of the
    flag appearing later with "已接收 / 未发现问题" in the feedback. Flows are summed over the
    quarters, stocks (contract: land, employees) taken at the latest quarter, as in the marts."""
    limit = ctx.thresholds.get("revision_site_check_pct")
    h = ctx.history
    if limit is None or h is None or h.empty or not ctx.year or not ctx.quarter:
        return []
    year_rows = h[h.year == ctx.year]
    in_force = _history_rows(ctx, ctx.year, ctx.quarter)
    if in_force.empty:
        return []
    stocks = {c.name for c in contract.PARK_QUARTER.columns if c.stock}
    out = []
    for row, code, rec in _current_rows(parsed):
        if code not in in_force.index:
            continue
        old_rec = in_force.loc[code]
        others = year_rows[(year_rows.park_code == code) & (year_rows.quarter != ctx.quarter)]

        def annual(column: str, this_quarter: float, others: pd.DataFrame = others) -> float:
            values = {int(q): v for q, v in zip(others.quarter, others[column])} | {ctx.quarter: this_quarter}
            if any(pd.isna(v) for v in values.values()):
                return float("nan")
            return float(values[max(values)]) if column in stocks else float(sum(values.values()))

        worst = None
        for indicator, name, numerator, denominator in ctx.ratio_indicators:
            ratios = []
            for source in (old_rec, rec):
                num, den = annual(numerator, source[numerator]), annual(denominator, source[denominator])
                ratios.append(num / den if den and not pd.isna(num) and not pd.isna(den) else float("nan"))
            old, new = ratios
            if pd.isna(old) or pd.isna(new) or old == 0:
                continue
            change = 100 * (new - old) / abs(old)
            if abs(change) > limit and (worst is None or abs(change) > abs(worst[2])):
                # the cell to point at: the column of the two whose quarter value moved most
                moved = max((numerator, denominator), key=lambda c: _relative_move(old_rec[c], rec[c]))
                worst = (indicator, name, change, old, new, moved)
        if worst:
            indicator, name, change, old, new, moved = worst
            out.append(
                _cell(rule, parsed, "park_quarter", row, moved, rec[moved], park_code=code,
                      period=f"{ctx.year}Q{ctx.quarter}", indicator=indicator, indicator_name=name,
                      old=_sig(old), new=_sig(new), change_pct=f"{change:+.1f}%", limit=nz.format_number(limit),
                      prev_value=nz.format_number(old_rec[moved]), new_value=nz.format_number(rec[moved]))
            )
    return out


def _relative_move(old, new) -> float:
    if pd.isna(old) or pd.isna(new):
        return 0.0
    return abs(new - old) / abs(old) if old else float(new != old)


def _sig(value: float) -> str:
    """Three significant digits, as a clerk reads an intensity (0.0123, 1.23, 123)."""
    return nz.format_number(float(f"{value:.3g}"))


# The rules that read earlier accepted quarters: the only ones whose verdict depends on the
# warehouse and not on the workbook alone.
HISTORY_KINDS = frozenset({"scale_slip", "qoq_change", "looks_cumulative", "revision_site_check"})

RULES: dict[str, Callable[[Rule, ParsedSubmission, Context], list[Finding]]] = {
    "uscc_check_digit": uscc_check_digit,
    "park_name": park_name,
    "park_missing": park_missing,
    "scale_slip": scale_slip,
    "qoq_change": qoq_change,
    "looks_cumulative": looks_cumulative,
    "enterprise_sum": enterprise_sum,
    "peer_outlier": peer_outlier,
    "revision_site_check": revision_site_check,
}
