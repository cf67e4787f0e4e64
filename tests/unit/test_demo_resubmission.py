"""The demo's second round: corrected files replace the rejected ones, one file is revised."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from greenpark.submission import contract
from greenpark.demo.generator import (
    LAND_CORRECTION,
    REVISED_FLOWS,
    REVISION_FACTOR,
    build_demo_world,
    generate,
    resubmit,
    submission_frames,
)
from greenpark.settings import get_settings
from test_demo_roundtrip import assert_sheet_matches, read_sheet

SEED = 31337


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    work = tmp_path_factory.mktemp("demo_resubmission")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GREENPARK_WORKDIR", str(work))
        settings = get_settings()
        first = generate(settings.inbox_dir, size="demo", seed=SEED, settings=settings)
        before = {p.relative_to(settings.inbox_dir).as_posix(): (p.read_bytes(), p.stat().st_mtime)
                  for p in sorted(settings.inbox_dir.rglob("*.*"))}
        second = resubmit(settings.inbox_dir, seed=SEED, settings=settings)
    return settings, first, before, second, build_demo_world("demo", SEED, settings)


def test_every_rejected_file_and_one_revised_file_are_rewritten_in_place(rounds):
    settings, first, before, second, _ = rounds
    inbox = settings.inbox_dir
    error_files = {e["file"] for e in first["injected_errors"] if e["severity"] == "error"}
    assert error_files and {c["path"] for c in second["corrected"]} == error_files
    (revised,) = second["revised"]
    assert revised["path"] not in {e["file"] for e in first["injected_errors"]}
    assert revised["year"] == max(first["years"]) and revised["quarter"] == 4
    (rejected,) = second["rejected"]
    assert second["files"] == sorted(error_files | {revised["path"], rejected["path"]})
    assert second["n_files"] == len(second["files"])
    after = {p.relative_to(inbox).as_posix(): (p.read_bytes(), p.stat().st_mtime) for p in sorted(inbox.rglob("*.*"))}
    assert after.keys() == before.keys() | {rejected["path"]}  # same names, and one new file
    changed = {path for path in before if after[path][0] != before[path][0]}
    assert changed == set(second["files"]) - {rejected["path"]}
    for entry in second["corrected"] + second["revised"]:
        path = entry["path"]
        received = dt.datetime.fromtimestamp(after[path][1], dt.UTC)
        assert received == dt.datetime.fromisoformat(entry["received_at"])
        assert dt.timedelta(days=1) <= received - dt.datetime.fromtimestamp(before[path][1], dt.UTC) <= dt.timedelta(days=7)
    on_file = json.loads((inbox.parent / "demo_resubmission.json").read_text(encoding="utf-8"))
    assert on_file == second


def test_corrected_files_hold_the_honest_values(rounds):
    settings, first, _, second, world = rounds
    for entry in second["corrected"]:
        frames = submission_frames(world.city(entry["city_code"]), entry["year"], entry["quarter"],
                                   next(f for f in first["files"] if f["path"] == entry["path"])["rows"]["park_annual"] > 0)
        for sheet in contract.SHEETS:
            assert_sheet_matches(settings.inbox_dir / entry["path"], sheet, frames[sheet.key], entry["style"])
        for cell in entry["corrected_cells"]:
            assert cell["wrong_value"] != cell["corrected_value"]


def test_revised_file_changes_one_park_as_described_and_stays_honest(rounds):
    settings, _, _, second, world = rounds
    (entry,) = second["revised"]
    honest = submission_frames(world.city(entry["city_code"]), entry["year"], 4, True)[contract.PARK_QUARTER.key]
    read = list(read_sheet(settings.inbox_dir / entry["path"], contract.PARK_QUARTER).values())
    assert len(read) == len(honest)
    changes = {c["column"]: c for c in entry["changes"]}
    assert set(changes) == {*REVISED_FLOWS, "land_mu"}
    for row, (_, want) in zip(read, honest.iterrows()):
        for col in contract.PARK_QUARTER.columns:
            if row["park_code"] == entry["park_code"] and col.name in changes:
                factor = LAND_CORRECTION if col.name == "land_mu" else REVISION_FACTOR
                assert changes[col.name]["old_value"] == pytest.approx(want[col.name])
                assert row[col.name] == pytest.approx(want[col.name] * factor, abs=0.01)
                assert row[col.name] == changes[col.name]["new_value"]
            else:
                expected = want[col.name]
                assert row[col.name] == (float(expected) if col.kind in (contract.NUMBER, contract.INTEGER) else expected)
    park = next(r for r in read if r["park_code"] == entry["park_code"])
    # Still within every contract relation.
    assert park["value_added"] <= park["gross_output"] and park["renewable_electricity"] <= park["electricity"]
    assert park["land_mu"] > 0


def test_resubmit_refuses_an_inbox_of_another_seed(rounds, tmp_path):
    settings = rounds[0]
    with pytest.raises(ValueError):
        resubmit(settings.inbox_dir, seed=SEED + 1, settings=settings)
    with pytest.raises(FileNotFoundError):
        resubmit(tmp_path / "inbox", seed=SEED, settings=settings)


def test_a_new_file_of_the_next_year_arrives_with_an_error_and_stays_rejected(rounds):
    """Calibration: after the second round one city-quarter is still rejected (the console's
    "退回" cell); it is a quarter the demo has no other data for, so nothing else changes."""
    settings, first, _, second, _ = rounds
    (rejected,) = second["rejected"]
    group_a = next(e["city_code"] for e in first["injected_errors"] if e["rule"] == "negative")
    assert (rejected["city_code"], rejected["year"], rejected["quarter"]) == (group_a, max(first["years"]) + 1, 1)
    assert [(e["rule"], e["severity"]) for e in rejected["injected"]] == [("negative", "error")]
    assert rejected["path"] not in {c["path"] for c in second["corrected"]}
    assert (settings.inbox_dir / rejected["path"]).exists()
