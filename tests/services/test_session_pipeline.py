"""The session under the faults of issue 11 (session side) and the order pipeline of issue 10.

- ``sys.exit()`` (any BaseException) in a user's callback or a listener is logged
  with its traceback and delivery goes on: later pushes arrive, a drop still
  reconnects.
- ``stop_reconnect()`` returns at once from a slow attempt; the attempt's trader is
  stopped when it returns and nothing connects afterwards.
- A fill during the resync leaves what a listener shows equal to the counter.
- Orders and cancels go out with the ``*_async`` calls on lanes of their own: a
  cancel completes while an order's answer is held; the held order is
  unconfirmed (待确认), never failed, and its late answer settles it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from xtquant import xtconstant

from app.models import records
from app.services.backends import make_trader_factory
from app.services.session import (
    ConnectionStatus,
    NotConnectedError,
    OrderUnconfirmed,
    SessionState,
    TradingSession,
)
from tests.services.conftest import ACCOUNT_ID, TIMEOUT, Recorder


def ask(counter: Any, code: str = "600036.SH") -> float:
    return counter.market.quote(code).ask_price[0]


def resting_price(counter: Any, code: str = "600036.SH") -> float:
    return counter.market.quote(code).down_limit


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def wrapping_factory(
    sim_config: Any, wrap: Callable[[Any], None], backend: str = "sim"
) -> Callable[[str, int], Any]:
    base = make_trader_factory(backend, sim_config)

    def factory(path: str, session_id: int) -> Any:
        trader = base(path, session_id)
        wrap(trader)
        return trader

    return factory


@pytest.fixture
def session(counter: Any, sim_folder: str, recorder: Recorder) -> Iterator[TradingSession]:
    trading = TradingSession("sim")
    trading.add_listener(recorder)
    assert trading.connect(sim_folder, ACCOUNT_ID, reconnect_interval=0.02)
    yield trading
    trading.disconnect()


# ------------------------------------------------------------------ item 4: callbacks


def test_system_exit_in_a_user_callback_never_ends_delivery(
    session: TradingSession, counter: Any, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    class Exits:
        def on_stock_order(self, order: Any) -> None:
            calls.append("order")
            raise SystemExit(0)

    def exiting_listener(event: Any) -> None:
        if isinstance(event, records.Trade):
            raise SystemExit("listener quits")

    session.add_xt_callback(Exits())
    session.add_listener(exiting_listener)
    first = session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    recorder.wait_for(lambda e: isinstance(e, records.Trade) and e.order_id == first)
    # Delivery goes on: a later order's pushes arrive, a drop still reconnects.
    second = session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    recorder.wait_for(lambda e: isinstance(e, records.Trade) and e.order_id == second)
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(
        lambda e: isinstance(e, ConnectionStatus) and e.state is SessionState.CONNECTED,
        after=mark,
    )
    assert session.connected and calls
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is SystemExit]
    assert any("Exits.on_stock_order" in r.getMessage() for r in logged)
    assert any("exiting_listener" in r.getMessage() for r in logged)


# ------------------------------------------------------------------ item 5: stop_reconnect


def test_stop_reconnect_during_a_slow_attempt_returns_at_once_and_nothing_connects(
    counter: Any, sim_folder: str, sim_config: Any, recorder: Recorder
) -> None:
    slow = threading.Event()  # set: connect() of new traders blocks until released
    release = threading.Event()
    in_attempt = threading.Event()
    traders: list[Any] = []

    def wrap(trader: Any) -> None:
        connect = trader.connect

        def slow_connect() -> int:
            if slow.is_set():
                in_attempt.set()
                release.wait(TIMEOUT)
            return connect()

        trader.connect = slow_connect
        traders.append(trader)

    session = TradingSession("sim", trader_factory=wrapping_factory(sim_config, wrap))
    session.add_listener(recorder)
    try:
        assert session.connect(sim_folder, ACCOUNT_ID, reconnect_interval=0.01)
        slow.set()
        counter.faults.drop_connections()
        assert in_attempt.wait(TIMEOUT)  # an attempt is under way, stuck in connect()

        started = time.monotonic()
        session.stop_reconnect()
        elapsed = time.monotonic() - started
        assert elapsed < 0.1, f"stop_reconnect took {elapsed * 1000:.0f} ms"
        assert session.state is SessionState.DISCONNECTED
        mark = recorder.mark()

        release.set()  # the attempt returns: its trader is stopped, never installed
        attempt_trader = traders[-1]
        wait_until(lambda: attempt_trader._channel is None)
        wait_until(lambda: not [t for t in threading.enumerate()
                                if t.name == "qmtdesk-reconnect" and t.is_alive()])
        assert session.state is SessionState.DISCONNECTED and session.trader is None
        assert not any(
            isinstance(e, ConnectionStatus) and e.state is not SessionState.DISCONNECTED
            for e in recorder.events[mark:]
        )
    finally:
        release.set()
        session.disconnect()


# ------------------------------------------------------------------ item 6: resync race


def test_a_fill_during_the_resync_leaves_the_listener_equal_to_the_counter(
    counter: Any, sim_folder: str, sim_config: Any, recorder: Recorder
) -> None:
    """The asset is queried first; a fill then pushes a newer asset before the snapshot is
    published. Applied in order (a snapshot replaces, a push updates), the listener must
    end with the counter's asset, not the snapshot's older one."""
    fill_now = threading.Event()

    def wrap(trader: Any) -> None:
        query_positions = trader.query_stock_positions

        def positions_after_a_fill(account: Any) -> Any:
            if fill_now.is_set():
                fill_now.clear()
                mark = recorder.mark()
                order_id = counter.place_order(
                    ACCOUNT_ID, "600036.SH", xtconstant.STOCK_BUY, 100, xtconstant.FIX_PRICE,
                    ask(counter),
                )
                # the fill's asset push reaches the listeners during the resync
                recorder.wait_for(
                    lambda e: isinstance(e, records.Trade) and e.order_id == order_id,
                    after=mark,
                )
            return query_positions(account)

        trader.query_stock_positions = positions_after_a_fill

    session = TradingSession("sim", trader_factory=wrapping_factory(sim_config, wrap))
    session.add_listener(recorder)
    try:
        assert session.connect(sim_folder, ACCOUNT_ID)
        mark = recorder.mark()
        fill_now.set()
        snapshot = session.resync()
        assert snapshot.seq > 0
        shown: dict[str, Any] = {}
        for event in recorder.events[mark:]:
            if isinstance(event, records.AccountSnapshot):
                shown["asset"] = event.asset
            elif isinstance(event, records.Asset):
                shown["asset"] = event
        truth = session.query_asset()
        assert (shown["asset"].cash, shown["asset"].frozen_cash) == (truth.cash, truth.frozen_cash)
        assert shown["asset"].cash != snapshot.asset.cash  # the snapshot alone was older
    finally:
        session.disconnect()


# ------------------------------------------------------------------ the pipeline (issue 10)


class AnswerHold:
    """Withholds ``on_order_stock_async_response`` while active (a counter that does not
    answer an order request); ``release()`` delivers what was held."""

    def __init__(self) -> None:
        self.active = False
        self.held: list[Callable[[], None]] = []
        self.lock = threading.Lock()

    def wrap(self, trader: Any) -> None:
        register = trader.register_callback
        hold = self

        class Holding:
            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def __getattr__(self, name: str) -> Any:
                return getattr(self.inner, name)

            def on_order_stock_async_response(self, response: Any) -> None:
                with hold.lock:
                    if hold.active:
                        hold.held.append(
                            lambda: self.inner.on_order_stock_async_response(response)
                        )
                        return
                self.inner.on_order_stock_async_response(response)

        trader.register_callback = lambda cb: register(Holding(cb))

    def release(self) -> None:
        with self.lock:
            self.active = False
            held, self.held = self.held, []
        for deliver in held:
            deliver()


@pytest.mark.parametrize("backend", ["sim", "sim-vendor"])
def test_a_cancel_is_answered_while_an_order_answer_is_held(
    counter: Any, sim_folder: str, sim_config: Any, backend: str
) -> None:
    """With the simulator's trader and with xtquant's own XtQuantTrader over the stand-in."""
    hold = AnswerHold()
    session = TradingSession(
        backend, trader_factory=wrapping_factory(sim_config, hold.wrap, backend),
        answer_timeout=0.2,
    )
    try:
        assert session.connect(sim_folder, ACCOUNT_ID)
        resting = session.place_order("000001", "buy", 100, xtconstant.FIX_PRICE,
                                      resting_price(counter, "000001.SZ"))
        hold.active = True
        held = session.send_order("600036", "buy", 100, xtconstant.FIX_PRICE,
                                  resting_price(counter))
        wait_until(lambda: len(hold.held) == 1)
        started = time.monotonic()
        result = session.cancel_order(resting)
        cancel_s = time.monotonic() - started
        assert result.success, result.message
        assert cancel_s < TIMEOUT and not held.done()  # it did not wait behind the order
        # A refresh does not wait behind it either.
        assert session.submit(session.query_asset).result(TIMEOUT).account_id == ACCOUNT_ID
        # The blocking API says 待确认, never "failed", and sends nothing again.
        before = len(counter.query_orders(ACCOUNT_ID))
        with pytest.raises(OrderUnconfirmed, match="待确认"):
            session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, resting_price(counter))
        assert len(counter.query_orders(ACCOUNT_ID)) == before + 1  # that one, once
        hold.release()
        order_id = held.result(TIMEOUT)
        assert order_id > 0
        assert [o.order_id for o in counter.query_orders(ACCOUNT_ID)].count(order_id) == 1
    finally:
        hold.release()
        session.disconnect()


def test_an_answer_that_overtakes_its_send_is_not_lost(
    counter: Any, sim_folder: str, sim_config: Any
) -> None:
    """The answer is delivered (on the trader's thread) before order_stock_async returns."""

    def wrap(trader: Any) -> None:
        send = trader.order_stock_async

        def slow_return(*args: Any, **kwargs: Any) -> int:
            seq = send(*args, **kwargs)
            time.sleep(0.05)  # the callback thread answers meanwhile
            return seq

        trader.order_stock_async = slow_return

    session = TradingSession("sim", trader_factory=wrapping_factory(sim_config, wrap))
    try:
        assert session.connect(sim_folder, ACCOUNT_ID)
        order_id = session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
        assert order_id > 0
    finally:
        session.disconnect()


def test_an_order_sent_during_a_drop_says_the_connection_is_lost(
    session: TradingSession, counter: Any, recorder: Recorder
) -> None:
    session.stop_reconnect()
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(
        lambda e: isinstance(e, ConnectionStatus) and e.state is SessionState.DISCONNECTED,
        after=mark,
    )
    # Refused at once, before anything is sent: no wait for an on_order_error that
    # never comes, and the message says what happened.
    future = session.send_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    assert future.done()
    with pytest.raises(NotConnectedError, match="未连接到 MiniQMT"):
        future.result(0)
