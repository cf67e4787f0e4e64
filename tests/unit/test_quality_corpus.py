"""The bad-workbook corpus (tests/fixtures/bad_workbooks.py): every case yields exactly its
expected findings, and none crashes."""

from __future__ import annotations

import pytest
from fixtures.bad_workbooks import CASES, Case
from fixtures.validation import shared_validator
from greenpark.intake.workbook import parse_workbook


@pytest.fixture(scope="session")
def validator():
    return shared_validator()


def test_corpus_is_large_enough():
    bad = [c for c in CASES if c.expected]
    assert len(bad) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_yields_exactly_its_findings(case: Case, validator, tmp_path):
    path = case.build(tmp_path)
    parsed = parse_workbook(path, filename=case.filename or path.name)
    findings = validator.validate(
        parsed,
        expected_city=case.expected_city,
        received_at=case.received_at,
        history=case.history() if case.history else None,
    )
    got = sorted((f.rule_id, f.severity, f.sheet, f.excel_row, f.excel_column) for f in findings)
    assert got == sorted(case.expected), "\n".join(f.message_zh for f in findings)
    for f in findings:
        assert f.message_zh and "{" not in f.message_zh


def test_every_rule_is_exercised_by_the_corpus(validator):
    fired = {e[0] for c in CASES for e in c.expected}
    assert set(validator.catalogue.by_id) - fired == set()
