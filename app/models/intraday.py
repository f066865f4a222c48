"""The A-share trading day as a chart sees it (分时): minutes with the lunch break left out.

An A-share day trades 09:30-11:30 and 13:00-15:00 China time. A 分时 chart
puts the two sessions side by side (11:30 meets 13:00) on 241 minute slots:
slot 0 is 09:30 (the opening auction), slot ``k`` the minute ending at
09:30 + k minutes in the morning, slot 120 is 11:30 and slot 121 the minute
ending at 13:01, up to slot 240 at 15:00. Ticks fall into the slot of the
minute they end in (09:30:03 -> slot 1, 09:31:00 -> slot 1, 13:00:03 -> 121).

Pure numpy, no Qt: the viewmodels aggregate ticks into minute bars here and
the chart draws them.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np

from app.models.clock import CHINA_TZ

__all__ = [
    "DAY_SLOTS",
    "LUNCH_SLOT",
    "SLOT_TICKS",
    "MinuteBars",
    "minute_bars",
    "slot_label",
    "slot_of",
    "slots_of",
    "tick_vwap",
]

_OFFSET: Final = int(CHINA_TZ.utcoffset(None).total_seconds())
_MORNING_OPEN: Final = 9 * 3600 + 30 * 60
_MORNING_CLOSE: Final = 11 * 3600 + 30 * 60
_AFTERNOON_OPEN: Final = 13 * 3600
_MORNING_SECONDS: Final = _MORNING_CLOSE - _MORNING_OPEN
_DAY_SECONDS: Final = 4 * 3600

#: Minute slots of a trading day: 0 (09:30) .. 240 (15:00).
DAY_SLOTS: Final = 241
#: The slot where the morning ends and the afternoon begins (11:30 | 13:00).
LUNCH_SLOT: Final = 120
#: The labelled slots of a 分时 time axis.
SLOT_TICKS: Final = (
    (0, "09:30"), (60, "10:30"), (120, "11:30/13:00"), (180, "14:00"), (240, "15:00"),
)


def _trading_seconds(seconds_of_day: np.ndarray) -> np.ndarray:
    """Trading seconds elapsed at each China time of day (lunch left out, clipped to the day)."""
    s = seconds_of_day
    morning = np.clip(s - _MORNING_OPEN, 0, _MORNING_SECONDS)
    afternoon = np.clip(s - _AFTERNOON_OPEN, 0, _DAY_SECONDS - _MORNING_SECONDS)
    return morning + afternoon


def slots_of(times: np.ndarray) -> np.ndarray:
    """The minute slot (0..240) of each epoch second in ``times``."""
    t = np.asarray(times, dtype=np.int64)
    elapsed = _trading_seconds((t + _OFFSET) % 86400)
    return -(-elapsed // 60)


def slot_of(epoch: float) -> int:
    """The minute slot (0..240) of one epoch second."""
    return int(slots_of(np.array([int(epoch)]))[0])


def slot_label(slot: int) -> str:
    """``HH:MM`` China time at the end of ``slot`` (120 reads ``11:30``, 121 ``13:01``)."""
    slot = min(max(int(slot), 0), DAY_SLOTS - 1)
    if slot <= LUNCH_SLOT:
        minutes = _MORNING_OPEN // 60 + slot
    else:
        minutes = _AFTERNOON_OPEN // 60 + slot - LUNCH_SLOT
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class MinuteBars(NamedTuple):
    """One trading day in minute slots (numpy arrays of equal length, slot order)."""

    slot: np.ndarray
    """Minute slot of each bar (float, the chart's x)."""
    close: np.ndarray
    """Last price at the end of the minute."""
    average: np.ndarray
    """均价: the day's volume-weighted average price up to the end of the minute."""
    volume: np.ndarray
    """Shares traded in the minute."""
    up: np.ndarray
    """Bool: the minute closed at or above the one before (the previous close for the first)."""

    @staticmethod
    def empty() -> MinuteBars:
        nothing = np.empty(0, dtype=float)
        return MinuteBars(nothing, nothing, nothing, nothing, np.empty(0, dtype=bool))


def tick_vwap(prices: np.ndarray, volumes: np.ndarray) -> np.ndarray:
    """均价 after each tick: sum(price x shares traded) / shares, from cumulative volumes.

    Before any share traded the average is the price itself.
    """
    p = np.asarray(prices, dtype=float)
    v = np.asarray(volumes, dtype=float)
    if p.size == 0:
        return p
    traded = np.diff(v, prepend=0.0)
    np.maximum(traded, 0.0, out=traded)  # a restarted feed never trades negative shares
    amount = np.cumsum(p * traded)
    shares = np.cumsum(traded)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(shares > 0, amount / np.where(shares > 0, shares, 1.0), p)


def minute_bars(times: np.ndarray, prices: np.ndarray, volumes: np.ndarray,
                prev_close: float | None = None, amounts: np.ndarray | None = None) -> MinuteBars:
    """Aggregate a day's ticks (epoch seconds, last price, cumulative shares) into minute bars.

    With ``amounts`` (the day's cumulative CNY at each tick, as quotes carry
    it) the 均价 is 成交额 / 成交量 as the exchanges define it, exact however
    many ticks were skipped; without them (or where they are 0) it is the
    ticks' VWAP (:func:`tick_vwap`). Either way a minute needs only its last
    tick: close, cumulative volume and amount are all as of that tick.
    """
    t = np.asarray(times)
    if t.size == 0:
        return MinuteBars.empty()
    p = np.asarray(prices, dtype=float)
    v = np.asarray(volumes, dtype=float)
    slots = slots_of(t)
    last = np.flatnonzero(np.diff(slots)) if slots.size > 1 else np.empty(0, dtype=np.int64)
    last = np.append(last, slots.size - 1)
    close = p[last]
    cumulative = np.maximum.accumulate(v)[last]
    volume = np.diff(cumulative, prepend=0.0)
    average = tick_vwap(p, v)[last]
    if amounts is not None:
        a = np.asarray(amounts, dtype=float)[last]
        known = (a > 0) & (cumulative > 0)
        average = np.where(known, a / np.where(known, cumulative, 1.0), average)
    reference = np.empty_like(close)
    reference[0] = prev_close if prev_close else close[0]
    reference[1:] = close[:-1]
    return MinuteBars(slots[last].astype(float), close, average, volume, close >= reference)
