"""The dbt column lists, written from the contract (dbt_project/macros/contract_columns.sql).

dbt staging casts and renames every raw contract column (gross_output → gross_output_wan_yuan, a
DOUBLE, summed over quarters as a flow). Those names, types and roll-up kinds are the contract's, so
the macro file that lists them is generated from `contract` instead of typed again, and a test
fails when the committed file and the contract disagree. The logic that uses the lists stays
hand-written in macros/staged_columns.sql.

`python -m greenpark.dbt_macros` rewrites the file; `--check` only reports (exit 1) when it is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .submission import contract

MACRO_FILE = Path("macros") / "contract_columns.sql"
COMMAND = "python -m greenpark.dbt_macros"


def macro_name(sheet: contract.Sheet) -> str:
    return f"{sheet.key}_measures"


def render_contract_columns(sheets: tuple[contract.Sheet, ...], source: str = contract.__name__) -> str:
    """The macro file's text: one list macro per sheet, its measures in contract order."""
    parts = [
        "{#-\n"
        f"  GENERATED from the contract ({source}) by `{COMMAND}`. Do not edit by hand:\n"
        "  change the contract, rerun the command and commit both (a unit test fails when they differ).\n"
        "\n"
        "  Raw contract column -> staged column with its unit suffix, SQL type and roll-up kind.\n"
        "  One list per sheet, so staging, the superseded-version staging and the annual roll-ups\n"
        "  share one spelling. `kind`: flow (当季, summed over quarters), stock (季末, latest quarter wins)\n"
        "  or attr (the annual sheet, carried as is).\n"
        "-#}\n"
    ]
    for sheet in sheets:
        rows = "".join(
            "    "
            + json.dumps({"raw": c.name, "name": c.staged_name, "type": c.sql_type.lower(),
                          "kind": sheet.measure_kind(c)})
            + ",\n"
            for c in sheet.measures
        )
        parts.append(f"\n{{% macro {macro_name(sheet)}() %}}\n  {{{{ return([\n{rows}  ]) }}}}\n{{% endmacro %}}\n")
    return "".join(parts)


def expected_macro_file() -> str:
    return render_contract_columns(contract.SHEETS)


def export_macro_file(dbt_project_dir: Path) -> Path:
    """Rewrite the macro file from the contract (deterministic; LF line ends)."""
    path = Path(dbt_project_dir) / MACRO_FILE
    path.write_bytes(expected_macro_file().encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="由报送契约生成 dbt 列清单宏文件 (macros/contract_columns.sql)。")
    parser.add_argument("--check", action="store_true", help="只检查：文件与契约不一致时退出码为 1，不改写文件")
    parser.add_argument("--dbt-project-dir", type=Path, default=None, help="dbt 项目目录（默认取自设置）")
    args = parser.parse_args(argv)
    if args.dbt_project_dir is None:
        from .settings import get_settings

        args.dbt_project_dir = get_settings().dbt_project_dir
    path = Path(args.dbt_project_dir) / MACRO_FILE
    if args.check:
        current = path.read_bytes().decode("utf-8") if path.exists() else None
        if current != expected_macro_file():
            print(f"{path} 与契约不一致，请运行 {COMMAND}", file=sys.stderr)
            return 1
        print(f"{path} 与契约一致")
        return 0
    print(export_macro_file(args.dbt_project_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
