"""Terminal: the composition root: sessions + ``TerminalViewModel`` + what the window binds to.

It sits above the layers (``main.py`` and the view tests use it) and only

- creates one ``TradingSession`` per backend on demand (with the simulator's
  ``SimConfig`` when given: tests step the market by hand) and hands them to
  ``TerminalViewModel``, which does all the wiring (bridge, tables, ticket,
  quotes once connected, first code of the ticket);
- re-announces each account snapshot as ``dataLoaded`` (``main.py
  --screenshot`` waits for it);
- hands the window a ``TerminalViewModels`` and shuts everything down on exit.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from app.services.market import MarketData
from app.services.session import TradingSession
from app.viewmodels.terminal_view_model import TerminalViewModel
from app.views.main_window import TerminalViewModels

log = logging.getLogger("qmtdesk")

__all__ = ["Terminal"]


class Terminal(QObject):
    """``Terminal(settings, sim_config=None, lang='zh')``: everything behind the window."""

    #: an account snapshot was applied (after every (re)connect and every refresh)
    dataLoaded = Signal()

    def __init__(
        self,
        settings: QSettings,
        *,
        sim_config: Any = None,
        lang: str = "zh",
        install_log_handler: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.sim_config = sim_config
        self.sessions: dict[str, TradingSession] = {}
        self._closed = False
        self.vm = vm = TerminalViewModel(
            self._session_for, settings, self, lang=lang, install_log_handler=install_log_handler
        )
        vm.refreshed.connect(self.dataLoaded)

    def viewmodels(self) -> TerminalViewModels:
        vm = self.vm
        return TerminalViewModels(
            connection=vm.connection,
            status=vm.status,
            ticket=vm.ticket,
            quote=vm.quote,
            cancel=vm.cancel,
            balance=vm.balance_model,
            positions=vm.position_model,
            entrusts=vm.entrust_model,
            trades=vm.trade_model,
            log=vm.log_model,
            refresh=vm.refresh,
        )

    @property
    def session(self) -> TradingSession | None:
        return self.vm.session

    @property
    def market(self) -> MarketData | None:
        """The quotes of the connected session (None before the first connect)."""
        return self.vm.market

    def refresh(self) -> None:
        self.vm.refresh()

    def _session_for(self, backend: str) -> TradingSession:
        session = self.sessions.get(backend)
        if session is None:
            config = self.sim_config if backend.startswith("sim") else None
            session = self.sessions[backend] = TradingSession(backend, sim_config=config)
        return session

    def shutdown(self) -> None:
        """Stop every session and thread this terminal started (on exit)."""
        if self._closed:
            return
        self._closed = True
        self.vm.shutdown()
        for session in self.sessions.values():
            try:
                session.disconnect()
            except Exception:
                log.exception("断开会话出错")
