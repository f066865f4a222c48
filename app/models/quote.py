"""Quotes and instrument facts as the terminal shows them (five-level book, limits)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InstrumentInfo", "Quote"]

_EMPTY_PRICES: tuple[float, ...] = (0.0,) * 5
_EMPTY_VOLUMES: tuple[int, ...] = (0,) * 5


@dataclass(frozen=True, slots=True)
class Quote:
    """One snapshot of an instrument: last trade, day range, limits and the 5-level book.

    ``bid_price[0]`` is 买一, ``ask_price[0]`` 卖一; a missing level is 0.0 / 0.
    ``time`` is epoch seconds, ``volume`` shares, ``amount`` CNY.
    """

    stock_code: str
    instrument_name: str = ""
    time: int = 0
    last_price: float = 0.0
    prev_close: float = 0.0
    open: float = 0.0
    high: float = 0.0
    low: float = 0.0
    volume: int = 0
    amount: float = 0.0
    up_limit: float | None = None
    down_limit: float | None = None
    bid_price: tuple[float, ...] = _EMPTY_PRICES
    bid_volume: tuple[int, ...] = _EMPTY_VOLUMES
    ask_price: tuple[float, ...] = _EMPTY_PRICES
    ask_volume: tuple[int, ...] = _EMPTY_VOLUMES

    @property
    def change(self) -> float:
        """涨跌: last price minus previous close (0.0 without a previous close)."""
        if self.prev_close <= 0 or self.last_price <= 0:
            return 0.0
        return self.last_price - self.prev_close

    @property
    def change_pct(self) -> float:
        """涨跌幅 in percent (1.5 means +1.5%); 0.0 without a previous close."""
        if self.prev_close <= 0 or self.last_price <= 0:
            return 0.0
        return (self.last_price - self.prev_close) / self.prev_close * 100.0


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    """What the market knows about an instrument today: name, previous close, limits."""

    stock_code: str
    instrument_name: str = ""
    prev_close: float = 0.0
    up_limit: float | None = None
    down_limit: float | None = None
    is_st: bool = False
