"""Generate k × the province (k × 130 parks, k × 55,000 enterprises, 11·k cities) with the demo
generator's own code: the province world, plus k-1 copies of its city layout as 示例城市NN
(codes 90NN00, as the national size uses). Deterministic from the seed like every size. PROFILE is
one of generator.PROFILES (clean, late, messy, rejected: the realistic quarters of issue 16).

    GREENPARK_WORKDIR=DIR uv run python bench/scaled.py K [PROFILE]
"""

from __future__ import annotations

import json
import sys

import pandas as pd

from greenpark.demo import generator, world
from greenpark.settings import get_settings


def generate_scaled(k: int, profile: str = "clean", seed: int = 20220324) -> dict:
    province_parks = world._province_parks

    def scaled_parks(real: pd.DataFrame, width: int) -> pd.DataFrame:
        base = province_parks(real, width)
        per_city = pd.concat([real, base]).groupby("city_code").size().sort_index()
        rows, name_no, city_no = [], len(base) + 1, 1
        for _ in range(k - 1):
            for n in per_city:
                code, name = f"90{city_no:02d}00", f"示例城市{city_no:02d}"
                rows += world._generated(code, name, world.FIRST_GENERATED_SEQ, int(n), name_no, width)
                name_no, city_no = name_no + int(n), city_no + 1
        return pd.concat([base, pd.DataFrame(rows)], ignore_index=True) if rows else base

    world._province_parks = scaled_parks
    world.PROVINCE_ENTERPRISES = 55_000 * k
    settings = get_settings()
    return generator.generate(settings.inbox_dir, size="province", years=(2025,), seed=seed, settings=settings,
                              profile=profile)


if __name__ == "__main__":
    manifest = generate_scaled(int(sys.argv[1]), *sys.argv[2:3])
    print(json.dumps({k: manifest[k] for k in ("n_cities", "n_parks", "n_enterprises", "n_files")}))
