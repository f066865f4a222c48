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
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from app.models.clock import china_time
from app.models.intraday import DAY_SLOTS, slot_of

__all__ = ["AccountDayViewModel"]


class AccountDayViewModel(QObject):
    """``AccountDayViewModel(quote_vm, balance_model, position_model, parent=None)``."""

    #: the curve moved (a new sample or a new day)
    changed = Signal()

    def __init__(self, quote_vm, balance_model, position_model,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._balance = balance_model
        self._positions = position_model
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
