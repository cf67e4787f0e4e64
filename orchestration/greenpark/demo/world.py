"""The synthetic province behind the demo files: parks, their enterprises, and every reported value.

Each park has a fixed profile (scale, 亩均 output, energy and water intensity, fuel mix, emission
rates) drawn once from the seed; each quarter's figures are the profile times a mild seasonality, a
trend and small noise. Values are built to satisfy every contract rule and to give indicators near
the baseline/leading values of indicators.md. Nothing reads the clock: a (seed, city, year,
quarter) always gives the same frames, whichever other files are generated alongside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..submission import contract
from .. import uscc
from ..registry import REGISTRY_COLUMNS
from ..settings import REPO_ROOT
from .industries import INDUSTRY_CLASSES, energy_factor

SIZES = ("demo", "province", "national")
PROVINCE_PARKS = 130
PROVINCE_ENTERPRISES = 55_000
NATIONAL_PARKS = 2_500
NATIONAL_ENTERPRISES = 500_000
NATIONAL_CITIES = 100
DEMO_ENTERPRISES_PER_PARK = (35, 66)  # uniform integer range
FIRST_GENERATED_SEQ = 51  # generated parks are numbered NNNN-51 upward (README, Registry)
TREND_BASE_YEAR = 2021  # the targets' base year: trends are counted from here
# Performance parameters sit at GRADE_FLOOR + GRADE_SPAN × quality (± GRADE_NOISE / 2) of their
# worst→best range; tuned so that with the demo's indicator catalogue about one park in six scores
# ≥ 80, most 60–80 and a few below 60.
GRADE_FLOOR, GRADE_SPAN, GRADE_NOISE = 0.485, 0.225, 0.30
AUDIT_COMPLETE_ABOVE = 0.50  # graded audit progress above which every key enterprise is audited (B4)
PLANTED_ACCIDENT_YEAR = 2025

# Quarter factors for flows: a Spring Festival dip in Q1, a year-end push in Q4; mean 1.
SEASONALITY = np.array([0.96, 1.00, 1.00, 1.04])
NOISE = 0.01  # ± relative noise per quarter and variable; keeps quarter-on-quarter moves well inside ±15 %

# Energy carriers, so a target tce splits into quantities: contract column → carrier of the
# energy_factors seed (the one home of the coefficients). The order is fixed: it orders the draws.
CARRIER_OF_COLUMN = {
    "electricity": "electricity",
    "raw_coal": "raw_coal",
    "natural_gas": "natural_gas",
    "fuel_oil": "fuel_oil",
    "diesel": "diesel",
    "gasoline": "gasoline",
    "lpg": "lpg",
    "purchased_heat": "heat",
}
_FACTORS = pd.read_csv(REPO_ROOT / "dbt_project" / "seeds" / "energy_factors.csv").set_index("carrier")
TCE_PER_UNIT = {column: float(_FACTORS.at[carrier, "tce_per_unit"]) for column, carrier in CARRIER_OF_COLUMN.items()}
HEAT_TCE_PER_GJ = TCE_PER_UNIT["purchased_heat"]

# Park-level emission and waste rates per 万元 of value added: (low, high) of a uniform draw.
RATES = {
    "cod": (0.08e-3, 0.6e-3),  # t/万元 (indicator HG01 in kg/万元: 0.1–0.5)
    "nh3n": (0.008e-3, 0.06e-3),
    "so2": (0.06e-3, 0.6e-3),
    "nox": (0.08e-3, 0.6e-3),
    "vocs": (0.1e-3, 0.8e-3),
    "pm": (0.05e-3, 0.4e-3),
    "solid_waste": (0.025, 0.12),
    "hazardous_waste": (0.002, 0.012),
}

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check
_DISTRICTS = ("02", "03", "04", "05", "06", "08", "09", "10", "21", "22", "81", "82")


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-digit organisation code body (digits only here)."""
    c = 11 - sum(int(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(area6: str, org_body: str) -> str:
    """A GB 32100-2015 code for a company (登记管理部门 9, 类别 1) in the given 行政区划."""
    first17 = "91" + area6 + org_body + org_code_check(org_body)
    return first17 + uscc.check_char(first17)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing to `total`, proportional to weights (largest remainder)."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    rest = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


@dataclass
class World:
    """Everything static: the park list, park profiles, the enterprise panel."""

    seed: int
    size: str
    parks: pd.DataFrame  # REGISTRY_COLUMNS + is_generated, one row per park, sorted by park_code
    profile: pd.DataFrame  # one row per park (same order), numeric profile parameters
    enterprises: pd.DataFrame  # one row per enterprise, sorted by park_code then serial

    @property
    def cities(self) -> pd.DataFrame:
        return self.parks[["city_code", "city_name"]].drop_duplicates().sort_values("city_code").reset_index(drop=True)

    @property
    def generated_parks(self) -> pd.DataFrame:
        return self.parks.loc[self.parks.is_generated, REGISTRY_COLUMNS].reset_index(drop=True)

    def city(self, city_code: str) -> CityWorld:
        mask = (self.parks.city_code == city_code).to_numpy()
        codes = set(self.parks.park_code[mask])
        return CityWorld(
            seed=self.seed,
            city_code=city_code,
            city_name=str(self.parks.city_name[mask].iloc[0]),
            parks=self.parks[mask].reset_index(drop=True),
            profile=self.profile[mask].reset_index(drop=True),
            enterprises=self.enterprises[self.enterprises.park_code.isin(codes)].reset_index(drop=True),
        )


def build_world(size: str, registry: pd.DataFrame, seed: int) -> World:
    """Parks (registry plus generated ones for the bigger sizes), profiles and enterprises."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    real = registry[REGISTRY_COLUMNS].copy()
    real["is_generated"] = False
    parks = real
    # Generated park names are numbered across the whole set: 示例园区01 … (province), 示例园区0001 … (national).
    width = 4 if size == "national" else 2
    if size in ("province", "national"):
        parks = pd.concat([parks, _province_parks(real, width)], ignore_index=True)
    if size == "national":
        parks = pd.concat([parks, _national_parks(parks, seed, width)], ignore_index=True)
    parks = parks.sort_values("park_code").reset_index(drop=True)
    profile = _profiles(parks, seed)
    if size == "demo":
        lo, hi = DEMO_ENTERPRISES_PER_PARK
        counts = _rng(seed, 2).integers(lo, hi, len(parks))
    else:
        total = PROVINCE_ENTERPRISES if size == "province" else NATIONAL_ENTERPRISES
        counts = _allocate(total, profile.annual_va.to_numpy() ** 0.7)
    profile["n_enterprises"] = counts
    return World(seed=seed, size=size, parks=parks, profile=profile, enterprises=_enterprises(parks, profile, seed))


def _generated(city_code: str, city_name: str, first_seq: int, count: int, name_no: int, width: int) -> list[dict]:
    return [
        {
            "park_code": f"{city_code[:4]}-{first_seq + i:02d}",
            "park_name": f"示例园区{name_no + i:0{width}d}",
            "city_code": city_code,
            "city_name": city_name,
            "level": "省级",
            "park_type": "经济开发区",
            "is_generated": True,
        }
        for i in range(count)
    ]


def _province_parks(real: pd.DataFrame, width: int) -> pd.DataFrame:
    """Generated parks bringing Zhejiang to 130, spread over the cities by their real park counts."""
    per_city = real.groupby("city_code").size().sort_index()
    extra = _allocate(PROVINCE_PARKS - len(real), per_city.to_numpy() + 2.0)
    names = dict(zip(real.city_code, real.city_name))
    rows, name_no = [], 1
    for city, n in zip(per_city.index, extra):
        rows += _generated(city, names[city], FIRST_GENERATED_SEQ, int(n), name_no, width)
        name_no += int(n)
    return pd.DataFrame(rows)


def _national_parks(province: pd.DataFrame, seed: int, width: int) -> pd.DataFrame:
    """示例城市NN (codes 90NN00, outside any real province) with the parks still needed for 2,500."""
    n_cities = NATIONAL_CITIES - province.city_code.nunique()
    weights = _rng(seed, 3).uniform(0.5, 1.5, n_cities)
    counts = _allocate(NATIONAL_PARKS - len(province), weights)
    # Generated parks number upward from -51, so no city can hold more than 49 of them.
    assert counts.max() <= 99 - FIRST_GENERATED_SEQ + 1
    name_no = int(province.is_generated.sum()) + 1
    rows = []
    for i, n in enumerate(counts, start=1):
        rows += _generated(f"90{i:02d}00", f"示例城市{i:02d}", FIRST_GENERATED_SEQ, int(n), name_no, width)
        name_no += int(n)
    return pd.DataFrame(rows)


def _profiles(parks: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = _rng(seed, 1)
    n = len(parks)
    national = (parks.level == "国家级").to_numpy()
    # How green a park is, evenly spread over (0, 1) whatever the seed: the performance parameters
    # below lean on it, so the demo shows leaders, the middle and laggards instead of every park
    # averaging out near the middle.
    quality = (rng.permutation(n) + 0.5) / n

    def u(lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, n)

    def graded(worst: float, best: float) -> np.ndarray:
        """Between the worst and best value of the range: mostly by quality, partly at random."""
        at = GRADE_FLOOR + GRADE_SPAN * quality + GRADE_NOISE * (rng.random(n) - 0.5)
        return worst + (best - worst) * np.clip(at, 0.0, 1.0)

    land = np.where(national, u(6_000, 18_000), u(2_000, 8_000))  # 亩 of industrial land
    p = {
        "quality": quality,
        "land_mu": np.round(land, 1),
        "annual_va": land * graded(90, 330),  # 万元 of value added per 亩 per year
        "va_rate": u(0.20, 0.30),  # value added / gross output
        "tax_rate": graded(0.14, 0.24),
        "hightech_share": graded(0.30, 0.78),
        "green_share": graded(0.06, 0.32),
        "va_per_employee": graded(18, 55),  # 万元 per person per year
        "growth": u(0.00, 0.08),  # per year
        "improvement": u(0.00, 0.05),  # yearly decline of intensities
        "energy_intensity": graded(0.55, 0.15),  # tce/万元
        "renewable_share": graded(0.02, 0.25),
        "waste_heat_share": graded(0.01, 0.12),  # of energy_tce
        "water_intensity": graded(10.5, 3.5),  # m³/万元
        "reuse_rate": graded(0.80, 0.965),
        "wastewater_ratio": u(0.55, 0.85),
        "reclaim_rate": graded(0.04, 0.35),
        "solid_util": graded(0.86, 0.995),
        "hazardous_treated": graded(0.95, 1.0),
        "enterprise_share": u(0.55, 0.85),  # share of park value added reported by listed enterprises
    }
    for col, (lo, hi) in RATES.items():
        p[f"rate_{col}"] = graded(hi, lo)
    # Fuel mix as shares of energy_tce; coal in about half of the parks, more often in the laggards.
    mix = np.column_stack(
        [
            u(0.30, 0.50),  # electricity (当量值, so a modest share of tce is a lot of kWh)
            np.where(rng.random(n) < 1 - quality, u(0.05, 0.25), 0.0),  # raw coal
            u(0.08, 0.25),  # natural gas
            u(0.0, 0.02),  # fuel oil
            u(0.005, 0.03),  # diesel
            u(0.002, 0.01),  # gasoline
            u(0.0, 0.01),  # LPG
            u(0.03, 0.15),  # purchased heat
        ]
    )
    mix /= mix.sum(axis=1, keepdims=True)
    for j, carrier in enumerate(TCE_PER_UNIT):
        p[f"mix_{carrier}"] = mix[:, j]
    # Annual-sheet profile.
    p["area_ha"] = np.round(land / 15 / u(0.40, 0.65), 1)
    p["green_ratio"] = graded(0.12, 0.32)
    p["pv_density"] = graded(0.4, 5.0)  # MW per km²
    p["green_building_share"] = graded(0.30, 1.0)
    p["buses"] = rng.integers(10, 200, n)
    p["nev_share"] = graded(0.40, 0.95)
    p["key_share"] = u(0.20, 0.45)
    p["diagnosed_share"] = graded(0.40, 1.0)
    p["audited_share"] = np.where(graded(0.0, 1.0) > AUDIT_COMPLETE_ABOVE, 1.0, u(0.60, 0.98))
    p["plan_year"] = np.round(graded(2015.5, 2023.4)).astype(int)
    p["retrofit_u"] = rng.random(n)
    for col in _BOOL_PROB:
        p[f"u_{col}"] = graded(1.0, 0.0)  # below the facility's share: the park has it
    # Planted failures of a 必要条件, so the 达标 list shows that a high score is not enough: the
    # second-best park has a 重大安全事故 in PLANTED_ACCIDENT_YEAR, the third-best has not audited
    # every key enterprise (B4).
    by_quality = np.argsort(-quality, kind="stable")
    p["accident_year"] = np.zeros(n, dtype=int)
    p["accident_year"][by_quality[1]] = PLANTED_ACCIDENT_YEAR
    p["audited_share"][by_quality[2]] = 0.80  # still short of 100 % after the yearly progress
    return pd.DataFrame(p)


# Share of parks with the facility in the trend base year; each later year adds 5 points.
_BOOL_PROB = {
    "has_wastewater_plant": 0.90,
    "zero_discharge_zone": 0.75,
    "energy_monitoring_platform": 0.70,
    "environment_monitoring_platform": 0.75,
    "air_monitoring": 0.90,
    "soil_monitoring": 0.55,
    "groundwater_monitoring": 0.45,
    "has_standard_system": 0.45,
    "publishes_annual_report": 0.55,
    "lan_publishing": 0.50,
}

_CLASSES = np.array(sorted(INDUSTRY_CLASSES))
_DIVISIONS = np.array(sorted({c[:2] for c in _CLASSES}))


def _enterprises(parks: pd.DataFrame, profile: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The enterprise panel: stable identity, industry and shares; quarterly values derive from it."""
    counts = profile.n_enterprises.to_numpy()
    total = int(counts.sum())
    rng = _rng(seed, 4)
    park_idx = np.repeat(np.arange(len(parks)), counts)
    # Each park leans on four divisions (70 % of its enterprises), the rest spread over all classes.
    leading = np.array([rng.choice(_DIVISIONS, 4, replace=False) for _ in range(len(parks))])
    lead_div = leading[park_idx, rng.integers(0, 4, total)]
    by_div = {d: _CLASSES[[c.startswith(d) for c in _CLASSES]] for d in _DIVISIONS}
    lead_class = np.empty(total, dtype=_CLASSES.dtype)
    for d in _DIVISIONS:
        mask = lead_div == d
        lead_class[mask] = rng.choice(by_div[d], int(mask.sum()))
    any_class = rng.choice(_CLASSES, total)
    industry = np.where(rng.random(total) < 0.7, lead_class, any_class)
    weight = rng.lognormal(0.0, 1.0, total)
    # Normalise weights within each park so they sum to 1: enterprise value added = share × park total.
    weight_sum = np.bincount(park_idx, weight)
    share = weight / weight_sum[park_idx]
    efac = np.array([energy_factor(c) for c in industry]) * rng.lognormal(0.0, 0.3, total)
    efac /= (np.bincount(park_idx, share * efac))[park_idx]  # share-weighted mean 1 per park
    pfac = rng.lognormal(0.0, 0.4, total)
    pfac /= (np.bincount(park_idx, share * pfac))[park_idx]
    tfac = rng.uniform(0.4, 1.6, total)
    tfac /= (np.bincount(park_idx, share * tfac))[park_idx]
    # Land: most enterprises hold ≥ 3 亩 (the 亩均 threshold); a few small ones rent less.
    land_w = share**0.8 * rng.lognormal(0.0, 0.3, total)
    land_w /= np.bincount(park_idx, land_w)[park_idx]
    land_frac = rng.uniform(0.6, 0.85, len(parks))[park_idx]
    land = profile.land_mu.to_numpy()[park_idx] * land_frac * land_w
    small = rng.random(total) < 0.05
    land = np.where(small, rng.uniform(0.5, 2.9, total), np.maximum(land, rng.uniform(3.0, 8.0, total)))
    # Identity: a serial number → unique organisation code → valid USCC in the city's districts.
    serial = np.arange(total)
    offset = int(rng.integers(10_000_000, 40_000_000))
    bodies = (serial * 7919 + offset) % 100_000_000
    districts = rng.choice(np.array(_DISTRICTS), total)
    city4 = parks.city_code.str[:4].to_numpy()[park_idx]
    width = max(4, len(str(total)))
    codes = [make_uscc(c4 + d, f"{b:08d}") for c4, d, b in zip(city4, districts, bodies)]
    return pd.DataFrame(
        {
            "uscc": codes,
            "enterprise_name": [f"示例企业{i + 1:0{width}d}有限公司" for i in serial],
            "park_code": parks.park_code.to_numpy()[park_idx],
            "park_pos": park_idx,
            "industry_code": industry,
            "share": share,
            "energy_factor": efac,
            "pollution_factor": pfac,
            "tax_factor": tfac,
            "revenue_ratio": 1 / rng.uniform(0.18, 0.35, total),
            "rd_rate": rng.uniform(0.005, 0.06, total),
            "va_per_employee": rng.uniform(12, 60, total),
            "land_mu": np.round(land, 2),
        }
    )


@dataclass
class CityWorld:
    """One city's slice of the world; values are computed on numpy arrays (pandas per-column
    overhead would dominate at ~10 parks a city) and become a frame only at the end."""

    seed: int
    city_code: str
    city_name: str
    parks: pd.DataFrame
    profile: pd.DataFrame
    enterprises: pd.DataFrame

    def __post_init__(self) -> None:
        self._p = {c: self.profile[c].to_numpy() for c in self.profile.columns}
        self._e = {c: self.enterprises[c].to_numpy() for c in self.enterprises.columns}
        # Position of each enterprise's park within this city's (sorted) parks.
        self._e_park = np.searchsorted(self.parks.park_code.to_numpy(), self._e["park_code"])

    def _noise(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(1 - NOISE, 1 + NOISE, n)

    def park_quarter(self, year: int, quarter: int) -> pd.DataFrame:
        """园区季度指标: 当季 flows and quarter-end stocks for every park of the city."""
        p = self._p
        n = len(self.parks)
        rng = _rng(self.seed, 10, int(self.city_code), year, quarter)
        t = (year - TREND_BASE_YEAR) + (quarter - 1) / 4  # years since the base year
        va = p["annual_va"] / 4 * SEASONALITY[quarter - 1] * (1 + p["growth"]) ** t * self._noise(rng, n)
        better = (1 - p["improvement"]) ** t
        gross = va / p["va_rate"]
        tce = va * p["energy_intensity"] * better
        out = {
            "park_code": self.parks.park_code.to_numpy(),
            "park_name": self.parks.park_name.to_numpy(),
            "gross_output": gross,
            "value_added": va,
            "tax": va * p["tax_rate"] * self._noise(rng, n),
            "hightech_output": gross * p["hightech_share"] * self._noise(rng, n),
            "green_output": gross * p["green_share"] * self._noise(rng, n),
            "land_mu": p["land_mu"],
            "employees": p["annual_va"] * (1 + p["growth"]) ** t / p["va_per_employee"] * self._noise(rng, n),
        }
        for carrier, per_unit in TCE_PER_UNIT.items():
            out[carrier] = tce * p[f"mix_{carrier}"] / per_unit * self._noise(rng, n)
        out["renewable_electricity"] = out["electricity"] * p["renewable_share"]
        out["waste_heat_recovered"] = tce * p["waste_heat_share"] / HEAT_TCE_PER_GJ
        fresh = va * p["water_intensity"] * better / 1e4 * self._noise(rng, n)
        wastewater = fresh * p["wastewater_ratio"]
        out.update(
            fresh_water=fresh,
            reused_water=fresh * p["reuse_rate"] / (1 - p["reuse_rate"]),
            reclaimed_water=wastewater * p["reclaim_rate"] / (1 - p["reclaim_rate"]),
            wastewater=wastewater,
        )
        for col in RATES:
            out[col] = va * p[f"rate_{col}"] * better * self._noise(rng, n)
        out["solid_waste_utilised"] = out["solid_waste"] * p["solid_util"]
        out["hazardous_waste_treated"] = out["hazardous_waste"] * p["hazardous_treated"]
        return _frame(contract.PARK_QUARTER, out)

    def park_annual(self, year: int, quarter: int) -> pd.DataFrame:
        """园区年度信息 as known in the given quarter (Q4: the full year; earlier: the year to date)."""
        p = self._p
        n = len(self.parks)
        rng = _rng(self.seed, 11, int(self.city_code), year)
        years_on = max(year - TREND_BASE_YEAR, 0)
        new_building = rng.uniform(2, 40, n) * quarter / 4
        key = np.maximum(np.round(p["n_enterprises"] * p["key_share"]), 3)
        out = {
            "park_code": self.parks.park_code.to_numpy(),
            "area_ha": p["area_ha"],
            "green_area_ha": p["area_ha"] * np.minimum(p["green_ratio"] + 0.005 * years_on, 0.45),
            "pv_capacity_mw": p["area_ha"] / 100 * p["pv_density"] * 1.12**years_on,
            "new_building_area": new_building,
            "green_building_area": new_building * np.minimum(p["green_building_share"] + 0.05 * years_on, 1.0),
            "buses": p["buses"],
            "nev_buses": np.floor(p["buses"] * np.minimum(p["nev_share"] + 0.05 * years_on, 1.0)),
            "key_enterprises": key,
            "energy_diagnosed": np.floor(key * np.minimum(p["diagnosed_share"] + 0.05 * years_on, 1.0)),
            "clean_production_audited": np.floor(key * np.minimum(p["audited_share"] + 0.03 * years_on, 1.0)),
        }
        for col, prob in _BOOL_PROB.items():
            out[col] = p[f"u_{col}"] < prob + 0.05 * years_on
        # A plan dated after the reporting year cannot exist yet: the previous five-year plan stands.
        out["plan_year"] = np.where(p["plan_year"] <= year, p["plan_year"], p["plan_year"] - 5)
        done, started = 0.35 + 0.08 * years_on, 0.90 + 0.03 * years_on
        out["retrofit_status"] = np.where(
            p["retrofit_u"] < done, "已完成", np.where(p["retrofit_u"] < started, "实施中", "未开展")
        )
        # Rare random events among the parks outside the leading quarter, plus the planted accident.
        exposed = p["quality"] < 0.75
        out["major_accidents"] = (rng.random(n) < 0.015) & exposed | (p["accident_year"] == year)
        out["pollution_incidents"] = (rng.random(n) < 0.02) & exposed
        return _frame(contract.PARK_ANNUAL, out)

    def enterprise_quarter(self, year: int, quarter: int, park_quarter: pd.DataFrame) -> pd.DataFrame:
        """企业季度数据: the panel's enterprises, their value added a share of their park's."""
        e, at = self._e, self._e_park
        n = len(at)
        rng = _rng(self.seed, 12, int(self.city_code), year, quarter)
        park_va = park_quarter.value_added.to_numpy()
        park_tce = sum(park_quarter[c].to_numpy() * k for c, k in TCE_PER_UNIT.items())
        park_pollution = sum(park_quarter[c].to_numpy() for c in ("cod", "nh3n", "so2", "nox"))
        va = park_va[at] * self._p["enterprise_share"][at] * e["share"] * self._noise(rng, n)
        revenue = va * e["revenue_ratio"]
        annual_va = va * 4 / SEASONALITY[quarter - 1]
        out = {
            "uscc": e["uscc"],
            "enterprise_name": e["enterprise_name"],
            "park_code": e["park_code"],
            "industry_code": e["industry_code"],
            "value_added": va,
            "tax": va * self._p["tax_rate"][at] * e["tax_factor"],
            "revenue": revenue,
            "rd_expense": revenue * e["rd_rate"],
            "land_mu": e["land_mu"],
            "energy_tce": va * (park_tce / park_va)[at] * e["energy_factor"] * self._noise(rng, n),
            "pollutant_emissions": va * (park_pollution / park_va)[at] * e["pollution_factor"],
            "employees": np.maximum(annual_va / e["va_per_employee"], 5),
        }
        return _frame(contract.ENTERPRISE_QUARTER, out)


def _frame(sheet: contract.Sheet, values: dict[str, np.ndarray]) -> pd.DataFrame:
    """The sheet's columns in contract order: two decimals for measures, whole numbers for counts."""
    out = {}
    for col in sheet.columns:
        v = values[col.name]
        if col.kind == contract.NUMBER:
            v = np.round(v.astype(float), 2)
        elif col.kind in (contract.INTEGER, contract.YEAR):
            v = np.round(v).astype("int64")
        out[col.name] = v
    return pd.DataFrame(out)
