"""The simulated market's chart data: the day's ticks kept on disk, and a seeded daily history.

- :class:`BarStore` keeps the trading day's ticks of every instrument in a
  file of the counter's folder (``qmtdesk_sim_bars.csv``), so the intraday
  chart (分时) survives a restart of the counter like the ledger does. One
  header line names the day and the codes; each market step appends one line
  ``time,price,volume,amount,price,volume,amount,...`` (in the header's code order) and is
  flushed at once. A torn last line (a kill mid-write) is skipped; a file of
  another day or another code list is started afresh. The bars are chart
  data, not money: the file is flushed, not fsynced.
- :func:`seeded_daily_bars` draws a deterministic daily history (日K) that
  ends at the day's previous close: the same seed, code, day and previous
  close always give the same candles.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final, NamedTuple

from app.models.clock import CHINA_TZ

__all__ = ["BARS_FILE", "BarStore", "DailyBar", "TickPoint", "seeded_daily_bars"]

log = logging.getLogger(__name__)

#: The file in the counter's folder that keeps the day's ticks.
BARS_FILE: Final = "qmtdesk_sim_bars.csv"
_HEADER: Final = "# qmtdesk-sim-bars v2"


class TickPoint(NamedTuple):
    """One point of an instrument's intraday chart (分时)."""

    time: int
    """Epoch seconds."""
    last_price: float
    volume: int
    """Cumulative volume of the day, shares."""
    amount: float = 0.0
    """Cumulative amount of the day, CNY (0.0 where the source has none)."""


class DailyBar(NamedTuple):
    """One day's candle (日K)."""

    time: int
    """Epoch seconds of the day's 00:00 China time."""
    open: float
    high: float
    low: float
    close: float
    volume: int
    """Shares traded that day."""
    amount: float
    """CNY traded that day."""


class BarStore:
    """The day's ticks of ``codes`` in ``folder/BARS_FILE`` (see the module docstring).

    Not thread-safe: the market calls it with its move lock held.
    """

    def __init__(self, folder: str | Path, codes: Sequence[str]) -> None:
        self.path = Path(folder) / BARS_FILE
        self._codes = list(codes)
        self._day = ""  # the day being written ("" until start, or after a failure)

    def load(self, day: str) -> dict[str, list[TickPoint]]:
        """The ticks kept for trading day ``day`` (``YYYYMMDD``), per code, oldest first.

        Empty when the file is missing, of another day or of another code list.
        """
        try:
            with self.path.open(encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("模拟行情: 无法读取分时数据 %s（%s），从现在开始记录", self.path, exc)
            return {}
        if not lines or lines[0] != self._header(day):
            return {}
        by_time: dict[int, list[str]] = {}
        width = 1 + 3 * len(self._codes)
        for line in lines[1:]:
            cells = line.split(",")
            if len(cells) != width:
                continue  # a torn line (killed mid-write)
            try:
                by_time[int(cells[0])] = cells  # a later line of the same time wins
            except ValueError:
                continue
        points: dict[str, list[TickPoint]] = {code: [] for code in self._codes}
        for stamp in sorted(by_time):
            cells = by_time[stamp]
            try:
                row = [(float(cells[1 + 3 * i]), int(cells[2 + 3 * i]), float(cells[3 + 3 * i]))
                       for i in range(len(self._codes))]
            except ValueError:
                continue
            for code, (price, volume, amount) in zip(self._codes, row, strict=True):
                points[code].append(TickPoint(stamp, price, volume, amount))
        return points

    def start(self, day: str, rows: Iterable[tuple[int, Sequence[TickPoint]]]) -> None:
        """Begin the file for ``day`` with ``rows`` ((time, one point per code) each)."""
        self._day = day
        text = self._header(day) + "\n" + "".join(self._line(t, points) for t, points in rows)
        self._write("w", text)

    def append(self, stamp: int, points: Sequence[TickPoint]) -> None:
        """Keep one step's points (one per code, in the store's code order)."""
        if self._day:
            self._write("a", self._line(stamp, points))

    def _write(self, mode: str, text: str) -> None:
        # opened per write: no handle stays open on the counter's folder
        try:
            with self.path.open(mode, encoding="utf-8", newline="\n") as f:
                f.write(text)
        except OSError as exc:
            log.warning("模拟行情: 无法写入分时数据 %s（%s），重启后分时图将从重启时开始",
                        self.path, exc)
            self._day = ""

    def _header(self, day: str) -> str:
        return f"{_HEADER} {day} {' '.join(self._codes)}"

    @staticmethod
    def _line(stamp: int, points: Sequence[TickPoint]) -> str:
        return f"{stamp}," + ",".join(
            f"{p.last_price!r},{p.volume},{p.amount!r}" for p in points) + "\n"


def seeded_daily_bars(seed: int | str, stock_code: str, *, day: date, prev_close: float,
                      tick: float, decimals: int, volatility: float, typical_volume: float,
                      band: float | None, count: int) -> list[DailyBar]:
    """``count`` trading days before ``day`` (weekdays), the last closing at ``prev_close``.

    A seeded walk drawn backwards from ``prev_close``: each day's close moves
    by about ``volatility`` from the one before, inside ``band`` (a fraction,
    e.g. 0.1; None: no limit); opens gap a little; highs and lows reach past
    both; prices sit on ``tick``; volumes and amounts vary around
    ``typical_volume`` shares.
    """
    rng = random.Random(f"{seed}:{stock_code}:daily:{day.isoformat()}:{prev_close!r}")
    days: list[date] = []
    cursor = day
    while len(days) < count:
        cursor -= timedelta(days=1)
        if cursor.weekday() < 5:
            days.append(cursor)
    days.reverse()

    def on_tick(price: float) -> float:
        return round(max(round(price / tick), 1) * tick, decimals)

    closes = [prev_close]
    for _ in range(count - 1):
        move = rng.gauss(0.0, volatility)
        if band is not None:
            move = max(min(move, band * 0.98), -band * 0.98)
        closes.append(on_tick(closes[-1] / math.exp(move)))
    closes.reverse()
    bars: list[DailyBar] = []
    before = closes[0] * math.exp(rng.gauss(0.0, volatility))
    for moment, close in zip(days, closes, strict=True):
        open_ = on_tick(before * math.exp(rng.gauss(0.0, 0.3 * volatility)))
        reach = abs(rng.gauss(0.0, 0.5 * volatility))
        high = on_tick(max(open_, close) * math.exp(reach))
        low = on_tick(min(open_, close) * math.exp(-abs(rng.gauss(0.0, 0.5 * volatility))))
        if band is not None:
            up, down = on_tick(before * (1 + band)), on_tick(before * (1 - band))
            high, low = min(high, up), max(low, down)
            high, low = max(high, open_, close), min(low, open_, close)
        volume = int(typical_volume * math.exp(rng.gauss(0.0, 0.35))) // 100 * 100
        midnight = int(datetime.combine(moment, time(0, 0), CHINA_TZ).timestamp())
        amount = round(volume * (open_ + high + low + close) / 4, 2)
        bars.append(DailyBar(midnight, open_, high, low, close, volume, amount))
        before = close
    return bars
