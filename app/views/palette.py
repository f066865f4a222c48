"""The terminal's two palettes (浅色 / 深色) and the one place that says which is on.

A ``ThemePalette`` names every colour the window draws by hand: the Qt
palette roles, the captions and separators of the quote panel, and every pen
and brush of the charts. Red is up / buy and green is down / sell in both
(the one red and green of ``app.viewmodels.formatting``, readable on white
and on near-black). ``theme.apply_theme`` installs one; widgets that paint
by hand read ``current_palette()`` and repaint on ``theme_events().changed``.

``resolve_scheme('system')`` follows the system's colour scheme
(``QStyleHints.colorScheme``, Qt 6.5+; the 视图 menu switches it and, on
Qt 6.8+, tells Qt via ``setColorScheme`` so native title bars follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.viewmodels import formatting

__all__ = [
    "DARK",
    "FONT_SIZES",
    "LIGHT",
    "SCHEMES",
    "ThemePalette",
    "current_palette",
    "qt_palette",
    "resolve_scheme",
    "set_current_palette",
    "system_scheme",
    "theme_events",
]

#: the 视图 menu's choices: follow the system, or one of the two palettes
SCHEMES: Final = ("system", "light", "dark")
#: the 字号 choices, in points (9 is the default)
FONT_SIZES: Final = (9.0, 10.0, 11.0, 12.0)


@dataclass(frozen=True, slots=True)
class ThemePalette:
    """Every colour the window draws; hex strings (``#rrggbb``)."""

    name: str
    window: str
    base: str
    alternate_base: str
    text: str
    button: str
    highlight: str
    highlighted_text: str
    placeholder: str
    tooltip_base: str
    up: str
    down: str
    flat: str
    muted: str
    separator: str
    chart_background: str
    chart_text: str
    chart_axis: str
    chart_grid: str
    price_line: str
    average_line: str
    prev_close_line: str
    crosshair: str
    equity_line: str
    volume_flat: str

    @property
    def dark(self) -> bool:
        return self.name == "dark"


LIGHT: Final = ThemePalette(
    name="light",
    window="#f3f4f6",
    base="#ffffff",
    alternate_base="#f6f8fb",
    text="#1d1d1f",
    button="#eceff3",
    highlight="#cfe3ff",
    highlighted_text="#111111",
    placeholder="#8a9099",
    tooltip_base="#ffffe8",
    up=formatting.UP_COLOR,
    down=formatting.DOWN_COLOR,
    flat="#333333",
    muted="#6b7280",
    separator="#d6dbe2",
    chart_background="#ffffff",
    chart_text="#4b5563",
    chart_axis="#c4cad3",
    chart_grid="#e9ecf0",
    price_line="#1f5fbf",
    average_line="#e0a100",
    prev_close_line="#9aa1ab",
    crosshair="#8a9099",
    equity_line="#6a3fb5",
    volume_flat="#9aa1ab",
)

DARK: Final = ThemePalette(
    name="dark",
    window="#1e2126",
    base="#15171b",
    alternate_base="#1b1e23",
    text="#e3e6ea",
    button="#2a2e35",
    highlight="#2f4a6e",
    highlighted_text="#ffffff",
    placeholder="#7d848e",
    tooltip_base="#2a2e35",
    up=formatting.UP_COLOR,
    down=formatting.DOWN_COLOR,
    flat="#d0d4da",
    muted="#9aa1ab",
    separator="#3a3f47",
    chart_background="#101215",
    chart_text="#aeb4bc",
    chart_axis="#4a505a",
    chart_grid="#262a31",
    price_line="#e8edf3",
    average_line="#f2c12e",
    prev_close_line="#6b727c",
    crosshair="#8a929c",
    equity_line="#b48cff",
    volume_flat="#6b727c",
)


class _ThemeEvents(QObject):
    #: the palette in force changed (charts and hand-painted widgets restyle)
    changed = Signal(object)


_current: ThemePalette = LIGHT
_events: _ThemeEvents | None = None


def theme_events() -> _ThemeEvents:
    """The one object whose ``changed(ThemePalette)`` fires when the palette changes."""
    global _events
    if _events is None:
        _events = _ThemeEvents()
    return _events


def current_palette() -> ThemePalette:
    """The palette in force (light until ``apply_theme`` says otherwise)."""
    return _current


def set_current_palette(palette: ThemePalette) -> None:
    """Make ``palette`` the one in force and tell the widgets (``theme.apply_theme`` calls it)."""
    global _current
    changed = palette is not _current
    _current = palette
    if changed:
        theme_events().changed.emit(palette)


def system_scheme() -> str:
    """'dark' when the system asks for a dark colour scheme, else 'light'."""
    app = QGuiApplication.instance()
    hints = QGuiApplication.styleHints() if app is not None else None
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None and scheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def resolve_scheme(choice: str | None) -> ThemePalette:
    """The palette for a 视图 menu choice ('system', 'light', 'dark'; None = 'system')."""
    if choice == "dark":
        return DARK
    if choice == "light":
        return LIGHT
    return DARK if system_scheme() == "dark" else LIGHT


def qt_palette(theme: ThemePalette, base: QPalette | None = None) -> QPalette:
    """``base`` (or a fresh palette) with every role the window uses set from ``theme``."""
    palette = QPalette(base) if base is not None else QPalette()
    roles = QPalette.ColorRole
    text = QColor(theme.text)
    for role, value in (
        (roles.Window, theme.window),
        (roles.Base, theme.base),
        (roles.AlternateBase, theme.alternate_base),
        (roles.Button, theme.button),
        (roles.Highlight, theme.highlight),
        (roles.HighlightedText, theme.highlighted_text),
        (roles.ToolTipBase, theme.tooltip_base),
        (roles.PlaceholderText, theme.placeholder),
    ):
        palette.setColor(role, QColor(value))
    for role in (roles.Text, roles.WindowText, roles.ButtonText, roles.ToolTipText):
        palette.setColor(role, text)
    palette.setColor(roles.BrightText, QColor(theme.up))
    palette.setColor(roles.Link, QColor(theme.price_line))
    muted = QColor(theme.muted)
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, muted)
    # Fusion draws frames and bevels from these: shades of the window colour
    window = QColor(theme.window)
    mid = window.lighter(160) if theme.dark else window.darker(125)
    for role, colour in ((roles.Light, window.lighter(125)), (roles.Midlight, window.lighter(110)),
                         (roles.Mid, mid), (roles.Dark, window.darker(150)),
                         (roles.Shadow, window.darker(200))):
        palette.setColor(role, colour)
    return palette
