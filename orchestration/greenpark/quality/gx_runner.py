"""Runs the catalogue's GX suites on pandas frames; GX is imported and set up once per process.

`import great_expectations` alone takes ~10 s here, so it happens lazily, on the first
`GxRunner()`, and the ephemeral context, the pandas data source, one dataframe asset per suite,
the suites and their validation definitions are created once and reused for every file.

GX's cost is per expectation (~10 ms each, whatever the frame size) and about doubles when it
collects failing rows. So each suite first runs with BOOLEAN_ONLY; only the expectations that
failed are re-run, each through its own one-expectation validation definition, with the COMPLETE
result format that lists the offending rows. A clean sheet pays the cheap pass only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Before GX loads: no usage statistics (no network at run time).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

RESULT_FORMAT_ROWS = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]}
RESULT_FORMAT_CELLS = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row", "column"]}
RESULT_FORMAT_PASS = {"result_format": "BOOLEAN_ONLY"}


def expectation_key(rule_id: str, kwargs: dict) -> tuple[str, str]:
    """Identifies an expectation within a suite: its rule and the column it reports."""
    return rule_id, str(kwargs.get("column") or kwargs.get("column_B") or "")


@dataclass(frozen=True)
class Failure:
    """One unexpected value: which rule, which Excel row, which contract column (cells frames)."""

    rule_id: str
    source_row: int
    column: str | None


class GxRunner:
    def __init__(self, suites: dict[str, dict]):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = self._context.data_sources.add_pandas("greenpark_submission")
        self._definitions: dict[str, Any] = {}
        self._single: dict[tuple[str, tuple[str, str]], Any] = {}  # (suite, expectation key) → definition

        def define(name: str, batch, exps: list[dict]):
            objs = [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e["meta"]).to_domain_obj() for e in exps]
            suite = self._context.suites.add(gx.ExpectationSuite(name=name, expectations=objs))
            return self._context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))

        for name, spec in suites.items():
            batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("whole_sheet")
            self._definitions[name] = define(name, batch, spec["expectations"])
            for i, exp in enumerate(spec["expectations"]):
                key = expectation_key(exp["meta"]["rule_id"], exp["kwargs"])
                self._single[(name, key)] = define(f"{name}#{i}", batch, [exp])

    @property
    def suite_names(self) -> list[str]:
        return sorted(self._definitions)

    def run(self, suite: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> list[Failure]:
        cells = "column" in frame.columns and suite.endswith(".cells")
        batch = {"dataframe": frame}
        first = self._definitions[suite].run(
            batch_parameters=batch, expectation_parameters=parameters, result_format=RESULT_FORMAT_PASS
        )
        failures: list[Failure] = []
        for failed in (r for r in first.results if not r.success):
            _raise_if_broken(failed)
            config = failed.expectation_config
            key = expectation_key(config.meta["rule_id"], config.kwargs)
            detail = self._single[(suite, key)].run(
                batch_parameters=batch,
                expectation_parameters=parameters,
                result_format=RESULT_FORMAT_CELLS if cells else RESULT_FORMAT_ROWS,
            )
            for res in detail.results:
                _raise_if_broken(res)
                for idx in res.result.get("unexpected_index_list") or []:
                    failures.append(Failure(key[0], int(idx["source_row"]), idx.get("column") if cells else None))
        self._forget_results()
        return failures

    def _forget_results(self) -> None:
        """The ephemeral context keeps every validation result in memory; a long-running process
        (the Dagster code server) validating files all year must not grow with them."""
        store = self._context.validation_results_store
        for key in store.list_keys():
            store.remove_key(key)


def _raise_if_broken(res) -> None:
    """An expectation GX could not evaluate (e.g. a missing column) is a bug, not a finding."""
    if res.exception_info and res.exception_info.get("raised_exception"):
        rule_id = res.expectation_config.meta.get("rule_id")
        raise RuntimeError(f"GX could not evaluate rule {rule_id}: {res.exception_info['exception_message']}")
