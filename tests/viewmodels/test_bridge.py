"""GuiBridge: worker-thread events and calls arrive on the GUI thread in ordered, bounded batches,
woken by the first event after idle, with nothing firing while idle."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtCore import QObject, QThread, Slot

from app.models.quote import Quote
from app.models.records import Asset, CancelError, Order, OrderError, Position, Trade
from app.services.session import ConnectionStatus, SessionState
from app.viewmodels.bridge import GuiBridge


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(qapp):
    """Drop each test's bridges here, not in a later test's worker thread."""
    yield
    gc.collect()


class Receiver(QObject):
    """Records what each signal delivered, and on which thread."""

    def __init__(self, bridge: GuiBridge) -> None:
        super().__init__()
        self.batches: list[list] = []
        self.orders: list = []
        self.trades: list = []
        self.positions: list = []
        self.assets: list = []
        self.statuses: list = []
        self.order_errors: list = []
        self.cancel_errors: list = []
        self.quotes: list[list] = []
        self.threads: set = set()
        bridge.eventsBatch.connect(self.on_batch)
        bridge.ordersChanged.connect(self.on_orders)
        bridge.tradesChanged.connect(self.on_trades)
        bridge.positionsChanged.connect(self.on_positions)
        bridge.assetChanged.connect(self.on_asset)
        bridge.connectionStatusChanged.connect(self.on_status)
        bridge.orderError.connect(self.on_order_error)
        bridge.cancelError.connect(self.on_cancel_error)
        bridge.quotesChanged.connect(self.on_quotes)

    @Slot(list)
    def on_batch(self, events):
        self.threads.add(QThread.currentThread())
        self.batches.append(events)

    @Slot(list)
    def on_orders(self, orders):
        self.orders.extend(orders)

    @Slot(list)
    def on_trades(self, trades):
        self.trades.extend(trades)

    @Slot(list)
    def on_positions(self, positions):
        self.positions.extend(positions)

    @Slot(object)
    def on_asset(self, asset):
        self.assets.append(asset)

    @Slot(object)
    def on_status(self, status):
        self.statuses.append(status)

    @Slot(object)
    def on_order_error(self, error):
        self.order_errors.append(error)

    @Slot(object)
    def on_cancel_error(self, error):
        self.cancel_errors.append(error)

    @Slot(list)
    def on_quotes(self, quotes):
        self.quotes.append(quotes)


class ListenerSession:
    def __init__(self) -> None:
        self.listeners: list = []

    def add_listener(self, fn) -> None:
        self.listeners.append(fn)

    def remove_listener(self, fn) -> None:
        self.listeners.remove(fn)

    def push_from_worker(self, events) -> None:
        def run():
            for e in events:
                for fn in self.listeners:
                    fn(e)

        t = threading.Thread(target=run, name="fake-xt-callback")
        t.start()
        t.join()


def test_attach_registers_one_listener_and_detach_removes_it(qapp):
    session = ListenerSession()
    bridge = GuiBridge(session)
    assert session.listeners == [bridge.enqueue]
    bridge.attach(session)
    assert len(session.listeners) == 1
    bridge.detach()
    assert session.listeners == []


def test_events_from_a_worker_arrive_in_order_in_bounded_batches(qtbot):
    session = ListenerSession()
    bridge = GuiBridge(session, max_batch=1000)
    rx = Receiver(bridge)
    events = [Order(order_id=i, order_status=50) for i in range(1, 5001)]
    session.push_from_worker(events)
    qtbot.waitUntil(lambda: bridge.delivered == 5000, timeout=5000)
    assert rx.orders == events  # nothing lost, nothing reordered
    assert [e for b in rx.batches for e in b] == events
    assert all(len(b) <= 1000 for b in rx.batches)
    assert len(rx.batches) >= 5
    assert rx.threads == {qtbot_thread()}


def qtbot_thread():
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.instance().thread()


def test_each_kind_goes_to_its_signal(qtbot):
    session = ListenerSession()
    bridge = GuiBridge(session)
    rx = Receiver(bridge)
    status = ConnectionStatus(SessionState.CONNECTED, "1")
    events = [
        status,
        Asset(account_id="1", cash=1.0),
        Order(order_id=1),
        Trade(traded_id="a"),
        Position(stock_code="600036.SH"),
        Asset(account_id="1", cash=2.0),
        OrderError(order_id=1, error_msg="x"),
        CancelError(order_id=2, error_msg="y"),
        Quote("600036.SH", last_price=1.0, time=1),
        Quote("600036.SH", last_price=2.0, time=2),
        Quote("000001.SZ", last_price=3.0, time=2),
    ]
    session.push_from_worker(events)
    qtbot.waitUntil(lambda: bridge.delivered == len(events), timeout=5000)
    assert rx.statuses == [status]
    assert [a.cash for a in rx.assets] == [2.0]  # the latest asset of the drain
    assert [o.order_id for o in rx.orders] == [1]
    assert [t.traded_id for t in rx.trades] == ["a"]
    assert len(rx.positions) == 1
    assert [e.error_msg for e in rx.order_errors] == ["x"]
    assert [e.error_msg for e in rx.cancel_errors] == ["y"]
    # quotes coalesce to the latest per code
    assert [(q.stock_code, q.last_price) for q in rx.quotes[0]] == [
        ("600036.SH", 2.0),
        ("000001.SZ", 3.0),
    ]


def test_one_drain_is_bounded(qapp):
    bridge = GuiBridge(autostart=False, max_batch=2000)
    for i in range(10_000):
        bridge.enqueue(Order(order_id=i))
    assert bridge.drain(max_events=2000) == 2000
    assert bridge.pending() == 8000
    assert bridge.drain_all() == 8000
    assert bridge.pending() == 0


def test_unknown_events_are_not_lost(qtbot):
    bridge = GuiBridge()
    seen: list = []
    bridge.otherEvents.connect(seen.extend)
    bridge.enqueue("something else")
    qtbot.waitUntil(lambda: seen == ["something else"], timeout=2000)


def test_a_snapshot_has_its_signal_first_and_supersedes_older_asset_and_positions(qapp):
    from app.models.records import AccountSnapshot

    bridge = GuiBridge(autostart=False)
    receiver = Receiver(bridge)
    order_of_signals: list[str] = []
    snapshots: list = []
    bridge.accountSnapshot.connect(lambda s: (order_of_signals.append("snapshot"),
                                              snapshots.append(s)))
    bridge.positionsChanged.connect(lambda _p: order_of_signals.append("positions"))
    bridge.ordersChanged.connect(lambda _o: order_of_signals.append("orders"))
    sold = Position(stock_code="000001.SZ", volume=100)  # older than the snapshot
    snapshot = AccountSnapshot(Asset(cash=2.0), (Position(stock_code="600036.SH", volume=100),),
                               (Order(order_id=1),), ())
    newer = Position(stock_code="600036.SH", volume=200)
    bridge.enqueue_many([Asset(cash=1.0), sold, Order(order_id=1), snapshot, newer,
                         Order(order_id=2)])
    assert bridge.drain() == 6
    assert snapshots == [snapshot]
    assert order_of_signals == ["snapshot", "positions", "orders"]
    assert receiver.positions == [newer]      # `sold` is superseded by the snapshot
    assert receiver.assets == []              # so is the older asset
    assert [o.order_id for o in receiver.orders] == [1, 2]  # orders merge by their own rule
    assert len(receiver.batches[0]) == 6      # eventsBatch still carries everything


def test_nothing_fires_while_idle_and_the_first_event_wakes_it(qtbot):
    from PySide6.QtCore import QCoreApplication, QTimer

    session = ListenerSession()
    bridge = GuiBridge(session)
    rx = Receiver(bridge)
    assert bridge.findChildren(QTimer) == []  # no polling timer at all
    for _ in range(5):
        QCoreApplication.processEvents()
    assert bridge.wakeups == 0  # idle: nothing ran
    session.push_from_worker([Order(order_id=1)])
    qtbot.waitUntil(lambda: [o.order_id for o in rx.orders] == [1], timeout=2000)
    woken = bridge.wakeups
    assert woken >= 1
    for _ in range(5):
        QCoreApplication.processEvents()
    assert bridge.wakeups == woken  # idle again: nothing more


def test_calls_run_on_the_gui_thread_in_order_with_the_events(qtbot):
    session = ListenerSession()
    bridge = GuiBridge(session)
    seen: list = []
    threads: set = set()
    bridge.ordersChanged.connect(lambda orders: seen.extend(o.order_id for o in orders))

    def call(tag: str) -> None:
        threads.add(QThread.currentThread())
        seen.append(tag)

    def produce() -> None:
        for fn in session.listeners:
            fn(Order(order_id=1))
        bridge.run_on_main(call, "result of 1")
        for fn in session.listeners:
            fn(Order(order_id=2))
        bridge.run_on_main(call, "result of 2")

    worker = threading.Thread(target=produce)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=2000)
    assert seen == [1, "result of 1", 2, "result of 2"]
    assert threads == {qtbot_thread()}


def test_a_call_raising_even_system_exit_is_logged_and_delivery_goes_on(qtbot, caplog):
    bridge = GuiBridge()
    seen: list = []

    def bad() -> None:
        raise SystemExit(3)

    bridge.run_on_main(bad)
    bridge.run_on_main(seen.append, "after")
    qtbot.waitUntil(lambda: seen == ["after"], timeout=2000)
    assert any(r.exc_info and r.exc_info[0] is SystemExit for r in caplog.records)


def test_a_batch_is_bounded_by_time(qapp):
    import time as _time

    bridge = GuiBridge(autostart=False, max_batch_ms=1.0)
    bridge._chunk = 100
    bridge.ordersChanged.connect(lambda orders: _time.sleep(0.002))  # a slow table
    for i in range(2000):
        bridge.enqueue(Order(order_id=i))
    assert bridge.drain() == 100  # one chunk took longer than the bound: the rest waits
    assert bridge.pending() == 1900
