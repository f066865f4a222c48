"""QuotePanel: the ticket's instrument: name, last price and change, the five-level book.

Bound to ``QuoteViewModel``. Prices are red above the previous close and
green below (A-share convention). A click on a level asks the ticket to use
that price (``priceClicked``), as in every broker's client.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.viewmodels.formatting import format_price, price_decimals
from app.views.palette import theme_events
from app.views.theme import price_color
from app.views.ui_text import tr, ui_lang

__all__ = ["QuotePanel"]

_LEVEL_NAMES = "一二三四五"


def _line() -> QFrame:
    line = QFrame()
    line.setObjectName("quoteSeparator")  # coloured by the theme's style sheet
    line.setFrameShape(QFrame.Shape.HLine)
    return line


class QuotePanel(QWidget):
    """``QuotePanel(viewmodel, parent=None)``; ``priceClicked(float)`` on a book click."""

    priceClicked = Signal(float)

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("quotePanel")
        self.setAccessibleName(tr("五档行情"))
        self.vm = viewmodel
        self._prices: list[float] = [0.0] * 10
        self._build()
        viewmodel.quoteChanged.connect(self._sync)
        viewmodel.codeChanged.connect(self._sync)
        theme_events().changed.connect(self._sync)  # the flat colour is the theme's text colour
        self._sync()

    def _build(self) -> None:
        self.name_label = QLabel(self)
        self.name_label.setObjectName("quoteName")
        self.last_label = QLabel(self)
        self.last_label.setObjectName("quoteLast")
        self._fit_fonts()
        self.change_label = QLabel(self)
        self.change_label.setObjectName("quoteChange")
        self.change_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        head = QGridLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.setHorizontalSpacing(6)
        head.setVerticalSpacing(0)
        head.addWidget(self.name_label, 0, 0, 1, 2)
        head.addWidget(self.last_label, 1, 0)
        head.addWidget(self.change_label, 1, 1)

        book = QGridLayout()
        book.setContentsMargins(0, 0, 0, 0)
        book.setHorizontalSpacing(8)
        book.setVerticalSpacing(0)
        book.setColumnStretch(1, 1)
        book.setColumnStretch(2, 1)
        self.level_labels: list[tuple[QLabel, QLabel, QLabel]] = []
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        grid_row = 0
        for i in range(10):
            if i == 5:
                book.addWidget(_line(), grid_row, 0, 1, 3)
                grid_row += 1
            name = _level_name(i)
            caption = QLabel(name, self)
            caption.setProperty("role", "hint")
            price = QLabel("--", self)
            price.setAlignment(right)
            volume = QLabel("--", self)
            volume.setAlignment(right)
            for label in (caption, price, volume):
                label.setCursor(Qt.CursorShape.PointingHandCursor)
                label.setProperty("bookRow", i)
                label.installEventFilter(self)
            price.setObjectName(f"quoteBookPrice{i}")
            book.addWidget(caption, grid_row, 0)
            book.addWidget(price, grid_row, 1)
            book.addWidget(volume, grid_row, 2)
            self.level_labels.append((caption, price, volume))
            grid_row += 1

        self.stat_labels: dict[str, QLabel] = {}
        stats = QGridLayout()
        stats.setContentsMargins(0, 0, 0, 0)
        stats.setHorizontalSpacing(4)
        stats.setVerticalSpacing(0)
        cells = (
            (0, 0, "open", "今开"),
            (0, 1, "high", "最高"),
            (0, 2, "up_limit", "涨停"),
            (1, 0, "prev_close", "昨收"),
            (1, 1, "low", "最低"),
            (1, 2, "down_limit", "跌停"),
        )
        for row, col, key, caption in cells:
            self._add_stat(stats, row, col * 2, 1, key, caption)
        self._add_stat(stats, 2, 0, 3, "volume", "成交量")
        self._add_stat(stats, 3, 0, 3, "amount", "成交额")
        for col in (1, 3, 5):
            stats.setColumnStretch(col, 1)

        # in a scroll area: with a large 字号 on a 768-pixel screen the panel scrolls
        # instead of making the window taller than the screen
        content = QWidget(self)
        content.setObjectName("quotePanelContent")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(3)
        layout.addLayout(head)
        layout.addWidget(_line())
        layout.addLayout(book)
        layout.addWidget(_line())
        layout.addLayout(stats)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        scroll.viewport().setAutoFillBackground(False)
        content.setAutoFillBackground(False)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _add_stat(
        self, grid: QGridLayout, row: int, col: int, span: int, key: str, caption: str
    ) -> None:
        label = QLabel(tr(caption), self)
        label.setProperty("role", "hint")
        value = QLabel("--", self)
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        value.setObjectName(f"quoteStat_{key}")
        grid.addWidget(label, row, col)
        grid.addWidget(value, row, col + 1, 1, span)
        self.stat_labels[key] = value

    def _fit_fonts(self) -> None:
        """The name a point larger and the last price five larger than the window's font."""
        base = self.font().pointSizeF()
        for label, extra in ((self.name_label, 1), (self.last_label, 5)):
            font = QFont(self.font())
            font.setBold(True)
            font.setPointSizeF(base + extra)
            label.setFont(font)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "last_label"):
            self._fit_fonts()  # 视图 > 字号

    # ------------------------------------------------------------------ clicks
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease:
            row = watched.property("bookRow")
            if row is not None and self._prices[int(row)] > 0:
                self.priceClicked.emit(self._prices[int(row)])
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ sync
    def _sync(self, *_args) -> None:
        q = self.vm.quote
        if q is None:
            code = self.vm.code
            self.name_label.setText(code or tr("未选择证券"))
            self.last_label.setText("--")
            _set_color(self.last_label, price_color(None, None).name())
            self.change_label.setText("")
            self._prices = [0.0] * 10
            for _caption, price, volume in self.level_labels:
                price.setText("--")
                _set_color(price, "")
                volume.setText("--")
            for value in self.stat_labels.values():
                value.setText("--")
                _set_color(value, "")
            return
        decimals = price_decimals(q.stock_code)
        prev = q.prev_close or None
        self.name_label.setText(f"{q.instrument_name or ''}  {q.stock_code}")
        color = price_color(q.last_price, prev).name()
        self.last_label.setText(format_price(q.last_price, decimals=decimals))
        _set_color(self.last_label, color)
        self.change_label.setText(self.vm.change_text)
        _set_color(self.change_label, color)
        prices = [q.ask_price[4 - i] for i in range(5)] + [q.bid_price[i] for i in range(5)]
        volumes = [q.ask_volume[4 - i] for i in range(5)] + [q.bid_volume[i] for i in range(5)]
        self._prices = [p or 0.0 for p in prices]
        for (_caption, price, volume), p, v in zip(self.level_labels, prices, volumes, strict=True):
            price.setText(format_price(p, decimals=decimals))
            _set_color(price, price_color(p, prev).name())
            volume.setText(f"{v:,}" if v else "--")
        stats = self.stat_labels
        for key in ("open", "high", "low", "up_limit", "down_limit"):
            value = getattr(q, key)
            stats[key].setText(format_price(value, decimals=decimals))
            _set_color(stats[key], price_color(value, prev).name())
        stats["prev_close"].setText(format_price(prev, decimals=decimals))
        stats["volume"].setText(_big(q.volume, tr("股")))
        stats["amount"].setText(_big(q.amount, tr("元")))


