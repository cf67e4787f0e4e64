"""Which dropped files are new or changed since the last look: shared by the sensor and `greenpark watch`."""

from __future__ import annotations

from ..registry import City
from .archive import DroppedFile, list_drop


def scan_drops(cities: list[City], seen: dict[str, str]) -> tuple[list[DroppedFile], dict[str, str]]:
    """Files whose (size, mtime, change marker) differ from `seen`, and the new cursor (url →
    fingerprint). Size and mtime alone miss a file copied over with both preserved."""
    changed, current = [], {}
    for city in cities:
        for dropped in list_drop(city):
            fingerprint = f"{dropped.size}:{dropped.mtime}:{dropped.change_marker}"
            current[dropped.url] = fingerprint
            if seen.get(dropped.url) != fingerprint:
                changed.append(dropped)
    return changed, current
