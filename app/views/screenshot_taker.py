"""ScreenshotTaker: ``main.py --screenshot FILE``: wait for the data, grab the window, save.

It waits for signals, never for a fixed time: the account snapshot applied
after connecting (``Terminal.dataLoaded``), the demo orders answered (with
``--demo``), and the ticket's quote and intraday history loaded; then the chart
is redrawn, the event loop settles once more, and ``grab()`` writes the PNG.
``done(exit_code)`` ends the program.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

log = logging.getLogger("qmtdesk.screenshot")

__all__ = ["ScreenshotTaker"]


class ScreenshotTaker(QObject):
    """``ScreenshotTaker(window, terminal, path, demo=False)``; emits ``done(code)``."""

    done = Signal(int)

    def __init__(
        self, window, terminal, path: str, *, demo: bool = False, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.terminal = terminal
        self.path = Path(path)
        self.demo = demo
        self._loaded = False
        self._demo_done = not demo
        self._finished = False
        terminal.dataLoaded.connect(self._on_data_loaded)
        terminal.vm.quote.quoteChanged.connect(self._check)
        terminal.vm.quote.historyReset.connect(self._check)
        terminal.vm.balance_model.dataChanged.connect(self._check)
        terminal.vm.connection.connectFailed.connect(lambda msg: self.fail(f"连接失败：{msg}"))

    @Slot()
    def _on_data_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.demo:
            from app.demo_orders import DemoOrders

            self._demo = DemoOrders(self.terminal, parent=self)
            self._demo.finished.connect(self._on_demo_finished)
            self._demo.start()
        self._check()

    @Slot()
    def _on_demo_finished(self) -> None:
        # the counter answered every order; refresh once more so fills are in the tables
        self._demo_done = True
        self._loaded = False
        self.terminal.dataLoaded.disconnect(self._on_data_loaded)
        self.terminal.dataLoaded.connect(self._after_refresh)
        self.terminal.refresh()

    @Slot()
    def _after_refresh(self) -> None:
        self._loaded = True
        self._check()

    def _ready(self) -> bool:
        quote_vm = self.terminal.vm.quote
        chart_ready = not quote_vm.code or (quote_vm.quote is not None and len(quote_vm.times) > 0)
        # the day's P&L needs a quote of every holding: the first ticks after subscribing
        has_positions = self.terminal.vm.position_model.rowCount() > 0
        pnl_ready = not has_positions or self.terminal.vm.balance_model.day_profit() is not None
        return self._loaded and self._demo_done and chart_ready and pnl_ready

    @Slot()
    def _check(self, *_args) -> None:
        if self._finished or not self._ready():
            return
        self._finished = True
        self.window.price_chart.redraw()
        # one more turn of the event loop so pending batches and layouts are painted
        QTimer.singleShot(0, self._grab)

    def _grab(self) -> None:
        QApplication.processEvents()
        self.window.price_chart.redraw()
        pixmap = self.window.grab()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if pixmap.save(str(self.path), "PNG"):
            log.info("截图已保存：%s (%dx%d)", self.path, pixmap.width(), pixmap.height())
            print(f"screenshot saved: {self.path} ({pixmap.width()}x{pixmap.height()})")
            self.done.emit(0)
        else:
            self.fail(f"无法保存截图到 {self.path}")

    def fail(self, message: str) -> None:
        if self._finished and message.startswith("超时"):
            return
        self._finished = True
        log.error("截图失败：%s", message)
        print(f"screenshot failed: {message}")
        self.done.emit(1)
