"""Who publishes, when, under which licence: the facts every published output carries.

A `Release` is created once per publish that changes something (see `releases`), and is handed to
everything that writes a public artefact — pages, the footer of every page, open-data file names and
datapackage.json — so they all state the same release number and date. Its fields come from the
release registry and from settings (issuer, contact and licence are configurable; the demo marks the
issuer 示例), never from the clock of the build, so rebuilding the same release gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .markup import date_zh


@dataclass(frozen=True)
class Release:
    release_id: str          # "2026.1": year of publication, then the n-th release of that year
    published: dt.date       # the day the release was first published
    issuer: str              # 发布机关, e.g. "浙江省经济和信息化厅（示例）"
    contact: str             # 联系方式 shown on every page
    licence_name: str        # "CC BY 4.0"
    licence_url: str         # "https://creativecommons.org/licenses/by/4.0/"
    demo_data: bool = True   # 示例数据: pages and downloads say so

    @property
    def published_zh(self) -> str:
        """'2026 年 11 月 30 日' — years are never written with a thousands separator."""
        return date_zh(self.published)
