"""Timers and metrics through the harness: runs under both harnesses, unchanged."""

import asyncio
import os

import pytest
from siphon_testing import HarnessError, HttpTestHarness

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "timers_app.py")


@pytest.fixture
def h():
    harness = HttpTestHarness()
    harness.load_script(APP)
    yield harness
    harness.close()


def test_jobs_are_listed_and_run_when_asked(h):
    assert h.timers == {"sweep": (30, 1), "fails": (60, 0)}
    h.run_timer("sweep")
    h.run_timer("sweep")
    assert asyncio.run(h.cache.fetch("jobs", "sweeps")) == 2
    with pytest.raises(HarnessError, match="sweep broke"):
        h.run_timer("fails")
    with pytest.raises(HarnessError, match="nope"):
        h.run_timer("nope")


def test_a_one_shot_timer_fires_when_asked(h):
    assert h.request("POST", "/arm/r1", body=b"12345").status == 202
    assert h.armed_timers == {"r1": 5000}
    assert h.request("GET", "/state/r1").body == b"None"
    h.fire_timer("r1")
    assert h.armed_timers == {}
    assert h.request("GET", "/state/r1").body == b"sent"
    with pytest.raises(HarnessError, match="r1"):
        h.fire_timer("r1")


def test_metrics_read_back(h):
    h.request("POST", "/arm/a", body=b"x" * 50)
    h.request("POST", "/arm/b", body=b"")
    h.request("GET", "/state/a")
    assert h.metrics.value("app_hits", route="arm") == 2.0
    assert h.metrics.value("app_hits_total", route="state") == 1.0
    assert h.metrics.value("app_hits", route="never") == 0.0
    assert h.metrics.value("app_depth") == 7.0
    assert h.metrics.count("app_sizes") == 2
    assert h.metrics.sum("app_sizes") == 50.0
    assert {"app_hits", "app_depth", "app_sizes"} <= set(h.metrics.names())
