"""TerminalViewModel: builds every viewmodel once and wires them to the session bridge.

The main window creates one ``TerminalViewModel`` and binds its widgets to the
parts below; nothing here creates a widget.

========================  ==========================================================
attribute                 what it is
========================  ==========================================================
``bridge``                ``GuiBridge``: the one way into the GUI thread (session
                          events, quotes, log entries, operation results)
``runner``                ``OperationRunner`` (named operations off the GUI thread)
``connection``            ``ConnectionViewModel`` (panel; QSettings)
``status``                ``StatusViewModel`` (status bar)
``ticket``                ``OrderTicketViewModel``
``cancel``                ``CancelViewModel`` (撤单 / F3 / 全撤 / 撤买 / 撤卖)
``quote``                 ``QuoteViewModel`` (selected code + chart ticks)
``balance_model`` ...     ``BalanceTableModel``, ``PositionTableModel``,
                          ``EntrustTableModel``, ``TradeTableModel``, ``LogTableModel``
``balance_proxy`` ...     their sort/filter proxies (what the views show)
========================  ==========================================================

Flow: bridge ``ordersChanged`` -> entrust ``apply_batch``; ``tradesChanged`` ->
trades; ``positionsChanged`` -> positions + ticket; ``assetChanged`` -> balance
+ ticket; ``quotesChanged`` -> positions' last price, ticket, quote, day P&L;
``connectionStatusChanged`` -> status + connection; ``accountSnapshot`` (the
session queries everything once after every (re)connect and publishes it
before CONNECTED) -> every table's ``reset``, so rows the counter no longer
has disappear. ``refresh()`` (the user's 刷新/F5) runs ``RefreshAccount``: the
session publishes its snapshot through the bridge like the reconnect's, in
order with the pushes (and pushes newer than it follow it again), so it is
applied the same way. An order without an answer in time is 待确认 in the
status bar (``runner.unconfirmed``) until its answer or a push settles it.
Order and cancel errors go to their entrust row, the status bar and the log.

Quotes: a session's ``market`` exists only once it is connected (a simulator
session learns its folder in ``connect``), so the market is attached here
when the session reports CONNECTED (and at once when it already has one):
the ticket and the quote panel get it, the holdings' codes are subscribed
and their current quotes fetched off the GUI thread, so the day's P&L does
not wait for the next tick. No xtquant call runs on the GUI thread: reading
``session.market`` (which imports ``xtdata`` with a real broker) and every
``subscribe``/``unsubscribe`` run on the session's worker
(``TradingSession.submit``); their answers come back by queued signals.
After the first snapshot the ticket gets a code to show (the last one used,
else the first holding).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Signal, Slot

from app.models import names
from app.services import log_plumbing
from app.viewmodels.balance_table_model import BalanceTableModel
from app.viewmodels.bridge import GuiBridge
from app.viewmodels.cancel_view_model import CancelViewModel
from app.viewmodels.connection_view_model import ConnectionViewModel
from app.viewmodels.entrust_table_model import EntrustTableModel
from app.viewmodels.log_table_model import LogTableModel, make_log_proxy
from app.viewmodels.order_ticket_view_model import OrderTicketViewModel
from app.viewmodels.position_table_model import PositionTableModel
from app.viewmodels.quote_subscription import QuoteSubscription
from app.viewmodels.quote_view_model import QuoteViewModel
from app.viewmodels.record_table_model import make_proxy
from app.viewmodels.status_view_model import StatusViewModel, state_name
from app.viewmodels.trade_table_model import TradeTableModel
from app.viewmodels.trading_operations import (
    AccountSnapshot,
    BackgroundCaller,
    OperationRunner,
    RefreshAccount,
)

log = logging.getLogger("qmtdesk")


LAST_CODE_KEY = "ticket/last_code"


class TerminalViewModel(QObject):
    """See the module docstring."""

    sessionChanged = Signal(object)
    refreshed = Signal()             # the tables were resynced from the counter
    refreshFailed = Signal(str)
    marketAttached = Signal(object)  # the session's MarketData (or None) reached the viewmodels

    def __init__(self, session_provider: Callable[[str], object] | None = None,
                 settings: QSettings | None = None, parent: QObject | None = None, *,
                 session=None, lang: str = "zh", install_log_handler: bool = True) -> None:
        super().__init__(parent)
        if session_provider is None and session is None:
            raise TypeError("TerminalViewModel needs a session_provider or a session")
        self._lang = lang
        self._settings = settings
        self._session = None
        self._market = None
        self._market_generation = 0
        self.bridge = GuiBridge(parent=self)
        self.runner = OperationRunner(parent=self, bridge=self.bridge)
        self.lookup = BackgroundCaller(self, bridge=self.bridge)
        self._holdings = QuoteSubscription(self._session_submit, self, what="持仓行情",
                                           bridge=self.bridge)
        self._applied_snapshot = None

        self.balance_model = BalanceTableModel(self, lang=lang)
        self.position_model = PositionTableModel(self, lang=lang)
        self.entrust_model = EntrustTableModel(self, lang=lang)
        self.trade_model = TradeTableModel(self, lang=lang)
        self.log_model = LogTableModel(self, lang=lang)
        self.balance_proxy = make_proxy(self.balance_model, self)
        self.position_proxy = make_proxy(self.position_model, self)
        self.entrust_proxy = make_proxy(self.entrust_model, self)
        self.trade_proxy = make_proxy(self.trade_model, self)
        self.log_proxy = make_log_proxy(self.log_model, self)
        # Log entries enter the GUI thread through the bridge, like everything else.
        self.log_model.handler.set_sink(self.bridge.enqueue)
        self._log_handler_attached = install_log_handler
        if install_log_handler:
            root = logging.getLogger()
            if root.level == logging.NOTSET or root.level > logging.INFO:
                root.setLevel(logging.INFO)
            log_plumbing.attach_handler(self.log_model.handler)

        provider = session_provider
        if provider is None and session is not None:
            provider = lambda _backend, s=session: s  # noqa: E731
        self.connection = ConnectionViewModel(self.runner, provider, settings, self, lang=lang)
        self.status = StatusViewModel(parent=self, lang=lang)
        self.ticket = OrderTicketViewModel(self.runner, parent=self, lookup=self.lookup, lang=lang)
        self.cancel = CancelViewModel(self.runner, self.entrust_model, self, lang=lang)
        self.quote = QuoteViewModel(subscriber=self.bridge.enqueue, parent=self,
                                    lookup=self.lookup, submit=self._session_submit)
        self._wire()
        if session is not None:
            self.use_session(session)

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        b = self.bridge
        b.ordersChanged.connect(self._on_orders)
        b.tradesChanged.connect(self._on_trades)
        b.positionsChanged.connect(self._on_positions)
        b.assetChanged.connect(self._on_asset)
        b.quotesChanged.connect(self._on_quotes)
        b.connectionStatusChanged.connect(self._on_status)
        b.accountSnapshot.connect(self._on_snapshot)
        b.orderError.connect(self._on_order_error)
        b.cancelError.connect(self._on_cancel_error)
        b.disconnected.connect(self._on_disconnected)
        b.logEntries.connect(self.log_model.append_entries)
        self.runner.unconfirmed.connect(self.status.on_order_unconfirmed)
        self.runner.finished.connect(self.status.settle_unconfirmed)
        self.connection.sessionChanged.connect(self.use_session)
        self.position_model.codesChanged.connect(self._subscribe_positions)
        self.ticket.codeChanged.connect(self._on_ticket_code)
        self.ticket.submitted.connect(self.status.on_order_sent)
        self.ticket.submitFailed.connect(self.status.on_submit_failed)
        self.ticket.refused.connect(self.status.on_refused)
        self.cancel.cancelFailed.connect(self.status.on_cancel_failed)
        self.cancel.nothingToCancel.connect(self.status.show_message)
        self.connection.connectFailed.connect(self.status.show_error)

    @property
    def session(self):
        return self._session

    @property
    def market(self):
        """The attached ``MarketData`` (None before the session is connected)."""
        return self._market

    @Slot(object)
    def use_session(self, session) -> None:
        """Listen to ``session`` (the connection panel switched backend, or start-up)."""
        if session is self._session:
            return
        self._session = session
        self.bridge.attach(session)
        if self.runner.session is not session:
            self.runner.set_session(session)
        self.status.set_session(session)
        self._fetch_market()  # None until a simulator session connects
        self.sessionChanged.emit(session)

    def _session_submit(self):
        """``submit`` of the current session (its one worker thread), or None."""
        session = self._session
        return getattr(session, "submit", None) if session is not None else None

    def _fetch_market(self) -> None:
        """Read ``session.market`` on the session's worker (the first read imports
        xtdata with a real broker), then attach it here on the GUI thread."""
        session, submit = self._session, self._session_submit()
        if session is None or submit is None:
            return
        self._market_generation += 1
        generation = self._market_generation

        def read(s=session):
            try:
                return s.market
            except Exception as exc:  # e.g. xtdata cannot load on this machine
                log.warning("行情不可用：%s", exc)
                return None

        def attach(market) -> None:
            if generation == self._market_generation and session is self._session:
                self._attach_market(market)

        self._on_worker(submit, read, attach)

    def _on_worker(self, submit, fn, on_result) -> None:
        """Run ``fn()`` with ``submit`` (off the GUI thread); ``on_result`` in the GUI thread."""
        try:
            future = submit(fn)
        except Exception:  # the session's worker is gone (shutdown)
            log.debug("无法在后台读取行情", exc_info=True)
            return
        self.lookup.relay(future, on_result=on_result)

    def _attach_market(self, market) -> None:
        """Give the ticket, the quote panel and the holdings ``market`` (None detaches)."""
        if market is self._market:
            return
        self._unsubscribe_positions()
        self._market = market
        self.ticket.set_market_data(market)
        self.quote.set_market(market, self.bridge.enqueue)
        self._subscribe_positions(self.position_model.codes())
        self.marketAttached.emit(market)

    # ------------------------------------------------------------------ bridge slots
    @Slot(list)
    def _on_orders(self, orders: list) -> None:
        model = self.entrust_model
        for o in orders:
            old = model.record(o.order_id)
            if old is None or old.order_status != o.order_status:
                log.info("委托 %s %s %s %s %s 股 %s", o.order_id, o.stock_code,
                         names.name_of(names.ORDER_TYPE, o.order_type),
                         names.name_of(names.ORDER_STATUS, o.order_status), o.order_volume,
                         o.status_msg or "")
        model.apply_batch(orders)

    @Slot(list)
    def _on_trades(self, trades: list) -> None:
        for t in trades:
            if self.trade_model.row_of(t.traded_id) < 0:
                log.info("成交 %s %s %s %s 股 @ %s", t.order_id, t.stock_code,
                         names.name_of(names.ORDER_TYPE, t.order_type), t.traded_volume,
                         t.traded_price)
        self.trade_model.apply_batch(trades)
        self._update_day_profit()

    @Slot(list)
    def _on_positions(self, positions: list) -> None:
        self.position_model.apply_batch(positions)
        self.ticket.update_positions(positions)
        self._update_day_profit()

    @Slot(object)
    def _on_asset(self, asset) -> None:
        self.balance_model.apply_batch([asset])
        self.ticket.set_asset(asset)

    @Slot(list)
    def _on_quotes(self, quotes: list) -> None:
        self.position_model.apply_quotes(quotes)
        self.ticket.on_quotes(quotes)
        self.quote.on_quotes(quotes)
        self._update_day_profit()

    @Slot(object)
    def _on_status(self, status) -> None:
        self.status.set_status(status)
        self.connection.on_status(status)
        if state_name(status.state) == "CONNECTED":
            self._fetch_market()

    @Slot(object)
    def _on_snapshot(self, snapshot) -> None:
        """The session's resync after a (re)connect: replace every table with it."""
        self._apply_snapshot(snapshot)

    @Slot(object)
    def _on_order_error(self, error) -> None:
        log.warning("下单失败（委托 %s）：%s", error.order_id, error.error_msg)
        self.entrust_model.on_order_error(error)
        self.status.on_order_error(error)

    @Slot(object)
    def _on_cancel_error(self, error) -> None:
        log.warning("撤单失败（委托 %s）：%s", error.order_id, error.error_msg)
        self.entrust_model.on_cancel_error(error)
        self.status.on_cancel_error(error)

    @Slot(object)
    def _on_disconnected(self, _event) -> None:
        log.warning("与交易柜台的连接已断开")

    def _on_ticket_code(self, code: str) -> None:
        if code:
            self.quote.set_code(code)
            if self._settings is not None:
                self._settings.setValue(LAST_CODE_KEY, code)

    def _choose_first_code(self, positions: list) -> None:
        """After a snapshot, give an empty ticket a code: the last one used, else a holding."""
        if self.ticket.code_text:
            return
        remembered = str(self._settings.value(LAST_CODE_KEY, "") or "") if self._settings else ""
        code = remembered or (positions[0].stock_code if positions else "")
        if code:
            self.ticket.set_code(code)

    # ------------------------------------------------------------------ quotes for holdings
    @Slot(list)
    def _subscribe_positions(self, codes: list) -> None:
        """Subscribe the holdings' quotes and fetch their current ones (off the GUI thread).

        The fetched quotes go through the bridge like any tick, so the last
        price and the day's P&L are right before the market moves again.
        """
        market = self._market
        if market is None or not codes:
            self._holdings.clear()
            return
        codes = list(codes)
        self._holdings.set(market, codes, self.bridge.enqueue)
        enqueue = self.bridge.enqueue

        def seed() -> None:
            for code in codes:
                try:
                    enqueue(market.quote(code))
                except Exception as exc:  # one unknown code does not stop the others
                    log.debug("无法取得 %s 的行情：%s", code, exc)

        self.lookup.call(seed)

    def _unsubscribe_positions(self) -> None:
        self._holdings.clear()

    def _update_day_profit(self) -> None:
        self.balance_model.set_day_profit(
            self.position_model.day_profit(self.trade_model.records()))

    # ------------------------------------------------------------------ commands
    @Slot()
    def refresh(self) -> None:
        """Re-query everything (RefreshAccount off the GUI thread) and resync the tables."""
        if self.runner.session is None:
            return
        self.runner.run(RefreshAccount(), self._refresh_done, self._refresh_failed)

    def _refresh_done(self, snap: AccountSnapshot) -> None:
        # A session with ``resync`` published the snapshot through the bridge just
        # before this result: it is applied already.
        if snap is not self._applied_snapshot:
            self._apply_snapshot(snap)

    def _apply_snapshot(self, snap: AccountSnapshot) -> None:
        # The snapshot replaces the tables; events still queued behind it are
        # applied on top by apply_batch, whose merge rule keeps final statuses.
        # A part the counter did not answer (None) keeps what is shown.
        self._applied_snapshot = snap
        if snap.asset is not None:
            self.balance_model.reset([snap.asset])
            self.ticket.set_asset(snap.asset)
        if snap.positions is not None:
            self.position_model.reset(list(snap.positions))
            self.ticket.set_positions(list(snap.positions))
        if snap.orders is not None:
            self.entrust_model.reset(list(snap.orders))
        if snap.trades is not None:
            self.trade_model.reset(list(snap.trades))
        self._update_day_profit()
        self._choose_first_code(self.position_model.records())
        log.info("已同步账户：%d 笔持仓，%d 笔委托，%d 笔成交", self.position_model.rowCount(),
                 self.entrust_model.rowCount(), self.trade_model.rowCount())
        self.refreshed.emit()

    def _refresh_failed(self, message: str) -> None:
        self.status.on_refresh_failed(message)
        self.refreshFailed.emit(message)

    def set_lang(self, lang: str) -> None:
        """'zh' or 'en' for every table and message."""
        self._lang = lang
        for model in (self.balance_model, self.position_model, self.entrust_model,
                      self.trade_model, self.log_model):
            model.set_lang(lang)
        self.status.set_lang(lang)
        self.ticket.set_lang(lang)
        self.connection.set_lang(lang)
        self.cancel.set_lang(lang)

    def shutdown(self) -> None:
        """Stop timers and subscriptions (the session itself is the caller's)."""
        self._unsubscribe_positions()
        self.quote.shutdown()
        if self._log_handler_attached:
            log_plumbing.detach_handler(self.log_model.handler)
        self.log_model.handler.set_sink(None)
        self.bridge.stop()
        self.bridge.detach()
        self.log_model.stop()
        self.status.stop()
        self.lookup.shutdown()
