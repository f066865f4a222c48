"""Terminal: the composition root: sessions + ``TerminalViewModel`` + what the window binds to.

It sits above the layers (``main.py`` and the view tests use it). The wiring
of session events to viewmodels lives in ``TerminalViewModel``; this class
only

- creates one ``TradingSession`` per backend on demand (with the simulator's
  ``SimConfig`` when given: tests step the market by hand);
- attaches the session's ``MarketData`` to the ticket, the quote panel and
  the holdings once the session is connected (it has no quotes before);
- picks the ticket's first code after the first account snapshot (the last
  code used, else the first holding) and re-announces the snapshot as
  ``dataLoaded`` (``main.py --screenshot`` waits for it);
- hands the window a ``TerminalViewModels`` and shuts everything down on exit.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal, Slot

from app.services.backends import native_xtquant_available
from app.services.market import MarketData
from app.services.session import SessionError, TradingSession
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
        self.vm = TerminalViewModel(
            self._session_for, settings, self, lang=lang, install_log_handler=install_log_handler
        )
        vm = self.vm
        self.bridge = vm.bridge
        self.runner = vm.runner
        self.connection = vm.connection
        self.status = vm.status
        self.ticket = vm.ticket
        self.quote = vm.quote
        self.cancel = vm.cancel
        self.balance = vm.balance_model
        self.positions = vm.position_model
        self.entrusts = vm.entrust_model
        self.trades = vm.trade_model
        self.log = vm.log_model
        self._market: MarketData | None = None
        # TerminalViewModel.use_session reads session.market, which a simulator
        # session cannot give before connect: switch sessions through a guard and
        # attach the quotes once connected (see _attach_market).
        self.connection.sessionChanged.disconnect(vm.use_session)
        self.connection.sessionChanged.connect(self._use_session)
        vm.refreshed.connect(self._on_refreshed)
        self.bridge.connectionStatusChanged.connect(self._on_status)
        self.ticket.codeChanged.connect(self._remember_code)

    def viewmodels(self) -> TerminalViewModels:
        return TerminalViewModels(
            connection=self.connection,
            status=self.status,
            ticket=self.ticket,
            quote=self.quote,
            cancel=self.cancel,
            balance=self.balance,
            positions=self.positions,
            entrusts=self.entrusts,
            trades=self.trades,
            log=self.log,
            refresh=self.vm.refresh,
            broker_available=native_xtquant_available(),
        )

    @property
    def session(self) -> TradingSession | None:
        return self.vm.session

    @property
    def market(self) -> MarketData | None:
        """The quotes of the connected session (None before the first connect)."""
        return self._market

    def refresh(self) -> None:
        self.vm.refresh()

    # ------------------------------------------------------------------ sessions
    def _session_for(self, backend: str) -> TradingSession:
        session = self.sessions.get(backend)
        if session is None:
            config = self.sim_config if backend.startswith("sim") else None
            session = self.sessions[backend] = TradingSession(backend, sim_config=config)
        return session

    @Slot(object)
    def _use_session(self, session) -> None:
        try:
            self.vm.use_session(session)
        except SessionError as exc:  # no quotes before connect; attached when connected
            log.debug("会话尚无行情：%s", exc)

    @Slot(object)
    def _on_status(self, status) -> None:
        name = (getattr(status.state, "name", None) or str(status.state)).upper()
        if name == "CONNECTED":
            self._attach_market()

    def _attach_market(self) -> None:
        """Give the ticket, the quote panel and the holdings the connected session's quotes.

        ``TradingSession.market`` exists only once the session knows its folder
        (after ``connect``), so it is attached here rather than when the
        session is chosen.
        """
        session = self.session
        if session is None:
            return
        try:
            market = session.market
        except Exception as exc:  # e.g. xtdata cannot load on this machine
            log.warning("行情不可用：%s", exc)
            return
        if market is self._market:
            return
        self._market = market
        self.ticket.set_market_data(market)
        self.quote.set_market(market, self.bridge.enqueue)
        self.vm._subscribe_positions(self.positions.codes())

    # ------------------------------------------------------------------ first data
    @Slot()
    def _on_refreshed(self) -> None:
        if not self.ticket.code_text:
            positions = self.positions.records()
            remembered = str(self.settings.value("ticket/last_code", "") or "")
            code = remembered or (positions[0].stock_code if positions else "")
            if code:
                self.ticket.set_code(code)
        self.dataLoaded.emit()

    @Slot(str)
    def _remember_code(self, code: str) -> None:
        if code:
            self.settings.setValue("ticket/last_code", code)

    # ------------------------------------------------------------------ shutdown
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
