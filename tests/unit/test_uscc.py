"""The USCC check (uscc.py) runs on every enterprise row: its fast path must agree with the
standard's definition (GB 32100-2015) on every kind of input."""

from __future__ import annotations

import random

import pytest
from greenpark import uscc


def reference_is_valid(code: str) -> bool:
    code = code.strip().upper()
    if len(code) != uscc.LENGTH or any(ch not in uscc.ALPHABET for ch in code):
        return False
    return uscc.check_char(code[:17]) == code[17]


def _codes() -> list[str]:
    rnd = random.Random(20220324)
    out = []
    for _ in range(2000):
        first = "".join(rnd.choice(uscc.ALPHABET) for _ in range(17))
        good = first + uscc.check_char(first)
        out += [good, good.lower(), f" {good}\u3000", first + rnd.choice(uscc.ALPHABET), good[:-1], good + "0"]
    return out


@pytest.mark.parametrize(
    "code",
    [
        "91330100MA2AXXXX0Y",
        "91330100MA2AXXXXIY",
        "9133010O7966866726",
        "",
        " ",
        "\n",
        "913301007966866726\n",
        "Ⅰ13301007966866726",
        "913301007966866７2６",
    ],
)
def test_agrees_with_the_definition_on_odd_input(code: str) -> None:
    assert uscc.is_valid(code) == reference_is_valid(code)


def test_agrees_with_the_definition_on_random_codes() -> None:
    codes = _codes()
    verdicts = [uscc.is_valid(c) for c in codes]
    assert verdicts == [reference_is_valid(c) for c in codes]
    assert 0 < sum(verdicts) < len(codes)  # both kinds present
