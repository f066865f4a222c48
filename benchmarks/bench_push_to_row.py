"""Push -> row latency through the real window, and timer wake-ups while idle.

The window is built as ``main.py`` builds it: ``main.configure_logging`` (the
rotating file and stderr, as shipped), ``Terminal`` (sessions + viewmodels)
and ``MainWindow``, shown (offscreen by default). The terminal connects to a
fresh simulated counter in a temp folder, then a producer thread places
resting limit orders straight at the counter at ``--rate`` orders/s for
``--seconds`` s: each order's push (``on_stock_order``, with the asset push
that comes with it) travels the counter's delivery thread -> the session ->
the bridge -> the entrust table, and the window paints it. For each order:
the time from just before the counter takes it (its ~0.4 ms of matching and
ledger commit included) to the moment its row is inserted in the entrust
table on the GUI thread. Prints p50 / p90 / p99 / max.

Idle: with nothing happening for ``--idle`` s after the run, every timer
event Qt delivers in the process is counted (per receiving class).

Also printed: how long the window's repaints (``UpdateRequest`` on the main
window) took during the run, since a push waits for the repaint under way.
``--no-show`` leaves the window hidden: the same pipeline without painting.

Run: ``uv run python benchmarks/bench_push_to_row.py`` (``--rate 1000 --seconds 5``).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="orders per second")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--idle", type=float, default=2.0, help="idle seconds to watch timers")
    parser.add_argument("--no-show", action="store_true", help="do not show the window")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-push-"))
    os.environ["XDG_STATE_HOME"] = str(scratch / "state")  # the log file goes here
    os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")

    import main as app_main

    app_main.configure_logging(False)

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QSize
    from PySide6.QtWidgets import QApplication

    from app.app_wiring import Terminal
    from app.services.sim import SimConfig, SimCounter
    from app.views.main_window import MainWindow
    from app.views.theme import apply_theme

    app = QApplication.instance() or QApplication([sys.argv[0]])
    apply_theme(app)
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    config = SimConfig(auto_run=False, initial_cash=1e10)
    terminal = Terminal(settings, sim_config=config)
    repaints: list[float] = []
    window_event = MainWindow.event

    def timed_event(self, event) -> bool:
        # The whole window repaint runs synchronously inside its UpdateRequest.
        if event.type() != QEvent.Type.UpdateRequest:
            return window_event(self, event)
        started = time.perf_counter()
        try:
            return window_event(self, event)
        finally:
            repaints.append((time.perf_counter() - started) * 1000)

    MainWindow.event = timed_event
    window = MainWindow(terminal.viewmodels(), settings, initial_size=QSize(1366, 768))
    if not args.no_show:
        window.show()
    folder = str(scratch / "sim")
    account = "8886660001"
    conn = terminal.vm.connection
    conn.set_use_simulator(True)
    conn.set_path(folder)
    conn.set_account(account)

    def spin_until(predicate, timeout: float) -> bool:
        deadline = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > deadline:
                return False
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        return True

    loaded = []
    terminal.dataLoaded.connect(lambda: loaded.append(1))
    conn.connect_session()
    assert spin_until(lambda: loaded and terminal.market is not None, 30), "did not connect"
    counter = SimCounter.open(folder, config)
    quote = counter.market.quote("600036.SH")
    price = quote.down_limit  # rests: one row per order, no fills

    model = terminal.vm.entrust_model
    stamps: dict[int, float] = {}
    arrivals: dict[int, float] = {}

    def on_rows(_parent, first: int, last: int) -> None:
        now = time.perf_counter()
        for row in range(first, last + 1):
            record = model.record_at(row)
            if record is not None:
                arrivals.setdefault(record.order_id, now)

    model.rowsInserted.connect(on_rows)
    n = int(args.rate * args.seconds)

    def produce() -> None:
        start = time.perf_counter()
        for i in range(n):
            wait = start + i / args.rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)  # no busy wait: the counter is not the one being measured
            t0 = time.perf_counter()
            order_id = counter.place_order(account, "600036.SH", 23, 100, 11, price)
            stamps[order_id] = t0

    delivered: dict[int, float] = {}

    def on_event(event) -> None:  # the session's listener: the counter's delivery thread
        if type(event).__name__ == "Order":
            delivered.setdefault(event.order_id, time.perf_counter())

    terminal.session.add_listener(on_event)
    produced: list[float] = []
    worker = threading.Thread(target=lambda: (produce(), produced.append(time.perf_counter())),
                              name="bench-producer")
    repaints.clear()
    t_start = time.perf_counter()
    worker.start()
    ok = spin_until(lambda: len(arrivals) >= n and not worker.is_alive(), 120)
    elapsed = time.perf_counter() - t_start
    run_repaints = list(repaints)
    worker.join()
    latencies = [(arrivals[k] - stamps[k]) * 1000 for k in stamps if k in arrivals]
    print(f"push -> row through the window: {len(latencies)}/{n} orders at "
          f"{args.rate:g}/s in {elapsed:.2f} s{'' if ok else ' (INCOMPLETE)'}")
    bridge = terminal.vm.bridge
    if hasattr(bridge, "wakeups"):
        print(f"  bridge: {bridge.wakeups} wake-ups, {bridge.delivered} events delivered")
    if produced:
        print(f"  producer done after {produced[0] - t_start:.2f} s")
    to_session = [(delivered[k] - stamps[k]) * 1000 for k in stamps if k in delivered]
    if to_session:
        print(f"  counter -> session listener: p50 {percentile(to_session, 50):.2f} ms"
              f"   p99 {percentile(to_session, 99):.2f} ms")
    if run_repaints:
        print(f"  window repaints: {len(run_repaints)}, "
              f"avg {sum(run_repaints) / len(run_repaints):.1f} ms, "
              f"total {sum(run_repaints) / 1000:.2f} s")
    if latencies:
        print(f"  p50 {percentile(latencies, 50):.2f} ms   p90 {percentile(latencies, 90):.2f} ms"
              f"   p99 {percentile(latencies, 99):.2f} ms   max {max(latencies):.2f} ms")

    # Idle: count every timer event delivered while nothing happens.
    class TimerCounter(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.counts: collections.Counter[str] = collections.Counter()

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Timer:
                owner = obj.parent() if type(obj).__name__ == "QTimer" else None
                where = f" in {type(owner).__name__}" if owner is not None else ""
                self.counts[f"{type(obj).__name__}{where}"] += 1
            return False

    spin_until(lambda: False, 0.5)  # let the tail of the run settle
    watcher = TimerCounter()
    app.installEventFilter(watcher)
    spin_until(lambda: False, args.idle)
    app.removeEventFilter(watcher)
    total = sum(watcher.counts.values())
    print(f"idle {args.idle:g} s: {total} timer events ({total / args.idle:.1f}/s)")
    for name, count in watcher.counts.most_common(8):
        print(f"  {name}: {count / args.idle:.1f}/s")

    terminal.shutdown()
    window.close()
    counter.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
