"""QuoteViewModel: the selected code's live quote and today's tick history (for the chart).

``set_code(code)`` subscribes the code's quotes through ``MarketData.subscribe``
with the bridge's ``enqueue`` as callback (quotes then arrive batched on the
GUI thread via ``GuiBridge.quotesChanged`` -> ``on_quotes``); the
subscribe and unsubscribe calls run off the GUI thread through ``submit``
(the session's worker; see ``QuoteSubscription``), and loads
today's ticks (``MarketData.history``) off the GUI thread. The chart reads
``times`` / ``prices`` / ``volumes`` and redraws on ``historyReset`` /
``historyAppended`` (pyqtgraph habit: ``setData`` on a created item).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from app.models import codes
from app.viewmodels.formatting import (
    format_number,
    format_percent,
    price_decimals,
    sign_color,
)
from app.viewmodels.quote_subscription import QuoteSubscription, Submit
from app.viewmodels.trading_operations import BackgroundCaller

log = logging.getLogger(__name__)


class QuoteViewModel(QObject):
    """See the module docstring."""

    codeChanged = Signal(str)
    quoteChanged = Signal(object)      # the latest Quote (or None)
    historyReset = Signal()            # times/prices/volumes replaced
    historyAppended = Signal(int)      # n ticks appended
    errorChanged = Signal(str)

    def __init__(self, market=None, subscriber: Callable | None = None,
                 parent: QObject | None = None, *, lookup: BackgroundCaller | None = None,
                 submit: Callable[[], Submit | None] | None = None,
                 max_points: int = 20_000) -> None:
        super().__init__(parent)
        self._subscription = QuoteSubscription(submit, self, what="所选证券的行情")
        self._subscription.failed.connect(self._set_error)
        self._market = market
        self._subscriber = subscriber  # bridge.enqueue
        self._lookup = lookup
        self._max_points = max_points
        self._code = ""
        self._quote = None
        self._times: list[float] = []
        self._prices: list[float] = []
        self._volumes: list[int] = []
        self._error = ""

    def set_market(self, market, subscriber: Callable | None = None) -> None:
        """A new ``MarketData`` (after the session changed); re-subscribes the code."""
        self._unsubscribe()
        self._market = market
        if subscriber is not None:
            self._subscriber = subscriber
        code, self._code = self._code, ""
        if code:
            self.set_code(code)

    def reload(self) -> None:
        """Load the selected code's quote and today's ticks again (e.g. after the market jumped)."""
        if self._code and self._market is not None:
            self._load(self._code)

    # ------------------------------------------------------------------ selection
    @property
    def code(self) -> str:
        return self._code

    @Slot(str)
    def set_code(self, code: str) -> None:
        """Select ``code`` (any accepted spelling; '' or an invalid code clears)."""
        try:
            code = codes.normalize_code(code) if code and code.strip() else ""
        except codes.CodeError:
            code = ""
        if code == self._code:
            return
        self._unsubscribe()
        self._code = code
        self._quote = None
        self._times, self._prices, self._volumes = [], [], []
        self.codeChanged.emit(code)
        self.quoteChanged.emit(None)
        self.historyReset.emit()
        if not code or self._market is None:
            return
        if self._subscriber is not None:
            self._subscription.set(self._market, [code], self._subscriber)
        self._load(code)

    def _unsubscribe(self) -> None:
        self._subscription.clear()

    def _load(self, code: str) -> None:
        market = self._market

        def fetch():
            quote = market.quote(code)
            history = list(market.history(code))
            return code, quote, history

        def done(result) -> None:
            loaded, quote, history = result
            if loaded != self._code:
                return
            if history:
                self._times = [float(t) for t, _p, _v in history]
                self._prices = [float(p) for _t, p, _v in history]
                self._volumes = [int(v) for _t, _p, v in history]
                self.historyReset.emit()
            if quote is not None and (self._quote is None or quote.time >= self._quote.time):
                self._quote = quote
                self.quoteChanged.emit(quote)
            self._set_error("")

        if self._lookup is None:
            try:
                done(fetch())
            except Exception as exc:
                self._set_error(str(exc))
        else:
            self._lookup.call(fetch, on_result=done, on_error=self._set_error)

    def _set_error(self, text: str) -> None:
        if text != self._error:
            self._error = text
            if text:  # no widget shows it: the log (日志 panel) keeps it
                log.warning("行情加载失败（%s）：%s", self._code or "--", text)
            self.errorChanged.emit(text)

    # ------------------------------------------------------------------ live quotes
    @Slot(list)
    def on_quotes(self, quotes: list) -> None:
        """Quotes from the bridge: keep the selected code's and append a tick."""
        code = self._code
        for q in quotes:
            if q.stock_code != code or (self._quote is not None and q.time < self._quote.time):
                continue
            self._quote = q
            if q.last_price and (not self._times or q.time > self._times[-1]):
                self._times.append(float(q.time))
                self._prices.append(float(q.last_price))
                self._volumes.append(int(q.volume))
                if len(self._times) > self._max_points:
                    cut = len(self._times) - self._max_points
                    del self._times[:cut], self._prices[:cut], self._volumes[:cut]
                    self.historyReset.emit()
                else:
                    self.historyAppended.emit(1)
            self.quoteChanged.emit(q)

    # ------------------------------------------------------------------ read-outs
    @property
    def quote(self):
        return self._quote

    @property
    def error(self) -> str:
        return self._error

    @property
    def times(self) -> list[float]:
        return self._times

    @property
    def prices(self) -> list[float]:
        return self._prices

    @property
    def volumes(self) -> list[int]:
        return self._volumes

    @property
    def name(self) -> str:
        return self._quote.instrument_name if self._quote is not None else ""

    @property
    def change_text(self) -> str:
        q = self._quote
        if q is None or not q.prev_close:
            return "--"
        change = format_number(q.change, price_decimals(q.stock_code), signed=True)
        return f"{change} {format_percent(q.change_pct / 100.0)}"

    @property
    def color(self) -> str | None:
        """Red when up, green when down (A-share convention)."""
        q = self._quote
        return sign_color(q.change, price_decimals(q.stock_code)) if q is not None else None

    def shutdown(self) -> None:
        self._unsubscribe()
