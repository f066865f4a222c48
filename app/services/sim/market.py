"""The simulated market (模拟行情): prices that move, a five-level book, a clock.

:class:`SimMarket` is passive and deterministic. It does nothing until
:meth:`SimMarket.step` is called (by the counter's market thread, or by a
test); each step moves every instrument one tick of a seeded random walk,
rebuilds its five-level book and notifies quote subscribers on the calling
thread. The same seed always yields the same quotes, times included: prices
come from one :class:`random.Random` per instrument (seeded from the market's
seed and the code, so adding an instrument does not change the others) and
the time comes from a simulated clock, never the wall clock.

What a trader sees, and what the model guarantees:

- prices always sit on the instrument's tick and inside the day's price band
  (涨跌停); a price can reach a limit and stay there. At the up limit the ask
  side is empty and buyers queue at the limit (封涨停); at the down limit the
  bid side is empty;
- the book has ``bid1 < ask1`` (at least one tick apart), bids strictly
  falling and asks strictly rising, every level inside the band, volumes in
  whole board lots (100 shares; 10 张 for bonds); empty levels are
  ``0.0`` / ``0`` as xtquant reports them;
- open, high, low, last, cumulative volume and amount behave as on an
  exchange: the day opens with a call-auction price near the previous close,
  and ``low <= last <= high``;
- the clock starts at 09:30 China time on a seeded trading day and advances
  3 seconds per step through 9:30-11:30 and 13:00-15:00 (4,800 steps a
  day); at the close the next step opens the next trading day (weekends are
  skipped, exchange holidays are not modelled), unless the market was built
  with ``roll_at_close=False``, in which case it stays at 15:00 until
  :meth:`SimMarket.roll_day` is called.

Threading: the methods that move the market (:meth:`~SimMarket.step`,
:meth:`~SimMarket.roll_day`, :meth:`~SimMarket.set_last_price`) take turns
on one lock while they compute; what readers see (quotes, instrument facts,
history, the clock) is published under a second lock held only to swap in
the results, so :meth:`~SimMarket.quote` and :meth:`~SimMarket.history`
never wait for a step's arithmetic. Subscribers are called with no lock
held, so a subscriber may call back into the market. The market is meant to
be moved by one thread (the counter's market thread); readers may be many.
"""

from __future__ import annotations

import itertools
import logging
import math
import random
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final

from app.models.clock import CHINA_TZ  # re-exported: the simulator's clock is China time
from app.models.codes import InstrumentKind, classify, normalize_code
from app.models.quote import InstrumentInfo, Quote
from app.models.rules import price_decimals, price_limits, tick_size
from app.services.sim.bars import BarStore, DailyBar, TickPoint, seeded_daily_bars
from app.services.sim.universe import DEFAULT_UNIVERSE, SimInstrument

__all__ = [
    "BOOK_DEPTH",
    "CHINA_TZ",
    "DAILY_HISTORY_DAYS",
    "HISTORY_LIMIT",
    "STEPS_PER_DAY",
    "STEP_SECONDS",
    "DailyBar",
    "QuoteCallback",
    "SimMarket",
    "TickPoint",
    "UnknownInstrumentError",
]

log = logging.getLogger(__name__)


#: Simulated seconds per market step.
STEP_SECONDS: Final = 3
_MORNING_OPEN: Final = time(9, 30)
_AFTERNOON_OPEN: Final = time(13, 0)
_MORNING_SECONDS: Final = 2 * 3600  # 09:30-11:30
_SESSION_SECONDS: Final = 4 * 3600  # plus 13:00-15:00
#: Steps in one trading day (09:30:03 ... 15:00:00).
STEPS_PER_DAY: Final = _SESSION_SECONDS // STEP_SECONDS
#: History points kept per instrument by default: a whole day, the 09:30 open included.
HISTORY_LIMIT: Final = STEPS_PER_DAY + 1
#: Levels on each side of the book.
BOOK_DEPTH: Final = 5
#: Days of seeded daily history (日K) before the first simulated day.
DAILY_HISTORY_DAYS: Final = 120

# Without a start time, the first trading day is drawn from this many
# weekdays from this date on.
_FIRST_DAY_BASE: Final = date(2026, 11, 2)
_FIRST_DAY_CHOICES: Final = 20

