"""The feedback package of one workbook per format in DROP_DIR, timed in this process: the JSON and
HTML alone (what a submitter waits for) and the annotated copy for one finding with a cell.

    uv run python bench/annotated_copy.py DROP_DIR [--json]

issue 16: the copy was an openpyxl load and save of the whole workbook (3.4 s for a province
.xlsx, 15 s of CPU for a .xls or .ods) even when no finding had a cell; now it is made only when a
finding has one, by patching the .xlsx zip, or writing a marked copy of a .xls/.ods with XlsxWriter.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from greenpark.quality.feedback import write_annotated_copy, write_feedback_documents
from greenpark.submission.findings import Finding

CELL = Finding("value.nonnegative", "error", "用电量不能为负数(基准测试)", "园区季度指标", 5, "用电量(万千瓦时)", "J", "-1")
LATE = Finding("period.late", "warning", "逾期报送(基准测试)")


def _timed(fn, *args) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return round(time.perf_counter() - wall, 3), round(time.process_time() - cpu, 3), out


def main(drop: Path) -> dict:
    files = sorted(p for p in drop.rglob("*") if p.suffix in (".xlsx", ".xls", ".ods"))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for ext in (".xlsx", ".xls", ".ods"):
            path = next((p for p in files if p.suffix == ext), None)
            if path is None:
                continue
            version = {"version_id": f"bench{ext.replace('.', '-')}", "filename": path.name}
            docs = _timed(write_feedback_documents, Path(tmp), version, [CELL, LATE])
            late = _timed(write_annotated_copy, Path(tmp), version["version_id"] + "-late", [LATE], path)
            copy = _timed(write_annotated_copy, Path(tmp), version["version_id"], [CELL, LATE], path)
            out[ext] = {"file": path.name, "size_bytes": path.stat().st_size,
                        "json_html_s": docs[0], "json_html_cpu_s": docs[1],
                        "copy_file_level_only_s": late[0], "copy_made_for_file_level_only": late[2] is not None,
                        "copy_one_cell_s": copy[0], "copy_one_cell_cpu_s": copy[1],
                        "copy_bytes": copy[2].stat().st_size if copy[2] else None}
    return out


if __name__ == "__main__":
    result = main(Path(sys.argv[1]))
    print(json.dumps(result, ensure_ascii=False, indent=None if "--json" in sys.argv else 1))
