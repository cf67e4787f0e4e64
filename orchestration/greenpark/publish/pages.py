"""Generate the MkDocs docs tree (zh-CN Markdown, inline SVG charts, open data) from the marts.

Layout of the generated tree (URLs are ASCII so they survive file:// and any LAN server):
    index.md                      首页
    cities/index.md, <city>.md    城市
    parks/index.md                园区名录
    parks/<park_code>/<year>.md   园区年度绿色低碳发展报告
    bulletin/<year>.md            园区信息公告
    methodology.md                方法说明
    open-data/index.md + files    开放数据
    .nav.yml                      the navigation (dot-file: MkDocs does not publish it)
Park reports are deliberately not in the navigation: every page carries the whole nav, and
thousands of reports there would make the site grow with the square of the number of parks.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

from . import charts
from .decision_notices import decisions_of_year
from .markup import MISSING, is_missing, num, pct, points, split_ids, table, text, title, yaml_str, yes_no
from .marts import Marts, join_new_columns, load_marts, parse_version_id
from .open_data import export_open_data

NAV_FILE = ".nav.yml"
SITE_TITLE = "浙江省绿色低碳工业园区信息公开"

INTENSITIES = (  # column, label, unit
    ("energy_intensity_tce_per_wan_yuan", "单位工业增加值综合能耗", "tce/万元"),
    ("co2_intensity_t_per_wan_yuan", "单位工业增加值二氧化碳排放量", "tCO2/万元"),
    ("water_intensity_m3_per_wan_yuan", "单位工业增加值新鲜水耗", "m³/万元"),
    ("solid_waste_intensity_t_per_wan_yuan", "单位工业增加值固体废物产生量", "t/万元"),
)
FLOWS = (  # column, label, unit
    ("value_added_wan_yuan", "工业增加值", "万元"),
    ("energy_tce", "综合能耗", "tce"),
    ("co2_t", "二氧化碳排放量", "tCO2"),
    ("fresh_water_wan_m3", "新鲜水用量", "万m³"),
    ("solid_waste_t", "一般工业固体废物产生量", "t"),
)
CONDITIONS = (
    ("b1_level_ok", "B1 园区为省级或国家级"),
    ("b2_no_incidents", "B2 近三年无重大安全事故和突发环境污染事件"),
    ("b3_four_quarters", "B3 四个季度数据均已接收"),
    ("b4_clean_production", "B4 重点企业清洁生产审核实施率 100 %"),
)
DIRECTION_ZH = {"lower": "越低越好", "higher": "越高越好"}
BULLETIN_FLAGS = ("复查到期", "预警", "建议撤销认定", "建议现场核查")


class _Writer:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.pages = 0
        self.bytes = 0

    def page(self, rel: str, content: str) -> None:
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8")
        path.write_bytes(data)
        self.pages += 1
        self.bytes += len(data)


def _link(from_page: str, to_page: str) -> str:
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def _head(page_title: str, heading: str, demo: bool, anchor: str = "top") -> str:
    lines = ["---", f"title: {yaml_str(title(page_title))}", "---", "", f"# {heading} {{#{anchor}}}", ""]
    if demo:
        lines += [('<p class="gp-demo-tag"><strong>示例数据</strong>：本页数值均为合成的示例数据，'
                   "不代表任何园区的真实情况。</p>"), ""]
    return "\n".join(lines) + "\n"


def _report_path(park_code: str, year: int) -> str:
    return f"parks/{park_code}/{int(year)}.md"


def _city_path(city_code: str) -> str:
    return f"cities/{city_code}.md"


def _bool_mark(value) -> str:
    if is_missing(value):
        return MISSING
    return "✔ 满足" if bool(value) else "✘ 不满足"


def _compliance(row) -> str:
    if is_missing(row.get("is_compliant")):
        return MISSING
    return "达标" if bool(row["is_compliant"]) else "未达标"


def _annual_from_quarters(quarters: pd.DataFrame) -> pd.DataFrame:
    """Annual flows as sums of quarters, then intensities as ratios of the sums."""
    flows = [c for c, _, _ in FLOWS if c in quarters.columns]
    grouped = quarters.groupby("year")
    yearly = grouped[flows].sum(min_count=1).join(grouped["value_added_wan_yuan"].count().rename("n_quarters"))
    yearly = yearly.reset_index()
    va = yearly["value_added_wan_yuan"].where(yearly["value_added_wan_yuan"] > 0)
    yearly["energy_intensity_tce_per_wan_yuan"] = yearly["energy_tce"] / va
    yearly["co2_intensity_t_per_wan_yuan"] = yearly["co2_t"] / va
    yearly["water_intensity_m3_per_wan_yuan"] = yearly["fresh_water_wan_m3"] * 1e4 / va
    yearly["solid_waste_intensity_t_per_wan_yuan"] = yearly["solid_waste_t"] / va
    return yearly


class _Site:
    def __init__(self, marts: Marts, writer: _Writer, demo: bool):
        self.m = marts
        self.w = writer
        self.demo = demo
        self.parks = marts.dim_park.set_index("park_code", drop=False)
        self.indicators = marts.dim_indicator.set_index("indicator_id", drop=False)
        ev = join_new_columns(
            marts.fct_park_evaluation,
            marts.dim_park[["park_code", "park_name", "city_code", "city_name", "level", "park_type"]], "park_code")
        self.ev = ev.sort_values(["year", "park_code"], kind="mergesort").reset_index(drop=True)
        self.years = marts.years
        self.latest = self.years[-1] if self.years else None
        self.cities = (marts.dim_park[["city_code", "city_name"]].drop_duplicates("city_code")
                       .sort_values("city_code").itertuples(index=False))
        self.cities = list(self.cities)
        self.dim_names = dict(zip(marts.dimensions.get("dimension_code", []), marts.dimensions.get("dimension_name", [])))
        self.dim_names.update({k: v for k, v in zip(marts.dim_indicator.dimension_code, marts.dim_indicator.dimension_name)
                               if k not in self.dim_names})
        self.dim_max = dict(zip(marts.dimensions.get("dimension_code", []), marts.dimensions.get("max_points", [])))
        self.flags = marts.fct_dynamic_management
        self.t = {k: num(v, digits=0) if float(v).is_integer() else num(v) for k, v in marts.thresholds.items()}
        self.reports = 0

    # --- helpers ---------------------------------------------------------------------------------
    def park_name(self, code: str) -> str:
        return self.parks.park_name.get(code, code)

    def park_link(self, from_page: str, code: str, year: int) -> str:
        return f"[{text(self.park_name(code))}]({_link(from_page, _report_path(code, year))})"

    def designation_as_of(self, park, year: int) -> str:
        batch, revoked = park.get("designation_batch_year"), park.get("revoked_year")
        if not is_missing(revoked) and int(revoked) <= year:
            return "已撤销"
        if not is_missing(batch) and int(batch) <= year:
            return "已认定"
        return "未认定"

    # --- pages -----------------------------------------------------------------------------------
    def generate(self) -> list:
        for row in self.ev.itertuples(index=False):
            self.report(row._asdict())
        for city in self.cities:
            self.city_page(city.city_code, city.city_name)
        self.cities_index()
        self.parks_index()
        for year in self.years:
            self.bulletin(year)
        self.methodology()
        self.open_data()
        self.home()
        nav = [
            {"首页": "index.md"},
            {"城市": ["cities/index.md"] + [{title(c.city_name): _city_path(c.city_code)} for c in self.cities]},
            {"园区报告": "parks/index.md"},
            {"园区信息公告": [{f"{y} 年": f"bulletin/{y}.md"} for y in reversed(self.years)]},
            {"方法说明": "methodology.md"},
            {"开放数据": "open-data/index.md"},
        ]
        return nav

    def report(self, ev: dict) -> None:
        code, year = ev["park_code"], int(ev["year"])
        rel = _report_path(code, year)
        park = self.parks.loc[code] if code in self.parks.index else pd.Series(dtype=object)
        name = self.park_name(code)
        out = [_head(f"{name} {year} 年度绿色低碳发展报告", f"{text(name)} {year} 年度绿色低碳发展报告", self.demo)]
        same_year = self.ev[self.ev.year == year]
        n_city = int((same_year.city_code == ev.get("city_code")).sum())
        card = [
            ("园区代码", text(code)),
            ("所在城市", text(ev.get("city_name"))),
            ("园区级别", text(ev.get("level"))),
            ("园区类型", text(ev.get("park_type"))),
            ("认定状态", text(self.designation_as_of(park, year))),
            ("综合评价得分", f"{points(ev.get('total_score'))}（满分 100 分）"),
            ("评价结论", _compliance(ev)),
            ("市内排名", f"第 {num(ev.get('rank_in_city'), digits=0)} 名 / 共 {n_city} 个园区"),
            ("全省排名", f"第 {num(ev.get('rank_in_province'), digits=0)} 名 / 共 {len(same_year)} 个园区"),
            ("已接收季度数", f"{num(ev.get('quarters_accepted'), digits=0)} / 4 个季度"),
        ]
        verdict = "gp-ok" if _compliance(ev) == "达标" else "gp-fail"
        out.append(f'<div class="gp-card {verdict}">' + "".join(
            f'<div class="gp-kv"><span class="gp-k">{k}</span><span class="gp-v">{v}</span></div>' for k, v in card)
            + "</div>\n")
        city_page = _link(rel, _city_path(str(ev.get("city_code"))))
        out.append(f"所在城市页面：[{text(ev.get('city_name'))}]({city_page})　·　"
                   f"[本年度园区信息公告]({_link(rel, f'bulletin/{year}.md')})　·　"
                   f"[评价方法]({_link(rel, 'methodology.md')})\n")
        out.append("## 评价结论与必要条件 {#conditions}\n")
        failed = ev.get("failed_conditions_zh")
        conclusion = (f"综合评价得分 {points(ev.get('total_score'))}，"
                      + ("达到省级绿色低碳工业园区评价要求。" if _compliance(ev) == "达标"
                         else "未达到省级绿色低碳工业园区评价要求。"))
        if not is_missing(failed) and str(failed).strip():
            conclusion += f"未满足的必要条件：{text(failed)}。"
        out.append(conclusion + "\n")
        out.append(table(["必要条件", "结果"], [[label, _bool_mark(ev.get(col))] for col, label in CONDITIONS]))

        out.append("## 六个维度得分 {#dimensions}\n")
        dims = []
        for d in self.m.dimension_order:
            score = ev.get(f"score_{d.lower()}")
            maximum = self.dim_max.get(d)
            if is_missing(maximum):
                maximum = float(self.m.dim_indicator.loc[self.m.dim_indicator.dimension_code == d, "weight"].sum())
            dims.append((self.dim_names.get(d, d), score, float(maximum)))
        out.append(charts.score_bars(f"{name} {year} 年六个维度得分（分）", dims) + "\n")
        out.append(table(["维度", "得分", "满分"], [[text(n), points(s), points(mx)] for n, s, mx in dims], align="lrr"))

        out.append("## 指标明细 {#indicators}\n")
        inds = self.m.fct_park_indicators
        inds = inds[(inds.park_code == code) & (inds.year == year)]
        out.append(self.indicator_table(inds))

        quarters = self.m.fct_park_quarter
        quarters = quarters[(quarters.park_code == code) & (quarters.year <= year)]
        quarters = quarters.drop_duplicates(["year", "quarter"], keep="last")
        # every quarter of the years shown, so a quarter without accepted data is visible as such
        grid = pd.DataFrame([(y, q) for y in sorted(set(quarters.year)) for q in range(1, 5)], columns=["year", "quarter"])
        grid_quarters = grid.merge(quarters, on=["year", "quarter"], how="left")
        out.append("## 趋势 {#trends}\n")
        if quarters.empty:
            out.append("暂无季度数据。\n")
        else:
            out.append("### 分季度 {#trend-quarters}\n")
            labels = [f"{int(y)}Q{int(q)}" for y, q in zip(grid_quarters.year, grid_quarters.quarter)]
            out.append(charts.group([charts.series_chart(label, unit, labels, list(grid_quarters[col]),
                                                         missing_label="未接收")
                                     for col, label, unit in INTENSITIES]) + "\n")
            out.append("### 分年度 {#trend-years}\n")
            yearly = _annual_from_quarters(quarters)
            ylabels = [f"{int(y)} 年" + ("" if n == 4 else f"（{int(n)} 季度）") for y, n in zip(yearly.year, yearly.n_quarters)]
            out.append(charts.group([charts.series_chart(label, unit, ylabels, list(yearly[col]), kind="bar")
                                     for col, label, unit in INTENSITIES]) + "\n")
            out.append(table(["年度", "已接收季度"] + [f"{label}（{unit}）" for _, label, unit in FLOWS],
                             [[f"{int(r['year'])} 年", num(r["n_quarters"], "个", digits=0)] + [num(r[c]) for c, _, _ in FLOWS]
                              for _, r in yearly.iterrows()], align="lr" + "r" * len(FLOWS)))
            partial = [f"{int(y)} 年" for y, n in zip(yearly.year, yearly.n_quarters) if n < 4]
            out.append("年度值为已接收季度的流量之和；强度为年度流量之比（非季度强度的平均）。"
                       + (f"{'、'.join(partial)}未接收全部四个季度的数据，流量合计不是全年值，不宜与其他年度直接比较。"
                          if partial else "") + "\n")

        out.append("## 亩均论英雄分类 {#mujun}\n")
        mj = self.m.fct_park_mujun_public
        mj = mj[(mj.park_code == code) & (mj.year == year)]
        if mj.empty:
            out.append("暂无亩均评价结果。\n")
        else:
            rows = []
            for r in mj.itertuples(index=False):
                suppressed = bool(r.is_suppressed)
                rows.append([f"{text(r.mujun_class)} 类",
                             f"&lt;{self.t['suppress_below_enterprises']} 家" if suppressed else num(r.n_enterprises, "家", digits=0),
                             MISSING if suppressed else pct(r.share_pct)])
            out.append(table(["分类", "企业数", "占比"], rows, align="lrr"))
            cut = self.t["suppress_below_enterprises"]
            out.append(f"企业数少于 {cut} 家的单元不公开具体数字（显示为“&lt;{cut} 家”和“—”），"
                       "企业层面数据不公开。\n")

        out.append("## 动态管理 {#dynamic}\n")
        fl = self.flags[(self.flags.park_code == code) & (self.flags.year == year)]
        fl = fl.assign(_o=fl.flag_zh.map({f: i for i, f in enumerate(BULLETIN_FLAGS)})).sort_values("_o", kind="mergesort")
        out.append("本年度无动态管理事项。\n" if fl.empty else table(
            ["事项", "原因"], [[text(r.flag_zh), text(r.reason_zh)] for r in fl.itertuples(index=False)]))

        out.append("## 数据来源与修订说明 {#sources}\n")
        versions = set(split_ids(ev.get("source_version_ids")))
        for ids in inds.get("source_version_ids", []):
            versions.update(split_ids(ids))
        out.append("本报告依据以下已接收的报送版本（城市代码-年度季度-版本号）生成：" +
                   ("、".join(f"`{text(v)}`" for v in sorted(versions)) if versions else MISSING) + "\n")
        rv = self.m.fct_revisions
        rv = rv[(rv.park_code == code) & (rv.year == year)]
        if rv.empty:
            out.append("本年度已公开指标无修订。\n")
        else:
            rows = []
            for r in rv.itertuples(index=False):
                unit = self.indicators.unit.get(r.indicator_id)
                rows.append([text(r.indicator_id), text(self.indicators.indicator_name.get(r.indicator_id, "")),
                             num(r.old_value, unit), num(r.new_value, unit), pct(r.change_pct),
                             text(", ".join(split_ids(r.old_version_ids))), text(", ".join(split_ids(r.new_version_ids)))])
            out.append(table(["编号", "指标", "原值", "修订后", "变化", "原版本", "新版本"], rows, align="llrrrll"))
        self.w.page(rel, "\n".join(out))
        self.reports += 1

    def indicator_table(self, inds: pd.DataFrame) -> str:
        rows = []
        order = {d: i for i, d in enumerate(self.m.dimension_order)}
        merged = join_new_columns(inds, self.m.dim_indicator, "indicator_id")
        merged["_dim"] = merged.dimension_code.map(order)
        for r in merged.sort_values(["_dim", "indicator_id"], kind="mergesort").to_dict("records"):
            unit = r.get("unit")
            boolean = bool(r.get("is_boolean")) or unit == "是/否"
            missing = bool(r.get("is_missing")) or is_missing(r.get("value"))
            if boolean:
                value, median = yes_no(r.get("value") if not missing else None), yes_no(r.get("peer_median_value"))
                base = lead = MISSING
            else:
                value, median = num(r.get("value"), unit), num(r.get("peer_median_value"), unit)
                base, lead = num(r.get("baseline"), unit), num(r.get("leading"), unit)
            score = f"{num(r.get('score_points'), digits=1)} / {num(r.get('weight'), digits=0)} 分"
            rows.append([text(r["indicator_id"]), text(r.get("indicator_name")),
                         '<span class="gp-missing">缺报</span>' if missing else value, score,
                         base, lead, median])
        return table(["编号", "指标", "数值", "得分 / 权重", "基准值", "引领值", "全省中位数"],
                     rows, align="llrrrrr") + (
            "\n“得分”按 权重 × 截断((数值 − 基准值) / (引领值 − 基准值), 0, 1) 计算，是/否指标满足得全部权重分；"
            "缺报指标得 0 分。全省中位数为同年度全省参评园区的中位数。\n")

    def city_page(self, city_code: str, city_name: str) -> None:
        rel = _city_path(city_code)
        out = [_head(f"{city_name} 园区概览", f"{text(city_name)} 园区概览", self.demo)]
        parks = self.m.dim_park[self.m.dim_park.city_code == city_code]
        ev = self.ev[self.ev.city_code == city_code]
        out.append(f"{text(city_name)}共有园区 {len(parks)} 个，其中 {ev.park_code.nunique()} 个园区有评价结果。\n")
        out.append("## 园区评价结果 {#parks}\n")
        rows = []
        for p in parks.itertuples(index=False):
            cells = [text(p.park_code), text(p.park_name), text(p.level), text(p.designation_status)]
            for year in self.years:
                hit = ev[(ev.park_code == p.park_code) & (ev.year == year)]
                if hit.empty:
                    cells.append(MISSING)
                else:
                    h = hit.iloc[0]
                    cells.append(f"[{points(h.total_score)} · {_compliance(h)}]({_link(rel, _report_path(p.park_code, year))})")
            rows.append(cells)
        out.append(table(["代码", "园区", "级别", "认定状态"] + [f"{y} 年评价" for y in self.years], rows,
                         align="llll" + "r" * len(self.years)))
        cy = self.m.fct_city_year
        cy = cy[cy.city_code == city_code] if "city_code" in cy.columns else cy.iloc[0:0]
        out.append("## 全市园区趋势 {#trends}\n")
        out.append(self.rollup_section(cy, f"{city_name}园区", city_code))
        out.append("## 目标进展 {#targets}\n")
        out.append(self.targets_table(city_code))
        self.w.page(rel, "\n".join(out))

    def targets_table(self, city_code: str | None) -> str:
        """The latest year's progress towards the notice's targets: province rows (city_code NULL)
        or one city's rows. A target without a number in the notice has no progress bar."""
        tg = self.m.fct_targets
        if self.latest is None or tg.empty:
            return "暂无目标进展数据。\n"
        tg = tg[tg.year == self.latest]
        tg = tg[tg.city_code.isna()] if city_code is None else tg[tg.city_code == city_code]
        if tg.empty:
            return "暂无目标进展数据。\n"
        rows = []
        for r in tg.itertuples(index=False):
            if is_missing(r.target_value):
                target, progress = "未设定量化目标", MISSING
            else:
                target = num(r.target_value, r.unit)
                progress = f"{charts.progress_bar(r.target_name, r.progress_pct)} {pct(r.progress_pct)}"
            rows.append([text(r.target_name), num(r.actual_value, r.unit), target, progress, text(r.note_zh)])
        return table(["目标", f"{self.latest} 年实际", "目标值", "进度", "说明"], rows, align="lrrll")

    def rollup_section(self, frame: pd.DataFrame, who: str, city_code: str | None = None) -> str:
        if frame.empty:
            return "暂无汇总数据。\n"
        cols = [(c, label, unit) for c, label, unit in FLOWS + INTENSITIES if c in frame.columns]
        ev = self.ev if city_code is None else self.ev[self.ev.city_code == city_code]
        partial = [int((ev[ev.year == y].quarters_accepted < 4).sum()) for y in frame.year]
        out = [table(["指标"] + [f"{int(y)} 年" for y in frame.year],
                     [["参评园区数"] + [num(v, "个", digits=0) for v in frame.get("n_parks", [None] * len(frame))],
                      ["其中未接收全部四个季度的园区"] + [num(n, "个", digits=0) for n in partial]]
                     + [[f"{label}"] + [num(v, unit) for v in frame[c]] for c, label, unit in cols],
                     align="l" + "r" * len(frame))]
        out.append("汇总值为各园区已接收季度的流量之和，强度为汇总流量之比。"
                   + ("有园区未接收全部四个季度数据的年度，流量合计低于全年实际值，年度之间不宜直接比较流量；"
                      "强度为同期流量之比，仍可比较。" if any(partial) else "") + "\n")
        labels = [f"{int(y)} 年" for y in frame.year]
        out.append(charts.group([charts.series_chart(f"{who}{label}", unit, labels, list(frame[c]), kind="bar")
                                 for c, label, unit in INTENSITIES if c in frame.columns]) + "\n")
        return "\n".join(out)

    def cities_index(self) -> None:
        rel = "cities/index.md"
        out = [_head("城市概览", "城市概览", self.demo)]
        rows = []
        for c in self.cities:
            parks = self.m.dim_park[self.m.dim_park.city_code == c.city_code]
            ev = self.ev[(self.ev.city_code == c.city_code) & (self.ev.year == self.latest)]
            ok = int(ev.is_compliant.fillna(False).astype(bool).sum()) if len(ev) else 0
            rows.append([f"[{text(c.city_name)}]({_link(rel, _city_path(c.city_code))})", num(len(parks), "个", digits=0),
                         num(len(ev), "个", digits=0), num(ok, "个", digits=0)])
        out.append(table(["城市", "园区数", f"{self.latest} 年参评园区", f"{self.latest} 年达标园区"], rows, align="lrrr"))
        self.w.page(rel, "\n".join(out))

    def parks_index(self) -> None:
        rel = "parks/index.md"
        out = [_head("园区年度绿色低碳发展报告", "园区年度绿色低碳发展报告", self.demo)]
        out.append("每个参评园区每年一份报告：指标、维度得分、趋势、排名、数据来源与修订说明。\n")
        rows = []
        for code, group in self.ev.groupby("park_code", sort=True):
            first = group.iloc[0]
            links = "　".join(f"[{int(y)} 年]({_link(rel, _report_path(code, y))})" for y in sorted(group.year))
            rows.append([text(code), text(first.park_name), f"[{text(first.city_name)}]({_link(rel, _city_path(first.city_code))})",
                         text(first.level), links])
        out.append(table(["代码", "园区", "城市", "级别", "年度报告"], rows))
        self.w.page(rel, "\n".join(out))

    def bulletin_items(self, year: int) -> dict[str, list[tuple[str, str]]]:
        """Bulletin sections for a year: title -> [(park_code, reason)]."""
        items: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in self.m.dim_park.itertuples(index=False):
            if not is_missing(p.designation_batch_year) and int(p.designation_batch_year) == year:
                items["新认定"].append((p.park_code, f"{int(p.designation_batch_year)} 年批次认定"))
            if not is_missing(p.revoked_year) and int(p.revoked_year) == year:
                earlier = self.flags[(self.flags.park_code == p.park_code) & (self.flags.year <= year)
                                     & (self.flags.flag_zh == "建议撤销认定")]
                reason = earlier.iloc[-1].reason_zh if len(earlier) else "经复查撤销认定"
                items["已撤销认定"].append((p.park_code, f"{year} 年撤销：{reason}"))
        for f in self.flags[self.flags.year == year].itertuples(index=False):
            items[f.flag_zh].append((f.park_code, f.reason_zh))
        return items

    def bulletin(self, year: int) -> None:
        rel = f"bulletin/{year}.md"
        out = [_head(f"{year} 年园区信息公告", f"{year} 年园区信息公告", self.demo)]
        items = self.bulletin_items(year)
        evaluated = set(self.ev[self.ev.year == year].park_code)
        sections = ["新认定", *BULLETIN_FLAGS, "已撤销认定"]
        out.append(table(["事项", "园区数"], [[f"[{s}](#{_anchor(s)})", num(len(items.get(s, [])), "个", digits=0)]
                                            for s in sections], align="lr"))
        for s in sections:
            out.append(f"## {s} {{#{_anchor(s)}}}\n")
            rows = []
            for code, reason in items.get(s, []):
                name = (self.park_link(rel, code, year) if code in evaluated else text(self.park_name(code)))
                rows.append([text(code), name, text(self.parks.city_name.get(code)), text(reason)])
            out.append(table(["代码", "园区", "城市", "原因"], rows))
        # The year's recorded 动态管理 decisions, each with its date, document and public reason.
        out.append("## 动态管理决定 {#decisions}\n")
        rows = [[text(d["park_code"]), text(d["park_name"]), text(d["decision_type_zh"]), text(d["sentence_zh"])]
                for d in decisions_of_year(getattr(self.m, "fct_park_decisions", None), year)
                if not d["is_initial_load"]]
        out.append(table(["代码", "园区", "决定", "日期、文号与原因"], rows))
        out.append("## 园区认定名录 {#registry}\n")
        out.append(f"认定状态为截至 {year} 年底的状态；认定满 {self.t['review_after_years']} 年的园区应接受复查。\n")
        rows = []
        for p in self.m.dim_park.itertuples(index=False):
            status = self.designation_as_of(p._asdict(), year)
            batch = MISSING if is_missing(p.designation_batch_year) else f"{int(p.designation_batch_year)} 年"
            revoked = MISSING if is_missing(p.revoked_year) else f"{int(p.revoked_year)} 年"
            name = self.park_link(rel, p.park_code, year) if p.park_code in evaluated else text(p.park_name)
            rows.append([text(p.park_code), name, text(p.city_name), text(p.level), text(status), batch, revoked])
        out.append(table(["代码", "园区", "城市", "级别", "认定状态", "认定批次", "撤销年度"], rows))
        self.w.page(rel, "\n".join(out))

    def methodology(self) -> None:
        rel = "methodology.md"
        out = [_head("方法说明", "方法说明", self.demo)]
        out.append("本页内容由数据仓库中的指标目录与因子表直接生成，与评价计算使用的是同一份数据。\n")
        out.append("## 评价规则 {#rules}\n")
        total = sum(float(v) for v in self.dim_max.values()) if self.dim_max else None
        out.append(
            f"- 单项指标得分 = 权重 × 截断((数值 − 基准值) / (引领值 − 基准值), 0, 1)：达到引领值得满分，"
            "劣于基准值得 0 分，之间按线性插值；“越低越好”的指标基准值大于引领值，公式相同。\n"
            "- 是/否指标：满足得全部权重分，否则 0 分。\n"
            "- 缺报指标得 0 分，并在报告中标注“缺报”。\n"
            f"- 维度得分为该维度指标得分之和，综合评价得分为六个维度之和（满分 {num(total, '分', digits=0)}）。\n"
            f"- 达标：综合评价得分 ≥ {self.t['compliant_min_score']} 分且满足全部必要条件，即达到省级绿色低碳工业园区评价要求。\n")
        out.append(table(["必要条件", "说明"], [[label.split(" ")[0], label.split(" ", 1)[1]] for _, label in CONDITIONS]))
        out.append(f"动态管理：已认定园区认定满 {self.t['review_after_years']} 年应复查（复查到期）；综合评价得分低于 "
                   f"{self.t['warning_below_score']} 分为预警；低于 {self.t['revoke_below_score']} 分或发生重大安全环境事件"
                   f"为建议撤销认定；已公开指标被后续版本修订超过 {self.t['revision_site_check_pct']} %，"
                   "或同一城市同一季度连续两个版本被退回，为建议现场核查。\n")
        out.append("## 维度 {#dimensions}\n")
        dims = self.m.dimensions
        order = {d: i for i, d in enumerate(self.m.dimension_order)}
        if not dims.empty:
            dims = dims.assign(_o=dims.dimension_code.map(order)).sort_values(["_o", "dimension_code"], kind="mergesort")
            out.append(table(["代码", "维度", "满分"], [[text(r.dimension_code), text(r.dimension_name), points(r.max_points)]
                                                     for r in dims.itertuples(index=False)], align="llr"))
        out.append("## 指标 {#indicators}\n")
        di = self.m.dim_indicator.assign(_o=self.m.dim_indicator.dimension_code.map(order))
        for d, group in di.sort_values(["_o", "indicator_id"], kind="mergesort").groupby("_o", sort=True):
            dname = group.iloc[0].dimension_name
            out.append(f"### {text(dname)} {{#dim-{text(group.iloc[0].dimension_code).lower()}}}\n")
            rows = []
            for r in group.to_dict("records"):
                boolean = bool(r.get("is_boolean")) or r.get("unit") == "是/否"
                rows.append([text(r["indicator_id"]), text(r["indicator_name"]), text(r["unit"]),
                             text(r.get("formula_text")) if not is_missing(r.get("formula_text")) and str(r.get("formula_text")).strip() else MISSING,
                             "是/否" if boolean else text(DIRECTION_ZH.get(r.get("direction"), r.get("direction"))),
                             MISSING if boolean else num(r.get("baseline"), r["unit"]),
                             MISSING if boolean else num(r.get("leading"), r["unit"]),
                             points(r.get("weight")), text(r.get("source"))])
            out.append(table(["编号", "指标", "单位", "计算公式", "方向", "基准值", "引领值", "权重", "来源"], rows,
                             align="lllllrrrl"))
        if (self.m.dim_indicator.get("source").astype(str).str.contains("示例")).any():
            out.append("来源标注“示例”的权重、基准值和引领值为示例默认值，并非官方公布值，正式部署时应替换。\n")

        out.append("## 能源折标与排放因子 {#factors}\n")
        out.append("综合能耗（tce）= Σ 各能源品种消费量 × 折标系数；二氧化碳排放量（tCO2）= Σ 化石能源消费量 × 排放因子 "
                   "+ 外购热力 × 热力排放因子 +（外购电力 − 可再生能源电力）× 电网排放因子。\n")
        ef = self.m.energy_factors
        rows = []
        for r in ef.to_dict("records"):
            unit = r.get("unit")
            valid = (f"{num(r.get('valid_from_year'), digits=0) if not is_missing(r.get('valid_from_year')) else '—'}"
                     f" 年起" + ("" if is_missing(r.get("valid_to_year")) else f"至 {int(r['valid_to_year'])} 年"))
            rows.append([text(r.get("carrier_zh")), text(unit), num(r.get("tce_per_unit"), f"tce/{unit}", digits=4),
                         num(r.get("tco2_per_unit"), f"tCO2/{unit}", digits=4) if not is_missing(r.get("tco2_per_unit"))
                         else "按电网排放因子", text(r.get("source")), valid])
        out.append(table(["能源品种", "计量单位", "折标系数", "排放因子", "来源", "适用年度"], rows, align="llrrll"))
        out.append("### 电网排放因子 {#grid}\n")
        gf = self.m.grid_emission_factors
        out.append(table(["年度", "全国电网平均排放因子", "来源"],
                         [[f"{int(r.year)} 年", num(r.tco2_per_mwh, "tCO2/MWh", digits=4), text(r.source)]
                          for r in gf.itertuples(index=False)], align="lrl"))
        notes = []
        gf_years = sorted(int(y) for y in gf.get("year", []))
        for year in self.years:
            if year in gf_years:
                continue
            earlier = [y for y in gf_years if y < year]
            if earlier:
                used = gf[gf.year == earlier[-1]].iloc[0]
                notes.append(f"- {year} 年尚无公布的电网排放因子，沿用 {earlier[-1]} 年的 "
                             f"{num(used.tco2_per_mwh, 'tCO2/MWh', digits=4)}。")
            else:
                notes.append(f"- {year} 年及以前均无电网排放因子，无法计算外购电力排放。")
        out.append("电网排放因子取当年公布值；当年没有公布值时，沿用此前最近一年的公布值。\n")
        if notes:
            out.append("本站数据涉及的年度中：\n\n" + "\n".join(notes) + "\n")
        out.append("## 亩均论英雄分类 {#mujun}\n")
        out.append(f"对用地 {self.t['mujun_min_land_mu']} 亩及以上的企业，按亩均税收、亩均增加值、单位能耗增加值、单位排放增加值、研发经费占比和全员劳动生产率"
                   "计算综合得分，并按全省同年度得分分位分为 A、B、C、D 四类。企业层面数据为保密的行政数据，本站只公开各园区各类别的"
                   f"企业数和占比；企业数少于 {self.t['suppress_below_enterprises']} 家的单元不公开具体数字。\n")
        self.w.page(rel, "\n".join(out))

    def open_data(self) -> None:
        rel = "open-data/index.md"
        resources = export_open_data(self.m, self.w.out_dir / "open-data", demo_data=self.demo)
        for r in resources:
            self.w.bytes += r["bytes"]
        out = [_head("开放数据", "开放数据", self.demo)]
        out.append("园区年度指标与评价得分以开放格式提供下载（不含任何企业层面数据）。字段说明与单位见 "
                   "[datapackage.json](datapackage.json)（Frictionless Data Package）。"
                   "CSV 为带 BOM 的 UTF-8 编码，可直接用 Excel 打开；以 = + - @ 开头的文本单元格前加了单引号，以防公式注入。\n")
        rows = [[text(r["title"]), text(r["format"].upper()), num(r["rows"], "行", digits=0),
                 num(r["bytes"] / 1024, "KB", digits=1), f"[{text(r['path'])}]({r['path']})"] for r in resources]
        out.append(table(["数据集", "格式", "行数", "大小", "下载"], rows, align="llrrl"))
        if self.demo:
            out.append("以上文件中的数值均为**示例数据**。\n")
        self.w.page(rel, "\n".join(out))

    def home(self) -> None:
        rel = "index.md"
        out = [_head(SITE_TITLE, SITE_TITLE, self.demo)]
        out.append("依据浙江省《关于加快推进绿色低碳工业园区建设工作的通知》，公开全省绿色低碳工业园区的年度评价、"
                   "动态管理和主要指标。\n")
        py = self.m.fct_province_year
        if self.latest is not None:
            latest_ev = self.ev[self.ev.year == self.latest]
            ok = int(latest_ev.is_compliant.fillna(False).astype(bool).sum())
            out.append(f"## {self.latest} 年全省概况 {{#overview}}\n")
            figures = [("参评园区", num(len(latest_ev), "个", digits=0)), ("达标园区", num(ok, "个", digits=0))]
            prow = py[py.year == self.latest]
            if len(prow):
                prow = prow.iloc[0]
                figures += [(label, num(prow.get(c), unit)) for c, label, unit in FLOWS + INTENSITIES if c in prow]
            out.append('<div class="gp-card">' + "".join(
                f'<div class="gp-kv"><span class="gp-k">{k}</span><span class="gp-v">{v}</span></div>'
                for k, v in figures) + "</div>\n")
        out.append("## 2025 年目标进展 {#targets}\n")
        out.append(self.targets_table(None))
        if len(py):
            out.append("## 全省园区趋势 {#trends}\n")
            out.append(self.rollup_section(py, "全省园区"))
        if self.latest is not None:
            out.append("## 最新公告 {#bulletin}\n")
            items = self.bulletin_items(self.latest)
            brel = f"bulletin/{self.latest}.md"
            lines = [f"- [{s}]({_link(rel, brel)}#{_anchor(s)})：{num(len(items.get(s, [])), '个', digits=0)}园区"
                     for s in ["新认定", *BULLETIN_FLAGS, "已撤销认定"]]
            out.append(f"[{self.latest} 年园区信息公告]({_link(rel, brel)})\n\n" + "\n".join(lines) + "\n")
        out.append("## 城市 {#cities}\n")
        out.append("　".join(f"[{text(c.city_name)}]({_link(rel, _city_path(c.city_code))})" for c in self.cities) + "\n")
        out.append("## 数据版本 {#vintage}\n")
        out.append("本站由以下已接收的城市报送版本（城市代码-年度季度-版本号）生成：\n")
        by_city: dict[str, set[str]] = defaultdict(set)
        for ids in self.ev.source_version_ids:
            for vid in split_ids(ids):
                parsed = parse_version_id(vid)
                by_city[parsed[0] if parsed else "其他"].add(vid)
        names = {c.city_code: c.city_name for c in self.cities}
        out.append(table(["城市", "报送版本"], [[text(names.get(c, c)), "、".join(text(v) for v in sorted(vs))]
                                            for c, vs in sorted(by_city.items())]))
        self.w.page(rel, "\n".join(out))


def _anchor(section: str) -> str:
    return {"新认定": "new", "复查到期": "review", "预警": "warning", "建议撤销认定": "revoke",
            "建议现场核查": "site-check", "已撤销认定": "revoked"}[section]


def generate_pages(warehouse_path: Path, out_dir: Path, *, demo_data: bool) -> dict:
    """Write the docs tree for `mkdocs build` into `out_dir` (expected empty) from the marts.

    Returns counts: pages (Markdown files), park_reports, bytes (all files written) and
    source_date_epoch (the data vintage, for reproducible build dates)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    marts = load_marts(Path(warehouse_path))
    writer = _Writer(out_dir)
    site = _Site(marts, writer, demo_data)
    nav = site.generate()
    nav_text = yaml.safe_dump(nav, allow_unicode=True, sort_keys=False)
    (out_dir / NAV_FILE).write_text(nav_text, encoding="utf-8")
    return {"pages": writer.pages, "park_reports": site.reports, "bytes": writer.bytes,
            "source_date_epoch": marts.source_date_epoch()}


def read_nav(docs_dir: Path) -> list:
    return yaml.safe_load((Path(docs_dir) / NAV_FILE).read_text(encoding="utf-8"))
