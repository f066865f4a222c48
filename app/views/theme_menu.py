"""ThemeMenu: 视图 → 主题 (跟随系统 / 浅色 / 深色) and 字号, remembered in QSettings.

Built by the main window into its 视图 menu. The choice is applied to the
application at once (``theme.apply_theme``) and kept under ``view/theme`` and
``view/font_size``; on start the saved choice is applied again. While the
choice is 跟随系统 the palette follows the system's colour scheme as it
changes (``QStyleHints.colorSchemeChanged``); on Qt 6.8+ an explicit choice
is also handed to ``QStyleHints.setColorScheme`` so native title bars agree.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QWidget

from app.views.palette import FONT_SIZES, SCHEMES, current_palette, resolve_scheme
from app.views.theme import apply_theme
from app.views.ui_text import tr

__all__ = ["FONT_SIZE_KEY", "THEME_KEY", "ThemeMenu"]

THEME_KEY = "view/theme"
FONT_SIZE_KEY = "view/font_size"

_SCHEME_TEXT = {"system": "跟随系统", "light": "浅色", "dark": "深色"}
_SIZE_TEXT = {9.0: "标准", 10.0: "较大", 11.0: "大", 12.0: "特大"}


class ThemeMenu(QObject):
    """``ThemeMenu(view_menu, settings, parent)``: adds 主题 and 字号 to ``view_menu``."""

    def __init__(self, view_menu: QMenu, settings: QSettings | None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings
        self.scheme = _saved_scheme(settings)
        self.font_size = _saved_size(settings)

        self.theme_menu = view_menu.addMenu(tr("主题"))
        self.theme_menu.setObjectName("themeMenu")
        self.scheme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for scheme in SCHEMES:
            action = QAction(tr(_SCHEME_TEXT[scheme]), self, checkable=True)
            action.setObjectName(f"theme_{scheme}")
            action.setChecked(scheme == self.scheme)
            action.triggered.connect(lambda _checked=False, s=scheme: self.set_scheme(s))
            group.addAction(action)
            self.theme_menu.addAction(action)
            self.scheme_actions[scheme] = action

        self.size_menu = view_menu.addMenu(tr("字号"))
        self.size_menu.setObjectName("fontSizeMenu")
        self.size_actions: dict[float, QAction] = {}
        sizes = QActionGroup(self)
        for size in FONT_SIZES:
            action = QAction(tr(_SIZE_TEXT[size]) + f" ({size:g} pt)", self, checkable=True)
            action.setObjectName(f"fontSize_{size:g}")
            action.setChecked(size == self.font_size)
            action.triggered.connect(lambda _checked=False, v=size: self.set_font_size(v))
            sizes.addAction(action)
            self.size_menu.addAction(action)
            self.size_actions[size] = action

        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_system_scheme)
        app = QApplication.instance()
        unchanged = (app is not None and current_palette() is resolve_scheme(self.scheme)
                     and app.font().pointSizeF() == self.font_size)
        # main.py applied the default theme already: no second restyle when it is the same
        self._apply(restyle=not unchanged)

    def set_scheme(self, scheme: str) -> None:
        """'system', 'light' or 'dark': apply and remember."""
        if scheme not in SCHEMES:
            raise ValueError(f"未知主题: {scheme!r}")
        self.scheme = scheme
        self.scheme_actions[scheme].setChecked(True)
        self._save(THEME_KEY, scheme)
        self._apply()

    def set_font_size(self, size: float) -> None:
        """The application font size in points: apply and remember."""
        self.font_size = float(size)
        action = self.size_actions.get(self.font_size)
        if action is not None:
            action.setChecked(True)
        self._save(FONT_SIZE_KEY, self.font_size)
        self._apply()

    @Slot()
    def _on_system_scheme(self, *_args) -> None:
        window = self.parent()
        if isinstance(window, QWidget) and not window.isVisible():
            return  # a closed window's menu does not drive the application's theme
        if self.scheme == "system":
            self._apply()

    def _apply(self, restyle: bool = True) -> None:
        app = QApplication.instance()
        if app is None:
            return
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "setColorScheme"):  # Qt 6.8+: tell the platform (title bars)
            wanted = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
            hints.setColorScheme(wanted.get(self.scheme, Qt.ColorScheme.Unknown))
        if restyle:
            apply_theme(app, self.scheme, self.font_size)

    def _save(self, key: str, value) -> None:
        if self.settings is not None:
            self.settings.setValue(key, value)


def _saved_scheme(settings: QSettings | None) -> str:
    value = str(settings.value(THEME_KEY, "system") or "system") if settings is not None else ""
    return value if value in SCHEMES else "system"


def _saved_size(settings: QSettings | None) -> float:
    try:
        value = float(settings.value(FONT_SIZE_KEY, 9.0)) if settings is not None else 9.0
    except (TypeError, ValueError):
        value = 9.0
    return value if value in FONT_SIZES else 9.0