# Shape of the random walk. The latent log price reverts towards a "fair"
# log price that itself wanders, so a day has a trend plus noise around it.
_REVERSION: Final = 0.004  # pull towards fair value per step (half-life ~9 minutes)
_FAIR_WANDER: Final = 0.8  # fair value's daily standard deviation, in volatilities
_OPENING_GAP: Final = 0.3  # opening gap's standard deviation, in volatilities
_TRADE_SHARE: Final = 0.3  # volume traded per step, in typical book levels

# Shape of the book.
_WIDE_SPREAD_CHANCE_LIQUID: Final = 0.05  # chance that bid1 and ask1 are two ticks apart
_WIDE_SPREAD_CHANCE_THIN: Final = 0.30
_THIN_BOOK_LOTS: Final = 60  # at or below this many lots a level, a stock trades thinly
_LEVEL_GAP_FRACTION: Final = 0.00005  # typical gap between levels, as a share of price
_MIN_LEVEL_GAP_EXTRA: Final = 0.5  # so that even liquid books skip a tick now and then
_SEALED_LIMIT_LEVELS: Final = (20.0, 60.0)  # queue at a limit, in typical level sizes

QuoteCallback = Callable[[Quote], None]
"""Called with each new :class:`Quote` of a subscribed instrument."""

_Book = tuple[tuple[float, ...], tuple[int, ...], tuple[float, ...], tuple[int, ...]]


class UnknownInstrumentError(KeyError):
    """A valid code the quote source does not carry.

    ``str(err)`` is the sentence shown to the trader, e.g.
    ``模拟行情中没有该证券: 600999.SH`` (a plain :class:`KeyError` would show
    it in quotes).
    """

    def __init__(self, stock_code: str, message: str | None = None) -> None:
        super().__init__(message or f"模拟行情中没有该证券: {stock_code}")
        self.stock_code = stock_code

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(slots=True)
class _Subscription:
    codes: frozenset[str]
    callback: QuoteCallback


@dataclass(slots=True, eq=False)
class _Instrument:
    """One instrument's state.

    The walk fields (prices as whole numbers of ticks, so on tick by
    construction) belong to whoever holds the market's move lock; the
    published fields (``quote``, ``info``, ``history``) are read and written
    under the market's publish lock.
    """

    spec: SimInstrument
    stock_code: str
    tick: float
    decimals: int
    board_lot: int
    rng: random.Random
    step_sigma: float
    level_gap_extra: float
    wide_spread_chance: float
    history: deque[TickPoint]
    # the walk, in ticks
    prev_close: int = 0
    down_limit: int | None = None
    up_limit: int | None = None
    log_floor: float = 0.0
    log_ceiling: float = math.inf
    log_price: float = 0.0
    log_fair: float = 0.0
    last: int = 0
    open: int = 0
    high: int = 0
    low: int = 0
    volume: int = 0
    amount: float = 0.0
    # what readers see
    quote: Quote | None = None
    info: InstrumentInfo | None = None

    def price(self, ticks: int) -> float:
        """A tick count as the CNY price a trader reads."""
        return round(ticks * self.tick, self.decimals)

    def ticks_of(self, price: float) -> int:
        return round(price / self.tick)

    @property
    def floor(self) -> int:
        """Lowest tick a price may take today."""
        return self.down_limit if self.down_limit is not None else 1

    def clamp(self, ticks: int) -> int:
        """``ticks`` moved inside today's band."""
        if ticks < self.floor:
            return self.floor
        if self.up_limit is not None and ticks > self.up_limit:
            return self.up_limit
        return ticks

    def clamp_log(self, value: float) -> float:
        return min(max(value, self.log_floor), self.log_ceiling)

    def limit_prices(self) -> tuple[float | None, float | None]:
        """Today's (down_limit, up_limit) in CNY; None where the instrument has no limit."""
        down = self.price(self.down_limit) if self.down_limit is not None else None
        up = self.price(self.up_limit) if self.up_limit is not None else None
        return down, up


