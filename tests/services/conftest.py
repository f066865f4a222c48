"""Shared fixtures for the broker-session tests (tests/services).

- ``sim_folder``: a simulated counter's folder under ``tmp_path`` whose name has
  a space and Chinese characters (real users' paths do).
- ``counter``: the counter on that folder, ``auto_run=False`` (prices move and
  resting orders match only on ``counter.advance()``), closed afterwards.
- ``no_leaked_threads``: fails the test when a thread it started is still
  alive at the end (after giving threads a moment to finish joining).
- ``Recorder``: a session listener that keeps every event and lets a test
  wait on a condition (no sleeps).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ACCOUNT_ID = "1234567890"
TIMEOUT = 5.0

# The seed documentation's return examples (../shared/reference/easytrader-miniqmt.md),
# verbatim: the contract every seed dict is checked against.
SEED_POSITION: dict[str, Any] = {
    "security": "162411",
    "stock_code": "162411.SZ",
    "volume": 100,
    "can_use_volume": 100,
    "open_price": 0.618,
    "market_value": 63.8,
    "frozen_volume": 0,
    "on_road_volume": 0,
    "yesterday_volume": 100,
    "avg_price": 0.618,
    "direction": 48,
    "account_type": 2,
    "account_id": "1111111111",
}
SEED_ENTRUST: dict[str, Any] = {
    "security": "162411",
    "stock_code": "162411.SZ",
    "order_id": 3456,
    "order_sysid": "1111",
    "order_time": 1634278451,
    "order_type": 23,
    "order_type_name": "买入",
    "order_volume": 100,
    "price_type": 50,
    "price_type_name": "限价",
    "price": 0.62,
    "traded_volume": 100,
    "traded_price": 0.613,
    "order_status": 56,
    "order_status_name": "已成",
    "status_msg": "",
    "offset_flag": 48,
    "offset_flag_name": "买入",
    "strategy_name": "",
    "order_remark": "",
    "direction": 48,
    "direction_name": "多",
    "account_type": 2,
    "account_id": "1111111111",
}
SEED_TRADE: dict[str, Any] = {
    "security": "162411",
    "stock_code": "162411.SZ",
    "traded_id": "0303222200422222",
    "traded_time": 1634278451,
    "traded_price": 0.613,
    "traded_volume": 100,
    "traded_amount": 61.3,
    "order_id": 1111,
    "order_type": 23,
    "order_type_name": "买入",
    "offset_flag": 48,
    "offset_flag_name": "买入",
    "account_id": "1111111111",
    "account_type": 2,
    "order_sysid": "1111",
    "strategy_name": "",
    "order_remark": "",
}


@pytest.fixture
def sim_folder(tmp_path: Path) -> str:
    """A fresh counter folder (with a space and Chinese characters in its name)."""
    folder = tmp_path / "模拟 柜台" / "userdata_mini"
    return str(folder)


@pytest.fixture
def sim_config() -> Any:
    """The simulator's defaults, with the market stepped by hand."""
    from app.services.sim.config import SimConfig

    return SimConfig(auto_run=False)


@pytest.fixture
def counter(sim_folder: str, sim_config: Any) -> Iterator[Any]:
    """The simulated counter of ``sim_folder`` (opened before the test's threads are counted)."""
    from app.services.sim.counter import SimCounter

    opened = SimCounter.open(sim_folder, sim_config)
    yield opened
    opened.close()


def _live_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive()}


@pytest.fixture
def no_leaked_threads(counter: Any) -> Iterator[None]:
    """Assert that every thread started during the test has ended by its end."""
    before = _live_threads()
    yield
    deadline = time.monotonic() + TIMEOUT
    leaked = _live_threads() - before
    for thread in leaked:
        thread.join(max(0.0, deadline - time.monotonic()))
    leaked = {t for t in _live_threads() - before if t.is_alive()}
    assert not leaked, f"threads still alive: {sorted(t.name for t in leaked)}"


class Recorder:
    """A listener that records events and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._changed = threading.Condition()

    def __call__(self, event: Any) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of(self, kind: type) -> list[Any]:
        """Recorded events of one type, in arrival order."""
        with self._changed:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(
        self, predicate: Callable[[Any], bool], *, after: int = 0, timeout: float = TIMEOUT
    ) -> Any:
        """The first event (from index ``after`` on) that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching event within {timeout} s; got {self.events[after:]!r}"
                    )
                self._changed.wait(left)

    def mark(self) -> int:
        """The index of the next event (pass as ``after=``)."""
        with self._changed:
            return len(self.events)


@pytest.fixture
def recorder() -> Recorder:
    """A fresh `Recorder`."""
    return Recorder()
