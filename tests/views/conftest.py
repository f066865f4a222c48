"""Fixtures for the trader-level window tests (tests/views).

The terminal runs for real: ``Terminal`` (sessions + ``TerminalViewModel``)
over a ``TradingSession`` on the simulated counter in ``tmp_path``, with
``SimConfig(auto_run=False)`` so the market moves only on ``counter.advance()``.
Settings live in an INI file under ``tmp_path``. Nothing sleeps: tests wait on
signals or conditions with ``qtbot.waitUntil`` / ``qtbot.waitSignal``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtWidgets import QApplication

from app.app_wiring import Terminal
from app.services.sim import SimConfig, SimCounter
from app.views.main_window import MainWindow
from app.views.theme import apply_theme

ACCOUNT = "8886660001"
WAIT_MS = 8000


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "qmtdesk.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def sim_path(tmp_path) -> str:
    """The counter's folder; a space and Chinese characters, as real users' paths have."""
    return str(tmp_path / "模拟 柜台")


@pytest.fixture
def terminal(qapp, settings, sim_path) -> Iterator[Terminal]:
    apply_theme(QApplication.instance())
    term = Terminal(settings, sim_config=SimConfig(auto_run=False))
    term.vm.connection.set_use_simulator(True)
    term.vm.connection.set_path(sim_path)
    term.vm.connection.set_account(ACCOUNT)
    yield term
    term.shutdown()


@pytest.fixture
def window(qtbot, terminal, settings) -> MainWindow:
    win = MainWindow(terminal.viewmodels(), settings, initial_size=QSize(1366, 768))
    qtbot.addWidget(win)
    win.resize_for_screenshot(QSize(1366, 768))
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def counter(terminal, sim_path) -> SimCounter:
    """The terminal's counter (opened with the terminal's config)."""
    return SimCounter.open(sim_path, SimConfig(auto_run=False))


def connect(qtbot, window: MainWindow, terminal: Terminal) -> None:
    """Connect through the panel's button and wait for the first account snapshot
    and for the market (read on the session's worker once connected)."""
    button = window.connection_panel.connect_button
    with qtbot.waitSignal(terminal.dataLoaded, timeout=WAIT_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: terminal.vm.connection.connected, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: terminal.market is not None, timeout=WAIT_MS)


@pytest.fixture
def connected(qtbot, window, terminal) -> MainWindow:
    connect(qtbot, window, terminal)
    return window