class SimMarket:
    """A deterministic market of a few dozen instruments, moved by its owner.

    Args:
        seed: the whole market (prices, books, the first trading day) follows
            from it; the same seed gives the same quotes, call for call.
        instruments: the instrument list, by default
            :data:`~app.services.sim.universe.DEFAULT_UNIVERSE`.
        start_time: the first trading day (a :class:`date`, opening at 09:30)
            or a moment within it (a :class:`datetime`; naive means China
            time); by default a trading day drawn from the seed. A weekend
            moves to the following Monday's open.
        history_limit: chart points kept per instrument (the oldest are dropped).
        roll_at_close: whether the step after 15:00 opens the next trading
            day by itself; if False the market waits at the close for
            :meth:`roll_day`.
        prev_closes: code -> previous close of the first day, for a market
            that resumes a later day (a reopened counter); codes not in it
            use the instrument list's previous close.

    Raises:
        CodeError: an instrument's code is not a valid security code.
        ValueError: a code appears twice, the list is empty, or a previous
            close is off its tick.
    """

    def __init__(
        self,
        seed: int | str,
        instruments: Iterable[SimInstrument] = DEFAULT_UNIVERSE,
        start_time: date | datetime | None = None,
        *,
        history_limit: int = HISTORY_LIMIT,
        roll_at_close: bool = True,
        prev_closes: Mapping[str, float] | None = None,
    ) -> None:
        if history_limit < 1:
            raise ValueError(f"history_limit 至少为 1, 实际为 {history_limit}")
        self._seed = seed
        self._history_limit = history_limit
        self._roll_at_close = roll_at_close
        self._move_lock = threading.Lock()  # one mover at a time (step/roll/set price)
        self._lock = threading.Lock()  # what readers see; held only to copy or swap
        self._subscriptions: dict[int, _Subscription] = {}
        self._tokens = itertools.count(1)
        self._instruments: dict[str, _Instrument] = {}
        self._bars: BarStore | None = None  # the day's ticks on disk (keep_bars)
        for spec in instruments:
            instrument = self._new_instrument(spec)
            if instrument.stock_code in self._instruments:
                raise ValueError(f"证券列表中 {instrument.stock_code} 重复出现")
            self._instruments[instrument.stock_code] = instrument
        if not self._instruments:
            raise ValueError("模拟行情至少需要一个证券")

        self._trading_day, self._elapsed = _first_moment(seed, start_time)
        now = _clock_time(self._trading_day, self._elapsed)
        closes = prev_closes or {}
        for instrument in self._instruments.values():
            prev_close = closes.get(instrument.stock_code, instrument.spec.prev_close)
            quote, point = self._open_day(instrument, instrument.ticks_of(prev_close), now)
            instrument.quote = quote
            instrument.history.append(point)

    # ------------------------------------------------------------------ clock

    @property
    def seed(self) -> int | str:
        """The seed the market was built with."""
        return self._seed

    @property
    def trading_day(self) -> date:
        """The simulated trading day (交易日)."""
        with self._lock:
            return self._trading_day

    def now(self) -> int:
        """The simulated time in epoch seconds: the time of the latest quotes."""
        with self._lock:
            return _clock_time(self._trading_day, self._elapsed)

    @property
    def is_closed(self) -> bool:
        """True once the clock has reached the 15:00 close (收盘) of the trading day."""
        with self._lock:
            return self._elapsed >= _SESSION_SECONDS

    # ------------------------------------------------------------ instruments

    def instruments(self) -> list[InstrumentInfo]:
        """Every instrument, in list order, with today's previous close and limits."""
        with self._lock:
            return [self._info(instrument) for instrument in self._instruments.values()]

    def instrument(self, code: str) -> InstrumentInfo:
        """Today's facts about one instrument; any spelling ``normalize_code`` accepts.

        Raises:
            CodeError: ``code`` is not a valid security code.
            UnknownInstrumentError: a valid code the market does not carry.
        """
        instrument = self._lookup(code)
        with self._lock:
            return self._info(instrument)

    def __contains__(self, code: object) -> bool:
        """``'sh600036' in market``: whether the market carries the code."""
        if not isinstance(code, str):
            return False
        try:
            self._lookup(code)
        except (ValueError, KeyError):
            return False
        return True

    # ----------------------------------------------------------------- quotes

    def quote(self, code: str) -> Quote:
        """The latest quote (last, change, volume, five-level book) of one instrument.

        Raises:
            CodeError: ``code`` is not a valid security code.
            UnknownInstrumentError: a valid code the market does not carry.
        """
        instrument = self._lookup(code)
        with self._lock:
            return _published(instrument)

    def quotes(self) -> list[Quote]:
        """The latest quote of every instrument, in list order."""
        with self._lock:
            return [_published(instrument) for instrument in self._instruments.values()]

    def history(self, code: str) -> list[TickPoint]:
        """Today's ticks of one instrument, oldest first, for the intraday chart.

        At most ``history_limit`` points (the newest); a whole day fits by
        default, starting with the 09:30 opening price.
        """
        instrument = self._lookup(code)
        with self._lock:
            return list(instrument.history)

    def keep_bars(self, folder: str | Path) -> None:
        """Keep the day's ticks in ``folder`` (the counter's), so the chart survives a restart.

        Ticks kept there earlier for the current trading day, older than the
        market's own, are put back in front of its history; from now on every
        step, roll and :meth:`set_last_price` is written there too (see
        :class:`~app.services.sim.bars.BarStore`). Calling it again for the
        same folder changes nothing.
        """
        store = BarStore(folder, list(self._instruments))
        with self._move_lock:
            if self._bars is not None and self._bars.path == store.path:
                return
            day = self._trading_day.strftime("%Y%m%d")
            kept = store.load(day)
            with self._lock:
                for code, instrument in self._instruments.items():
                    first = instrument.history[0].time if instrument.history else None
                    older = [p for p in kept.get(code, ()) if first is None or p.time <= first]
                    if older:
                        self._resume_day(instrument, older)
                columns = [list(i.history) for i in self._instruments.values()]
            rows = [
                (points[0].time, list(points))
                for points in zip(*columns, strict=False)
            ] if columns and all(len(c) == len(columns[0]) for c in columns) else []
            store.start(day, rows)
            self._bars = store

    def _resume_day(self, instrument: _Instrument, older: list[TickPoint]) -> None:
        """Put the day's kept ticks back in front (both locks held).

        A reopened market ran a fresh opening auction at the restart moment:
        the day's open, high, low, volume and amount continue from the kept
        ticks instead, so the chart and the quote read as one day.
        """
        history = instrument.history
        base = history[0].volume if history else 0
        base_amount = history[0].amount if history else 0.0
        offset = older[-1].volume - base
        amount_offset = older[-1].amount - base_amount
        rebased = [TickPoint(p.time, p.last_price, p.volume + offset, p.amount + amount_offset)
                   for p in history if p.time > older[-1].time]  # the restart moment was kept
        room = max(self._history_limit - len(rebased), 0)
        history.clear()
        history.extend(older[-room:] if room else [])
        history.extend(rebased[-self._history_limit:])
        instrument.volume += offset
        instrument.amount += amount_offset
        ticks = [instrument.ticks_of(p.last_price) for p in older]
        instrument.open = ticks[0]
        instrument.high = max(instrument.high, *ticks)
        instrument.low = min(instrument.low, *ticks)
        price = instrument.price
        instrument.quote = replace(
            _published(instrument), open=price(instrument.open), high=price(instrument.high),
            low=price(instrument.low), volume=instrument.volume,
            amount=round(instrument.amount, 2),
        )

    def daily_bars(self, code: str, count: int = DAILY_HISTORY_DAYS) -> list[DailyBar]:
        """Daily candles (日K), oldest first: ``count`` seeded days, then today's so far.

        The seeded days end at today's previous close and are the same for the
        same seed, code, day and previous close; the last candle is today's
        (open, high, low and last price now, the day's volume and amount).

        Raises:
            CodeError: ``code`` is not a valid security code.
            UnknownInstrumentError: a valid code the market does not carry.
        """
        instrument = self._lookup(code)
        with self._lock:
            quote = _published(instrument)
            day = self._trading_day
        spec = instrument.spec
        typical = spec.level_lots * instrument.board_lot * STEPS_PER_DAY * _TRADE_SHARE
        band = None
        if quote.up_limit is not None and quote.prev_close:
            band = quote.up_limit / quote.prev_close - 1
        bars = seeded_daily_bars(
            self._seed, instrument.stock_code, day=day, prev_close=quote.prev_close,
            tick=instrument.tick, decimals=instrument.decimals, volatility=spec.volatility,
            typical_volume=typical, band=band, count=max(count, 0),
        )
        midnight = int(datetime.combine(day, time(0, 0), CHINA_TZ).timestamp())
        bars.append(DailyBar(midnight, quote.open, quote.high, quote.low, quote.last_price,
                             quote.volume, quote.amount))
        return bars

    def subscribe_quotes(self, codes: str | Iterable[str], callback: QuoteCallback) -> int:
        """Call ``callback(quote)`` with every new quote of ``codes``; returns a token.

        ``codes`` is one code or several, in any spelling ``normalize_code``
        accepts; every code is checked before anything is subscribed. The
        callback runs on the thread that moves the market (:meth:`step`,
        :meth:`roll_day`, :meth:`set_last_price`), with no lock held. An
        exception it raises is logged with its traceback and stops neither
        the other subscribers nor the market.

        Raises:
            CodeError: a code is not a valid security code.
            UnknownInstrumentError: a valid code the market does not carry.
        """
        if isinstance(codes, str):
            codes = (codes,)
        wanted = frozenset(self._lookup(code).stock_code for code in codes)
        with self._lock:
            token = next(self._tokens)
            self._subscriptions[token] = _Subscription(wanted, callback)
        return token

    def unsubscribe_quotes(self, token: int) -> None:
        """End a subscription; an unknown or already ended token is ignored.

        Once this returns, the callback is not called again (except by a
        notification already running on another thread).
        """
        with self._lock:
            self._subscriptions.pop(token, None)

    # --------------------------------------------------------------- movement

    def step(self) -> list[Quote]:
        """Advance the clock 3 s and every instrument one tick; returns the new quotes.

        After the 15:00 close the step opens the next trading day instead
        (see :meth:`roll_day`), or, with ``roll_at_close=False``, changes
        nothing and returns ``[]``. Subscribers are notified before this
        returns, on this thread.
        """
        with self._move_lock:
            if self._elapsed >= _SESSION_SECONDS:
                if not self._roll_at_close:
                    return []
                quotes, subscriptions = self._roll_day_locked()
            else:
                elapsed = self._elapsed + STEP_SECONDS
                now = _clock_time(self._trading_day, elapsed)
                moved = [
                    (instrument, *self._move(instrument, now))
                    for instrument in self._instruments.values()
                ]
                with self._lock:
                    self._elapsed = elapsed
                    for instrument, quote, point in moved:
                        instrument.quote = quote
                        instrument.history.append(point)
                    subscriptions = list(self._subscriptions.items())
                quotes = [quote for _, quote, _ in moved]
                if self._bars is not None:
                    self._bars.append(now, [point for _, _, point in moved])
        self._notify(quotes, subscriptions)
        return quotes

    def roll_day(self) -> list[Quote]:
        """Open the next trading day: today's last price becomes the previous close.

        Limits are recomputed from it, volume and amount start again from the
        opening call auction, the chart history starts afresh and the clock
        moves to 09:30 of the next weekday. Returns the opening quotes, which
        subscribers also receive.
        """
        with self._move_lock:
            quotes, subscriptions = self._roll_day_locked()
        self._notify(quotes, subscriptions)
        return quotes

    def set_last_price(self, code: str, price: float) -> Quote:
        """Put an instrument's last price at ``price`` now, e.g. to drive it to 涨停.

        For tests and demos. The price must be on tick and inside today's
        band; the walk continues from there (its fair value moves there too).
        No volume trades and the clock does not move. Subscribers receive the
        new quote.

        Raises:
            ValueError: ``price`` is off tick or outside the price band.
        """
        instrument = self._lookup(code)
        with self._move_lock:
            ticks = instrument.ticks_of(price)
            if abs(ticks * instrument.tick - price) > instrument.tick * 1e-6:
                raise ValueError(f"{instrument.stock_code} 价格 {price} 不在最小价位上")
            if ticks != instrument.clamp(ticks):
                down, up = instrument.limit_prices()
                band = f"涨跌停范围 [{down}, {up}]" if up is not None else "有效价格范围"
                raise ValueError(f"{instrument.stock_code} 价格 {price} 超出{band}")
            instrument.last = ticks
            instrument.high = max(instrument.high, ticks)
            instrument.low = min(instrument.low, ticks)
            instrument.log_price = instrument.log_fair = math.log(ticks * instrument.tick)
            now = _clock_time(self._trading_day, self._elapsed)
            quote = self._make_quote(instrument, now)
            with self._lock:
                instrument.quote = quote
                instrument.history[-1] = TickPoint(
                    now, quote.last_price, quote.volume, quote.amount)
                subscriptions = list(self._subscriptions.items())
                latest = [i.history[-1] for i in self._instruments.values()]
            if self._bars is not None:
                self._bars.append(now, latest)
        self._notify([quote], subscriptions)
        return quote

    # -------------------------------------------------------------- internals

    def _lookup(self, code: str) -> _Instrument:
        instrument = self._instruments.get(code)  # fast path: already normalised
        if instrument is None:
            stock_code = normalize_code(code)
            instrument = self._instruments.get(stock_code)
            if instrument is None:
                raise UnknownInstrumentError(stock_code)
        return instrument

    def _new_instrument(self, spec: SimInstrument) -> _Instrument:
        security = classify(spec.stock_code)
        code = security.stock_code
        tick = float(tick_size(code))
        if abs(round(spec.prev_close / tick) * tick - spec.prev_close) > tick * 1e-6:
            raise ValueError(f"{code} 昨收 {spec.prev_close} 不在最小价位 {tick} 上")
        thin = spec.level_lots <= _THIN_BOOK_LOTS
        return _Instrument(
            spec=spec,
            stock_code=code,
            tick=tick,
            decimals=price_decimals(code),
            board_lot=10 if security.kind is InstrumentKind.BOND else 100,
            rng=random.Random(f"{self._seed}:{code}"),
            step_sigma=spec.volatility / math.sqrt(STEPS_PER_DAY),
            level_gap_extra=max(_MIN_LEVEL_GAP_EXTRA, spec.prev_close * _LEVEL_GAP_FRACTION / tick),
            wide_spread_chance=_WIDE_SPREAD_CHANCE_THIN if thin else _WIDE_SPREAD_CHANCE_LIQUID,
            history=deque(maxlen=self._history_limit),
        )

    def _roll_day_locked(self) -> tuple[list[Quote], list[tuple[int, _Subscription]]]:
        """The day roll proper; the caller holds the move lock."""
        day = _next_weekday(self._trading_day)
        now = _clock_time(day, 0)
        opened = [
            (instrument, *self._open_day(instrument, instrument.last, now))
            for instrument in self._instruments.values()
        ]
        with self._lock:
            self._trading_day, self._elapsed = day, 0
            for instrument, quote, point in opened:
                instrument.quote = quote
                instrument.info = None
                instrument.history.clear()
                instrument.history.append(point)
            subscriptions = list(self._subscriptions.items())
        if self._bars is not None:
            self._bars.start(day.strftime("%Y%m%d"), [(now, [point for _, _, point in opened])])
        return [quote for _, quote, _ in opened], subscriptions

    def _open_day(
        self, instrument: _Instrument, prev_close: int, now: int
    ) -> tuple[Quote, TickPoint]:
        """Set the day's limits and run the opening call auction (集合竞价)."""
        rng = instrument.rng
        instrument.prev_close = prev_close
        limits = price_limits(
            instrument.stock_code,
            instrument.price(prev_close),
            is_st=instrument.spec.is_st,
            band=instrument.spec.price_band,
        )
        if limits is None:
            instrument.down_limit = instrument.up_limit = None
            instrument.log_ceiling = math.inf
        else:
            down, up = limits
            instrument.down_limit, instrument.up_limit = (
                instrument.ticks_of(down),
                instrument.ticks_of(up),
            )
            instrument.log_ceiling = math.log(instrument.up_limit * instrument.tick)
        instrument.log_floor = math.log(instrument.floor * instrument.tick)

        gap = rng.gauss(0.0, _OPENING_GAP * instrument.spec.volatility)
        opening = instrument.clamp_log(math.log(prev_close * instrument.tick) + gap)
        instrument.log_price = instrument.log_fair = opening
        price = instrument.clamp(instrument.ticks_of(math.exp(opening)))
        instrument.last = instrument.open = instrument.high = instrument.low = price
        auction_lots = max(1, round(instrument.spec.level_lots * rng.uniform(2.0, 6.0)))
        instrument.volume = auction_lots * instrument.board_lot
        instrument.amount = instrument.volume * instrument.price(price)
        quote = self._make_quote(instrument, now)
        return quote, TickPoint(now, quote.last_price, quote.volume, quote.amount)

    def _move(self, instrument: _Instrument, now: int) -> tuple[Quote, TickPoint]:
        """One step of the random walk, the trades that go with it, and the new quote."""
        rng = instrument.rng
        sigma = instrument.step_sigma
        fair = instrument.clamp_log(instrument.log_fair + rng.gauss(0.0, _FAIR_WANDER * sigma))
        pull = _REVERSION * (fair - instrument.log_price)
        instrument.log_fair = fair
        instrument.log_price = instrument.clamp_log(
            instrument.log_price + pull + rng.gauss(0.0, sigma)
        )
        last = instrument.clamp(instrument.ticks_of(math.exp(instrument.log_price)))
        lots = int(rng.expovariate(1.0) * instrument.spec.level_lots * _TRADE_SHARE)
        if last != instrument.last:
            lots = max(lots, 1)  # a new price means somebody traded at it
        instrument.last = last
        if last > instrument.high:
            instrument.high = last
        elif last < instrument.low:
            instrument.low = last
        if lots:
            shares = lots * instrument.board_lot
            instrument.volume += shares
            instrument.amount += shares * instrument.price(last)
        quote = self._make_quote(instrument, now)
        return quote, TickPoint(now, quote.last_price, quote.volume, quote.amount)

    def _make_quote(self, instrument: _Instrument, now: int) -> Quote:
        """The quote a trader sees now, with a freshly built book."""
        bid_price, bid_volume, ask_price, ask_volume = _build_book(instrument)
        down_limit, up_limit = instrument.limit_prices()
        price = instrument.price
        return Quote(
            stock_code=instrument.stock_code,
            instrument_name=instrument.spec.instrument_name,
            time=now,
            last_price=price(instrument.last),
            prev_close=price(instrument.prev_close),
            open=price(instrument.open),
            high=price(instrument.high),
            low=price(instrument.low),
            volume=instrument.volume,
            amount=round(instrument.amount, 2),
            up_limit=up_limit,
            down_limit=down_limit,
            bid_price=bid_price,
            bid_volume=bid_volume,
            ask_price=ask_price,
            ask_volume=ask_volume,
        )

    @staticmethod
    def _info(instrument: _Instrument) -> InstrumentInfo:
        """Today's instrument facts, built once a day on first use (publish lock held)."""
        if instrument.info is None:
            quote = _published(instrument)
            instrument.info = InstrumentInfo(
                stock_code=instrument.stock_code,
                instrument_name=instrument.spec.instrument_name,
                prev_close=quote.prev_close,
                up_limit=quote.up_limit,
                down_limit=quote.down_limit,
                is_st=instrument.spec.is_st,
            )
        return instrument.info

    def _notify(
        self, quotes: Sequence[Quote], subscriptions: list[tuple[int, _Subscription]]
    ) -> None:
        """Hand quotes to subscribers; called with no lock held.

        ``subscriptions`` is a copy taken under the lock; a subscription ended
        meanwhile (even by a callback of this very batch) is skipped.
        """
        if not subscriptions:
            return
        for quote in quotes:
            for token, subscription in subscriptions:
                if quote.stock_code not in subscription.codes or token not in self._subscriptions:
                    continue
                try:
                    subscription.callback(quote)
                except Exception:
                    log.exception(
                        "行情订阅回调出错 (订阅号 %d, %s), 其他订阅不受影响",
                        token,
                        quote.stock_code,
                    )


