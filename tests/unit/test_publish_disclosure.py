"""disclosure.py on its own: every suppression pattern it can meet, attacked with the same solver the
site attack uses; the seed must classify every table the site reads; the off switch."""

from __future__ import annotations

import itertools
import random

import pandas as pd
import pytest
from fixtures.disclosure_attack import Attack, Group
from greenpark.publish import disclosure
from greenpark.publish.marts import PUBLIC_TABLES
from greenpark.settings import REPO_ROOT

SEEDS = REPO_ROOT / "dbt_project" / "seeds"
RULES = pd.read_csv(SEEDS / "disclosure_rules.csv", dtype=str)
THRESHOLD = 3


def _rule() -> disclosure.Rule:
    return disclosure.read_rules(RULES)["fct_park_mujun_public"]


def _mart(groups: list[dict[str, int]]) -> pd.DataFrame:
    """fct_park_mujun_public as the mart writes it: primary cells (and a total < 3) already NULL."""
    rows = []
    for g, counts in enumerate(groups):
        total = sum(counts.values())
        for cls, n in counts.items():
            hidden = n < THRESHOLD
            rows.append({"park_code": f"3301-{g:02d}", "year": 2025, "mujun_class": cls,
                             "n_enterprises": None if hidden else n,
                             "share_pct": None if hidden else 100 * n / total, "is_suppressed": hidden,
                             "n_enterprises_total": total if total >= THRESHOLD else None})
    return pd.DataFrame(rows)


def _findings(published: pd.DataFrame) -> list[tuple[str, dict]]:
    return [(code, f) for code, rows in published.groupby("park_code", sort=False) for f in _attack(rows, code)]


def _attack(rows: pd.DataFrame, group: str) -> list[dict]:
    """What an outsider derives from one park-year as the site prints it (shares to 0.1 %)."""
    g = Group()
    for r in rows.itertuples(index=False):
        cell = g.cells[r.mujun_class]
        mark = r.n_enterprises_suppression
        if pd.notna(r.n_enterprises):
            cell.value = int(r.n_enterprises)
        elif mark == disclosure.PRIMARY:
            cell.low, cell.high, cell.below_threshold = 0, THRESHOLD - 1, True
        else:  # the attacker knows a complementary cell is not small
            cell.low = THRESHOLD
        if pd.notna(r.share_pct):
            v = round(float(r.share_pct), 1)
            cell.share = (v - 0.05, v + 0.05)
    totals = rows.n_enterprises_total.dropna()
    g.total = int(totals.iloc[0]) if len(totals) else None
    return Attack(THRESHOLD)._solve_group((group, 2025), g)


def _all_groups() -> list[dict[str, int]]:
    """Every A–D pattern of counts 0..5 (below, at and just above the threshold), plus random larger parks."""
    groups = [dict(zip("ABCD", c, strict=True)) for c in itertools.product(range(6), repeat=4)]
    rng = random.Random(13)
    groups += [{"A": rng.randint(0, 30), "B": rng.randint(0, 200), "C": rng.randint(0, 60), "D": rng.randint(0, 5)}
               for _ in range(300)]
    return groups


def test_no_withheld_count_is_derivable_in_any_pattern():
    groups = _all_groups()
    published = disclosure.suppress_counts(_mart(groups), _rule(), THRESHOLD)
    exposed = [(code, f) for code, f in _findings(published) if f["recoverable"] or f["narrowed"]]
    assert exposed == [], exposed[:5]
    # the pattern depends only on which cells are below the threshold: counts ≥ 3 always stay shown
    shown = published[~published.is_suppressed]
    assert shown.n_enterprises.notna().all()
    has_small = published.groupby("park_code").is_suppressed.transform("any")
    assert published[has_small][["share_pct", "n_enterprises_total"]].isna().all().all()
    assert published[~has_small][["share_pct", "n_enterprises_total"]].notna().all().all()


def test_without_control_the_same_patterns_leak():
    groups = _all_groups()
    published = disclosure.suppress_counts(_mart(groups), _rule(), THRESHOLD, enabled=False)
    leaks = sum(1 for _, f in _findings(published) if f["recoverable"])
    assert leaks > 300


def test_withheld_cells_are_nan_and_marked():
    """The issue's example, parks/3302-05/2025: A 4 家 = 9.3 % → 43 enterprises → D = 1."""
    published = disclosure.suppress_counts(_mart([{"A": 4, "B": 25, "C": 13, "D": 1}]), _rule(), THRESHOLD)
    by_class = published.set_index("mujun_class")
    assert by_class.loc["D", "n_enterprises_suppression"] == disclosure.PRIMARY
    assert by_class.n_enterprises.fillna(-1).tolist() == [4, 25, 13, -1]
    assert by_class.share_pct.isna().all() and by_class.n_enterprises_total.isna().all()
    assert by_class.loc["A", "share_pct_suppression"] == disclosure.COMPLEMENTARY
    assert set(by_class.n_enterprises_total_suppression) == {disclosure.COMPLEMENTARY}
    assert _attack(published, "3301-00")[0]["feasible"] == [0, 1, 2]  # nothing ties D down
    unprotected = disclosure.suppress_counts(_mart([{"A": 4, "B": 25, "C": 13, "D": 1}]), _rule(), THRESHOLD, enabled=False)
    assert _attack(unprotected, "3301-00")[0]["value"] == 1


def test_every_table_the_site_reads_has_a_rule():
    assert set(PUBLIC_TABLES) == set(RULES.table_name)
    sensitive = RULES[RULES.sensitivity == disclosure.ENTERPRISE_COUNTS]
    thresholds = pd.read_csv(SEEDS / "evaluation_thresholds.csv")
    assert set(sensitive.threshold_id) <= set(thresholds.threshold_id)


def test_an_unclassified_table_is_refused():
    tables = {"disclosure_rules": RULES, "evaluation_thresholds": pd.read_csv(SEEDS / "evaluation_thresholds.csv"),
              "fct_new_enterprise_table": pd.DataFrame({"x": [1]})}
    with pytest.raises(disclosure.DisclosureError, match="fct_new_enterprise_table"):
        disclosure.disclose(tables)


def test_switch_reads_the_environment(monkeypatch):
    from greenpark.settings import get_settings

    monkeypatch.delenv(disclosure.CONTROL_ENV, raising=False)
    assert get_settings().disclosure_control
    monkeypatch.setenv(disclosure.CONTROL_ENV, "off")
    assert not get_settings().disclosure_control


def test_an_absent_sensitive_table_publishes_nothing_and_does_not_fail():
    tables = {"disclosure_rules": RULES, "evaluation_thresholds": pd.read_csv(SEEDS / "evaluation_thresholds.csv"),
              "fct_park_mujun_public": pd.DataFrame(columns=["park_code", "year", "mujun_class"])}
    assert disclosure.disclose(tables)["fct_park_mujun_public"].empty
