"""The demo's bulk writer: byte-deterministic files in the template's layout, clean or messy."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pandas as pd
import pytest
from greenpark.submission import contract
from greenpark.demo import messy
from greenpark.demo.template import data_excel_rows, write_submission
from greenpark.settings import get_settings

CITY = "330200"


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENPARK_WORKDIR", str(tmp_path / "work"))
    return get_settings()


def test_written_files_are_byte_deterministic(tmp_path, settings):
    frames = {"park_quarter": pd.DataFrame({"park_code": ["3302-01"], "value_added": [1.5]})}
    digests = set()
    for run in ("a", "b"):
        for ext in contract.EXTENSIONS:
            path = write_submission(tmp_path / run / f"{CITY}_2025Q1.{ext}", CITY, 2025, 1, frames, ext=ext, demo=True)
            digests.add((ext, hashlib.sha256(path.read_bytes()).hexdigest()))
    assert len(digests) == len(contract.EXTENSIONS)


def test_write_submission_rejects_a_name_that_disagrees_with_the_format(tmp_path):
    with pytest.raises(ValueError):
        write_submission(tmp_path / f"{CITY}_2025Q1.xls", CITY, 2025, 1, {}, ext="xlsx", demo=True)


def test_messy_headers_read_back_as_the_contract_header():
    def norm(text):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))

    for sheet in contract.SHEETS:
        for j, col in enumerate(sheet.columns):
            written = messy.header(col.header, j)
            assert norm(written) == norm(col.header)
    assert any("（" in messy.header(c.header, j) for j, c in enumerate(contract.PARK_QUARTER.columns))


def test_data_rows_skip_the_messy_spacer_row():
    assert data_excel_rows(3, "clean") == [3, 4, 5]
    rows = data_excel_rows(6, "messy")
    assert rows[0] == 4 and len(set(rows)) == 6
    assert rows[-1] - rows[0] == 6  # one blank row in between
