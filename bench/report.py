"""Render the figures of bench/results/*.json as the Markdown tables of bench/RESULTS.md
(between the BEGIN/END markers; the prose around them is kept).

    uv run python bench/report.py
"""

from __future__ import annotations

import json
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BEGIN, END = "<!-- BEGIN FIGURES (bench/report.py) -->", "<!-- END FIGURES -->"


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def render(results: dict[str, dict]) -> str:
    out = []
    for name, doc in sorted(results.items()):
        m, r, t = doc["machine"], doc["run"], doc["targets"]
        out.append(f"### {name}\n")
        out.append(f"Machine: {m['cpus']} cores ({m['cpu']}), {m['mem_mib']} MiB RAM, Python {m['python']}; "
                   f"{m['date']}; commit `{m['commit']}`; load average at start {m['load_avg_at_start']:.1f}.\n")
        out.append(f"Set: {r['files']} workbooks, {r['cities']} cities, {r['parks']} parks, {r['enterprises']:,} enterprises.\n")
        out.append("| measure | seconds | peak RSS (MiB) | target | result |\n|---|---:|---:|---|---|")
        e2e = r["e2e"]
        big = name.startswith("national")
        limit = t["national_e2e_s"] if big else t["province_e2e_s"]
        # Memory against the target: all processes at once where sampled (rss.py), else the largest one.
        tree = e2e.get("peak_tree_rss_mib")
        rss = f"{e2e['peak_rss_mib']}" + (f" (all processes together: {tree})" if tree else "")
        out.append(f"| end to end, cold (`greenpark run`) | {e2e['seconds']} | {rss} | ≤ {limit} s"
                   f"{' and ≤ 8 GiB' if big else ''} | {_mark(e2e['seconds'] <= limit and (not big or (tree or e2e['peak_rss_mib']) <= t['national_peak_rss_gib'] * 1024))} |")
        inner = e2e.get("inner_stage_s") or {}
        if inner:
            out.append(f"| … of which pull / intake (parse, validate, feed back, load) / publish (dbt + site) | "
                       f"{inner.get('pull', '')} / {inner.get('intake', '')} / {inner.get('publish', '')} | | | |")
        for stage, label in (("pull", "pull (archive + versions)"), ("parse", "parse only"),
                             ("validate", "parse + validate"), ("intake", "parse + validate + feedback + load"),
                             ("dbt_build", "dbt build"), ("site_build", "site build")):
            s = r.get("stages", {}).get(stage)
            if not s:
                continue
            split = s.get("output", {})
            detail = ", ".join(f"{k[:-2]} {v}" for k, v in split.items() if k.endswith("_s"))
            out.append(f"| stage: {label}{' (' + detail + ')' if detail else ''} | {s['seconds']} | {s['peak_rss_mib']} | | |")
        f = r["floor"]
        runs = f" (best of {', '.join(map(str, f['all_seconds']))})" if f.get("all_seconds") else ""
        out.append(f"| floor (calamine → Arrow → one DuckDB SQL){runs} | {f['seconds']} | {f['peak_rss_mib']} | | |")
        if "data_vs_floor" in r:
            out.append(f"| data stages (pull + intake + dbt build) / floor | {r['data_stages_s']} / {f['seconds']} = "
                       f"**{r['data_vs_floor']}×** | | ≤ {t['data_vs_floor']}× | {_mark(r['data_vs_floor'] <= t['data_vs_floor'])} |")
        if "resubmit_warm" in r:
            w = r["resubmit_warm"]
            ok_fb = w["feedback_s"] is not None and w["feedback_s"] <= t["resubmit_feedback_s"]
            ok_site = w["site_s"] is not None and w["site_s"] <= t["resubmit_site_s"]
            out.append(f"| one city resubmits one quarter → its feedback (`greenpark watch`, warm) | {w['feedback_s']} | | "
                       f"≤ {t['resubmit_feedback_s']} s | {_mark(ok_fb)} |")
            out.append(f"| one city resubmits one quarter → updated site (`greenpark watch`, warm) | {w['site_s']} | | "
                       f"≤ {t['resubmit_site_s']} s | {_mark(ok_site)} |")
        if "resubmit" in r:
            rs = r["resubmit"]
            out.append(f"| one city resubmits one quarter → its feedback (cold `greenpark run`) | {rs['feedback_s']} | {rs['peak_rss_mib']} | "
                       f"≤ {t['resubmit_feedback_s']} s | {_mark(rs['feedback_s'] is not None and rs['feedback_s'] <= t['resubmit_feedback_s'])} |")
            out.append(f"| one city resubmits one quarter → updated site (cold `greenpark run`) | {rs['site_s']} | | ≤ {t['resubmit_site_s']} s | "
                       f"{_mark(rs['site_s'] <= t['resubmit_site_s'])} |")
            out.append(f"| the same file checked offline (`greenpark validate`) | {rs['offline_validate_s']} | | | |")
        out.append("")
        sc = doc.get("scaling")
        if sc:
            out.append("| × province | enterprises | workbooks | end to end (s) | peak RSS, largest process (MiB) | all processes (MiB) | floor (s) |\n|---:|---:|---:|---:|---:|---:|---:|")
            for p in sc["series"]:
                out.append(f"| {p['k']} | {p['enterprises']:,} | {p['files']} | {p['e2e_s']} | {p['e2e_peak_rss_mib']} | "
                           f"{p.get('e2e_peak_tree_rss_mib', '')} | {p['floor_s']} |")
            if "exponent_e2e" in sc:
                out.append(f"\nFitted exponent (time ∝ size^b): b = **{sc['exponent_e2e']}** (target ≤ {t['scaling_exponent']}: "
                           f"{_mark(sc['exponent_e2e'] <= t['scaling_exponent'])}); memory: b = {sc['exponent_rss']}.\n")
    return "\n".join(out)


def main() -> None:
    results = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((BENCH / "results").glob("*.json"))}
    path = BENCH / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{BEGIN}\n{render(results)}\n{END}{tail}", encoding="utf-8")
    print(path)


if __name__ == "__main__":
    main()
