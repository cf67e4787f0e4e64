"""Cell normalisation: what a person reads as the same number parses to it; ambiguity is reported."""

from __future__ import annotations

import datetime as dt

import pytest
from greenpark.submission import normalize as nz
from hypothesis import given, settings
from hypothesis import strategies as st

FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(finite, st.integers(min_value=0, max_value=4))
def test_thousands_separated_text_parses_back(x, decimals):
    text = f"{x:,.{decimals}f}"
    assert nz.parse_number(text) == nz.Cell(float(f"{x:.{decimals}f}"))


@settings(max_examples=200, deadline=None)
@given(finite, st.integers(min_value=0, max_value=4), st.booleans())
def test_full_width_digits_parse_back(x, decimals, grouped):
    text = (f"{x:,.{decimals}f}" if grouped else f"{x:.{decimals}f}").translate(FULL_WIDTH)
    assert nz.parse_number(f" {text}\u3000") == nz.Cell(float(f"{x:.{decimals}f}"))


@settings(max_examples=200, deadline=None)
@given(finite)
def test_number_as_text_and_as_number_agree(x):
    assert nz.parse_number(repr(x)) == nz.parse_number(x) == nz.Cell(x)


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("1.234,5", nz.AMBIGUOUS_NUMBER),
        ("1,23", nz.AMBIGUOUS_NUMBER),
        ("1.234.567", nz.AMBIGUOUS_NUMBER),
        ("12,34,567", nz.AMBIGUOUS_NUMBER),
        ("(35)", nz.AMBIGUOUS_NUMBER),
        ("35%", nz.PERCENT),
        ("３５％", nz.PERCENT),
        ("约三万", nz.NOT_NUMBER),
        ("1200万元", nz.NOT_NUMBER),
        ("-", nz.NOT_NUMBER),
        (True, nz.NOT_NUMBER),
        (dt.date(2025, 1, 1), nz.NOT_NUMBER),
    ],
)
def test_unreadable_or_ambiguous_numbers_are_reported(raw, problem):
    assert nz.parse_number(raw) == nz.Cell(problem=problem)


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", None])
def test_blank_cells_are_blank(raw):
    assert nz.parse_number(raw).blank and nz.parse_text(raw).blank and nz.parse_bool(raw).blank


@pytest.mark.parametrize(
    "raw, value",
    [("1 234 567.5", 1234567.5), ("−35", -35.0), ("1.2E+05", 120000.0), (" 12 ", 12.0), ("１２３４．５", 1234.5)],
)
def test_readable_numbers(raw, value):
    assert nz.parse_number(raw) == nz.Cell(value)


def test_integers():
    assert nz.parse_integer("1,200") == nz.Cell(1200)
    assert nz.parse_integer(12.0) == nz.Cell(12)
    assert nz.parse_integer(12.5) == nz.Cell(problem=nz.NOT_INTEGER)


@pytest.mark.parametrize("raw", ["是", " 是 ", "Y", "y", "ｙｅｓ", "1", 1, "√", "TRUE", True, "t"])
def test_yes_variants(raw):
    assert nz.parse_bool(raw) == nz.Cell(True)


@pytest.mark.parametrize("raw", ["否", "N", "no", "0", 0, "×", "x", "FALSE", False, "Ｆ"])
def test_no_variants(raw):
    assert nz.parse_bool(raw) == nz.Cell(False)


@pytest.mark.parametrize("raw", ["有", "不详", "2", 2])
def test_bool_problems(raw):
    assert nz.parse_bool(raw) == nz.Cell(problem=nz.NOT_BOOL)


def test_years_and_codes():
    assert nz.parse_year("2021年") == nz.Cell(2021)
    assert nz.parse_year(dt.date(2021, 6, 1)) == nz.Cell(2021)
    assert nz.parse_year("21") == nz.Cell(problem=nz.NOT_YEAR)
    assert nz.parse_code(" ３３０１－０１ ") == nz.Cell("3301-01")
    assert nz.parse_code(610.0) == nz.Cell("610")
    assert nz.parse_code("9133 0100 abc") == nz.Cell("91330100ABC")
    assert nz.parse_text(" 杭州（示例）有限公司 ") == nz.Cell("杭州（示例）有限公司")


@pytest.mark.parametrize(
    "seen", ["工业总产值（万元）", " 工业总产值 (万元) ", "*工业总产值(万元)", "工业总产值\n(万元)"]
)
def test_header_variants_match(seen):
    assert nz.header_key(seen) == nz.header_key("工业总产值(万元)")
    assert nz.header_key("其中：可再生能源电力自用量（万千瓦时）") == nz.header_key("其中:可再生能源电力自用量(万千瓦时)")
    assert nz.header_base("工业总产值(元)") == "工业总产值"
