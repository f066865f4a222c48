"""Pieces the charts share: axes that speak A-share, themed plots, magnitude labels.

Imported only by the chart modules (``price_chart``, ``daily_chart``,
``equity_chart``), never at the top of a module the main window imports, so
pyqtgraph loads with the charts and not before the window paints.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QWidget

from app.models.intraday import DAY_SLOTS, SLOT_TICKS
from app.views.palette import ThemePalette
from app.views.ui_text import ui_lang

__all__ = [
    "GridLines",
    "MoneyAxis",
    "SignedAxis",
    "SlotAxis",
    "VolumeAxis",
    "big_number",
    "style_plot",
]


class SignedAxis(pg.AxisItem):
    """An axis whose tick labels are drawn red above the reference, green below.

    ``set_levels(levels)`` takes ``(value, text, colour)`` triples and fixes the
    ticks to them (a 分时 chart's price and percentage axes label the same
    heights: the previous close and equal steps either side).
    """

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._colors: dict[str, QColor] = {}

    def set_levels(self, levels: list[tuple[float, str, str]]) -> None:
        self._colors = {text: QColor(color) for _value, text, color in levels}
        self.setTicks([[(value, text) for value, text, _color in levels], []])

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):
        super().drawPicture(p, axisSpec, tickSpecs, [])
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        default = self.textPen()
        for rect, flags, text in textSpecs:
            color = self._colors.get(text)
            if color is None:
                p.setPen(default)
            else:
                p.setPen(color)
            p.drawText(rect, int(flags), text)


class SlotAxis(pg.AxisItem):
    """The 分时 time axis: minute slots labelled 09:30 / 10:30 / 11:30/13:00 / 14:00 / 15:00."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        minor = [(float(s), "") for s in range(0, DAY_SLOTS, 30)]
        self.setTicks([[(float(s), text) for s, text in SLOT_TICKS], minor])

    def boundingRect(self):
        # 09:30 and 15:00 sit at the very ends of the axis: let their labels reach past it
        # (with a grid pyqtgraph ignores the hideOverlappingLabels margin)
        return super().boundingRect().adjusted(-40, 0, 40, 0)


class MoneyAxis(pg.AxisItem):
    """CNY with thousands separators, as the 资金 table shows them."""

    def tickStrings(self, values, scale, spacing):
        decimals = 0 if spacing >= 1 else 2
        return [f"{v:,.{decimals}f}" for v in values]


class VolumeAxis(pg.AxisItem):
    """A volume axis in 万 / 亿 (K / M in English)."""

    def tickStrings(self, values, scale, spacing):
        return [big_number(v) for v in values]


def big_number(value: float) -> str:
    """1.2万 / 3.4亿 (1.2K / 3.4M in English); plain below ten thousand."""
    value = float(value)
    if ui_lang() == "en":
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(value) >= size:
                return f"{value / size:.1f}{suffix}"
        return f"{value:.0f}"
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.1f}万"
    return f"{value:.0f}"


def style_plot(plot: pg.PlotItem, theme: ThemePalette, *, grid: bool = True) -> None:
    """Axis pens, label colours and (unless ``grid`` is False) pyqtgraph's grid from ``theme``.

    pyqtgraph's grid is drawn by the axes with a translucent pen and costs
    about 5 ms a paint; the 分时 chart, painted on every tick, draws its few
    grid lines as solid ``GridLines`` instead.
    """
    for name in ("left", "right", "bottom", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.chart_axis))
        axis.setTextPen(pg.mkPen(theme.chart_text))
    if grid:
        plot.showGrid(x=True, y=True, alpha=0.18 if theme.dark else 0.15)


class GridLines:
    """A few solid grid lines of one plot: fixed vertical ones, movable horizontal ones."""

    def __init__(self, plot: pg.PlotItem, vertical: tuple[float, ...], horizontal: int) -> None:
        self.vertical = [pg.InfiniteLine(pos=x, angle=90, movable=False) for x in vertical]
        self.horizontal = [pg.InfiniteLine(angle=0, movable=False) for _ in range(horizontal)]
        for line in self.vertical + self.horizontal:
            line.setZValue(-10)  # under the data
            plot.addItem(line, ignoreBounds=True)
        for line in self.horizontal:
            line.setVisible(False)

    def set_pen(self, color: str) -> None:
        pen = pg.mkPen(color, width=1)
        for line in self.vertical + self.horizontal:
            line.setPen(pen)

    def set_levels(self, values: list[float]) -> None:
        for i, line in enumerate(self.horizontal):
            if i < len(values):
                line.setPos(values[i])
            line.setVisible(i < len(values))


def fixed_plot(plot: pg.PlotItem) -> None:
    """A plot the trader reads, not pans: no menu, no buttons, no mouse zoom."""
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.getViewBox().setMouseEnabled(x=False, y=False)


def fit_axes(widget: QWidget, axes: list[tuple[pg.AxisItem, str]]) -> None:
    """Size each vertical axis for its widest label (``sample``) in ``widget``'s font,
    so the labels stay whole at any 字号 (a fixed width hides them when the font grows)."""
    metrics = QFontMetrics(widget.font())
    for axis, sample in axes:
        axis.setWidth(metrics.horizontalAdvance(sample) + 14)