def _set_color(label: QLabel, color: str) -> None:
    """``label``'s text colour ('' = the theme's), restyled only when it changes:
    a style sheet costs ~0.1 ms a label, and the panel has thirty of them per tick."""
    sheet = f"color: {color};" if color else ""
    if label.styleSheet() != sheet:
        label.setStyleSheet(sheet)


def _level_name(row: int) -> str:
    """Book row 0..9 -> 卖五..卖一, 买一..买五 (Ask 5..Ask 1, Bid 1..Bid 5 in English)."""
    level = 4 - row if row < 5 else row - 5
    n = str(level + 1) if ui_lang() == "en" else _LEVEL_NAMES[level]
    return tr("卖{n}", n=n) if row < 5 else tr("买{n}", n=n)


def _big(value: float | int, unit: str) -> str:
    """Magnitude units: 1.23万 / 4.56亿 (1.23M / 4.56B in English)."""
    if not value:
        return "--"
    if ui_lang() == "en":
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if value >= size:
                return f"{value / size:,.2f}{suffix} {unit}"
        return f"{value:,.0f} {unit}"
    if value >= 1e8:
        return f"{value / 1e8:,.2f}亿{unit}"
    if value >= 1e4:
        return f"{value / 1e4:,.2f}万{unit}"
    return f"{value:,.0f}{unit}"
