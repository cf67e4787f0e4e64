"""The rule catalogue is the single source: suites exported from it, context rules, history."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from fixtures.bad_workbooks import ON_TIME
from fixtures.validation import shared_validator
from fixtures.workbooks import valid_submission, write_workbook
from greenpark.submission import contract
from greenpark.intake.workbook import parse_workbook
from greenpark.submission.catalogue import catalogue_path, load_catalogue
from greenpark.quality.history import load_history
from greenpark.quality.suites import build_suites, suite_json
from greenpark.submission.contract import due_date
from greenpark.settings import REPO_ROOT

EXPECTATIONS = REPO_ROOT / "expectations"


@pytest.fixture(scope="session")
def validator():
    return shared_validator()


def test_exported_suites_match_the_catalogue():
    suites = build_suites(load_catalogue(catalogue_path(EXPECTATIONS)))
    on_disk = {p.stem: p.read_text(encoding="utf-8") for p in (EXPECTATIONS / "suites").glob("*.json")}
    assert on_disk == {name: suite_json(s) for name, s in suites.items()}, "run: uv run python -m greenpark.quality.suites"


def test_catalogue_columns_come_from_the_contract():
    cat = load_catalogue(catalogue_path(EXPECTATIONS))
    nonneg = cat["value.nonnegative"]
    numeric = {c.name for c in contract.PARK_QUARTER.columns if c.kind in (contract.NUMBER, contract.INTEGER)}
    assert set(nonneg.columns_of("park_quarter")) == numeric - {"land_mu"}
    assert {r.severity for r in cat.rules} == {"fatal", "error", "warning"}
    assert all(r.message and r.id for r in cat.rules)


def test_due_dates():
    assert due_date(2025, 2, 20) == dt.date(2025, 7, 20)
    assert due_date(2024, 4, 20) == dt.date(2025, 1, 20)


def test_no_lateness_rule_without_received_at(tmp_path, validator):
    path = write_workbook(tmp_path / "330100_2024Q1.xlsx", valid_submission(annual=False))
    parsed = parse_workbook(path)
    assert validator.validate(parsed, expected_city="330100") == []
    late = validator.validate(parsed, expected_city="330100", received_at=ON_TIME)
    assert [f.rule_id for f in late] == ["period.late"]


def test_findings_are_sorted_and_unique(tmp_path, validator):
    rows = valid_submission()
    for i in (7, 2, 5):
        rows["park_quarter"][i]["tax"] = -1
    rows["park_quarter"][0]["park_name"] = "别名"
    findings = validator.validate(parse_workbook(write_workbook(tmp_path / "330100_2025Q2.xlsx", rows)))
    assert findings == sorted(findings, key=lambda f: f.sort_key)
    assert len(set(findings)) == len(findings)
    assert [f.excel_row for f in findings if f.rule_id == "value.nonnegative"] == [5, 8, 10]
    assert findings[-1].severity == "warning"


def _warehouse(con):
    con.execute("""CREATE TABLE submission_versions(version_id VARCHAR PRIMARY KEY, city_code VARCHAR, year INTEGER,
        quarter INTEGER, version_no INTEGER, sha256 VARCHAR, filename VARCHAR, size_bytes BIGINT,
        received_at TIMESTAMP, archive_path VARCHAR, status VARCHAR, in_force BOOLEAN, n_fatal INTEGER,
        n_error INTEGER, n_warning INTEGER)""")
    con.execute(contract.raw_table_ddl(contract.PARK_QUARTER))
    rows = valid_submission()["park_quarter"]
    versions = [("330100-2024Q4-v1", 2024, 4, True), ("330100-2025Q1-v1", 2025, 1, False),
                ("330100-2025Q1-v2", 2025, 1, True), ("330100-2025Q2-v1", 2025, 2, True),
                ("330100-2024Q3-v1", 2024, 3, True)]
    for vid, y, q, in_force in versions:
        con.execute("INSERT INTO submission_versions (version_id, city_code, year, quarter, in_force) VALUES (?,?,?,?,?)",
                    [vid, "330100", y, q, in_force])
        for i, r in enumerate(rows):
            values = dict(r, value_added=float(q * 1000 + (2 if vid.endswith("v2") else 0)))
            cols = ["version_id", "city_code", "year", "quarter", "source_row", *list(values)]
            con.execute(f"INSERT INTO raw_park_quarter ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                        [vid, "330100", y, q, i + 3, *list(values.values())])


def test_revision_site_check_points_at_the_columns_of_its_seed_pairs():
    """The rule names the cells it can point at; its pairs are the seed indicator_quarter_ratios."""
    from greenpark.editions import quarter_ratio_indicators

    rule = load_catalogue(catalogue_path(EXPECTATIONS))["revision.site_check"]
    pairs = quarter_ratio_indicators(REPO_ROOT / "dbt_project" / "seeds", 2025)
    assert {c for *_, numerator, denominator in pairs for c in (numerator, denominator)} == set(
        rule.columns_of("park_quarter"))


def test_load_history_reads_in_force_earlier_quarters():
    con = duckdb.connect()
    assert load_history(con, "330100", 2025, 2).empty
    _warehouse(con)
    h = load_history(con, "330100", 2025, 3)
    assert sorted(set(zip(h.year, h.quarter))) == [(2025, 1), (2025, 2)]
    assert set(h[h.quarter == 1].value_added) == {1002.0}  # only the version in force
    # A Q1 file: the quarter before (2024Q4) and the year's accepted quarters, its own included
    # (a resubmission is compared with the version in force, rule revision.site_check).
    q1 = load_history(con, "330100", 2025, 1)
    assert sorted(set(zip(q1.year, q1.quarter))) == [(2024, 4), (2025, 1), (2025, 2)]
    assert set(q1[q1.quarter == 1].value_added) == {1002.0}
    assert load_history(con, "330200", 2025, 3).empty
