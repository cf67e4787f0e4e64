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


def _cpu(m: dict) -> str:
    return "" if m.get("cpu_s") is None else str(m["cpu_s"])


def _load(m: dict) -> str:
    load = m.get("load")
    if isinstance(load, (int, float)):  # older results: the load at the end only
        return str(load)
    return "" if not load else f"{load[0]} → {load[1]}"


def render(results: dict[str, dict]) -> str:
    out = []
    for name, doc in sorted(results.items()):
        m, r, t = doc["machine"], doc["run"], doc["targets"]
        out.append(f"### {name}\n")
        out.append(f"Machine: {m['cpus']} cores ({m['cpu']}), {m['mem_mib']} MiB RAM, Python {m['python']}; "
                   f"{m['date']}; commit `{m['commit']}`; load average at start {m['load_avg_at_start']:.1f}.\n")
        out.append(f"Set: {r['files']} workbooks, {r['cities']} cities, {r['parks']} parks, {r['enterprises']:,} enterprises.\n")
        if r.get("profile"):
            out.append(f"Profile: `{r['profile']}` (demo/generator.py PROFILES).\n")
        out.append("| measure | seconds | CPU s (user+sys) | load avg (start→end) | peak RSS (MiB) | target | result |\n"
                   "|---|---:|---:|---|---:|---|---|")
        e2e = r["e2e"]
        big = "national" in name
        limit = t["national_e2e_s"] if big else t["province_e2e_s"]
        # Memory against the target: all processes at once where sampled (rss.py), else the largest one.
        tree = e2e.get("peak_tree_rss_mib")
        rss = f"{e2e['peak_rss_mib']}" + (f" (all processes together: {tree})" if tree else "")
        gib = t["national_peak_rss_gib"]
        out.append(f"| end to end, cold (`greenpark run`) | {e2e['seconds']} | {_cpu(e2e)} | {_load(e2e)} | {rss} | ≤ {limit} s"
                   f"{f' and ≤ {gib} GiB' if big else ''} | {_mark(e2e['seconds'] <= limit and (not big or (tree or e2e['peak_rss_mib']) <= gib * 1024))} |")
        inner = e2e.get("inner_stage_s") or {}
        if inner:
            out.append(f"| … of which pull / intake (parse, validate, feed back, load) / publish (dbt + site) | "
                       f"{inner.get('pull', '')} / {inner.get('intake', '')} / {inner.get('publish', '')}"
                       f"{' (dbt ' + str(inner['dbt']) + ', site ' + str(inner['site']) + ')' if 'dbt' in inner else ''} | | | | | |")
        for stage, label in (("pull", "pull (archive + versions)"), ("parse", "parse only"),
                             ("validate", "parse + validate"), ("intake", "parse + validate + feedback + load"),
                             ("dbt_build", "dbt build"), ("site_build", "site build")):
            s = r.get("stages", {}).get(stage)
            if not s:
                continue
            split = s.get("output", {})
            detail = ", ".join(f"{k[:-2]} {v}" for k, v in split.items() if k.endswith("_s"))
            out.append(f"| stage: {label}{' (' + detail + ')' if detail else ''} | {s['seconds']} | {_cpu(s)} | {_load(s)} | {s['peak_rss_mib']} | | |")
        f = r["floor"]
        runs = f" (best of {', '.join(map(str, f['all_seconds']))})" if f.get("all_seconds") else ""
        out.append(f"| floor (calamine → Arrow → one DuckDB SQL){runs} | {f['seconds']} | {_cpu(f)} | {_load(f)} | {f['peak_rss_mib']} | | |")
        if "data_vs_floor" in r:
            out.append(f"| data stages (pull + intake + dbt build) / floor | {r['data_stages_s']} / {f['seconds']} = "
                       f"**{r['data_vs_floor']}×** | {r.get('data_cpu_vs_floor', '')}{'× in CPU s' if r.get('data_cpu_vs_floor') else ''} | | | ≤ {t['data_vs_floor']}× (stretch) | {_mark(r['data_vs_floor'] <= t['data_vs_floor'])} |")
        if "resubmit_warm" in r:
            w = r["resubmit_warm"]
            ok_fb = w["feedback_s"] is not None and w["feedback_s"] <= t["resubmit_feedback_s"]
            ok_site = w["site_s"] is not None and w["site_s"] <= t["resubmit_site_s"]
            out.append(f"| one city resubmits one quarter → its feedback (`greenpark watch`, warm) | {w['feedback_s']} | | {_load(w)} | | "
                       f"≤ {t['resubmit_feedback_s']} s | {_mark(ok_fb)} |")
            out.append(f"| one city resubmits one quarter → updated site (`greenpark watch`, warm) | {w['site_s']} | {w.get('cpu_s', '')} | {_load(w)} | | "
                       f"≤ {t['resubmit_site_s']} s | {_mark(ok_site)} |")
        if "resubmit" in r:
            rs = r["resubmit"]
            out.append(f"| one city resubmits one quarter → its feedback (cold `greenpark run`) | {rs['feedback_s']} | | | {rs['peak_rss_mib']} | "
                       "(warm figure is the target) | — |")
            ri = rs.get("inner_stage_s") or {}
            split = f" (dbt {ri['dbt']}, site {ri['site']})" if "dbt" in ri and "site" in ri else ""
            out.append(f"| one city resubmits one quarter → updated site (cold `greenpark run`){split} | {rs['site_s']} | {rs.get('cpu_s', '')} | {_load(rs)} | | ≤ {t['resubmit_site_s']} s | "
                       f"{_mark(rs['site_s'] <= t['resubmit_site_s'])} |")
            all_v = rs.get("offline_validate_all_s")
            cpu_v = rs.get("offline_validate_cpu_s")
            out.append(f"| the same file checked offline, cold (`greenpark validate`){' (best of ' + ', '.join(map(str, all_v)) + ')' if all_v else ''} | "
                       f"{rs['offline_validate_s']} | {min(cpu_v) if cpu_v else ''} | | | {('≤ ' + str(t['validate_cold_s']) + ' s') if 'validate_cold_s' in t else ''} | "
                       f"{_mark(rs['offline_validate_s'] <= t['validate_cold_s']) if 'validate_cold_s' in t else '—'} |")
        copies = r.get("annotated_copy") or {}
        if copies:
            out.append("")
            out.append("| feedback package of one workbook | JSON + HTML (s) | annotated copy, file-level finding only | annotated copy, one cell marked (s) | CPU s |\n|---|---:|---|---:|---:|")
            for ext, c in copies.items():
                out.append(f"| {ext} ({c['size_bytes']:,} bytes) | {c['json_html_s']} | {'made' if c['copy_made_for_file_level_only'] else 'none (nothing to mark)'} | "
                           f"{c['copy_one_cell_s']} | {c['copy_one_cell_cpu_s']} |")
        out.append("")
        sc = doc.get("scaling")
        if sc:
            out.append("| × province | enterprises | workbooks | end to end (s) | CPU s | load avg | peak RSS, largest process (MiB) | all processes (MiB) | floor (s) |\n|---:|---:|---:|---:|---:|---|---:|---:|---:|")
            for p in sc["series"]:
                out.append(f"| {p['k']} | {p['enterprises']:,} | {p['files']} | {p['e2e_s']} | {p.get('e2e_cpu_s', '')} | {p.get('load', '')} | {p['e2e_peak_rss_mib']} | "
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
