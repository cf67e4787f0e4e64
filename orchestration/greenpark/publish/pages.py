"""Generate the MkDocs docs tree (zh-CN Markdown with HTML tables, inline SVG charts, open data).

Each page has a function here that selects its data from the marts and returns plain data (dicts
of numbers and text), and a Jinja2 template under templates/ that formats and escapes it. The
functions never derive a number from cells disclosure control may hide (shares, sums,
differences): such figures come from mart columns, and a hidden (NaN) cell prints as "—".

Layout of the generated tree (URLs are ASCII so they survive file:// and any LAN server):
    index.md                      首页
    cities/index.md, <city>.md    城市
    parks/index.md                园区名录
    parks/<park_code>/<year>.md   园区年度绿色低碳发展报告
    all-parks/<year>.md           全部园区一览 (sortable, filterable, CSV of the rows shown)
    bulletin/<year>.md            园区信息公告
    methodology.md                方法说明
    open-data/index.md + files    开放数据
    .nav.yml                      the navigation (dot-file: MkDocs does not publish it)
Park reports are deliberately not in the navigation: every page carries the whole nav, and
thousands of reports there would make the site grow with the square of the number of parks.
Links inside HTML blocks are written to the built .html pages (MkDocs rewrites only Markdown
links); the site tests check that every link resolves.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections import defaultdict
from pathlib import Path

import jieba
import pandas as pd
import yaml

from ..designations import designation_changes
from . import charts
from .decision_notices import decisions_of_year, designation_status, revoked_in
from .fields import CONDITIONS, page_labels
from .markup import is_missing, render, split_ids, title
from .marts import Marts, join_new_columns, parse_version_id
from .open_data import export_open_data
from .provenance import Release

NAV_FILE = ".nav.yml"
SITE_TITLE = "浙江省绿色低碳工业园区信息公开"
REPORT_SEARCH_BOOST = 3  # a park's name typed into search finds its latest report first

INTENSITIES = page_labels(  # (column, label, unit), labels from fields.FIELDS
    "energy_intensity_tce_per_wan_yuan", "co2_intensity_t_per_wan_yuan", "water_intensity_m3_per_wan_yuan",
    "solid_waste_intensity_t_per_wan_yuan")
FLOWS = page_labels("value_added_wan_yuan", "energy_tce", "co2_t", "fresh_water_wan_m3", "solid_waste_t")
# The indicators that are the intensities above, as evaluated (the all-parks table's key figures).
KEY_INDICATORS = ("EG01", "EG02", "RG01", "RG08")
DIRECTION_ZH = {"lower": "越低越好", "higher": "越高越好"}
BULLETIN_FLAGS = ("复查到期", "预警", "建议撤销认定", "建议现场核查")
BULLETIN_SECTIONS = ("新认定", *BULLETIN_FLAGS, "已撤销认定")
ANCHORS = {"新认定": "new", "复查到期": "review", "预警": "warning", "建议撤销认定": "revoke",
           "建议现场核查": "site-check", "已撤销认定": "revoked"}


class _Writer:
    def __init__(self, out_dir: Path, demo: bool):
        self.out_dir = out_dir
        self.demo = demo
        self.pages = 0
        self.bytes = 0

    def page(self, rel: str, template: str, **context) -> None:
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = render(template, demo=self.demo, rel=rel, **context).encode("utf-8")
        path.write_bytes(data)
        self.pages += 1
        self.bytes += len(data)


def _html(md_page: str) -> str:
    return md_page.removesuffix(".md") + ".html"


def _link(from_page: str, to_page: str) -> str:
    """Relative URL of a built page, for links inside HTML blocks."""
    return posixpath.relpath(_html(to_page), posixpath.dirname(from_page) or ".")


def _md_link(from_page: str, to_page: str) -> str:
    """Relative path of a Markdown source, for Markdown links (MkDocs checks and rewrites them)."""
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def _report_path(park_code: str, year: int) -> str:
    return f"parks/{park_code}/{int(year)}.md"


def _city_path(city_code: str) -> str:
    return f"cities/{city_code}.md"


def _compliance(value) -> str | None:
    return None if is_missing(value) else ("达标" if bool(value) else "未达标")


def _annual_from_quarters(quarters: pd.DataFrame) -> pd.DataFrame:
    """Park-year flows as sums of the accepted quarters, then intensities as ratios of the sums.
    A quarter hidden by disclosure control (NaN) makes its year's sum NaN: a partial sum next to
    the shown quarters would give the hidden one away."""
    flows = [c for c, _, _ in FLOWS if c in quarters.columns]
    keys = [quarters.park_code, quarters.year]
    grouped = quarters.groupby(keys)
    hidden = quarters[flows].isna().groupby(keys).any()
    yearly = grouped[flows].sum().mask(hidden).join(grouped["quarter"].count().rename("n_quarters")).reset_index()
    va = yearly["value_added_wan_yuan"].where(yearly["value_added_wan_yuan"] > 0)
    yearly["energy_intensity_tce_per_wan_yuan"] = yearly["energy_tce"] / va
    yearly["co2_intensity_t_per_wan_yuan"] = yearly["co2_t"] / va
    yearly["water_intensity_m3_per_wan_yuan"] = yearly["fresh_water_wan_m3"] * 1e4 / va
    yearly["solid_waste_intensity_t_per_wan_yuan"] = yearly["solid_waste_t"] / va
    return yearly


def _search_words(name: str) -> str:
    """Search words for a park's report: jieba's search-engine cut of its name (宁波 高新 技术 高新技术 …)
    and every single character and pair of characters of it. The site search splits a typed
    Chinese query into the longest words its index holds, each matched as a prefix; a query
    such as "宁波大榭" then finds this park's words and ranks its report first, while the page text
    alone holds only the coarser words of jieba's default cut (高新技术, not 高新)."""
    name = str(name)
    words = [w for w in jieba.cut_for_search(name) if w.strip()]
    for run in re.findall(r"[\u4e00-\u9fff]+", name):
        words += list(run) + [run[k:k + 2] for k in range(len(run) - 1)]
    return " ".join(dict.fromkeys(words))


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def _by_park_year(frame: pd.DataFrame) -> dict[tuple[str, int], pd.DataFrame]:
    """Rows per (park_code, year), once: filtering the whole frame for every report costs O(n²)."""
    if frame.empty:
        return {}
    return {(code, int(year)): group for (code, year), group in frame.groupby(["park_code", "year"], sort=False)}


