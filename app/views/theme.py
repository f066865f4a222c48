"""Look of the terminal: fonts with CJK fallback, colours, the style sheet.

Chinese first: the application font is a *list* of families so that Chinese
renders on every platform a trader uses (Microsoft YaHei on Windows, PingFang SC
on macOS, Noto Sans CJK SC on Linux) and falls back glyph by glyph.
Red means buy / up and green means sell / down, as in every A-share terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.viewmodels import formatting
from app.views import palette as themes

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
    """Red above the reference (previous close), green below, the theme's text colour otherwise."""
    if value is None or reference is None or value == reference or value <= 0:
        return QColor(themes.current_palette().flat)
    return UP_COLOR if value > reference else DOWN_COLOR


def apply_theme(app: QApplication, scheme: str | None = None,
                font_size: float | None = None) -> None:
    """Set the font, the palette and the style sheet on *app*.

    ``scheme``: 'light', 'dark' or 'system'/None (the system's colour
    scheme); ``font_size`` in points (None: 9). Called at start-up and again
    by the 视图 menu (``ThemeMenu``); widgets that paint by hand follow
    ``palette.theme_events().changed``.
    """
    theme = themes.resolve_scheme(scheme)
    app.setStyle("Fusion")
    app.setFont(ui_font(font_size or 9.0))
    app.setPalette(themes.qt_palette(theme, app.palette()))
    sheets = [_QSS_PATH] + ([_QSS_PATH.with_name("theme-dark.qss")] if theme.dark else [])
    app.setStyleSheet("\n".join(p.read_text(encoding="utf-8") for p in sheets if p.is_file()))
    themes.set_current_palette(theme)
