"""Runs the catalogue's GX suites on pandas frames; GX is imported and set up once per process.

`import great_expectations` alone takes ~10 s here, so it happens lazily, on the first
expectation that needs GX, and the ephemeral context, the pandas data source, one dataframe asset per suite
and one validation definition per expectation are created once and reused for every file.

GX's cost is per expectation (~10-40 ms each, whatever the frame size: building its metric graph
dominates), which made GX most of the time of a clean file. So the pass/fail question is first
asked of pandas, vectorised, once per sheet (`may_fail`): a screen written to err on the side of
"may fail" (it ignores nulls only where GX does, and flags anything it cannot evaluate). Only the
expectations it flags go to GX, each through its own one-expectation validation definition with
the COMPLETE result format, and GX alone decides which rows fail. An expectation GX would fail is
always flagged, so the findings are exactly those of running every expectation through GX; a
clean sheet costs a few vectorised comparisons and no GX call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..settings import telemetry_off

RESULT_FORMAT_ROWS = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]}
RESULT_FORMAT_CELLS = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row", "column"]}


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
        self._suites = suites
        self._single: dict[tuple[str, tuple[str, str]], Any] | None = None  # built on first GX call

    def _definitions(self) -> dict[tuple[str, tuple[str, str]], Any]:
        """(suite, expectation key) → its one-expectation validation definition. GX is imported
        here, the first time a sheet needs it: a process that only sees clean files never pays it."""
        if self._single is not None:
            return self._single
        telemetry_off()  # before GX loads, at call time (never at import): no usage statistics
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = self._context.data_sources.add_pandas("greenpark_submission")
        single = {}

        def define(name: str, batch, exps: list[dict]):
            objs = [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e["meta"]).to_domain_obj() for e in exps]
            suite = self._context.suites.add(gx.ExpectationSuite(name=name, expectations=objs))
            return self._context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))

        for name, spec in self._suites.items():
            batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("whole_sheet")
            for i, exp in enumerate(spec["expectations"]):
                key = expectation_key(exp["meta"]["rule_id"], exp["kwargs"])
                single[(name, key)] = define(f"{name}#{i}", batch, [exp])
        self._single = single
        return single

    def flagged(self, suite: str, frame: pd.DataFrame, parameters: dict[str, Any]) -> list[dict]:
        """The suite's expectations the pandas screen cannot clear on this frame."""
        return [e for e in self._suites[suite]["expectations"] if may_fail(e, frame, parameters)]

    def run(
        self, suite: str, frame: pd.DataFrame, parameters: dict[str, Any], expectations: Iterable[dict] | None = None
    ) -> list[Failure]:
        """Failing rows of the suite on `frame`, from GX. `expectations`: the ones to hand to GX,
        if the caller has screened already (default: those `flagged` on this frame)."""
        cells = "column" in frame.columns and suite.endswith(".cells")
        todo = self.flagged(suite, frame, parameters) if expectations is None else list(expectations)
        if not todo:
            return []
        batch = {"dataframe": frame}
        failures: list[Failure] = []
        for exp in todo:
            key = expectation_key(exp["meta"]["rule_id"], exp["kwargs"])
            detail = self._definitions()[(suite, key)].run(
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


# --- the pandas screen -----------------------------------------------------------------------
def _param(value, parameters: dict[str, Any]):
    return parameters[value["$PARAMETER"]] if isinstance(value, dict) and "$PARAMETER" in value else value


def _screen_column(exp_type: str, kw: dict, col: pd.Series, parameters: dict[str, Any]) -> bool:
    """True when some value might be unexpected. GX's column map metrics skip null values."""
    if exp_type == "expect_column_values_to_not_be_null":
        return bool(col.isna().any())
    values = col[col.notna()]
    if values.empty:
        return False
    if exp_type == "expect_column_values_to_be_in_set":
        value_set = _param(kw["value_set"], parameters)
        return value_set is not None and not bool(values.isin(list(value_set)).all())
    if exp_type == "expect_column_values_to_match_regex":
        pattern = re.compile(kw["regex"])
        return not all(pattern.search(str(v)) for v in values)
    if exp_type == "expect_column_values_to_be_unique":
        return bool(col.duplicated(keep=False).any())  # nulls included: only ever flags more
    if exp_type == "expect_column_values_to_be_between":
        lo, hi = _param(kw.get("min_value"), parameters), _param(kw.get("max_value"), parameters)
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any():
            return True  # not a number: let GX judge
        ok = pd.Series(True, index=numbers.index)
        if lo is not None:
            ok &= numbers > lo if kw.get("strict_min") else numbers >= lo
        if hi is not None:
            ok &= numbers < hi if kw.get("strict_max") else numbers <= hi
        return not bool(ok.all())
    return True


def may_fail(exp: dict, frame: pd.DataFrame, parameters: dict[str, Any]) -> bool:
    """Whether GX could find an unexpected value for this expectation on this frame.

    Never False when GX would fail: every branch computes GX's own condition (or a looser one),
    and anything unexpected (an unknown type, a missing column, a comparison that raises) is
    True, so that GX runs and reports or raises exactly as it would have."""
    kw, exp_type = exp["kwargs"], exp["type"]
    try:
        if exp_type == "expect_compound_columns_to_be_unique":
            return bool(frame[list(kw["column_list"])].duplicated(keep=False).any())
        if exp_type == "expect_column_pair_values_a_to_be_greater_than_b":
            if kw.get("ignore_row_if") != "either_value_is_missing":
                return True
            a, b = frame[kw["column_A"]], frame[kw["column_B"]]
            both = a.notna() & b.notna()
            ok = a[both] >= b[both] if kw.get("or_equal") else a[both] > b[both]
            return not bool(ok.all())
        if set(kw) - {"column", "value_set", "regex", "min_value", "max_value", "strict_min", "strict_max"}:
            return True  # an argument this screen does not model (mostly, row conditions …)
        return _screen_column(exp_type, kw, frame[kw["column"]], parameters)
    except Exception:
        return True
