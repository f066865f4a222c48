"""QuoteViewModel: the selected code's live quote and today's tick history (for the chart).

``set_code(code)`` subscribes the code's quotes through ``MarketData.subscribe``
with the bridge's ``enqueue`` as callback (quotes then arrive batched on the
GUI thread via ``GuiBridge.quotesChanged`` -> ``on_quotes``); the
subscribe and unsubscribe calls run off the GUI thread through ``submit``
(the session's worker; see ``QuoteSubscription``), and loads
today's ticks (``MarketData.history``) and the daily candles
(``MarketData.daily_bars``) off the GUI thread.

The ticks live in numpy arrays grown in place (``times`` / ``prices`` /
``volumes`` are views, no copies); ``minute_bars()`` aggregates them into the
分时 chart's minute slots (lunch left out, ``app.models.intraday``), cached
until the next tick. ``daily`` holds the 日K candles as numpy arrays, today's
candle following the live quote. The charts redraw on ``historyReset`` /
``historyAppended`` / ``dailyReset`` (pyqtgraph habit: ``setData`` on a
created item). ``market_time`` is the newest quote time of any code (the
simulator's clock or the exchange's), announced by ``clockChanged``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from app.models import codes
from app.models.intraday import MinuteBars, minute_bars, slot_of
from app.viewmodels.formatting import (
    format_number,
    format_percent,
    price_decimals,
    sign_color,
)
from app.viewmodels.quote_subscription import QuoteSubscription, Submit
from app.viewmodels.trading_operations import BackgroundCaller

log = logging.getLogger(__name__)


def _china_day(epoch: float) -> int:
    """Days since the epoch in China time (UTC+8, as the market's clock)."""
    return int((epoch + 8 * 3600) // 86400)


class DailyCandles(NamedTuple):
    """日K candles as numpy arrays (oldest first); ``time`` is each day's 00:00 (epoch s)."""

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @staticmethod
    def of(bars) -> DailyCandles:
        columns = np.array([tuple(b)[:6] for b in bars], dtype=float).reshape(-1, 6)
        return DailyCandles(*(columns[:, i].copy() for i in range(6)))

    @property
    def size(self) -> int:
        """How many candles."""
        return int(self.time.size)


class QuoteViewModel(QObject):
    """See the module docstring."""

    codeChanged = Signal(str)
    quoteChanged = Signal(object)      # the latest Quote (or None)
    historyReset = Signal()            # times/prices/volumes replaced
    historyAppended = Signal(int)      # n ticks appended
    dailyReset = Signal()              # daily candles replaced (or today's moved)
    clockChanged = Signal(int)         # the newest quote time of any code (epoch s)
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
        self._n = 0
        self._t = np.empty(0, dtype=float)
        self._p = np.empty(0, dtype=float)
        self._v = np.empty(0, dtype=float)
        self._a = np.empty(0, dtype=float)
        self._loading = False  # a history load is in flight (no second one for a gap)
        self._bars: MinuteBars | None = None
        self._daily = DailyCandles.of([])
        self._market_time = 0
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
        self._set_ticks([], [], [])
        self._daily = DailyCandles.of([])
        self.codeChanged.emit(code)
        self.quoteChanged.emit(None)
        self.historyReset.emit()
        self.dailyReset.emit()
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
            daily_bars = getattr(market, "daily_bars", None)
            try:
                daily = list(daily_bars(code)) if daily_bars is not None else []
            except Exception as exc:  # no daily history here: the 分时 still shows
                log.warning("日K加载失败（%s）：%s", code, exc)
                daily = []
            return code, quote, history, daily

        def done(result) -> None:
            loaded, quote, history, daily = result
            if loaded != self._code:
                return
            self._loading = False
            if history:
                rows = np.array([(*p, 0.0)[:4] for p in history], dtype=float)
                self._set_ticks(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3])
                self._append_newer_than_history()
                self.historyReset.emit()
            if quote is not None and (self._quote is None or quote.time >= self._quote.time):
                self._quote = quote
                self._bars = None  # the first minute's colour needs the previous close
                self.quoteChanged.emit(quote)
            self._daily = DailyCandles.of(daily)
            self._follow_today()
            self.dailyReset.emit()
            self._set_error("")

        def failed(text: str) -> None:
            self._loading = False
            self._set_error(text)

        self._loading = True
        if self._lookup is None:
            try:
                done(fetch())
            except Exception as exc:
                failed(str(exc))
        else:
            self._lookup.call(fetch, on_result=done, on_error=failed)

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
        newest = self._market_time
        for q in quotes:
            if q.time > newest:
                newest = q.time
            if q.stock_code != code or (self._quote is not None and q.time < self._quote.time):
                continue
            self._quote = q
            if q.last_price and (not self._n or q.time > self._t[self._n - 1]):
                if self._n and _china_day(q.time) != _china_day(self._t[self._n - 1]):
                    self._set_ticks([], [], [])  # a new trading day: a new chart
                    self._reload_gap()  # and yesterday's candle is now history
                elif self._n and slot_of(q.time) > slot_of(self._t[self._n - 1]) + 1:
                    self._reload_gap()
                if not self._n or q.time > self._t[self._n - 1]:  # a reload may have it
                    self._append(q.time, q.last_price, q.volume, q.amount)
                if self._n > self._max_points:
                    cut = self._n - self._max_points
                    self._set_ticks(self.times[cut:], self.prices[cut:], self.volumes[cut:],
                                    self.amounts[cut:])
                    self.historyReset.emit()
                else:
                    self.historyAppended.emit(1)
            self.quoteChanged.emit(q)
            if self._follow_today():
                self.dailyReset.emit()
        if newest != self._market_time:
            self._market_time = newest
            self.clockChanged.emit(newest)

    def _reload_gap(self) -> None:
        """A whole minute went by without a tick (the bridge keeps only the newest quote
        of a burst): load the day's ticks again so no minute is missing from the chart."""
        if not self._loading and self._market is not None and self._code:
            self._load(self._code)

    # ------------------------------------------------------------------ tick storage
    def _set_ticks(self, times, prices, volumes, amounts=None) -> None:
        t = np.asarray(times, dtype=float)
        capacity = max(1024, 2 * t.size)
        self._t = np.empty(capacity, dtype=float)
        self._p = np.empty(capacity, dtype=float)
        self._v = np.empty(capacity, dtype=float)
        self._a = np.zeros(capacity, dtype=float)
        self._n = t.size
        self._t[: t.size] = t
        self._p[: t.size] = np.asarray(prices, dtype=float)
        self._v[: t.size] = np.asarray(volumes, dtype=float)
        if amounts is not None:
            self._a[: t.size] = np.asarray(amounts, dtype=float)
        self._bars = None

    def _append(self, t: float, price: float, volume: float, amount: float) -> None:
        n = self._n
        if n == self._t.size:
            for name in ("_t", "_p", "_v", "_a"):
                setattr(self, name, np.resize(getattr(self, name), 2 * n))
        self._t[n], self._p[n], self._v[n], self._a[n] = t, price, volume, amount
        self._n = n + 1
        self._bars = None

    def _append_newer_than_history(self) -> None:
        """A tick that arrived while the history loaded is newer than it: keep it last."""
        q = self._quote
        if q is not None and q.last_price and self._n and q.time > self._t[self._n - 1]:
            self._append(q.time, q.last_price, q.volume, q.amount)

    def _follow_today(self) -> bool:
        """Today's candle (the last) follows the live quote; True when it moved."""
        q, daily = self._quote, self._daily
        if q is None or not daily.size or not q.last_price:
            return False
        values = (q.open or q.last_price, q.high or q.last_price, q.low or q.last_price,
                  q.last_price, float(q.volume))
        arrays = (daily.open, daily.high, daily.low, daily.close, daily.volume)
        if all(a[-1] == v for a, v in zip(arrays, values, strict=True)):
            return False
        for array, value in zip(arrays, values, strict=True):
            array[-1] = value
        return True

    # ------------------------------------------------------------------ read-outs
    @property
    def quote(self):
        return self._quote

    @property
    def error(self) -> str:
        return self._error

    @property
    def times(self) -> np.ndarray:
        """Today's tick times (epoch s), oldest first: a view, valid until the next tick."""
        return self._t[: self._n]

    @property
    def prices(self) -> np.ndarray:
        return self._p[: self._n]

    @property
    def volumes(self) -> np.ndarray:
        """Cumulative shares of the day at each tick."""
        return self._v[: self._n]

    @property
    def amounts(self) -> np.ndarray:
        """Cumulative CNY of the day at each tick (0 where the source gave none)."""
        return self._a[: self._n]

    @property
    def prev_close(self) -> float | None:
        q = self._quote
        return q.prev_close if q is not None and q.prev_close else None

    def minute_bars(self) -> MinuteBars:
        """Today's ticks in minute slots (09:30..15:00, lunch left out); cached per tick."""
        if self._bars is None:
            self._bars = minute_bars(self.times, self.prices, self.volumes, self.prev_close,
                                     self.amounts)
        return self._bars

    @property
    def daily(self) -> DailyCandles:
        """The 日K candles of the selected code (empty before they load)."""
        return self._daily

    @property
    def market(self):
        """The attached ``MarketData`` (None before the session has one)."""
        return self._market

    def run_in_background(self, fn, on_result) -> None:
        """``fn()`` off the GUI thread (the look-up pool), ``on_result`` back on it;
        a failure is logged. Synchronous when there is no pool (tests)."""
        def failed(text: str) -> None:
            log.warning("后台读取行情失败：%s", text)

        if self._lookup is None:
            try:
                on_result(fn())
            except Exception as exc:
                failed(str(exc))
        else:
            self._lookup.call(fn, on_result=on_result, on_error=failed)

    @property
    def market_time(self) -> int:
        """The newest quote time seen of any code (epoch s; 0 before the first quote)."""
        return self._market_time

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
