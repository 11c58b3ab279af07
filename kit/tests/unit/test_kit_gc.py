"""A service process collects cycles seldom (issue #10): a full collection walks every live object, and
validating large aggregates set one off every few reads (risk file reads p99 181 ms → 60 ms)."""

from __future__ import annotations

import gc

from anju_kit.service import GC_THRESHOLDS, tune_gc


def test_issue10_a_service_process_collects_cycles_seldom_and_not_what_start_up_built() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[0] > before[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
