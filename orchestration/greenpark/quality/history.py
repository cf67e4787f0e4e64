"""Earlier accepted park-quarter rows of a city, for the cross-file rules (scale slips, 环比, 累计)."""

from __future__ import annotations

import pandas as pd

from ..submission import contract


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def load_history(con, city_code: str, year: int, quarter: int) -> pd.DataFrame:
    """In-force `raw_park_quarter` rows of the city for every quarter of `year` (the submitted
    quarter included: a resubmission is compared with the version it would replace) and the
    quarter immediately before (Q4 of the previous year for a Q1 file).

    Columns: year, quarter, version_id, source_row and every park_quarter contract column. An
    empty frame with those columns when the warehouse tables do not exist yet.
    """
    columns = ["year", "quarter", "version_id", "source_row"] + [c.name for c in contract.PARK_QUARTER.columns]
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {"raw_park_quarter", "submission_versions"} <= tables:
        return pd.DataFrame(columns=columns)
    py, pq = previous_quarter(year, quarter)
    select = ", ".join(f"r.{c}" for c in columns)
    sql = f"""
        SELECT {select}
        FROM raw_park_quarter r
        JOIN submission_versions v ON v.version_id = r.version_id
        WHERE v.in_force AND r.city_code = ?
          AND (r.year = ? OR (r.year = ? AND r.quarter = ?))
        ORDER BY r.year, r.quarter, r.park_code, r.source_row
    """
    return con.execute(sql, [city_code, year, py, pq]).df()[columns]
