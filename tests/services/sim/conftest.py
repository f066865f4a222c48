"""Fixtures for the simulated counter's tests.

The parent conftest gives ``sim_folder`` (a path with a space and Chinese
characters), ``sim_config`` (``auto_run=False``: the market moves only on
``counter.advance()``), ``counter`` and ``no_leaked_threads``. Here:

- :class:`XtRecorder`: an ``XtQuantTraderCallback``-shaped object that records
  every push with the thread it arrived on and lets a test wait for one
  (conditions with timeouts, never sleeps);
- :class:`Desk`: a started, connected, subscribed ``SimXtQuantTrader`` with its
  recorder and account, plus order helpers and :meth:`Desk.check`, the one
  account-invariant check every test calls after every step;
- ``desk`` / ``open_desk`` fixtures (stopped at the end; no thread may leak).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount

if TYPE_CHECKING:
    from app.services.sim.counter import SimCounter
    from app.services.sim.trader import SimXtQuantTrader

# ``app`` is importable once pytest has set up the test paths, which is after
# this conftest is imported: so app modules are imported where they are used.

SIM_ACCOUNT = "88001234"
WAIT = 5.0

CALLBACK_NAMES = (
    "on_connected",
    "on_disconnected",
    "on_account_status",
    "on_stock_asset",
    "on_stock_order",
    "on_stock_trade",
    "on_stock_position",
    "on_order_error",
    "on_cancel_error",
    "on_order_stock_async_response",
    "on_cancel_order_stock_async_response",
)


class XtRecorder:
    """Records ``(name, payload, thread id)`` for every callback it receives."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any, int]] = []
        self._changed = threading.Condition()
        for name in CALLBACK_NAMES:
            setattr(self, name, self._recorder(name))

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            with self._changed:
                self.events.append((name, args[0] if args else None, threading.get_ident()))
                self._changed.notify_all()

        return record

    def mark(self) -> int:
        """Index of the next event (pass as ``after=``)."""
        with self._changed:
            return len(self.events)

    def wait(
        self,
        name: str,
        predicate: Callable[[Any], bool] = lambda _: True,
        *,
        after: int = 0,
        timeout: float = WAIT,
    ) -> Any:
        """The first ``name`` event from ``after`` on whose payload satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event_name, payload, _ in self.events[after:]:
                    if event_name == name and predicate(payload):
                        return payload
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [
                        (n, getattr(p, "order_status", None) or getattr(p, "error_msg", None))
                        for n, p, _ in self.events[after:]
                    ]
                    raise AssertionError(f"no {name} within {timeout} s; after {after}: {seen}")
                self._changed.wait(left)

    def names(self, after: int = 0) -> list[str]:
        """Callback names received from ``after`` on."""
        with self._changed:
            return [name for name, _, _ in self.events[after:]]

    def payloads(self, name: str, after: int = 0) -> list[Any]:
        """Payloads of one callback from ``after`` on."""
        with self._changed:
            return [p for n, p, _ in self.events[after:] if n == name]

    def thread_ids(self) -> set[int]:
        """Threads the callbacks arrived on."""
        with self._changed:
            return {t for _, _, t in self.events}


@dataclass
class Desk:
    """A trader session on the counter, as a test drives it."""

    counter: SimCounter
    trader: SimXtQuantTrader
    recorder: XtRecorder
    account: StockAccount

    # -- orders --------------------------------------------------------------

    def buy(
        self, code: str, volume: int, price: float = 0.0, price_type: int = xc.FIX_PRICE
    ) -> int:
        """``order_stock`` a buy; asserts an id came back."""
        order_id = self.trader.order_stock(
            self.account, code, xc.STOCK_BUY, volume, price_type, price
        )
        assert order_id > 0
        return order_id

    def sell(
        self, code: str, volume: int, price: float = 0.0, price_type: int = xc.FIX_PRICE
    ) -> int:
        """``order_stock`` a sell; asserts an id came back."""
        order_id = self.trader.order_stock(
            self.account, code, xc.STOCK_SELL, volume, price_type, price
        )
        assert order_id > 0
        return order_id

    def order(self, order_id: int) -> Any:
        """``query_stock_order``."""
        return self.trader.query_stock_order(self.account, order_id)

    def position(self, code: str) -> Any:
        """``query_stock_position``."""
        return self.trader.query_stock_position(self.account, code)

    def asset(self) -> Any:
        """``query_stock_asset``."""
        return self.trader.query_stock_asset(self.account)

    def quote(self, code: str) -> Any:
        """The market's current quote of ``code``."""
        return self.counter.market.quote(code)

    def wait_status(self, order_id: int, *statuses: int, after: int = 0) -> Any:
        """Wait for ``on_stock_order`` of this order in one of ``statuses``."""
        return self.recorder.wait(
            "on_stock_order",
            lambda o: o.order_id == order_id and o.order_status in statuses,
            after=after,
        )

    def drive_down(self, code: str, below: float, steps: int = 1) -> None:
        """Put the last price ten ticks below ``below`` and step, so the asks cross it."""
        from app.models.rules import tick_size

        self._drive(code, below - 10 * float(tick_size(code)), steps)

    def drive_up(self, code: str, above: float, steps: int = 1) -> None:
        """Put the last price ten ticks above ``above`` and step, so the bids cross it."""
        from app.models.rules import tick_size

        self._drive(code, above + 10 * float(tick_size(code)), steps)

    def _drive(self, code: str, price: float, steps: int) -> None:
        from app.models.rules import round_to_tick

        market = self.counter.market
        info = market.instrument(code)
        price = min(max(price, info.down_limit or 0.0), info.up_limit or price)
        market.set_last_price(code, round_to_tick(code, price))
        self.counter.advance(steps)

    # -- the invariant ---------------------------------------------------------

    def check(self) -> None:
        """The account invariants; call after every step of a test."""
        assert_account_invariants(self.counter, self.trader, self.account)


