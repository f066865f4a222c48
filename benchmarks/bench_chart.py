"""The 分时 chart with a full day of ticks: update time per frame, and quote -> screen latency.

Through the real window as ``main.py`` builds it (``apply_theme``, ``Terminal``,
``MainWindow``) over the simulated counter in a scratch folder (``auto_run``
off, so the market moves only when this script says):

1. The market runs a whole trading day (4,800 steps, 09:30-15:00); the chart's
   viewmodel reloads the day (4,801 ticks) and the window shows it.
2. Per frame: one more tick reaches the quote viewmodel (``on_quotes``, as the
   bridge delivers it), the chart pushes its data into its items (``redraw``),
   and the plot is painted (``repaint`` of its view, synchronous). Prints
   p50 / p90 / max of the update (tick + redraw) and of the paint, and their sum.
3. Latency: a worker thread hands a quote to the session bridge
   (``bridge.enqueue``, as the simulator's market thread does) and the time
   until the chart's view has painted with that tick is taken (an event filter
   on the view's viewport). One quote every 60 ms; prints p50 / p90 / max.

Works on this branch and on a checkout of an older one (it only uses
``window.price_chart``, ``terminal.vm.quote`` and the bridge), so a figure for
"before" comes from running it in a copy of main:
``git archive main | tar -x -C /tmp/base && cp benchmarks/bench_chart.py /tmp/base/benchmarks/
&& .venv/bin/python /tmp/base/benchmarks/bench_chart.py``.

Run: ``QT_QPA_PLATFORM=offscreen uv run python benchmarks/bench_chart.py``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QSize
from PySide6.QtWidgets import QApplication

from app.app_wiring import Terminal
from app.services.sim import SimConfig, SimCounter
from app.views.main_window import MainWindow
from app.views.theme import apply_theme

DAY_STEPS = 4800


def wait_until(app, predicate, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def figures(name: str, values: list[float]) -> str:
    return (f"{name}: p50 {ms(statistics.median(values))}, p90 {ms(percentile(values, 90))}, "
            f"max {ms(max(values))}")


class PaintProbe(QObject):
    """Records when the chart's view paints with the tick the test waits for."""

    def __init__(self, vm) -> None:
        super().__init__()
        self.vm = vm
        self.waiting_for: int | None = None
        self.sent_at = 0.0
        self.latencies: list[float] = []

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint and self.waiting_for is not None:
            times = self.vm.times
            if len(times) and times[-1] >= self.waiting_for:
                # the view paints after the chart took the data (the redraw ran before)
                self.latencies.append(time.perf_counter() - self.sent_at)
                self.waiting_for = None
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="frames timed")
    parser.add_argument("--quotes", type=int, default=60, help="quotes for the latency")
    parser.add_argument("--profile", action="store_true", help="cProfile the frames")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    scratch = Path(tempfile.mkdtemp(prefix="bench-chart-"))
    settings = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
    apply_theme(app)
    terminal = Terminal(settings, sim_config=SimConfig(auto_run=False))
    window = MainWindow(terminal.viewmodels(), settings, initial_size=QSize(1366, 768))
    window.resize_for_screenshot(QSize(1366, 768))
    window.show()
    connection = terminal.vm.connection
    connection.set_use_simulator(True)
    connection.set_path(str(scratch / "sim"))
    connection.set_account("8886660001")
    connection.connect_session()
    wait_until(app, lambda: terminal.market is not None and terminal.vm.quote.quote is not None)
    vm = terminal.vm.quote
    chart = window.price_chart
    code = vm.code
    counter = SimCounter.open(str(scratch / "sim"), SimConfig(auto_run=False))

    t0 = time.perf_counter()
    counter.advance(DAY_STEPS)
    day_ticks = len(counter.market.history(code))
    vm.reload()
    wait_until(app, lambda: len(vm.times) == day_ticks, timeout=60)
    ran = time.perf_counter() - t0
    print(f"Python {sys.version.split()[0]}, Qt platform {app.platformName()}, "
          f"{code}: a full day of {day_ticks} ticks (market ran in {ran:.1f} s)")

    view = chart.findChild(pg.GraphicsView)
    quote = vm.quote
    tick = 0.01
    updates: list[float] = []
    paints: list[float] = []
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for k in range(args.frames):
        quote = replace(quote, time=quote.time + 3, volume=quote.volume + 100,
                        amount=quote.amount + 100 * quote.last_price,
                        last_price=round(quote.last_price + (tick if k % 2 else -tick), 2))
        start = time.perf_counter()
        vm.on_quotes([quote])
        chart._dirty = True
        chart.redraw()
        middle = time.perf_counter()
        view.viewport().repaint()
        end = time.perf_counter()
        updates.append(middle - start)
        paints.append(end - middle)
        app.processEvents()
    if profiler is not None:
        profiler.disable()
        profiler.print_stats("cumulative")
    totals = [u + p for u, p in zip(updates, paints, strict=True)]
    print(f"per frame with {len(vm.times)} ticks ({args.frames} frames)")
    print("  " + figures("update (tick + redraw)", updates))
    print("  " + figures("paint", paints))
    print("  " + figures("frame (update + paint)", totals))

    probe = PaintProbe(vm)
    view.viewport().installEventFilter(probe)
    bridge = terminal.vm.bridge
    for _ in range(args.quotes):
        quote = replace(quote, time=quote.time + 3, volume=quote.volume + 100,
                        last_price=round(quote.last_price + tick, 2))
        probe.waiting_for = quote.time
        probe.sent_at = time.perf_counter()
        worker = threading.Thread(target=bridge.enqueue, args=(quote,))
        worker.start()
        worker.join()
        wait_until(app, lambda: probe.waiting_for is None, timeout=5)
        settle = time.perf_counter() + 0.06
        while time.perf_counter() < settle:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    print(f"quote -> screen ({args.quotes} quotes through the bridge)")
    print("  " + figures("latency", probe.latencies))

    window.close()
    terminal.shutdown()
    counter.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
