"""Property-based tests on cell normalisation and the workbook parser: no input makes them raise,
and what they return is what a person would read."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenpark.submission import contract
from greenpark.submission import normalize as nz
from greenpark.submission.catalogue import catalogue_path, load_catalogue
from greenpark.settings import REPO_ROOT

raw_cells = st.one_of(
    st.none(), st.text(max_size=60), st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.dates(), st.datetimes(),
    st.times(), st.timedeltas(),
)
RULE_IDS = {r.id for r in load_catalogue(catalogue_path(REPO_ROOT / "expectations")).rules}
KINDS = [contract.NUMBER, contract.INTEGER, contract.BOOL, contract.YEAR, contract.CODE, contract.TEXT, contract.ENUM]


@given(st.sampled_from(KINDS), raw_cells)
@settings(max_examples=600, deadline=None)
def test_any_cell_gives_a_value_or_a_problem_never_an_exception(kind, raw):
    cell = nz.parse_cell(kind, raw)
    assert cell.value is None or cell.problem is None
    if cell.problem:
        # a known problem code, with its own rule (and so its own message) in the catalogue
        assert cell.problem in {nz.NOT_NUMBER, nz.AMBIGUOUS_NUMBER, nz.PERCENT, nz.NOT_INTEGER, nz.NOT_BOOL, nz.NOT_YEAR,
                                nz.CODE_AS_NUMBER}
        assert f"cell.{cell.problem}" in RULE_IDS
    if kind == contract.NUMBER and cell.value is not None:
        assert isinstance(cell.value, float) and math.isfinite(cell.value)
    if kind in (contract.TEXT, contract.CODE, contract.ENUM) and isinstance(cell.value, str):
        assert cell.value  # blank text is None, never ""
    shown = nz.display(raw)
    assert shown is None or not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in shown)


@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False, allow_infinity=False),
       st.sampled_from(["plain", "comma", "space", "fullwidth", "padded"]))
@settings(max_examples=400, deadline=None)
def test_numbers_written_the_usual_ways_read_back_exactly(number, style):
    text = format(number, "f")
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, frac = digits.partition(".")
    frac = f".{frac}" if frac else ""
    if style == "comma":
        text = sign + f"{int(whole):,}" + frac
    elif style == "space":
        text = sign + f"{int(whole):,}".replace(",", " ") + frac
    elif style == "fullwidth":
        text = text.translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))
    elif style == "padded":
        text = f"  {text}\u3000"
    cell = nz.parse_number(text)
    assert cell.problem is None and math.isclose(cell.value, float(number), rel_tol=1e-12, abs_tol=1e-9)


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=99))
def test_decimal_comma_is_reported_never_guessed(a, b):
    cell = nz.parse_number(f"{a},{b:02d}")  # 1,50: one and a half, or 150?
    assert cell.value is None and cell.problem == nz.AMBIGUOUS_NUMBER


@given(st.text(min_size=1, max_size=200))
def test_text_keeps_what_a_person_sees(text):
    cell = nz.parse_text(text)
    if cell.value is not None:
        assert cell.value == cell.value.strip()
        visible = [ch for ch in text if ch.isprintable() and not ch.isspace()]
        assert all(ch in cell.value or ch == "\u3000" for ch in visible)


@given(st.lists(st.lists(raw_cells.filter(lambda v: not isinstance(v, dt.timedelta)), max_size=6), max_size=8))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_parser_survives_any_grid_under_a_valid_header(tmp_path_factory, grid):
    """Arbitrary rows under the real header: findings or frames, never an exception."""
    from greenpark.intake.workbook import _catalogue, _parse_sheet
    from greenpark.submission.parsed import ParsedSubmission

    sheet = contract.PARK_QUARTER
    rows = [["标题"], [c.header for c in sheet.columns]] + [[("" if v is None else v) for v in r] for r in grid]
    parsed = ParsedSubmission(filename="330100_2025Q2.xlsx", year=2025, quarter=2)
    _parse_sheet(parsed, sheet, sheet.name, rows, _catalogue())
    assert sheet.key in parsed.frames
    assert len(parsed.frames[sheet.key]) <= len(grid)
