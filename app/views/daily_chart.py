"""DailyChart: the selected code's 日K (daily candles) with volume bars under them.

Candles as A-share clients draw them: red for a day that closed at or above
its open, green below, the wick from low to high. The days are evenly spaced
(no gaps for weekends); the axis names each month's first trading day, the
read-out names the day under the mouse. The history comes from
``QuoteViewModel.daily`` (xtdata's ``1d`` bars with a broker, a seeded history
in the simulator); today's candle follows the live quote.

Every item is created once; a redraw feeds numpy arrays to ``setOpts`` /
``setData`` (bodies and volumes as ``BarGraphItem`` rectangles, one item per
colour, so each is drawn in one call; wicks as one ``connect='pairs'`` path per
colour).
"""

from __future__ import annotations

import time
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.models.clock import CHINA_TZ
from app.viewmodels.formatting import price_decimals
from app.views.chart_parts import VolumeAxis, big_number, fit_axes, fixed_plot, style_plot
from app.views.palette import ThemePalette, current_palette, theme_events
from app.views.ui_text import tr

__all__ = ["DailyChart"]


def _day_text(epoch: float, fmt: str) -> str:
    return datetime.fromtimestamp(float(epoch), CHINA_TZ).strftime(fmt)


class _DayAxis(pg.AxisItem):
    """Candle indexes labelled with the first trading day of each month (``2026-11``)."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.times = np.empty(0)

    def set_times(self, times: np.ndarray) -> None:
        if times.size == self.times.size and np.array_equal(times, self.times):
            return  # today's candle moved: the days did not
        self.times = times.copy()
        months = [_day_text(t, "%Y-%m") for t in times]
        ticks = [(float(i), months[i]) for i in range(len(months))
                 if i == 0 or months[i] != months[i - 1]]
        if len(ticks) > 1 and ticks[1][0] - ticks[0][0] < 8:  # a partial first month crowds
            ticks = ticks[1:]
        self.setTicks([ticks, []])


class DailyChart(QWidget):
    """``DailyChart(viewmodel, parent=None)`` over ``QuoteViewModel`` (its ``daily`` candles)."""

    FRAME_MS = 33
    BODY_WIDTH = 0.68

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dailyChart")
        self.setAccessibleName(tr("日K"))
        self.vm = viewmodel
        self._dirty = True
        self._last_draw = 0.0
        self._shown = 0

        self.title_label = QLabel(self)
        self.title_label.setObjectName("dailyChartTitle")
        self.readout_label = QLabel(self)
        self.readout_label.setObjectName("dailyChartReadout")
        self.readout_label.setProperty("role", "hint")
        head = QWidget(self)
        head_layout = QHBoxLayout(head)
        head_layout.setContentsMargins(8, 2, 8, 0)
        head_layout.addWidget(self.title_label)
        head_layout.addStretch(1)
        head_layout.addWidget(self.readout_label)

        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("dailyChartPlot")
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.layout.setVerticalSpacing(0)
        self.day_axis = _DayAxis("bottom")
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.volume_plot = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": self.day_axis, "left": VolumeAxis("left")})
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.plot, self.volume_plot):
            fixed_plot(plot)
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.volume_plot.setXLink(self.plot)

        empty = np.empty(0)
        self.body_up = pg.BarGraphItem(x=empty, y0=empty, height=empty, width=self.BODY_WIDTH)
        self.body_down = pg.BarGraphItem(x=empty, y0=empty, height=empty, width=self.BODY_WIDTH)
        self.wick_up = self.plot.plot(connect="pairs")
        self.wick_down = self.plot.plot(connect="pairs")
        self.plot.addItem(self.body_up)
        self.plot.addItem(self.body_down)
        self.volume_up = pg.BarGraphItem(x=empty, height=empty, width=self.BODY_WIDTH)
        self.volume_down = pg.BarGraphItem(x=empty, height=empty, width=self.BODY_WIDTH)
        self.volume_plot.addItem(self.volume_up)
        self.volume_plot.addItem(self.volume_down)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(head)
        layout.addWidget(self.graphics, 1)

        self._mouse_proxy = pg.SignalProxy(
            self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)
        viewmodel.dailyReset.connect(self._mark_dirty)
        viewmodel.codeChanged.connect(self._on_code_changed)
        theme_events().changed.connect(self.apply_palette)
        self._fit_axes()
        self.apply_palette(current_palette())
        self.redraw()

    def _fit_axes(self) -> None:
        fit_axes(self, [(p.getAxis("left"), "1,448.80") for p in (self.plot, self.volume_plot)])

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_axes()  # 视图 > 字号

    def apply_palette(self, theme: ThemePalette) -> None:
        self.theme = theme
        self.graphics.setBackground(theme.chart_background)
        for plot in (self.plot, self.volume_plot):
            style_plot(plot, theme)
        no_pen = pg.mkPen(None)
        for item, color in ((self.body_up, theme.up), (self.body_down, theme.down),
                            (self.volume_up, theme.up), (self.volume_down, theme.down)):
            item.setOpts(brush=pg.mkBrush(color), pen=no_pen)
        self.wick_up.setPen(pg.mkPen(theme.up, width=1))
        self.wick_down.setPen(pg.mkPen(theme.down, width=1))
        self._mark_dirty()

    def _mark_dirty(self, *_args) -> None:
        self._dirty = True
        if not self._timer.isActive():
            wait = self.FRAME_MS - (time.perf_counter() - self._last_draw) * 1000.0
            self._timer.start(max(0, int(wait)))

    def _on_code_changed(self, _code: str) -> None:
        self.readout_label.clear()
        self._mark_dirty()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._mark_dirty()  # a hidden tab does not redraw: catch up when shown

    def redraw(self) -> None:
        """Feed the candles to the existing items (after a change; only while shown)."""
        if not self._dirty or not self.isVisible():
            return
        self._dirty = False
        self._last_draw = time.perf_counter()
        vm = self.vm
        quote = vm.quote
        name = quote.instrument_name if quote is not None else ""
        if vm.code:
            self.title_label.setText(tr("{name}  {code}  日K", name=name, code=vm.code).strip())
        else:
            self.title_label.setText(tr("日K：未选择证券"))
        daily = vm.daily
        n = daily.size if vm.code else 0
        self._shown = n
        x = np.arange(n, dtype=float)
        o, h, low, c, v = (daily.open[:n], daily.high[:n], daily.low[:n], daily.close[:n],
                           daily.volume[:n])
        up = c >= o
        down = ~up
        bottom = np.minimum(o, c)
        tick = 10.0 ** -price_decimals(vm.code) if vm.code else 0.01
        height = np.maximum(np.abs(c - o), tick * 0.5)  # a doji still shows a line
        self.body_up.setOpts(x=x[up], y0=bottom[up], height=height[up], width=self.BODY_WIDTH)
        self.body_down.setOpts(x=x[down], y0=bottom[down], height=height[down],
                               width=self.BODY_WIDTH)
        for item, mask in ((self.wick_up, up), (self.wick_down, down)):
            item.setData(np.repeat(x[mask], 2), np.column_stack((low[mask], h[mask])).ravel())
        self.volume_up.setOpts(x=x[up], height=v[up], width=self.BODY_WIDTH)
        self.volume_down.setOpts(x=x[down], height=v[down], width=self.BODY_WIDTH)
        self.day_axis.set_times(daily.time[:n])
        if not n:
            return
        self.plot.setXRange(-1, n, padding=0)
        lo, hi = float(np.min(low)), float(np.max(h))
        pad = max((hi - lo) * 0.06, tick)
        self.plot.setYRange(lo - pad, hi + pad, padding=0)
        self.volume_plot.setYRange(0, max(float(np.max(v)), 1.0) * 1.1, padding=0)

    def _on_mouse_moved(self, event) -> None:
        pos = event[0]
        if not self._shown or not self.graphics.sceneBoundingRect().contains(pos):
            self.readout_label.clear()
            return
        x = self.plot.getViewBox().mapSceneToView(pos).x()
        self.show_readout(round(x))

    def show_readout(self, i: int) -> None:
        """Read out candle ``i`` (clamped to the candles shown)."""
        if not self._shown:
            self.readout_label.clear()
            return
        i = min(max(i, 0), self._shown - 1)
        d = self.vm.daily
        decimals = price_decimals(self.vm.code)

        def fmt(value):
            return f"{float(value):,.{decimals}f}"

        self.readout_label.setText(tr(
            "{day}  开 {open}  高 {high}  低 {low}  收 {close}  量 {volume}",
            day=_day_text(d.time[i], "%Y-%m-%d"), open=fmt(d.open[i]), high=fmt(d.high[i]),
            low=fmt(d.low[i]), close=fmt(d.close[i]), volume=big_number(float(d.volume[i])),
        ))
