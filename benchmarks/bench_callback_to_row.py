"""Callback-to-row latency and GUI stalls of the session bridge + entrust table.

What is measured (offscreen, no widget needed):

1. Sustained load: a plain ``threading.Thread`` (standing in for xtquant's /
   the simulator's callback thread) calls ``GuiBridge.enqueue`` with
   ``Order`` records at ``--rate`` events/s for ``--seconds`` s (each order goes
   未报 -> 已报 -> 部成 -> 已成, so rows are inserted and updated in place). For
   every event: the time from just before ``enqueue`` on the worker to just
   after ``EntrustTableModel.apply_batch`` updated its row on the GUI thread.
   Prints p50 / p90 / p99 / max.
2. Burst: 100,000 events enqueued as fast as the worker can; prints the time
   until the last row is updated and the longest the GUI thread went without
   serving its event loop (a 1 ms precise timer's largest gap).
3. For comparison, the same burst with one queued signal and one model update
   per event (the design's "naive" path), unless ``--no-naive``.

Run: ``QT_QPA_PLATFORM=offscreen uv run python benchmarks/bench_callback_to_row.py``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication

from app.models.records import Order
from app.viewmodels.bridge import GuiBridge
from app.viewmodels.entrust_table_model import EntrustTableModel

STATUSES = (48, 50, 55, 56)


def order_event(seq: int) -> Order:
    """The seq-th event: order seq // 4 at its (seq % 4)-th status."""
    order_id, step = divmod(seq, len(STATUSES))
    status = STATUSES[step]
    traded = {55: 50, 56: 100}.get(status, 0)
    return Order(account_id="bench", stock_code="600036.SH", order_id=order_id + 1,
                 order_time=1_700_000_000 + seq, order_type=23 if order_id % 2 else 24,
                 order_volume=100, price_type=50, price=40.0 + (order_id % 50) / 100,
                 traded_volume=traded, traded_price=40.0 if traded else 0.0,
                 order_status=status)


class StallMonitor(QObject):
    """Largest gap between ticks of a 1 ms precise timer on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.tick)
        self.last = 0.0
        self.max_gap = 0.0
        self.gaps: list[float] = []

    def start(self) -> None:
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.gaps = []
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @Slot()
    def tick(self) -> None:
        now = time.perf_counter()
        gap = now - self.last
        self.gaps.append(gap)
        self.max_gap = max(self.max_gap, gap)
        self.last = now


class RowProbe(QObject):
    """Connected after the model: when it runs, the rows of the batch are updated."""

    def __init__(self, stamps: dict[int, float]) -> None:
        super().__init__()
        self.stamps = stamps
        self.latencies: list[float] = []
        self.applied = 0

    @Slot(list)
    def on_orders(self, orders: list) -> None:
        now = time.perf_counter()
        stamps = self.stamps
        for o in orders:
            self.latencies.append(now - stamps[o.order_time])
        self.applied += len(orders)


def wait_until(app, predicate, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    return True


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_bridge(app, n: int, rate: float | None) -> dict:
    """Send n events through bridge -> model; rate None = as fast as possible."""
    bridge = GuiBridge()
    model = EntrustTableModel()
    stamps: dict[int, float] = {}
    probe = RowProbe(stamps)
    bridge.ordersChanged.connect(model.apply_batch)
    bridge.ordersChanged.connect(probe.on_orders)
    monitor = StallMonitor()
    events = [order_event(i) for i in range(n)]
    keys = [1_700_000_000 + i for i in range(n)]

    def produce() -> None:
        start = time.perf_counter()
        for i, event in enumerate(events):
            if rate is not None:
                due = start + i / rate
                while True:
                    wait = due - time.perf_counter()
                    if wait <= 0:
                        break
                    time.sleep(min(wait, 0.0005) if wait > 0.0002 else 0)
            stamps[keys[i]] = time.perf_counter()
            bridge.enqueue(event)

    monitor.start()
    t0 = time.perf_counter()
    worker = threading.Thread(target=produce, name="xt-callback-standin")
    worker.start()
    ok = wait_until(app, lambda: probe.applied >= n, timeout=120)
    elapsed = time.perf_counter() - t0
    worker.join()
    monitor.stop()
    assert ok, f"only {probe.applied} of {n} events reached the model"
    assert model.rowCount() == (n + len(STATUSES) - 1) // len(STATUSES)
    assert all(o.order_status == 56 for o in model.records()[:-1])
    bridge.stop()
    return {"latencies": probe.latencies, "elapsed": elapsed, "max_gap": monitor.max_gap,
            "gap_p99": percentile(monitor.gaps, 99) if monitor.gaps else 0.0,
            "rows": model.rowCount()}


class NaiveEmitter(QObject):
    event = Signal(object)


class NaiveReceiver(QObject):
    def __init__(self, model: EntrustTableModel) -> None:
        super().__init__()
        self.model = model
        self.count = 0

    @Slot(object)
    def on_event(self, event) -> None:
        self.model.apply_batch([event])
        self.count += 1


def run_naive(app, n: int) -> dict:
    model = EntrustTableModel()
    emitter = NaiveEmitter()
    receiver = NaiveReceiver(model)
    emitter.event.connect(receiver.on_event, Qt.ConnectionType.QueuedConnection)
    monitor = StallMonitor()
    events = [order_event(i) for i in range(n)]

    def produce() -> None:
        for e in events:
            emitter.event.emit(e)

    monitor.start()
    t0 = time.perf_counter()
    worker = threading.Thread(target=produce)
    worker.start()
    ok = wait_until(app, lambda: receiver.count >= n, timeout=300)
    elapsed = time.perf_counter() - t0
    worker.join()
    monitor.stop()
    assert ok
    return {"elapsed": elapsed, "max_gap": monitor.max_gap,
            "gap_p99": percentile(monitor.gaps, 99) if monitor.gaps else 0.0}


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s sustained")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the sustained run")
    parser.add_argument("--burst", type=int, default=100_000, help="events in the burst")
    parser.add_argument("--no-naive", action="store_true", help="skip the per-event comparison")
    args = parser.parse_args(argv)

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    n = int(args.rate * args.seconds)
    print(f"Python {sys.version.split()[0]}, Qt platform {app.platformName()}")
    print(f"sustained: {n} events at {args.rate:.0f}/s for {args.seconds:.0f} s "
          f"(one bridge woken by the first event, <= 4 ms of work per wake-up)")
    r = run_bridge(app, n, args.rate)
    lat = r["latencies"]
    print(f"  callback -> row updated: p50 {ms(statistics.median(lat))}, "
          f"p90 {ms(percentile(lat, 90))}, p99 {ms(percentile(lat, 99))}, max {ms(max(lat))}")
    print(f"  GUI loop gap: p99 {ms(r['gap_p99'])}, max {ms(r['max_gap'])}; rows {r['rows']}")

    print(f"burst: {args.burst} events as fast as one worker thread can enqueue")
    b = run_bridge(app, args.burst, None)
    lat = b["latencies"]
    print(f"  all rows updated after {b['elapsed']:.2f} s "
          f"({args.burst / b['elapsed']:,.0f} events/s); "
          f"latency p50 {ms(statistics.median(lat))}, p99 {ms(percentile(lat, 99))}")
    print(f"  max GUI-thread stall {ms(b['max_gap'])} (p99 loop gap {ms(b['gap_p99'])})")

    if not args.no_naive:
        naive = run_naive(app, args.burst)
        print(f"naive (one queued signal + one model update per event), same burst: "
              f"{naive['elapsed']:.2f} s, max GUI-thread stall {ms(naive['max_gap'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
