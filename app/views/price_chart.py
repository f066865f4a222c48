"""PriceChart: the selected code's 分时 chart, as every A-share client draws it.

- x: the trading day's 241 minute slots with the lunch break left out
  (11:30 meets 13:00; ``app.models.intraday``), fixed to 09:30-15:00, labelled
  09:30 / 10:30 / 11:30/13:00 / 14:00 / 15:00;
- the price line (last price at each minute's end) and the 均价线 (the day's
  volume-weighted average price), a dashed previous-close line;
- the price axis on the left and the percentage axis (against the previous
  close) on the right, at the same heights: red above, green below;
- volume bars under it, red for a minute that closed at or above the one
  before, green below;
- a crosshair read-out (time, price, change, 均价, volume) throttled by a
  ``SignalProxy``, cleared when the code changes;
- nothing drawn before a code is chosen.

pyqtgraph habits: every item is created once and fed numpy arrays with
``setData``/``setOpts``; a redraw runs at most every ``FRAME_MS`` and only
after the viewmodel said something changed (coalesced with a single-shot
timer, so a quick tick is on screen within a frame). Colours come from the
theme (``palette.current_palette``) and follow ``theme_events().changed``.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.models.intraday import DAY_SLOTS, MinuteBars, slot_label
from app.viewmodels.formatting import price_decimals
from app.views.chart_parts import (
    GridLines,
    SignedAxis,
    SlotAxis,
    VolumeAxis,
    big_number,
    fit_axes,
    fixed_plot,
    style_plot,
)
from app.views.palette import ThemePalette, current_palette, theme_events
from app.views.ui_text import tr

__all__ = ["PriceChart"]

_X_RANGE = (-1.0, DAY_SLOTS)  # a little room either side of 09:30 and 15:00


class PriceChart(QWidget):
    """``PriceChart(viewmodel, parent=None)`` over ``QuoteViewModel``."""

    #: at most one redraw per frame (ms); a quiet chart redraws at once
    FRAME_MS = 33
    #: bar width in minute slots
    BAR_WIDTH = 0.62

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("priceChart")
        self.setAccessibleName(tr("分时图"))
        self.vm = viewmodel
        self._dirty = True
        self._last_draw = 0.0
        self._bars = MinuteBars.empty()
        self._levels_key: tuple | None = None

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

        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("priceChartPlot")
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.layout.setVerticalSpacing(0)
        self.price_axis = SignedAxis("left")
        self.percent_axis = SignedAxis("right")
        self.plot = self.graphics.addPlot(
            row=0, col=0, axisItems={"left": self.price_axis, "right": self.percent_axis}
        )
        self.volume_plot = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": SlotAxis("bottom"), "left": VolumeAxis("left")}
        )
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.plot, self.volume_plot):
            fixed_plot(plot)
            plot.showAxis("right")
            plot.setXRange(*_X_RANGE, padding=0)
        self.plot.getAxis("bottom").setTicks([[(float(s), "") for s in (0, 60, 120, 180, 240)]])
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.volume_plot.getAxis("right").setStyle(showValues=False)
        self.volume_plot.setXLink(self.plot)

        hours = (60.0, 120.0, 180.0)
        self.grid = GridLines(self.plot, hours, 4)  # the levels either side of the close
        self.volume_grid = GridLines(self.volume_plot, hours, 0)
        self.price_line = self.plot.plot(name="price")
        self.average_line = self.plot.plot(name="average")
        self.prev_close_line = pg.InfiniteLine(angle=0, movable=False)
        self.prev_close_line.setVisible(False)
        self.plot.addItem(self.prev_close_line, ignoreBounds=True)
        self.volume_up = pg.BarGraphItem(x=np.empty(0), height=np.empty(0), width=self.BAR_WIDTH)
        self.volume_down = pg.BarGraphItem(x=np.empty(0), height=np.empty(0), width=self.BAR_WIDTH)
        self.volume_plot.addItem(self.volume_up)
        self.volume_plot.addItem(self.volume_down)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False)
        self.cross_h = pg.InfiniteLine(angle=0, movable=False)
        self.cross_volume = pg.InfiniteLine(angle=90, movable=False)
        for plot, item in ((self.plot, self.cross_v), (self.plot, self.cross_h),
                           (self.volume_plot, self.cross_volume)):
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(head)
        layout.addWidget(self.graphics, 1)

        self._mouse_proxy = pg.SignalProxy(
            self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)

        viewmodel.historyReset.connect(self._mark_dirty)
        viewmodel.historyAppended.connect(self._mark_dirty)
        viewmodel.quoteChanged.connect(self._mark_dirty)
        viewmodel.codeChanged.connect(self._on_code_changed)
        theme_events().changed.connect(self.apply_palette)
        self._fit_axes()
        self.apply_palette(current_palette())
        self.redraw()

    # ------------------------------------------------------------------ theme
    def _fit_axes(self) -> None:
        fit_axes(self, [(p.getAxis("left"), "1,448.80") for p in (self.plot, self.volume_plot)]
            + [(p.getAxis("right"), "+10.00%") for p in (self.plot, self.volume_plot)])

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_axes()  # 视图 > 字号

    def apply_palette(self, theme: ThemePalette) -> None:
        """Background, axes and every pen from ``theme`` (red up / green down kept)."""
        self.theme = theme
        self.graphics.setBackground(theme.chart_background)
        for plot in (self.plot, self.volume_plot):
            style_plot(plot, theme, grid=False)
        self.grid.set_pen(theme.chart_grid)
        self.volume_grid.set_pen(theme.chart_grid)
        self.price_line.setPen(pg.mkPen(theme.price_line, width=1.4))
        self.average_line.setPen(pg.mkPen(theme.average_line, width=1.2))
        self.prev_close_line.setPen(
            pg.mkPen(theme.prev_close_line, width=1, style=Qt.PenStyle.DashLine))
        self.volume_up.setOpts(brush=pg.mkBrush(theme.up), pen=pg.mkPen(None))
        self.volume_down.setOpts(brush=pg.mkBrush(theme.down), pen=pg.mkPen(None))
        cross = pg.mkPen(theme.crosshair, width=1, style=Qt.PenStyle.DotLine)
        for item in (self.cross_v, self.cross_h, self.cross_volume):
            item.setPen(cross)
        self._levels_key = None
        self._mark_dirty()

    # ------------------------------------------------------------------ drawing
    def _mark_dirty(self, *_args) -> None:
        self._dirty = True
        if not self._timer.isActive():
            wait = self.FRAME_MS - (time.perf_counter() - self._last_draw) * 1000.0
            self._timer.start(max(0, int(wait)))

    def _on_code_changed(self, _code: str) -> None:
        self.clear_crosshair()
        self._mark_dirty()

    def redraw(self) -> None:
        """Push the viewmodel's minute bars into the existing items (after a change)."""
        if not self._dirty:
            return
        self._dirty = False
        self._last_draw = time.perf_counter()
        vm = self.vm
        quote = vm.quote
        if quote is not None:
            self.title_label.setText(
                tr("{name}  {code}  分时", name=quote.instrument_name, code=quote.stock_code))
        else:
            self.title_label.setText(
                tr("{code}  分时", code=vm.code) if vm.code else tr("分时：未选择证券"))
        bars = self._bars = vm.minute_bars() if vm.code else MinuteBars.empty()
        self.price_line.setData(bars.slot, bars.close)
        self.average_line.setData(bars.slot, bars.average)
        up = bars.up
        down = ~up
        self.volume_up.setOpts(x=bars.slot[up], height=bars.volume[up], width=self.BAR_WIDTH)
        self.volume_down.setOpts(x=bars.slot[down], height=bars.volume[down], width=self.BAR_WIDTH)
        prev = vm.prev_close if vm.code else None
        if prev:
            self.prev_close_line.setPos(prev)
        self.prev_close_line.setVisible(bool(prev))
        if not bars.slot.size:
            self._set_levels(None, 0.0)
            return
        reference = prev or float(bars.close[0])
        span = max(
            float(np.max(np.abs(bars.close - reference))),
            float(np.max(np.abs(bars.average - reference))),
            reference * 0.01,
        ) * 1.08
        self._set_levels(reference, span)
        top = float(np.max(bars.volume)) if bars.volume.size else 0.0
        self.volume_plot.setYRange(0, max(top, 1.0) * 1.1, padding=0)

    def _set_levels(self, reference: float | None, span: float) -> None:
        """Fix the y range to ``reference`` ± ``span`` and label five equal steps on both axes."""
        key = (reference, round(span, 6), self.vm.code)
        if key == self._levels_key:
            return
        self._levels_key = key
        if reference is None:
            self.price_axis.set_levels([])
            self.percent_axis.set_levels([])
            self.grid.set_levels([])
            return
        self.plot.setYRange(reference - span, reference + span, padding=0)
        decimals = price_decimals(self.vm.code)
        theme = self.theme
        prices, percents = [], []
        for k in (-1.0, -0.5, 0.0, 0.5, 1.0):
            value = reference + k * span * 0.92
            color = theme.up if k > 0 else theme.down if k < 0 else theme.chart_text
            prices.append((value, f"{value:.{decimals}f}", color))
            percents.append((value, f"{(value / reference - 1) * 100:+.2f}%" if k else "0.00%",
                             color))
        self.price_axis.set_levels(prices)
        self.percent_axis.set_levels(percents)
        self.grid.set_levels([value for value, _text, _color in prices if value != reference])

    # ------------------------------------------------------------------ crosshair
    def clear_crosshair(self) -> None:
        for item in (self.cross_v, self.cross_h, self.cross_volume):
            item.setVisible(False)
        self.readout_label.clear()

    def _on_mouse_moved(self, event) -> None:
        pos: QPointF = event[0]
        bars = self._bars
        inside = (self.plot.sceneBoundingRect().contains(pos)
                  or self.volume_plot.sceneBoundingRect().contains(pos))
        if not bars.slot.size or not inside:
            self.clear_crosshair()
            return
        x = self.plot.getViewBox().mapSceneToView(pos).x()
        self.show_readout(x)

    def show_readout(self, x: float) -> None:
        """Put the crosshair on the minute nearest slot ``x`` and read it out."""
        bars = self._bars
        if not bars.slot.size:
            self.clear_crosshair()
            return
        i = int(np.clip(np.searchsorted(bars.slot, x), 0, bars.slot.size - 1))
        if i > 0 and abs(bars.slot[i - 1] - x) < abs(bars.slot[i] - x):
            i -= 1
        slot, price = float(bars.slot[i]), float(bars.close[i])
        self.cross_v.setPos(slot)
        self.cross_h.setPos(price)
        self.cross_volume.setPos(slot)
        for item in (self.cross_v, self.cross_h, self.cross_volume):
            item.setVisible(True)
        decimals = price_decimals(self.vm.code)
        prev = self.vm.prev_close
        change = f"  {(price / prev - 1) * 100:+.2f}%" if prev else ""
        self.readout_label.setText(tr(
            "{time}  价 {price}{change}  均价 {average}  量 {volume}",
            time=slot_label(int(slot)), price=f"{price:,.{decimals}f}", change=change,
            average=f"{float(bars.average[i]):,.{decimals}f}",
            volume=big_number(float(bars.volume[i])),
        ))
