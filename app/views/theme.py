"""Look of the terminal: fonts with CJK fallback, colours, the style sheet.

Chinese first: the application font is a *list* of families so that Chinese
renders on every platform a trader uses (Microsoft YaHei on Windows, PingFang SC
on macOS, Noto Sans CJK SC on Linux) and falls back glyph by glyph.
Red means buy / up and green means sell / down, as in every A-share terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from app.viewmodels import formatting

__all__ = [
    "BUY_COLOR",
    "CJK_FAMILIES",
    "DOWN_COLOR",
    "FLAT_COLOR",
    "SELL_COLOR",
    "UP_COLOR",
    "apply_theme",
    "price_color",
    "ui_font",
]

#: Preferred families, first match wins; the rest are per-glyph fallbacks.
CJK_FAMILIES: Final = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Arial Unicode MS",
)

# one red and one green for the whole window: the tables' (viewmodels) colours
UP_COLOR: Final = QColor(formatting.UP_COLOR)  # 涨 / 买
DOWN_COLOR: Final = QColor(formatting.DOWN_COLOR)  # 跌 / 卖
FLAT_COLOR: Final = QColor("#333333")
BUY_COLOR: Final = UP_COLOR
SELL_COLOR: Final = DOWN_COLOR

_QSS_PATH: Final = Path(__file__).resolve().parents[2] / "resources" / "theme.qss"


def ui_font(point_size: float = 9.0) -> QFont:
    """The application font: a family list that renders Chinese everywhere."""
    available = set(QFontDatabase.families())
    families = [f for f in CJK_FAMILIES if f in available] or list(CJK_FAMILIES)
    font = QFont()
    font.setFamilies(families)
    font.setPointSizeF(point_size)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


def price_color(value: float | None, reference: float | None) -> QColor:
    """Red above the reference (previous close), green below, grey otherwise."""
    if value is None or reference is None or value == reference or value <= 0:
        return FLAT_COLOR
    return UP_COLOR if value > reference else DOWN_COLOR


def apply_theme(app: QApplication) -> None:
    """Set the font, a light palette and the style sheet on *app* (call once)."""
    app.setStyle("Fusion")
    app.setFont(ui_font())
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f3f4f6"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f6f8fb"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#cfe3ff"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#111111"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#1d1d1f"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#1d1d1f"))
    app.setPalette(palette)
    if _QSS_PATH.is_file():
        app.setStyleSheet(_QSS_PATH.read_text(encoding="utf-8"))