# ------------------------------------------------------------------ the book


def _build_book(instrument: _Instrument) -> _Book:
    """A fresh five-level book around the last price: (bid prices, bid volumes, asks...)."""
    rng = instrument.rng
    last, floor, ceiling = instrument.last, instrument.floor, instrument.up_limit
    bid1: int | None
    ask1: int | None
    if ceiling is not None and last >= ceiling:  # 涨停: only buyers, queued at the limit
        bid1, ask1 = ceiling, None
    elif instrument.down_limit is not None and last <= floor:  # 跌停: only sellers
        bid1, ask1 = None, floor
    else:
        spread = 2 if rng.random() < instrument.wide_spread_chance else 1
        if rng.random() < 0.5:  # the last trade hit the bid
            bid1, ask1 = last, last + spread
        else:  # the last trade lifted the offer
            bid1, ask1 = last - spread, last
        if ceiling is not None and ask1 > ceiling:
            ask1, bid1 = ceiling, min(bid1, ceiling - 1)
        if bid1 < floor:
            bid1, ask1 = floor, max(ask1, floor + 1)
    bid_price, bid_volume = _ladder(instrument, bid1, -1, floor, ceiling, sealed=ask1 is None)
    ask_price, ask_volume = _ladder(instrument, ask1, +1, floor, ceiling, sealed=bid1 is None)
    return bid_price, bid_volume, ask_price, ask_volume


