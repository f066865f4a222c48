"""EquityChart: the account's day (当日资产), total asset minute by minute on the 分时 axis.

Bound to ``AccountDayViewModel``. The curve is drawn against the day's
starting worth (dashed): the title says the total now and the change since
the start, red when up and green when down. Same habits as the other charts:
items created once, numpy arrays, redraws coalesced per frame, theme colours.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.models.intraday import DAY_SLOTS
from app.viewmodels.formatting import format_money
from app.views.chart_parts import MoneyAxis, SlotAxis, fit_axes, fixed_plot, style_plot
from app.views.palette import ThemePalette, current_palette, theme_events
from app.views.ui_text import tr

__all__ = ["EquityChart"]


class EquityChart(QWidget):
    """``EquityChart(viewmodel, parent=None)`` over ``AccountDayViewModel``."""

    FRAME_MS = 200

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("equityChart")
        self.setAccessibleName(tr("当日资产"))
        self.vm = viewmodel
        self._dirty = True
        self._last_draw = 0.0

        self.title_label = QLabel(self)
        self.title_label.setObjectName("equityChartTitle")
        head = QWidget(self)
        head_layout = QHBoxLayout(head)
        head_layout.setContentsMargins(8, 2, 8, 0)
        head_layout.addWidget(self.title_label)
        head_layout.addStretch(1)

        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("equityChartPlot")
        self.plot = self.graphics.addPlot(
            axisItems={"bottom": SlotAxis("bottom"), "left": MoneyAxis("left")})
        fixed_plot(self.plot)
        self.plot.setXRange(-1, DAY_SLOTS, padding=0)
        self.line = self.plot.plot(name="equity")
        self.start_line = pg.InfiniteLine(angle=0, movable=False)
        self.start_line.setVisible(False)
        self.plot.addItem(self.start_line, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(head)
        layout.addWidget(self.graphics, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)
        viewmodel.changed.connect(self._mark_dirty)
        theme_events().changed.connect(self.apply_palette)
        self._fit_axes()
        self.apply_palette(current_palette())
        self.redraw()

    def _fit_axes(self) -> None:
        fit_axes(self, [(self.plot.getAxis("left"), "10,000,000")])

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_axes()  # 视图 > 字号

    def apply_palette(self, theme: ThemePalette) -> None:
        self.theme = theme
        self.graphics.setBackground(theme.chart_background)
        style_plot(self.plot, theme)
        self.line.setPen(pg.mkPen(theme.equity_line, width=1.5))
        self.start_line.setPen(pg.mkPen(theme.prev_close_line, width=1,
                                        style=Qt.PenStyle.DashLine))
        self._mark_dirty()

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True
        if not self._timer.isActive():
            wait = self.FRAME_MS - (time.perf_counter() - self._last_draw) * 1000.0
            self._timer.start(max(0, int(wait)))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._mark_dirty()  # a hidden tab does not redraw: catch up when shown

    def redraw(self) -> None:
        if not self._dirty or not self.isVisible():
            return
        self._dirty = False
        self._last_draw = time.perf_counter()
        vm = self.vm
        slots, values = vm.curve()
        self.line.setData(slots, values, connect="finite")
        equity = vm.equity
        start, latest = vm.opening, vm.latest
        if start is not None:
            self.start_line.setPos(start)
        self.start_line.setVisible(start is not None)
        if latest is None or not equity.size:
            self.title_label.setText(tr("当日资产：等待行情"))
            self.title_label.setStyleSheet("")
            return
        text = tr("当日资产  {total}", total=format_money(latest))
        if start:
            change = latest - start
            text += f"  {format_money(change, signed=True)}  ({change / start * 100:+.2f}%)"
            color = self.theme.up if change > 0.005 else self.theme.down if change < -0.005 else ""
            self.title_label.setStyleSheet(f"color: {color};" if color else "")
        self.title_label.setText(text)
        lo, hi = float(np.min(equity)), float(np.max(equity))
        if start is not None:
            lo, hi = min(lo, start), max(hi, start)
        pad = max((hi - lo) * 0.1, max(abs(hi), 1.0) * 0.0005)
        self.plot.setYRange(lo - pad, hi + pad, padding=0)
