"""The dbt project's layering and documentation conventions, read from its files (no dbt run).

- Staging is one-to-one with the sources: each source table has exactly one stg_ model, which
  reads that source and nothing else. Filters on versions, joins and deduplication live in
  intermediate (int_*_in_force, int_*_superseded).
- A description is written once: text used by more than one column is a docs block
  (models/_columns__docs.md), and every doc() names a block that exists.
- Every public mart built by dbt (PUBLIC_TABLES) has an enforced contract with a data_type on every
  column, and those types are the ones the publish tests' synthetic warehouse uses (for the
  marts it holds).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml
from greenpark.publish.marts import PUBLIC_TABLES
from greenpark.settings import REPO_ROOT
from publish_fixtures import SCHEMA

DBT = REPO_ROOT / "dbt_project"
MODEL_YML = sorted((DBT / "models").rglob("_*__models.yml"))
ALL_YML = [*MODEL_YML, DBT / "models" / "staging" / "_sources.yml", DBT / "seeds" / "_seeds.yml"]
DOC_REF = re.compile(r"""^\{\{ doc\(["']([a-z0-9_]+)["']\) \}\}$""")


def _yml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _models() -> dict[str, dict]:
    return {m["name"]: m for path in MODEL_YML for m in _yml(path)["models"]}


def _descriptions() -> list[str]:
    out = []
    for path in ALL_YML:
        data = _yml(path)
        nodes = data.get("models") or data.get("seeds") or [t for s in data["sources"] for t in s["tables"]]
        for node in nodes:
            out += [node.get("description", "")] + [c.get("description", "") for c in node.get("columns", [])]
    return [d for d in out if d]


def test_each_source_table_has_exactly_one_staging_model_reading_only_it():
    sources = _yml(DBT / "models" / "staging" / "_sources.yml")["sources"]
    tables = {(s["name"], t["name"]) for s in sources for t in s["tables"]}
    staged = Counter()
    for sql in sorted((DBT / "models").rglob("*.sql")):
        text = sql.read_text(encoding="utf-8")
        read = set(re.findall(r"""source\(\s*'(\w+)'\s*,\s*'(\w+)'\s*\)""", text))
        if sql.stem.startswith("stg_"):
            assert sql.parent.name == "staging", sql
            assert len(read) == 1 and "ref(" not in text, f"{sql.name} must read exactly one source and no model"
            staged.update(read)
        else:
            assert not read, f"{sql.name} reads a source directly; read its stg_ model"
    assert staged == Counter(tables), "each source table needs exactly one stg_ model"


def test_no_description_text_is_written_twice_and_every_doc_block_exists():
    descriptions = _descriptions()
    literal = [d for d in descriptions if not DOC_REF.match(d)]
    assert [d for d, n in Counter(literal).items() if n > 1] == []
    docs_text = "\n".join(p.read_text(encoding="utf-8") for p in (DBT / "models").rglob("*.md"))
    blocks = re.findall(r"\{%\s*docs\s+(\w+)\s*%\}(.*?)\{%\s*enddocs\s*%\}", docs_text, re.DOTALL)
    names = [name for name, _ in blocks]
    assert len(names) == len(set(names))
    assert len({text.strip() for _, text in blocks}) == len(blocks), "two docs blocks hold the same text"
    used = {DOC_REF.match(d).group(1) for d in descriptions if DOC_REF.match(d)}
    assert used <= set(names), sorted(used - set(names))
    assert set(names) <= used, f"unused docs blocks: {sorted(set(names) - used)}"
    # Only text repeated somewhere becomes a block: a block used once belongs back in its yml.
    uses = Counter(DOC_REF.match(d).group(1) for d in descriptions if DOC_REF.match(d))
    assert [n for n, k in uses.items() if k < 2] == []


def test_public_marts_have_enforced_contracts_typed_as_the_site_reads_them():
    models = _models()
    public_models = sorted(set(PUBLIC_TABLES) & set(models))
    assert len(public_models) == 15, public_models
    for name in public_models:
        model = models[name]
        assert (model.get("config") or {}).get("contract") == {"enforced": True}, name
        typed = [(c["name"], c.get("data_type")) for c in model["columns"]]
        assert all(t for _, t in typed), f"{name}: a column without data_type"
        if name in SCHEMA:  # the synthetic warehouse holds the tables the site pages read
            assert [(c, t.upper()) for c, t in typed] == list(SCHEMA[name]), name
    # Only public marts carry contracts: internal models may change shape freely.
    contracted = {n for n, m in models.items() if (m.get("config") or {}).get("contract")}
    assert contracted == set(public_models)
