"""The order pipeline through the real window: a hung order request blocks no cancel.

The counter's answer to one order request is held back (as a broker that does
not answer would): its ``on_order_stock_async_response`` and its order pushes
wait until the test releases them. Meanwhile the trader cancels another
resting order from its 撤单 button and sees 已撤; the held order shows as
待确认 (sent, outcome unknown), never as failed, then its real state once the
answer comes; the counter got it exactly once.

Until the counter's own ``fault hold-orders N`` is merged, the hold is a trader
wrapper on the simulator (the answer really is withheld from the session).

And a fill during 刷新 (after the asset was queried, before the snapshot is
published) leaves 资金 and 成交 equal to the counter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from app.models.rules import round_to_tick
from app.services.backends import make_trader_factory
from app.services.session import TradingSession
from app.services.sim import SimConfig
from tests.views.conftest import ACCOUNT, WAIT_MS, connect
from tests.views.test_terminal_window import _status_of, _submit_and_wait, _type_ticket


class AnswerHold:
    """Withholds the answers (and order pushes) of order requests made while active."""

    def __init__(self) -> None:
        self.active = False
        self.held_ids: set[int] = set()
        self._held: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def hold_answer(self, order_id: int, deliver: Callable[[], None]) -> bool:
        with self._lock:
            if not self.active:
                return False
            self.held_ids.add(order_id)
            self._held.append(deliver)
            return True

    def hold_push(self, order_id: int, deliver: Callable[[], None]) -> bool:
        with self._lock:
            if not self.active or order_id not in self.held_ids:
                return False
            self._held.append(deliver)
            return True

    @property
    def answers_held(self) -> int:
        with self._lock:
            return len(self.held_ids) if self.active else 0

    def release(self) -> None:
        """Deliver what was held, in order, from another thread (as the trader's thread)."""
        with self._lock:
            self.active = False
            held, self._held = self._held, []
        thread = threading.Thread(target=lambda: [deliver() for deliver in held])
        thread.start()
        thread.join()


class _HoldingCallback:
    def __init__(self, inner: Any, hold: AnswerHold) -> None:
        self._inner = inner
        self._hold = hold

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def on_order_stock_async_response(self, response: Any) -> None:
        deliver = lambda: self._inner.on_order_stock_async_response(response)  # noqa: E731
        if not self._hold.hold_answer(response.order_id, deliver):
            deliver()

    def on_stock_order(self, order: Any) -> None:
        deliver = lambda: self._inner.on_stock_order(order)  # noqa: E731
        if not self._hold.hold_push(order.order_id, deliver):
            deliver()


def holding_factory(hold: AnswerHold, config: SimConfig):
    base = make_trader_factory("sim", config)

    def factory(path: str, session_id: int) -> Any:
        trader = base(path, session_id)
        register = trader.register_callback
        trader.register_callback = lambda cb: register(_HoldingCallback(cb, hold))
        return trader

    return factory


@pytest.fixture
def hold() -> AnswerHold:
    return AnswerHold()


@pytest.fixture
def held_window(qtbot, window, terminal, hold):
    config = SimConfig(auto_run=False)
    terminal.sessions["sim"] = TradingSession(
        "sim", sim_config=config, trader_factory=holding_factory(hold, config)
    )
    terminal.vm.runner.unconfirmed_after = 0.3  # 待确认 soon (the app's default is 3 s)
    connect(qtbot, window, terminal)
    return window


def test_a_cancel_goes_out_while_an_order_answer_is_held(
    qtbot, held_window, terminal, counter, hold
):
    window = held_window
    status = terminal.vm.status
    table = window.entrust_table
    bid = terminal.market.quote("000001.SZ").bid_price[0]
    resting_price = round_to_tick("000001.SZ", bid * 0.97)

    # A resting order to cancel later.
    _type_ticket(qtbot, window, "000001", resting_price, 1000)
    resting = _submit_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: table.cancel_button_center(resting) is not None, timeout=WAIT_MS)

    # The next order's answer does not come.
    hold.active = True
    _type_ticket(qtbot, window, "000001", resting_price, 300)
    before = {o.order_id for o in counter.query_orders(ACCOUNT)}
    qtbot.mouseClick(window.findChild(QPushButton, "ticketBuy"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: hold.answers_held == 1, timeout=WAIT_MS)
    (held_id,) = hold.held_ids
    # Sent, outcome unknown: 待确认, not failed.
    qtbot.waitUntil(lambda: status.message.startswith("委托待确认"), timeout=WAIT_MS)
    assert status.message_level == "warning"
    assert terminal.vm.runner.unconfirmed_ops()

    # The other order is cancelled from its row while the answer is still held.
    pos = table.cancel_button_center(resting)
    started = time.perf_counter()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: _status_of(window, resting) == "已撤", timeout=WAIT_MS)
    cancel_ms = (time.perf_counter() - started) * 1000
    assert hold.answers_held == 1  # the cancel did not wait for the held answer
    print(f"撤单 -> 已撤 while an order answer is held: {cancel_ms:.1f} ms")

    # The answer comes: the held order shows its real state, the status bar says so.
    hold.release()
    qtbot.waitUntil(lambda: _status_of(window, held_id) == "已报", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: status.message == f"委托已发送，委托号 {held_id}", timeout=WAIT_MS)
    assert not terminal.vm.runner.unconfirmed_ops()
    # The counter received it exactly once (nothing re-sent).
    new = [o for o in counter.query_orders(ACCOUNT) if o.order_id not in before]
    assert [(o.order_id, o.order_volume) for o in new] == [(held_id, 300)]


def test_a_fill_during_refresh_leaves_the_tables_equal_to_the_counter(
    qtbot, window, terminal, counter
):
    """刷新 queries the asset first; a buy fills before the snapshot is published. The
    balance and trade tables must end equal to the counter, not to the older snapshot."""
    config = SimConfig(auto_run=False)
    base = make_trader_factory("sim", config)
    fill_during_query = threading.Event()
    filled: list[int] = []

    def factory(path: str, session_id: int) -> Any:
        trader = base(path, session_id)
        query_positions = trader.query_stock_positions

        def positions(account: Any) -> Any:
            if fill_during_query.is_set():
                fill_during_query.clear()
                ask = counter.market.quote("600036.SH").ask_price[0]
                filled.append(counter.place_order(ACCOUNT, "600036.SH", 23, 100, 11, ask))
                done = threading.Event()
                terminal.session.add_listener(
                    lambda e: type(e).__name__ == "Asset" and done.set())
                done.wait(WAIT_MS / 1000)  # its pushes reached the session first
            return query_positions(account)

        trader.query_stock_positions = positions
        return trader

    terminal.sessions["sim"] = TradingSession("sim", sim_config=config, trader_factory=factory)
    connect(qtbot, window, terminal)
    fill_during_query.set()
    with qtbot.waitSignal(terminal.vm.refreshed, timeout=WAIT_MS):
        terminal.refresh()
    assert filled
    vm = terminal.vm
    truth = counter.query_asset(ACCOUNT)
    qtbot.waitUntil(lambda: vm.balance_model.asset().cash == truth.cash, timeout=WAIT_MS)
    shown = vm.balance_model.asset()
    assert (shown.cash, shown.frozen_cash) == (truth.cash, truth.frozen_cash)
    assert vm.trade_model.rowCount() == len(counter.query_trades(ACCOUNT))