def _ladder(
    instrument: _Instrument,
    first: int | None,
    direction: int,
    floor: int,
    ceiling: int | None,
    *,
    sealed: bool,
) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Up to five levels from ``first`` outwards, inside the band, padded with 0.0 / 0.

    ``sealed`` marks the side queuing at a limit with nobody opposite: its
    first level is many times the usual size (封单).
    """
    prices = [0.0] * BOOK_DEPTH
    volumes = [0] * BOOK_DEPTH
    if first is not None:
        # Exponential draws are inlined (-log(1 - u)): this loop is the market's hot path.
        uniform = instrument.rng.random
        typical = instrument.spec.level_lots
        lot = instrument.board_lot
        tick, decimals = instrument.tick, instrument.decimals
        gap_extra = instrument.level_gap_extra
        top = ceiling if ceiling is not None else math.inf
        ticks = first
        for depth in range(BOOK_DEPTH):
            if ticks < floor or ticks > top:
                break
            if depth == 0 and sealed:
                low, high = _SEALED_LIMIT_LEVELS
                lots = typical * (low + (high - low) * uniform())
            else:  # heavy-tailed, a little deeper further out
                lots = typical * (0.2 - math.log(1.0 - uniform())) * (1.0 + 0.15 * depth)
            prices[depth] = round(ticks * tick, decimals)
            volumes[depth] = (int(lots) or 1) * lot
            ticks += direction * (1 + int(-math.log(1.0 - uniform()) * gap_extra))
    return tuple(prices), tuple(volumes)


# ----------------------------------------------------------------- the clock


def _first_moment(seed: int | str, start: date | datetime | None) -> tuple[date, int]:
    """The first trading day and the trading seconds already elapsed in it."""
    if start is None:
        draw = random.Random(f"{seed}:calendar").randrange(_FIRST_DAY_CHOICES)
        day = _FIRST_DAY_BASE
        for _ in range(draw):
            day = _next_weekday(day)
        return day, 0
    if isinstance(start, datetime):
        moment = start.astimezone(CHINA_TZ) if start.tzinfo else start
        day, elapsed = moment.date(), _trading_seconds(moment.time())
    else:
        day, elapsed = start, 0
    if day.weekday() >= 5:
        day, elapsed = _next_weekday(day), 0
    return day, elapsed - elapsed % STEP_SECONDS


def _clock_time(day: date, elapsed: int) -> int:
    """Epoch seconds of ``elapsed`` trading seconds into ``day`` (lunch skipped)."""
    if elapsed <= _MORNING_SECONDS:
        start, offset = _MORNING_OPEN, elapsed
    else:
        start, offset = _AFTERNOON_OPEN, elapsed - _MORNING_SECONDS
    return int(datetime.combine(day, start, CHINA_TZ).timestamp()) + offset


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _trading_seconds(moment: time) -> int:
    """Trading seconds elapsed by ``moment`` (0 before 09:30, all of them after 15:00)."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    morning = _MORNING_OPEN.hour * 3600 + _MORNING_OPEN.minute * 60
    afternoon = _AFTERNOON_OPEN.hour * 3600
    if seconds <= morning:
        return 0
    if seconds <= morning + _MORNING_SECONDS:
        return seconds - morning
    if seconds <= afternoon:
        return _MORNING_SECONDS
    return min(_SESSION_SECONDS, _MORNING_SECONDS + seconds - afternoon)


def _published(instrument: _Instrument) -> Quote:
    quote = instrument.quote
    assert quote is not None, "every instrument has a quote from the moment the market exists"
    return quote