def assert_account_invariants(counter: SimCounter, trader: SimXtQuantTrader, account: Any) -> None:
    """Money is conserved and the books agree with themselves and with the pushes' queries.

    - cash + frozen cash + positions at cost + fees paid - realised profit
      == initial cash + initial holdings at cost;
    - frozen cash == what live buy orders hold; frozen shares == what live
      sell orders still sell; nothing negative (``counter.audit``);
    - asset.total_asset == cash + frozen_cash + market_value, and
      market_value == the positions' market values;
    - every position: 0 <= can_use_volume, frozen_volume <= volume.
    """
    problems = counter.audit(account.account_id)
    assert not problems, problems
    totals = counter.totals(account.account_id)
    assert totals.conserved_value == pytest.approx(totals.opening_value, abs=0.011)
    asset = trader.query_stock_asset(account)
    assert asset is not None
    assert asset.total_asset == pytest.approx(
        asset.cash + asset.frozen_cash + asset.market_value, abs=0.011
    )
    positions = trader.query_stock_positions(account)
    assert asset.market_value == pytest.approx(sum(p.market_value for p in positions), abs=0.05)
    assert asset.cash == pytest.approx(totals.cash) and asset.frozen_cash == pytest.approx(
        totals.frozen_cash
    )
    for p in positions:
        assert p.can_use_volume >= 0 and p.frozen_volume >= 0
        assert p.can_use_volume + p.frozen_volume <= p.volume + 0, vars(p)


@pytest.fixture
def assert_invariants() -> Callable[[Any, Any, Any], None]:
    """:func:`assert_account_invariants`, for tests that build their own counter."""
    return assert_account_invariants


@pytest.fixture
def open_desk(counter: SimCounter, sim_folder: str, no_leaked_threads: None) -> Iterator[Any]:
    """Factory: ``open_desk(account_id=SIM_ACCOUNT, session=...)`` -> a connected :class:`Desk`."""
    from app.services.sim.trader import SimXtQuantTrader

    opened: list[SimXtQuantTrader] = []
    sessions = iter(range(1001, 2000))

    def make(account_id: str = SIM_ACCOUNT, *, subscribe: bool = True) -> Desk:
        recorder = XtRecorder()
        trader = SimXtQuantTrader(sim_folder, next(sessions), recorder)
        trader.start()
        opened.append(trader)
        assert trader.connect() == 0
        account = StockAccount(account_id)
        if subscribe:
            assert trader.subscribe(account) == 0
            recorder.wait("on_account_status", lambda s: s.account_id == account_id)
        return Desk(counter, trader, recorder, account)

    yield make
    for trader in opened:
        trader.stop()


@pytest.fixture
def desk(open_desk: Callable[..., Desk]) -> Desk:
    """A connected, subscribed session on a fresh counter."""
    made = open_desk()
    made.check()
    return made
