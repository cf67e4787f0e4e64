"""Attack the built site as an outsider would (pages + open data, no warehouse), with disclosure
control on and off: on, no withheld 亩均 count can be derived; off, the attack finds the leak, and
what it derives is the true count — so the attack is real and this test can fail."""

from __future__ import annotations

import duckdb
import pytest
from fixtures.disclosure_attack import Attack, attack
from greenpark.publish.disclosure import CONTROL_ENV
from greenpark.publish.site import publish_site
from greenpark.settings import REPO_ROOT, Settings
from publish_fixtures import build_fixture_warehouse


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The fixture warehouse published twice: disclosure control off, then on."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_DEMO_DATA", "1")
        mp.delenv("GREENPARK_WAREHOUSE", raising=False)
        mp.delenv("GREENPARK_SITE_DIR", raising=False)
        for mode in ("off", "on"):
            workdir = tmp_path_factory.mktemp(f"disclosure_{mode}")
            mp.setenv("GREENPARK_WORKDIR", str(workdir))
            mp.setenv(CONTROL_ENV, mode)
            settings = Settings(repo_root=REPO_ROOT, workdir=workdir)
            build_fixture_warehouse(settings.warehouse_path)
            publish_site(settings)
            out[mode] = (settings, attack(settings.site_public_dir))
    return out


def _truth(settings) -> dict[tuple[str, int], tuple[int, int]]:
    """(park, year) -> (total enterprises, sum of the counts the mart itself withholds)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute("SELECT park_code, year, any_value(n_enterprises_total), "
                           "any_value(n_enterprises_total) - coalesce(sum(n_enterprises), 0), "
                           "count(*) FILTER (WHERE is_suppressed) FROM fct_park_mujun_public GROUP BY ALL").fetchall()
    return {(p, y): (n, hidden, k) for p, y, n, hidden, k in rows}


def test_attack_recovers_the_true_hidden_counts_without_disclosure_control(sites):
    settings, result = sites["off"]
    truth = _truth(settings)
    assert result["unhandled_tables"] == []
    assert len(result["recoverable"]) >= 5, result
    for finding in result["recoverable"]:
        _, hidden_sum, n_hidden = truth[(finding["park_code"], finding["year"])]
        if n_hidden == 1:  # the only withheld cell of its park-year: its true value is the remainder
            assert finding["value"] == hidden_sum, finding
        assert finding["below_threshold"] and 0 <= finding["value"] < 3
    # the leak as the issue describes it: from the report page alone (counts and shares)
    assert any(s.startswith("parks/") for f in result["recoverable"] for s in f["sources"])


def test_no_hidden_count_can_be_derived_with_disclosure_control(sites):
    settings, result = sites["on"]
    assert result["hidden_cells"] > 0 and result["groups"] == len(_truth(settings))
    assert result["unhandled_tables"] == []
    assert result["recoverable"] == [], result["recoverable"][:5]
    assert result["narrowed"] == [], result["narrowed"][:5]


def test_attack_pools_pages_and_every_open_data_format(sites):
    a = Attack().read_site(sites["on"][0].site_public_dir)
    sources = {s for g in a.groups.values() for s in g.sources}
    assert any(s.startswith("parks/") for s in sources)
    assert any(s.endswith(".csv") for s in sources) and any(".xlsx" in s for s in sources)
