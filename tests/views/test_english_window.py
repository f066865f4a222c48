"""``--lang en``: the whole window speaks English, not only the tables.

Built as ``main.py --lang en`` builds it (``set_ui_lang`` before the widgets,
``Terminal(lang='en')``), then every text a trader reads is checked for
Chinese: menus, toolbar, dock titles, table headers, the ticket's labels and
buttons, the connection panel and the status bar. Data keeps its language
(instrument names, the counter's reasons, the user's folder).
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMenu,
    QSpinBox,
    QTabBar,
    QTableView,
    QWidget,
)

from app.app_wiring import Terminal
from app.services.sim import SimConfig
from app.views import ui_text
from app.views.main_window import MainWindow
from app.views.theme import apply_theme
from tests.views.conftest import ACCOUNT, WAIT_MS, connect

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
#: names of the QMT client's own (Chinese-only) login options, quoted as the trader sees them
KEPT = ("极简模式", "独立交易模式")


def chinese_in(text: str) -> bool:
    for kept in KEPT:
        text = text.replace(kept, "")
    return bool(CJK.search(text or ""))


@pytest.fixture
def english(qapp):
    ui_text.set_ui_lang("en")
    yield
    ui_text.set_ui_lang("zh")


@pytest.fixture
def en_window(qtbot, english, settings, tmp_path):
    apply_theme(QApplication.instance())
    terminal = Terminal(settings, sim_config=SimConfig(auto_run=False), lang="en")
    terminal.vm.connection.set_path(str(tmp_path / "sim"))  # a path without Chinese: data aside
    terminal.vm.connection.set_account(ACCOUNT)
    window = MainWindow(terminal.viewmodels(), settings, initial_size=QSize(1366, 768))
    qtbot.addWidget(window)
    window.resize_for_screenshot(QSize(1366, 768))
    window.show()
    qtbot.waitExposed(window)
    yield window, terminal
    terminal.shutdown()


def texts_of(window: MainWindow) -> dict[str, str]:
    """Every text of the window's chrome, keyed by where it is (for the failure message)."""
    found: dict[str, str] = {"title": window.windowTitle()}
    for menu in window.menuBar().findChildren(QMenu):
        found[f"menu {menu.title()}"] = menu.title()
        for action in menu.actions():
            found[f"menu item {action.text()}"] = action.text()
    for action in window.commands.findChildren(type(window.commands.buy)):
        found[f"action {action.objectName()}"] = action.text()
        found[f"tip {action.objectName()}"] = action.toolTip()
    for widget in window.findChildren(QWidget):
        name = widget.objectName() or type(widget).__name__
        if not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QDockWidget):
            found[f"dock {name}"] = widget.windowTitle()
        elif isinstance(widget, QLabel):
            found[f"label {name} {widget.text()}"] = widget.text()
        elif isinstance(widget, QAbstractButton):
            found[f"button {name} {widget.text()}"] = widget.text()
        elif isinstance(widget, QLineEdit):
            found[f"placeholder {name}"] = widget.placeholderText()
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                found[f"combo {name} {i}"] = widget.itemText(i)
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                found[f"tab {name} {i}"] = widget.tabText(i)
        elif isinstance(widget, QTableView) and widget.model() is not None:
            model = widget.model()
            for c in range(model.columnCount()):
                found[f"header {name} {c}"] = str(model.headerData(c, Qt.Orientation.Horizontal))
        if isinstance(widget, QAbstractSpinBox):
            found[f"special {name}"] = widget.specialValueText()
        if isinstance(widget, QSpinBox):
            found[f"suffix {name}"] = widget.suffix()
        if widget.accessibleName():
            found[f"accessible {name}"] = widget.accessibleName()
    return found


def test_english_window_has_no_chinese_chrome(qtbot, en_window):
    window, _terminal = en_window
    texts = texts_of(window)
    chinese = {where: text for where, text in texts.items() if chinese_in(text)}
    assert chinese == {}
    assert ui_text.missing() == set()
    # the places a trader looks first, by name
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Trade", "&Connection", "&View", "&Help"]
    toolbar = [a.text() for a in window.toolbar.actions() if not a.isSeparator()]
    assert toolbar[:4] == ["Connect", "Disconnect", "Buy", "Sell"] and "Cancel all" in toolbar
    docks = {d.objectName(): d.windowTitle() for d in window.findChildren(QDockWidget)}
    assert docks["ticketDock"] == "Order ticket" and docks["entrustDock"] == "Orders"
    assert window.order_ticket.buy_button.text() == "Buy"
    assert window.order_ticket.sell_button.text() == "Sell"
    assert window.status_bar.connection_text == "Disconnected"


def test_english_window_after_connecting_and_trading(qtbot, en_window):
    window, terminal = en_window
    connect(qtbot, window, terminal)
    assert window.status_bar.connection_text == "Connected"
    assert window.status_bar.account_label.text() == f"Account {ACCOUNT}"
    entrusts = window.entrust_table.model()
    headers = [entrusts.headerData(c, Qt.Orientation.Horizontal)
               for c in range(entrusts.columnCount())]
    assert "Time" in headers and not any(chinese_in(str(h)) for h in headers)
    ticket = window.order_ticket
    qtbot.waitUntil(lambda: terminal.vm.ticket.instrument_name != "", timeout=WAIT_MS)
    combo = ticket.price_type_combo
    assert combo.itemText(0) == "Limit"
    assert all(not chinese_in(combo.itemText(i)) for i in range(combo.count()))
    assert ticket.max_label.text().startswith("Max buy")
    # a market order chosen by its English label is sent with its xtquant code
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert terminal.vm.ticket.price_type == combo.itemData(1)
    assert ticket.price_spin.specialValueText() == "Market"
    chinese = {w: t for w, t in texts_of(window).items()
               if chinese_in(t) and "instrument" not in w.lower() and "quoteName" not in w
               and "priceChartTitle" not in w and "ticketInstrument" not in w}
    assert chinese == {}
    assert ui_text.missing() == set()