class _Site:
    def __init__(self, marts: Marts, writer: _Writer, release: Release | None):
        self.m = marts
        self.w = writer
        self.release = release
        self.parks = marts.dim_park.set_index("park_code", drop=False)
        self.indicators = marts.dim_indicator.set_index("indicator_id", drop=False)
        ev = join_new_columns(
            marts.fct_park_evaluation,
            marts.dim_park[["park_code", "park_name", "city_code", "city_name", "level", "park_type"]], "park_code")
        self.ev = ev.sort_values(["year", "park_code"], kind="mergesort").reset_index(drop=True)
        self.years = marts.years
        self.latest = self.years[-1] if self.years else None
        self.cities = list(marts.dim_park[["city_code", "city_name"]].drop_duplicates("city_code")
                           .sort_values("city_code").itertuples(index=False))
        dims = marts.dimensions
        self.dim_names = dict(zip(dims.get("dimension_code", []), dims.get("dimension_name", []), strict=True))
        di = marts.dim_indicator
        self.dim_names.update({k: v for k, v in zip(di.dimension_code, di.dimension_name, strict=True)
                               if k not in self.dim_names})
        self.dim_max = dict(zip(dims.get("dimension_code", []), dims.get("max_points", []), strict=True))
        self.flags = marts.fct_dynamic_management
        self.t = marts.thresholds
        self.reports = 0
        # per park-year slices of the marts the reports read
        order = {d: i for i, d in enumerate(marts.dimension_order)}
        inds = join_new_columns(marts.fct_park_indicators, marts.dim_indicator, "indicator_id")
        inds = inds.assign(_dim=inds.dimension_code.map(order))
        self.indicators_by = _by_park_year(inds.sort_values(["park_code", "year", "_dim", "indicator_id"],
                                                            kind="mergesort"))
        quarters = marts.fct_park_quarter.drop_duplicates(["park_code", "year", "quarter"], keep="last")
        self.quarters_by = {code: group for code, group in quarters.groupby("park_code", sort=False)}
        annual = _annual_from_quarters(quarters)
        self.annual_by = {code: group for code, group in annual.groupby("park_code", sort=False)}
        rv = marts.fct_revisions
        rv = rv[rv.change_pct.round(1).abs() > 0]
        self.revisions_by = _by_park_year(rv.assign(_abs=rv.change_pct.abs()).sort_values(
            ["_abs", "indicator_id"], ascending=[False, True], kind="mergesort"))
        self.mujun_by = _by_park_year(marts.fct_park_mujun_public)
        flags = self.flags.assign(_o=self.flags.flag_zh.map({f: i for i, f in enumerate(BULLETIN_FLAGS)}))
        self.flags_by = _by_park_year(flags.sort_values("_o", kind="mergesort"))
        self.n_by_year = self.ev.groupby("year").size().to_dict()
        self.n_by_city_year = self.ev.groupby(["city_code", "year"]).size().to_dict()
        self.designation_changes = designation_changes(marts.fct_park_decisions)

    def park_name(self, code: str) -> str:
        return self.parks.park_name.get(code, code)

    def designation_as_of(self, park, year: int) -> str:
        """From the decisions, as the decisions list beside it: dim_park holds only today's state."""
        return designation_status(self.designation_changes.get(park.get("park_code"), []), year)

    def dimension_max(self, d: str) -> float:
        maximum = self.dim_max.get(d)
        if is_missing(maximum):
            maximum = float(self.m.dim_indicator.loc[self.m.dim_indicator.dimension_code == d, "weight"].sum())
        return float(maximum)

    # --- pages -----------------------------------------------------------------------------------
    def generate(self) -> list:
        for row in self.ev.itertuples(index=False):
            self.report(row._asdict())
        for city in self.cities:
            self.city_page(city.city_code, city.city_name)
        self.w.page("cities/index.md", "cities.md.j2", **self.cities_index())
        self.w.page("parks/index.md", "parks.md.j2", **self.parks_index())
        for year in self.years:
            rel = f"all-parks/{year}.md"
            self.w.page(rel, "all_parks.md.j2", **self.all_parks(rel, year))
            rel = f"bulletin/{year}.md"
            self.w.page(rel, "bulletin.md.j2", **self.bulletin(rel, year))
        self.w.page("methodology.md", "methodology.md.j2", **self.methodology())
        self.w.page("open-data/index.md", "open_data.md.j2", **self.open_data())
        self.w.page("index.md", "home.md.j2", **self.home("index.md"))
        return [
            {"首页": "index.md"},
            {"城市": ["cities/index.md"] + [{title(c.city_name): _city_path(c.city_code)} for c in self.cities]},
            {"园区报告": ["parks/index.md"] + [{f"{y} 年全部园区": f"all-parks/{y}.md"} for y in reversed(self.years)]},
            {"园区信息公告": [{f"{y} 年": f"bulletin/{y}.md"} for y in reversed(self.years)]},
            {"方法说明": "methodology.md"},
            {"开放数据": "open-data/index.md"},
        ]

    def report(self, ev: dict) -> None:
        code, year = ev["park_code"], int(ev["year"])
        rel = _report_path(code, year)
        park = self.parks.loc[code] if code in self.parks.index else pd.Series(dtype=object)
        name = self.park_name(code)
        conditions = []
        for col, cid, label in CONDITIONS:
            detail = ev.get("b2_detail_zh") if col == "b2_no_incidents" else None
            conditions.append({"id": cid, "label": label, "ok": ev.get(col),
                               "detail": None if is_missing(detail) else detail})
        dims = [(self.dim_names.get(d, d), ev.get(f"score_{d.lower()}"), self.dimension_max(d))
                for d in self.m.dimension_order]
        inds = self.indicators_by.get((code, year), pd.DataFrame(columns=["source_version_ids"]))
        quarters = self.quarters_by.get(code, self.m.fct_park_quarter.iloc[0:0])
        quarters = quarters[quarters.year <= year]
        trends = None
        if not quarters.empty:
            # every quarter of the years shown, so a quarter without accepted data is visible as such
            grid = pd.DataFrame([(y, q) for y in sorted(set(quarters.year)) for q in range(1, 5)],
                                columns=["year", "quarter"]).merge(quarters, on=["year", "quarter"], how="left")
            labels = [f"{int(y)}Q{int(q)}" for y, q in zip(grid.year, grid.quarter, strict=True)]
            yearly = self.annual_by[code]
            yearly = yearly[yearly.year <= year]
            ylabels = [f"{int(y)} 年" + ("" if n == 4 else f"（{int(n)} 季度）")
                       for y, n in zip(yearly.year, yearly.n_quarters, strict=True)]
            trends = {
                "quarter_charts": [charts.series_chart(label, unit, labels, list(grid[col]), missing_label="未接收")
                                   for col, label, unit in INTENSITIES],
                "year_charts": [charts.series_chart(label, unit, ylabels, list(yearly[col]), kind="bar")
                                for col, label, unit in INTENSITIES],
                "flows": FLOWS, "years": _records(yearly),
                "partial": [int(y) for y, n in zip(yearly.year, yearly.n_quarters, strict=True) if n < 4],
            }

        mj = _records(self.mujun_by[(code, year)]) if (code, year) in self.mujun_by else []
        fl = _records(self.flags_by[(code, year)]) if (code, year) in self.flags_by else []

        versions = set(split_ids(ev.get("source_version_ids")))
        for ids in inds.get("source_version_ids", []):
            versions.update(split_ids(ids))
        self.w.page(
            rel, "report.md.j2", keywords=_search_words(name), page_title=f"{name} {year} 年度绿色低碳发展报告",
            heading=f"{name} {year} 年度绿色低碳发展报告",
            search_boost=REPORT_SEARCH_BOOST if year == self.latest else None,
            ev=ev, name=name, code=code, year=year, compliance=_compliance(ev.get("is_compliant")),
            designation=self.designation_as_of(park, year),
            n_city=self.n_by_city_year.get((ev.get("city_code"), year), 0),
            n_province=self.n_by_year.get(year, 0), city_href=_md_link(rel, _city_path(str(ev.get("city_code")))),
            bulletin_href=_md_link(rel, f"bulletin/{year}.md"), methodology_href=_md_link(rel, "methodology.md"),
            conditions=conditions, dims_chart=charts.score_bars(f"{name} {year} 年六个维度得分（分）", dims), dims=dims,
            indicators=self.indicator_rows(inds), trends=trends, mujun=mj,
            suppress_below=self.t["suppress_below_enterprises"],
            flags=fl, versions=sorted(versions), revisions=self.revisions(code, year))
        self.reports += 1

    @staticmethod
    def indicator_rows(inds: pd.DataFrame) -> list[dict]:
        rows = []
        for r in _records(inds):
            rows.append({**r, "boolean": bool(r.get("is_boolean")) or r.get("unit") == "是/否",
                         "missing": bool(r.get("is_missing")) or is_missing(r.get("value"))})
        return rows

    def revisions(self, code: str, year: int) -> dict:
        """Changed published values only, largest change first, and the versions once."""
        rv = self.revisions_by.get((code, year))
        rows = [] if rv is None else [{**r, "indicator_name": self.indicators.indicator_name.get(r["indicator_id"], ""),
                 "unit": self.indicators.unit.get(r["indicator_id"])} for r in _records(rv)]
        pairs = sorted({(r["superseded_version_id"], r["replacing_version_id"]) for r in rows
                        if not is_missing(r.get("superseded_version_id"))})
        return {"rows": rows, "versions": pairs}

    def city_page(self, city_code: str, city_name: str) -> None:
        rel = _city_path(city_code)
        parks = self.m.dim_park[self.m.dim_park.city_code == city_code]
        ev = self.ev[self.ev.city_code == city_code]
        rows = []
        for p in parks.itertuples(index=False):
            cells = []
            for year in self.years:
                hit = ev[(ev.park_code == p.park_code) & (ev.year == year)]
                cells.append(None if hit.empty else {
                    "score": hit.iloc[0].total_score, "compliance": _compliance(hit.iloc[0].is_compliant),
                    "href": _link(rel, _report_path(p.park_code, year))})
            rows.append({"code": p.park_code, "name": p.park_name, "level": p.level,
                         "status": p.designation_status, "years": cells})
        cy = self.m.fct_city_year
        cy = cy[cy.city_code == city_code] if "city_code" in cy.columns else cy.iloc[0:0]
        self.w.page(rel, "city.md.j2", page_title=f"{city_name} 园区概览", heading=f"{city_name} 园区概览",
                    city_name=city_name, n_parks=len(parks), n_evaluated=ev.park_code.nunique(), years=self.years,
                    parks=rows, rollup=self.rollup(cy, f"{city_name}园区", city_code),
                    targets=self.targets(city_code), latest=self.latest)

    def targets(self, city_code: str | None) -> list[dict]:
        """The latest year's progress towards the notice's targets: province rows (city_code NULL)
        or one city's rows. A target without a number in the notice has no progress bar."""
        tg = self.m.fct_targets
        if self.latest is None or tg.empty:
            return []
        tg = tg[tg.year == self.latest]
        tg = tg[tg.city_code.isna()] if city_code is None else tg[tg.city_code == city_code]
        return [{**r, "bar": charts.progress_bar(r["target_name"], r["progress_pct"])} for r in _records(tg)]

    def rollup(self, frame: pd.DataFrame, who: str, city_code: str | None = None) -> dict | None:
        if frame.empty:
            return None
        ev = self.ev if city_code is None else self.ev[self.ev.city_code == city_code]
        labels = [f"{int(y)} 年" for y in frame.year]
        return {"years": [int(y) for y in frame.year],
                "n_parks": list(frame.get("n_parks", [None] * len(frame))),
                "partial": [int((ev[ev.year == y].quarters_accepted < 4).sum()) for y in frame.year],
                "rows": [(label, unit, list(frame[c])) for c, label, unit in FLOWS + INTENSITIES if c in frame.columns],
                "charts": [charts.series_chart(f"{who}{label}", unit, labels, list(frame[c]), kind="bar")
                           for c, label, unit in INTENSITIES if c in frame.columns]}

    def cities_index(self) -> dict:
        rel = "cities/index.md"
        rows = []
        for c in self.cities:
            ev = self.ev[(self.ev.city_code == c.city_code) & (self.ev.year == self.latest)]
            rows.append({"name": c.city_name, "href": _link(rel, _city_path(c.city_code)),
                         "n_parks": int((self.m.dim_park.city_code == c.city_code).sum()), "n_evaluated": len(ev),
                         "n_compliant": int(ev.is_compliant.fillna(False).astype(bool).sum()) if len(ev) else 0})
        return {"page_title": "城市概览", "heading": "城市概览", "latest": self.latest, "cities": rows}

    def parks_index(self) -> dict:
        rel = "parks/index.md"
        rows = []
        for code, group in self.ev.groupby("park_code", sort=True):
            first = group.iloc[0]
            rows.append({"code": code, "name": first.park_name, "city": first.city_name, "level": first.level,
                         "city_href": _link(rel, _city_path(first.city_code)),
                         "reports": [(int(y), _link(rel, _report_path(code, y))) for y in sorted(group.year)]})
        return {"page_title": "园区年度绿色低碳发展报告", "heading": "园区年度绿色低碳发展报告", "parks": rows,
                "tables": [(y, _md_link(rel, f"all-parks/{y}.md")) for y in reversed(self.years)]}

    def all_parks(self, rel: str, year: int) -> dict:
        """Every park evaluated in `year`: score, 达标, six dimensions and the key intensities."""
        ev = self.ev[self.ev.year == year]
        inds = self.m.fct_park_indicators
        inds = inds[(inds.year == year) & inds.indicator_id.isin(KEY_INDICATORS)]
        values = {(r.park_code, r.indicator_id): r.value for r in inds.itertuples(index=False)}
        key = [(i, self.indicators.indicator_name.get(i, i), self.indicators.unit.get(i, ""))
               for i in KEY_INDICATORS if i in self.indicators.index]
        dims = [(d, self.dim_names.get(d, d)) for d in self.m.dimension_order]
        rows = []
        for r in ev.sort_values(["rank_in_province", "park_code"], kind="mergesort").to_dict("records"):
            rows.append({**r, "href": _link(rel, _report_path(r["park_code"], year)),
                         "compliance": _compliance(r.get("is_compliant")),
                         "dims": [r.get(f"score_{d.lower()}") for d, _ in dims],
                         "key": [values.get((r["park_code"], i)) for i, _, _ in key]})
        return {"page_title": f"{year} 年全部园区评价一览", "heading": f"{year} 年全部园区评价一览", "year": year,
                "rows": rows, "dims": dims, "key": key,
                "cities": sorted({r["city_name"] for r in rows if not is_missing(r["city_name"])}),
                "levels": sorted({r["level"] for r in rows if not is_missing(r["level"])}),
                "other_years": [(y, _md_link(rel, f"all-parks/{y}.md")) for y in self.years if y != year]}

    def bulletin_items(self, year: int) -> dict[str, list[tuple[str, str]]]:
        """Bulletin sections for a year: title -> [(park_code, reason)]."""
        items: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in self.m.dim_park.itertuples(index=False):
            if not is_missing(p.designation_batch_year) and int(p.designation_batch_year) == year:
                items["新认定"].append((p.park_code, f"{int(p.designation_batch_year)} 年批次认定"))
            if revoked_in(self.designation_changes.get(p.park_code, []), year) == year:
                earlier = self.flags[(self.flags.park_code == p.park_code) & (self.flags.year <= year)
                                     & (self.flags.flag_zh == "建议撤销认定")]
                reason = earlier.iloc[-1].reason_zh if len(earlier) else "经复查撤销认定"
                items["已撤销认定"].append((p.park_code, f"{year} 年撤销：{reason}"))
        for f in self.flags[self.flags.year == year].itertuples(index=False):
            items[f.flag_zh].append((f.park_code, f.reason_zh))
        return items

    def bulletin(self, rel: str, year: int) -> dict:
        items = self.bulletin_items(year)
        evaluated = set(self.ev[self.ev.year == year].park_code)

        def href(code):
            return _link(rel, _report_path(code, year)) if code in evaluated else None

        sections = [{"title": s, "anchor": ANCHORS[s], "items": [
            {"code": code, "name": self.park_name(code), "href": href(code), "city": self.parks.city_name.get(code),
             "reason": reason} for code, reason in items.get(s, [])]} for s in BULLETIN_SECTIONS]
        registry = [{**p, "status": self.designation_as_of(p, year), "href": href(p["park_code"]),
                     "revoked_year": revoked_in(self.designation_changes.get(p["park_code"], []), year)}
                    for p in _records(self.m.dim_park)]
        # The year's recorded 动态管理 decisions, each with its date, document and public reason.
        decisions = [{**d, "href": href(d["park_code"])} for d in decisions_of_year(self.m.fct_park_decisions, year)
                     if not d["is_initial_load"]]
        return {"page_title": f"{year} 年园区信息公告", "heading": f"{year} 年园区信息公告", "year": year,
                "sections": sections, "decisions": decisions, "registry": registry,
                "review_after": self.t["review_after_years"]}

    def methodology(self) -> dict:
        order = {d: i for i, d in enumerate(self.m.dimension_order)}
        dims = self.m.dimensions
        if not dims.empty:
            dims = dims.assign(_o=dims.dimension_code.map(order)).sort_values(["_o", "dimension_code"],
                                                                              kind="mergesort")
        di = self.m.dim_indicator.assign(_o=self.m.dim_indicator.dimension_code.map(order))
        groups = []
        for _, group in di.sort_values(["_o", "indicator_id"], kind="mergesort").groupby("_o", sort=True):
            groups.append({"code": str(group.iloc[0].dimension_code).lower(), "name": group.iloc[0].dimension_name,
                           "rows": [{**r, "boolean": bool(r.get("is_boolean")) or r.get("unit") == "是/否",
                                     "direction_zh": DIRECTION_ZH.get(r.get("direction"), r.get("direction"))}
                                    for r in _records(group)]})
        gf = self.m.grid_emission_factors
        gf_years = sorted(int(y) for y in gf.get("year", []))
        grid_notes = []
        for year in self.years:
            if year in gf_years:
                continue
            earlier = [y for y in gf_years if y < year]
            used = gf[gf.year == earlier[-1]].iloc[0].tco2_per_mwh if earlier else None
            grid_notes.append({"year": year, "from": earlier[-1] if earlier else None, "value": used})
        weights = self.m.mujun_weights
        return {"page_title": "方法说明", "heading": "方法说明", "t": self.t, "editions": self.editions(),
                "total": sum(float(v) for v in self.dim_max.values()) if self.dim_max else None,
                "conditions": CONDITIONS, "dimensions": _records(dims), "groups": groups,
                "sample_source": bool(self.m.dim_indicator.get("source").astype(str).str.contains("示例").any()),
                "energy_factors": _records(self.m.energy_factors), "grid": _records(gf), "grid_notes": grid_notes,
                "mujun_weights": _records(weights.sort_values(["weight", "mujun_indicator_code"],
                                                              ascending=[False, True], kind="mergesort"))
                if "weight" in weights else [],
                "mujun_cutoffs": _records(self.m.mujun_class_cutoffs)}

    def editions(self) -> list[dict]:
        """The 评价导则 editions, oldest first, each with its years of validity, the years of the
        published evaluation scored under it, and what changed against the previous edition."""
        scored = defaultdict(list)
        if "edition_id" in self.ev:
            for year, edition in sorted(set(zip(self.ev.year, self.ev.edition_id))):
                if not is_missing(edition):
                    scored[str(edition)].append(int(year))
        return [{**e, "edition_id": str(e["edition_id"]), "scored_years": scored.get(str(e["edition_id"]), [])}
                for e in _records(self.m.dim_evaluation_edition)]

    def open_data(self) -> dict:
        resources = export_open_data(self.m, self.w.out_dir / "open-data", demo_data=self.w.demo,
                                     release=self.release)
        for r in resources:
            self.w.bytes += r["bytes"]
        return {"page_title": "开放数据", "heading": "开放数据", "resources": resources}

    def home(self, rel: str) -> dict:
        py = self.m.fct_province_year
        overview = None
        if self.latest is not None:
            latest_ev = self.ev[self.ev.year == self.latest]
            prow = py[py.year == self.latest]
            overview = {"n_parks": len(latest_ev),
                        "n_compliant": int(latest_ev.is_compliant.fillna(False).astype(bool).sum()),
                        "figures": [(label, prow.iloc[0].get(c), unit) for c, label, unit in FLOWS + INTENSITIES
                                    if len(prow) and c in prow.columns]}
        bulletin = None
        if self.latest is not None:
            items = self.bulletin_items(self.latest)
            brel = f"bulletin/{self.latest}.md"
            bulletin = {"href": _md_link(rel, brel),
                        "sections": [(s, ANCHORS[s], len(items.get(s, []))) for s in BULLETIN_SECTIONS]}
        by_city: dict[str, set[str]] = defaultdict(set)
        for ids in self.ev.source_version_ids:
            for vid in split_ids(ids):
                parsed = parse_version_id(vid)
                by_city[parsed[0] if parsed else "其他"].add(vid)
        names = {c.city_code: c.city_name for c in self.cities}
        return {"page_title": SITE_TITLE, "heading": SITE_TITLE, "latest": self.latest, "overview": overview,
                "targets": self.targets(None), "rollup": self.rollup(py, "全省园区") if len(py) else None,
                "bulletin": bulletin,
                "all_parks_href": _md_link(rel, f"all-parks/{self.latest}.md") if self.latest else None,
                "cities": [(c.city_name, _md_link(rel, _city_path(c.city_code))) for c in self.cities],
                "versions": [(names.get(c, c), sorted(vs)) for c, vs in sorted(by_city.items())]}


def generate_pages(marts: Marts, out_dir: Path, *, demo_data: bool, release: Release | None = None) -> dict:
    """Write the docs tree for `mkdocs build` into `out_dir` (expected empty) from the disclosed
    marts (`load_marts`); open-data files carry `release` in their names and metadata.

    Returns counts: pages (Markdown files), park_reports, bytes (all files written) and
    source_date_epoch (the data vintage, for reproducible build dates)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jieba.setLogLevel(logging.WARNING)  # its import turns its own logger to DEBUG
    writer = _Writer(out_dir, demo_data)
    site = _Site(marts, writer, release)
    nav = site.generate()
    nav_text = yaml.safe_dump(nav, allow_unicode=True, sort_keys=False)
    (out_dir / NAV_FILE).write_text(nav_text, encoding="utf-8")
    return {"pages": writer.pages, "park_reports": site.reports, "bytes": writer.bytes,
            "source_date_epoch": marts.source_date_epoch()}


def read_nav(docs_dir: Path) -> list:
    return yaml.safe_load((Path(docs_dir) / NAV_FILE).read_text(encoding="utf-8"))
