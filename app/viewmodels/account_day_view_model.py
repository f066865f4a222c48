"""AccountDayViewModel: the account's day as a curve (当日资产): total asset minute by minute.

Sampled on the market's clock (``QuoteViewModel.clockChanged``: the
simulator's own trading day, or the exchange's time with a broker): at each
new quote time the total asset is cash + frozen cash (the counter's latest
``Asset``) + every holding at its last price (``PositionTableModel``, live
from quotes), and it is kept in that minute's slot of the trading day
(``app.models.intraday``; the last sample of a minute wins). The day starts at
09:30 from the total asset less the day's P&L (what the account was worth at
the previous close), so a terminal opened at 14:00 still shows where the day
began. A new trading day starts a new curve.

The minutes before the terminal's first sample are filled in once a day from
the market's intraday ticks (``MarketData.history``, off the GUI thread):
each holding (and each code traded today) at that minute's price, with
today's trades (``TradeTableModel``) undone from that minute on, so shares
and cash are as they were then. Fees are not undone (a few yuan), and a
minute the terminal sampled itself is never overwritten.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from app.models.clock import china_time
from app.models.intraday import DAY_SLOTS, minute_bars, slot_of, slots_of

__all__ = ["AccountDayViewModel"]


class AccountDayViewModel(QObject):
    """``AccountDayViewModel(quote_vm, balance_model, position_model, parent=None)``."""

    #: the curve moved (a new sample or a new day)
    changed = Signal()

    def __init__(self, quote_vm, balance_model, position_model,
                 parent: QObject | None = None, *, trade_model=None) -> None:
        super().__init__(parent)
        self._quote_vm = quote_vm
        self._balance = balance_model
        self._positions = position_model
        self._trades = trade_model
        self._backfilled_day = None
        self._day = None
        self._values = np.full(DAY_SLOTS, np.nan)
        self._last_slot = -1
        quote_vm.clockChanged.connect(self.sample)

    # ------------------------------------------------------------------ read-outs
    def total_asset(self) -> float | None:
        """Cash + frozen + holdings at their last price now (None before the first asset)."""
        asset = self._balance.asset()
        if asset is None:
            return None
        total = float(asset.cash) + float(asset.frozen_cash)
        for position in self._positions.records():
            value = self._positions.market_value(position)
            if value:
                total += value
        return total

    @property
    def slots(self) -> np.ndarray:
        """Minute slots that have a sample (the chart's x)."""
        return np.flatnonzero(~np.isnan(self._values)).astype(float)

    @property
    def equity(self) -> np.ndarray:
        """Total asset at each of ``slots``."""
        return self._values[~np.isnan(self._values)]

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """(slots 0..latest, total asset or NaN where no sample was taken): the chart
        leaves the minutes the terminal did not see blank instead of drawing across them."""
        last = self._last_slot + 1
        return np.arange(last, dtype=float), self._values[:last].copy()

    @property
    def opening(self) -> float | None:
        """The account's worth at the day's start (09:30), if known."""
        value = self._values[0]
        return None if np.isnan(value) else float(value)

    @property
    def latest(self) -> float | None:
        if self._last_slot < 0:
            return None
        return float(self._values[self._last_slot])

    # ------------------------------------------------------------------ sampling
    @Slot(int)
    def sample(self, market_time: int) -> None:
        """Record the total asset at ``market_time`` (epoch s) in its minute."""
        total = self.total_asset()
        if total is None or market_time <= 0:
            return
        day = china_time(market_time).date()
        if day != self._day:
            self._day = day
            self._values[:] = np.nan
            self._last_slot = -1
        slot = slot_of(market_time)
        if np.isnan(self._values[0]):
            day_profit = self._balance.day_profit()
            if day_profit is not None:
                self._values[0] = total - day_profit
        if slot > 0 or np.isnan(self._values[0]):  # the day's start stays once known
            self._values[slot] = total
        self._last_slot = max(self._last_slot, slot)
        self.changed.emit()
        if self._backfilled_day != day and slot > 1:
            self._backfilled_day = day
            self._backfill(day, slot)

    # ------------------------------------------------------------------ the minutes before
    def _backfill(self, day, before_slot: int) -> None:
        market = getattr(self._quote_vm, "market", None)
        asset = self._balance.asset()
        if market is None or asset is None:
            return
        volumes = {p.stock_code: p.volume for p in self._positions.records()}
        trades = list(self._trades.records()) if self._trades is not None else []
        codes = sorted(set(volumes) | {t.stock_code for t in trades})
        if not codes:
            return
        cash = float(asset.cash) + float(asset.frozen_cash)

        def fetch():
            series = {}
            for code in codes:
                quote = market.quote(code)
                ticks = [tuple(p)[:3] for p in market.history(code)]
                series[code] = (quote.prev_close, ticks)
            return series

        def done(series) -> None:
            if self._day != day:
                return
            filled = day_equity(series, volumes, trades, cash, before_slot)
            gaps = np.isnan(self._values[:before_slot]) & ~np.isnan(filled)
            if gaps.any():
                self._values[:before_slot][gaps] = filled[gaps]
                self.changed.emit()

        self._quote_vm.run_in_background(fetch, done)


def day_equity(series: dict, volumes: dict[str, int], trades: list, cash: float,
               slots: int) -> np.ndarray:
    """Total asset at each of the first ``slots`` minute slots, from the holdings' ticks.

    ``series``: code -> (previous close, [(time, price, cumulative volume), ...]);
    ``volumes``: shares held now; ``trades``: today's (xtquant ``Trade`` records);
    ``cash``: cash + frozen now. Shares and cash at slot ``s`` are today's with
    every trade of a later slot undone. NaN where a code has no price yet.
    """
    total = np.full(slots, cash, dtype=float)
    trade_slots = slots_of(np.array([t.traded_time for t in trades], dtype=np.int64))
    for t, at in zip(trades, trade_slots, strict=True):
        later = np.arange(slots) < at  # slots before the trade: undo it
        signed = t.traded_volume if t.order_type == 23 else -t.traded_volume
        total[later] += t.traded_amount if t.order_type == 23 else -t.traded_amount
        undone = np.zeros(slots)
        undone[later] = -signed
        _add_holding(total, series.get(t.stock_code), undone)
    for code, held in volumes.items():
        _add_holding(total, series.get(code), np.full(slots, float(held)))
    return total


def _add_holding(total: np.ndarray, series, shares: np.ndarray) -> None:
    """``total += shares x price`` per slot, the price carried forward from the last tick."""
    if series is None:
        total[:] = np.nan
        return
    prev_close, ticks = series
    price = np.full(total.size, float(prev_close or np.nan))
    if ticks:
        rows = np.array(ticks, dtype=float)
        bars = minute_bars(rows[:, 0], rows[:, 1], rows[:, 2])
        index = np.searchsorted(bars.slot, np.arange(total.size), side="right") - 1
        known = index >= 0
        price[known] = bars.close[index[known]]
    total += np.where(shares != 0, shares * price, 0.0)
