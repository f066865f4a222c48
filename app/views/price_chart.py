"""PriceChart: the intraday line (分时图) of the ticket's code, with the previous close.

pyqtgraph habits: the plot items are created once and fed with ``setData``
from a timer (at most every ``REDRAW_MS``, and only when the viewmodel said
something changed), peak downsampling with clip-to-view for long series, a
``DateAxisItem`` in China time (A-share hours are China hours wherever the
trader sits), the x range fixed to the trading day (09:30-15:00) and the y
range centred on the previous close, so up is above the dashed line.
A crosshair read-out follows the mouse, throttled by a ``SignalProxy``.
"""

from __future__ import annotations

import bisect
import time

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.models.clock import CHINA_TZ
from app.viewmodels.formatting import price_decimals
from app.views.ui_text import tr

__all__ = ["PriceChart"]

#: pyqtgraph's sign: seconds to subtract from UTC to get China time
CHINA_UTC_OFFSET = -int(CHINA_TZ.utcoffset(None).total_seconds())
_DAY_OPEN = (9 * 60 + 30) * 60  # seconds after China midnight
_DAY_CLOSE = 15 * 3600


def _china_midnight(epoch: float) -> float:
    """Epoch of 00:00 China time on the day of ``epoch``."""
    shifted = epoch - CHINA_UTC_OFFSET
    return epoch - (shifted % 86400)


class PriceChart(QWidget):
    """``PriceChart(viewmodel, parent=None)`` over ``QuoteViewModel``."""

    REDRAW_MS = 250

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("priceChart")
        self.setAccessibleName(tr("分时图"))
        self.vm = viewmodel
        self._dirty = True
        self._day: float | None = None

        axis = pg.DateAxisItem(orientation="bottom", utcOffset=CHINA_UTC_OFFSET)
        self.plot_widget = pg.PlotWidget(background="w", axisItems={"bottom": axis})
        self.plot_widget.setObjectName("priceChartPlot")
        plot = self.plot = self.plot_widget.getPlotItem()
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.getViewBox().setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            plot.getAxis(name).setTextPen("#4b5563")
            plot.getAxis(name).setPen("#c4cad3")
        plot.getAxis("left").setWidth(52)

        self.line = plot.plot([], [], pen=pg.mkPen("#1f5fbf", width=1.4), name="price")
        self.prev_close_line = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen("#9aa1ab", width=1, style=Qt.PenStyle.DashLine)
        )
        self.prev_close_line.setVisible(False)
        plot.addItem(self.prev_close_line, ignoreBounds=True)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#b0b6bf"))
        self.cross_h = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen("#b0b6bf"))
        for item in (self.cross_v, self.cross_h):
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)

        self.title_label = QLabel(self)
        self.title_label.setObjectName("priceChartTitle")
        self.readout_label = QLabel(self)
        self.readout_label.setObjectName("priceChartReadout")
        self.readout_label.setProperty("role", "hint")
        head = QWidget(self)
        head_layout = QHBoxLayout(head)
        head_layout.setContentsMargins(8, 2, 8, 0)
        head_layout.addWidget(self.title_label)
        head_layout.addStretch(1)
        head_layout.addWidget(self.readout_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(head)
        layout.addWidget(self.plot_widget, 1)

        self._mouse_proxy = pg.SignalProxy(
            self.plot_widget.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )
        self._timer = QTimer(self)
        self._timer.setInterval(self.REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

        viewmodel.historyReset.connect(self._mark_dirty)
        viewmodel.historyAppended.connect(self._mark_dirty)
        viewmodel.quoteChanged.connect(self._mark_dirty)
        viewmodel.codeChanged.connect(self._mark_dirty)
        self.redraw()

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True

    def redraw(self) -> None:
        """Push the viewmodel's series into the existing items (the timer calls this)."""
        if not self._dirty:
            return
        self._dirty = False
        vm = self.vm
        times, prices = vm.times, vm.prices
        quote = vm.quote
        self.line.setData(times, prices)
        prev = quote.prev_close if quote is not None and quote.prev_close else None
        if quote is not None:
            self.title_label.setText(
                tr("{name}  {code}  分时", name=quote.instrument_name, code=quote.stock_code)
            )
        else:
            self.title_label.setText(
                tr("{code}  分时", code=vm.code) if vm.code else tr("分时：未选择证券")
            )
        if prev:
            self.prev_close_line.setPos(prev)
        self.prev_close_line.setVisible(bool(prev))
        if not times:
            return
        day = _china_midnight(times[-1])
        if day != self._day:
            self._day = day
            self.plot.setXRange(day + _DAY_OPEN, day + _DAY_CLOSE, padding=0.01)
        low, high = min(prices), max(prices)
        if prev:
            span = max(abs(high - prev), abs(prev - low), prev * 0.005)
            self.plot.setYRange(prev - span * 1.1, prev + span * 1.1, padding=0)
        else:
            self.plot.setYRange(low, high, padding=0.1)

    def _on_mouse_moved(self, event) -> None:
        pos = event[0]
        vb = self.plot.getViewBox()
        times, prices = self.vm.times, self.vm.prices
        if not times or not self.plot.sceneBoundingRect().contains(pos):
            self.cross_v.setVisible(False)
            self.cross_h.setVisible(False)
            self.readout_label.clear()
            return
        x = vb.mapSceneToView(pos).x()
        i = min(max(bisect.bisect_left(times, x), 0), len(times) - 1)
        t, p = times[i], prices[i]
        self.cross_v.setPos(t)
        self.cross_h.setPos(p)
        self.cross_v.setVisible(True)
        self.cross_h.setVisible(True)
        stamp = time.strftime("%H:%M:%S", time.gmtime(t - CHINA_UTC_OFFSET))
        decimals = price_decimals(self.vm.code)
        quote = self.vm.quote
        change = ""
        if quote is not None and quote.prev_close:
            change = f"  {(p / quote.prev_close - 1) * 100:+.2f}%"
        self.readout_label.setText(f"{stamp}  {p:,.{decimals}f}{change}")
