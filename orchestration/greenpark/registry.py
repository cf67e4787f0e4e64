"""The park and city registry: real parks from the dbt seed plus generated benchmark parks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .settings import Settings

REGISTRY_COLUMNS = ["park_code", "park_name", "city_code", "city_name", "level", "park_type"]


def generated_registry_csv(settings: Settings) -> Path:
    """Parks added by the demo generator for province- and national-size sets (示例园区NN)."""
    return settings.sources_dir / "park_registry_generated.csv"


def load_generated_parks(settings: Settings) -> pd.DataFrame:
    path = generated_registry_csv(settings)
    if not path.exists():
        return pd.DataFrame(columns=REGISTRY_COLUMNS)
    return pd.read_csv(path, dtype=str)[REGISTRY_COLUMNS]


def load_parks(settings: Settings) -> pd.DataFrame:
    """All known parks: the real registry seed, then generated parks if the work dir has them."""
    generated = generated_registry_csv(settings)
    mtime = generated.stat().st_mtime if generated.exists() else 0.0
    return _parks(settings.park_registry_csv, generated, mtime).copy()


@lru_cache(maxsize=8)
def _parks(seed: Path, generated: Path, generated_mtime: float) -> pd.DataFrame:
    """Cached per generated-registry version: the registry is consulted for every file validated."""
    frames = [pd.read_csv(seed, dtype=str)]
    if generated.exists():
        frames.append(pd.read_csv(generated, dtype=str))
    parks = pd.concat(frames, ignore_index=True)[REGISTRY_COLUMNS]
    return parks.drop_duplicates("park_code").sort_values("park_code").reset_index(drop=True)


@dataclass(frozen=True)
class City:
    code: str
    name: str
    drop_url: str  # a local folder or any fsspec URL
    contact_email: str | None = None


def load_cities(settings: Settings) -> list[City]:
    """Cities from sources/cities.yaml; any registry city it does not list drops into inbox/<code>."""
    configured: dict[str, dict] = {}
    if settings.cities_yaml.exists():
        text = settings.cities_yaml.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # libyaml: faster
        configured = {str(c["code"]): c for c in doc.get("cities", [])}
    parks = load_parks(settings)
    names = dict(zip(parks.city_code, parks.city_name))
    cities = []
    for code in sorted(set(names) | set(configured)):
        conf = configured.get(code, {})
        drop = conf.get("drop") or str(settings.inbox_dir / code)
        if "://" not in drop and not Path(drop).is_absolute():
            drop = str(settings.workdir / drop)
        cities.append(
            City(code=code, name=conf.get("name", names.get(code, code)), drop_url=drop, contact_email=conf.get("email"))
        )
    return cities


def city_names(settings: Settings) -> dict[str, str]:
    return {c.code: c.name for c in load_cities(settings)}
