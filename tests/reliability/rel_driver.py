"""A small pipeline driver for fault tests: the same functions the Dagster assets call, no Dagster.

    python tests/reliability/rel_driver.py pull      # pull every drop into the archive
    python tests/reliability/rel_driver.py intake    # pull, then parse/validate/feed back/load pending
    python tests/reliability/rel_driver.py all       # intake, dbt build (seeds included), publish site
    python tests/reliability/rel_driver.py publish   # publish the site from the current marts

Everything reads GREENPARK_WORKDIR. `intake` and `all` hold `warehouse.exclusive_run` for their
whole duration (what `greenpark run` should do too, see the reliability note), so two drivers
started at once take turns. Run with start_new_session so a kill -9 of the group also kills dbt.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from greenpark.intake.archive import pull_all
from greenpark.pipeline.processing import process_version
from greenpark.intake.warehouse import connect, exclusive_run, pending_versions
from greenpark.registry import load_cities
from greenpark.settings import get_settings


def pull(settings) -> int:
    with connect(settings.warehouse_path) as con:
        return sum(p.is_new for p in pull_all(con, settings.archive_dir, load_cities(settings)))


def intake(settings) -> dict[str, str]:
    from greenpark.quality.validation import Validator

    pull(settings)
    validator = Validator(settings)
    outcomes = {}
    with connect(settings.warehouse_path) as con:
        for _, version in pending_versions(con).iterrows():
            outcomes[version["version_id"]] = process_version(con, validator, settings, version).status
    return outcomes


def dbt_build(settings) -> None:
    env = dict(os.environ, GREENPARK_DBT_WAREHOUSE=str(settings.warehouse_path), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    cmd = [str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(settings.dbt_project_dir),
           "--profiles-dir", str(settings.dbt_project_dir), "--target-path", str(settings.dbt_run_target_dir),
           "--log-path", str(settings.workdir / "data" / "dbt_logs"), "-q"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def publish(settings) -> dict:
    from greenpark.publish.site import publish_site

    return publish_site(settings)


def main(step: str) -> None:
    settings = get_settings()
    if step == "pull":
        print("new versions:", pull(settings))
        return
    if step == "publish":
        with exclusive_run(settings.warehouse_path):
            print(publish(settings))
        return
    with exclusive_run(settings.warehouse_path):
        print("processed:", intake(settings))
        if step == "all":
            dbt_build(settings)
            print(publish(settings))


if __name__ == "__main__":
    main(sys.argv[1])
