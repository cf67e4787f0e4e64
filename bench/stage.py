"""One pipeline stage on its own, in this process, on the work dir GREENPARK_WORKDIR; prints JSON.

bench/bench.py runs each stage as a separate process and takes its wall time and peak RSS from
the operating system; the figures printed here split a stage's time by step.

    uv run python bench/stage.py pull|parse|validate|intake
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict

from greenpark.pipeline import prefetch, processing
from greenpark.intake import warehouse
from greenpark.intake.archive import pull_all
from greenpark.intake.workbook import parse_workbook
from greenpark.registry import load_cities, load_generated_parks
from greenpark.resources import validator_for
from greenpark.settings import get_settings


def _timed(split: dict[str, float], name: str, fn):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            split[name] += time.perf_counter() - started

    return wrapper


def main(stage: str) -> dict:
    settings = get_settings()
    split: dict[str, float] = defaultdict(float)
    out: dict = {"stage": stage}
    with warehouse.connect(settings.warehouse_path) as con:
        if stage == "pull":
            pulled = pull_all(con, settings.archive_dir, load_cities(settings))
            out["files"] = len(pulled)
            return out
        pending = warehouse.pending_versions(con)
        out["files"] = len(pending)
        if stage == "parse":
            for v in pending.itertuples():
                _timed(split, "parse_s", parse_workbook)(v.archive_path, filename=v.filename, limits=settings.file_limits)
        elif stage == "validate":
            validator = _timed(split, "validator_setup_s", validator_for)(settings)
            statuses = Counter()
            for v in pending.itertuples():
                parsed = _timed(split, "parse_s", parse_workbook)(v.archive_path, filename=v.filename, limits=settings.file_limits)
                findings = _timed(split, "validate_s", validator.validate)(
                    parsed, expected_city=v.city_code, received_at=v.received_at.to_pydatetime())
                statuses[len(findings) == 0] += 1
            out["clean_files"] = statuses[True]
        elif stage == "intake":
            warehouse.replace_generated_registry(con, load_generated_parks(settings))
            validator = _timed(split, "validator_setup_s", validator_for)(settings)
            processing.parse_workbook = _timed(split, "parse_s", processing.parse_workbook)
            validator.check_file = _timed(split, "validate_s", validator.check_file)
            validator.finish = _timed(split, "validate_s", validator.finish)
            processing.write_feedback_documents = _timed(split, "feedback_s", processing.write_feedback_documents)
            processing.write_annotated_copy = _timed(split, "annotated_copy_s", processing.write_annotated_copy)
            processing.record_outcome = _timed(split, "load_s", processing.record_outcome)
            # As in `greenpark run`: a helper process prepares versions ahead, in run order (its
            # share is not in parse_s / validate_s, which time this process only, including the
            # versions this process prepares while it waits for the helper).
            with prefetch.prefetching(pending, settings, validator) as helper:
                statuses = Counter(processing.process_version(con, validator, settings, v, prefetch.take(v["version_id"])).status
                                   for _, v in pending.iterrows())
            out["statuses"] = dict(sorted(statuses.items()))
            out["prepared_by_helper"] = helper.by_helper if helper else 0
            out["prepared_while_waiting"] = helper.by_runs_waiting if helper else 0
        else:
            raise SystemExit(f"unknown stage {stage}")
    out.update({k: round(v, 3) for k, v in sorted(split.items())})
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
