"""The vectorised cross rules against a plain per-group recomputation, on random files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenpark.quality import cross_rules
from greenpark.settings import get_settings
from greenpark.submission.catalogue import catalogue_path, load_catalogue
from greenpark.submission.parsed import ParsedSubmission


def _reference_outliers(frame: pd.DataFrame, min_peers: int, max_z: float, min_ratio: float) -> list[tuple]:
    """peer.intensity_outlier as the rule's docstring states it, one industry at a time."""
    out = []
    usable = frame[(frame.energy_tce > 0) & (frame.value_added > 0) & frame.industry_code.notna()]
    for industry in sorted(set(usable.industry_code)):
        peers = usable[usable.industry_code == industry]
        if len(peers) < min_peers:
            continue
        logs = np.log(peers.energy_tce / peers.value_added)
        center = float(np.median(logs))
        half_width = max(max_z * (float(np.median(np.abs(logs - center))) * 1.4826), float(np.log(min_ratio)))
        out += [(int(row), industry, len(peers), center, half_width, v)
                for row, v in zip(peers.source_row, logs) if abs(v - center) > half_width]
    return out


@pytest.mark.parametrize("seed", range(40))
def test_peer_outlier_matches_a_per_industry_recomputation(seed: int):
    rule = load_catalogue(catalogue_path(get_settings().expectations_dir))["peer.intensity_outlier"]
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    energy, value_added = rng.lognormal(3, 0.3, n), rng.lognormal(5, 0.2, n)
    pick = rng.random(n)
    energy[pick < 0.05] *= 1000
    energy[(pick > 0.05) & (pick < 0.1)] /= 500
    energy[pick > 0.97] = np.nan
    value_added[(pick > 0.9) & (pick < 0.93)] = 0
    if seed % 4 == 0:  # ties: a class of identical enterprises and a few far off
        energy[:], value_added[:] = 7.0, 3.0
        energy[:3] = 900.0
    frame = pd.DataFrame({
        "source_row": np.arange(5, 5 + n),
        "industry_code": pd.Series(rng.choice(["1311", "2611", "3011", "4411", None], n, p=[.4, .2, .2, .1, .1]), dtype=object),
        "energy_tce": energy, "value_added": value_added,
    })
    parsed = ParsedSubmission(filename="330100_2025Q1.xlsx")
    parsed.frames["enterprise_quarter"] = frame
    found = cross_rules.peer_outlier(rule, parsed, None)
    params = rule.params
    expected = _reference_outliers(frame, int(params["min_peers"]), float(params["max_robust_z"]), float(params["min_ratio"]))
    assert [f.excel_row for f in found] == [row for row, *_ in expected]
    sig = cross_rules._sig  # three significant digits, as the message writes them
    for f, (_, industry, n_peers, center, half_width, v) in zip(found, expected, strict=True):
        for part in (f"同行业 {industry} 共 {n_peers} 家企业中位数 {sig(np.exp(center))} 的 {sig(np.exp(v - center))} 倍",
                     f"合理范围 {sig(np.exp(center - half_width))}~{sig(np.exp(center + half_width))}",
                     f"单位增加值能耗为 {sig(np.exp(v))} 吨标准煤"):
            assert part in f.message_zh, (part, f.message_zh)
