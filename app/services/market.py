"""Quotes for the terminal (行情): one face over the simulator and over xtquant's xtdata.

The terminal asks :class:`MarketData` for an instrument's facts (name,
previous close, limits), its latest quote (last, change, volume, five-level
book), its intraday history for the chart, and subscribes to quote updates.
Behind it sits one of two sources:

- the simulated counter's :class:`~app.services.sim.market.SimMarket`
  (:meth:`MarketData.for_simulator`), on any platform;
- xtquant's ``xtdata`` talking to a logged-in QMT client
  (:meth:`MarketData.for_xtdata`), on Windows. ``xtdata`` is imported only
  there, inside that method: its native part does not exist elsewhere, so
  importing this module never touches it.

Every method accepts any code spelling ``normalize_code`` accepts and
raises :class:`~app.models.codes.CodeError` for text that is no code, and
:class:`UnknownInstrumentError` (a :class:`KeyError`) for a valid code the
source does not carry. Subscription callbacks run on the source's thread
(the simulator's market thread, or xtdata's callback thread), never on the
GUI thread; an exception in one is logged with its traceback and does not
stop the others. This module is pure Python: no Qt.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Protocol

from app.models.clock import CHINA_TZ
from app.models.codes import InstrumentKind, classify, normalize_code
from app.models.quote import InstrumentInfo, Quote
from app.models.rules import price_decimals
from app.services.sim.market import (
    BOOK_DEPTH,
    DAILY_HISTORY_DAYS,
    HISTORY_LIMIT,
    DailyBar,
    QuoteCallback,
    SimMarket,
    TickPoint,
    UnknownInstrumentError,
)

__all__ = [
    "DailyBar",
    "MarketData",
    "MarketDataError",
    "QuoteCallback",
    "QuoteSource",
    "TickPoint",
    "UnknownInstrumentError",
    "xtdata_available",
]

log = logging.getLogger(__name__)

SIMULATOR_SOURCE: Final = "模拟行情"
XTDATA_SOURCE: Final = "QMT 行情"


class MarketDataError(RuntimeError):
    """The quote source cannot answer (e.g. xtdata is missing or not connected).

    ``str(err)`` says what happened and what to do, in one sentence.
    """


class QuoteSource(Protocol):
    """What :class:`MarketData` needs from a source; codes arrive normalised."""

    name: str

    def instrument(self, stock_code: str) -> InstrumentInfo: ...

    def quote(self, stock_code: str) -> Quote: ...

    def subscribe(self, stock_codes: Sequence[str], callback: QuoteCallback) -> int: ...

    def unsubscribe(self, token: int) -> None: ...

    def history(self, stock_code: str) -> list[TickPoint]: ...

    def daily_bars(self, stock_code: str, count: int) -> list[DailyBar]: ...


class MarketData:
    """The terminal's quote service.

    Build it with :meth:`for_simulator` or :meth:`for_xtdata`; the
    constructor takes any :class:`QuoteSource` (tests may pass their own).
    """

    def __init__(self, source: QuoteSource) -> None:
        self._source = source

    @classmethod
    def for_simulator(cls, market: SimMarket, folder: str | Path | None = None) -> MarketData:
        """Quotes from the simulated counter's market.

        With ``folder`` (the counter's), the market keeps the day's ticks
        there, so the intraday chart survives a restart of the counter
        (:meth:`SimMarket.keep_bars`).
        """
        if folder is not None:
            market.keep_bars(folder)
        return cls(_SimulatorSource(market))

    @classmethod
    def for_xtdata(cls, xtdata: ModuleType | Any | None = None) -> MarketData:
        """Quotes from xtquant's ``xtdata`` (QMT's quote service; Windows only).

        Args:
            xtdata: the ``xtquant.xtdata`` module, imported here when None;
                tests pass a stand-in with the same functions.

        Raises:
            MarketDataError: ``xtdata`` cannot be imported on this machine.
        """
        if xtdata is None:
            xtdata = _import_xtdata()
        return cls(_XtdataSource(xtdata))

    @property
    def source_name(self) -> str:
        """Where the quotes come from, for the status bar (``模拟行情`` / ``QMT 行情``)."""
        return self._source.name

    @property
    def is_simulated(self) -> bool:
        """True when the quotes come from the simulated counter."""
        return isinstance(self._source, _SimulatorSource)

    def instrument(self, code: str) -> InstrumentInfo:
        """Name, previous close, today's limits and ST flag of one instrument."""
        return self._source.instrument(normalize_code(code))

    def quote(self, code: str) -> Quote:
        """The latest quote of one instrument."""
        return self._source.quote(normalize_code(code))

    def subscribe(self, codes: str | Iterable[str], fn: QuoteCallback) -> int:
        """Call ``fn(quote)`` with every new quote of ``codes``; returns a token.

        ``codes`` is one code or several. ``fn`` runs on the source's thread:
        hand the quote to the GUI thread (a queued Qt signal) before touching
        widgets or models.
        """
        if isinstance(codes, str):
            codes = (codes,)
        stock_codes = list(dict.fromkeys(normalize_code(code) for code in codes))
        return self._source.subscribe(stock_codes, fn)

    def unsubscribe(self, token: int) -> None:
        """End a subscription; an unknown or already ended token is ignored."""
        self._source.unsubscribe(token)

    def history(self, code: str) -> list[TickPoint]:
        """Today's (time, last price, cumulative volume) points, oldest first, for the chart."""
        return self._source.history(normalize_code(code))

    def daily_bars(self, code: str, count: int = DAILY_HISTORY_DAYS) -> list[DailyBar]:
        """Daily candles (日K), oldest first, today's (so far) last when the source has it."""
        return self._source.daily_bars(normalize_code(code), count)


def xtdata_available() -> bool:
    """Whether xtquant's ``xtdata`` imports here (Windows with xtquant's native part)."""
    try:
        _import_xtdata()
    except MarketDataError:
        return False
    return True


def _import_xtdata() -> ModuleType:
    try:
        from xtquant import xtdata  # native, Windows only: imported on demand
    except Exception as exc:  # ImportError, or the native part failing to load
        raise MarketDataError(
            f"无法加载 xtquant 行情模块 xtdata（{exc}）。它只能在装有 QMT 客户端的 Windows 上使用；"
            "请改用模拟行情，或在 Windows 上安装 xtquant。"
        ) from exc
    return xtdata


# ------------------------------------------------------------------ simulator


class _SimulatorSource:
    """:class:`SimMarket` as a :class:`QuoteSource`."""

    name = SIMULATOR_SOURCE

    def __init__(self, market: SimMarket) -> None:
        self._market = market

    def instrument(self, stock_code: str) -> InstrumentInfo:
        return self._market.instrument(stock_code)

    def quote(self, stock_code: str) -> Quote:
        return self._market.quote(stock_code)

    def subscribe(self, stock_codes: Sequence[str], callback: QuoteCallback) -> int:
        return self._market.subscribe_quotes(stock_codes, callback)

    def unsubscribe(self, token: int) -> None:
        self._market.unsubscribe_quotes(token)

    def history(self, stock_code: str) -> list[TickPoint]:
        return self._market.history(stock_code)

    def daily_bars(self, stock_code: str, count: int) -> list[DailyBar]:
        return self._market.daily_bars(stock_code, count)


# --------------------------------------------------------------------- xtdata

_XT_FIELDS: Final = ["time", "lastPrice", "volume", "pvolume", "amount"]
_XT_DAILY_FIELDS: Final = ["time", "open", "high", "low", "close", "volume", "amount"]


class _XtdataSource:
    """xtquant's ``xtdata`` as a :class:`QuoteSource`.

    xtdata reports times in epoch milliseconds and volumes in 手 (``volume``,
    ``bidVol``, ``askVol``; ``pvolume`` is the raw share count); the quotes
    here carry epoch seconds and shares, like the simulator's. Prices are
    rounded to the instrument's tick decimals (xtdata sends binary noise
    such as ``11.370000000000001``). Instrument facts are cached per day.
    """

    name = XTDATA_SOURCE

    def __init__(self, xtdata: Any) -> None:
        self._xtdata = xtdata
        self._lock = threading.Lock()
        self._instruments: dict[str, tuple[date, InstrumentInfo]] = {}
        self._subscriptions: dict[int, list[int]] = {}
        self._tokens = itertools.count(1)

    def instrument(self, stock_code: str) -> InstrumentInfo:
        today = _china_today()
        with self._lock:
            cached = self._instruments.get(stock_code)
        if cached is not None and cached[0] == today:
            return cached[1]
        detail = self._call("get_instrument_detail", stock_code)
        if not detail:
            raise UnknownInstrumentError(stock_code, f"行情服务中没有该证券: {stock_code}")
        name = str(detail.get("InstrumentName") or "")
        digits = price_decimals(stock_code)
        info = InstrumentInfo(
            stock_code=stock_code,
            instrument_name=name,
            prev_close=_price(detail.get("PreClose"), digits) or 0.0,
            up_limit=_price(detail.get("UpStopPrice"), digits),
            down_limit=_price(detail.get("DownStopPrice"), digits),
            is_st="ST" in name.upper(),
        )
        with self._lock:
            self._instruments[stock_code] = (today, info)
        return info

    def quote(self, stock_code: str) -> Quote:
        info = self.instrument(stock_code)
        ticks = self._call("get_full_tick", [stock_code]) or {}
        tick = ticks.get(stock_code)
        if not tick:
            raise UnknownInstrumentError(
                stock_code, f"行情服务没有 {stock_code} 的行情，请确认 QMT 客户端已登录并连接行情"
            )
        return _quote_from_tick(info, tick)

    def subscribe(self, stock_codes: Sequence[str], callback: QuoteCallback) -> int:
        infos = {code: self.instrument(code) for code in stock_codes}  # check every code first

        def on_data(datas: Mapping[str, Any]) -> None:  # on xtdata's callback thread
            for code, ticks in datas.items():
                info = infos.get(code)
                if info is None:
                    continue
                for tick in ticks if isinstance(ticks, list) else (ticks,):
                    try:
                        callback(_quote_from_tick(info, tick))
                    except Exception:
                        log.exception("行情订阅回调出错 (%s), 其他订阅不受影响", code)

        seqs: list[int] = []
        try:
            for code in infos:
                seq = self._call("subscribe_quote", code, period="tick", count=0, callback=on_data)
                if isinstance(seq, bool) or not isinstance(seq, int) or seq <= 0:  # doc: > 0 ok
                    raise MarketDataError(
                        f"订阅 {code} 行情失败（返回 {seq!r}），请确认 QMT 客户端已连接行情"
                    )
                seqs.append(seq)
        except BaseException:
            self._unsubscribe_seqs(seqs)
            raise
        with self._lock:
            token = next(self._tokens)
            self._subscriptions[token] = seqs
        return token

    def unsubscribe(self, token: int) -> None:
        with self._lock:
            seqs = self._subscriptions.pop(token, [])
        self._unsubscribe_seqs(seqs)

    def history(self, stock_code: str) -> list[TickPoint]:
        info = self.instrument(stock_code)
        today = _china_today().strftime("%Y%m%d")
        data = self._call(
            "get_market_data",
            field_list=_XT_FIELDS,
            stock_list=[stock_code],
            period="tick",
            start_time=today,
            count=-1,
        )
        rows = (data or {}).get(stock_code)
        if rows is None:
            return []
        digits = price_decimals(info.stock_code)
        points: list[TickPoint] = []
        for row in rows:
            price = _price(row["lastPrice"], digits)
            if price is None:  # no trade yet (before the open)
                continue
            volume = _shares(_field(row, "pvolume"), _field(row, "volume"), stock_code)
            amount = float(_field(row, "amount") or 0.0)
            points.append(TickPoint(int(row["time"]) // 1000, price, volume, amount))
        return points[-HISTORY_LIMIT:]

    def daily_bars(self, stock_code: str, count: int) -> list[DailyBar]:
        """``1d`` bars from QMT's local data, downloaded (incrementally) first.

        xtdata reports daily volume in 手 (10 张 for bonds) and times in epoch ms.
        """
        self.instrument(stock_code)  # an unknown code fails clearly here
        try:
            self._xtdata.download_history_data(stock_code, period="1d", incrementally=True)
        except Exception as exc:  # keep what is already local; say so in the log
            log.warning("下载 %s 日线失败（%s），使用本地已有数据", stock_code, exc)
        data = self._call(
            "get_market_data_ex",
            field_list=_XT_DAILY_FIELDS,
            stock_list=[stock_code],
            period="1d",
            count=count + 1,
            dividend_type="front",
        )
        table = (data or {}).get(stock_code)
        if table is None:
            return []
        rows = table.to_dict("records") if hasattr(table, "to_dict") else list(table)
        digits = price_decimals(stock_code)
        lot = _default_lot(stock_code)
        bars: list[DailyBar] = []
        for row in rows:
            close = _price(row.get("close"), digits)
            if close is None:  # suspended (停牌) or no trade
                continue
            midnight = _china_midnight(int(row["time"]) // 1000)
            bars.append(DailyBar(
                midnight,
                _price(row.get("open"), digits) or close,
                _price(row.get("high"), digits) or close,
                _price(row.get("low"), digits) or close,
                close,
                int(row.get("volume") or 0) * lot,
                float(row.get("amount") or 0.0),
            ))
        return bars

    def _unsubscribe_seqs(self, seqs: Iterable[int]) -> None:
        for seq in seqs:
            try:
                self._xtdata.unsubscribe_quote(seq)
            except Exception:
                log.exception("取消行情订阅 %s 失败", seq)

    def _call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        """Call an xtdata function; its failures become one clear :class:`MarketDataError`."""
        try:
            return getattr(self._xtdata, function)(*args, **kwargs)
        except MarketDataError:
            raise
        except Exception as exc:
            raise MarketDataError(
                f"行情服务调用 {function} 失败（{exc}），请确认 QMT 客户端已启动并登录"
            ) from exc


def _quote_from_tick(info: InstrumentInfo, tick: Mapping[str, Any]) -> Quote:
    """An xtdata tick dict (``get_full_tick`` / tick subscription) as a :class:`Quote`."""
    code = info.stock_code
    digits = price_decimals(code)
    lot = _lot_size(tick.get("pvolume"), tick.get("volume"), code)
    return Quote(
        stock_code=code,
        instrument_name=info.instrument_name,
        time=_tick_time(tick),
        last_price=_price(tick.get("lastPrice"), digits) or 0.0,
        prev_close=_price(tick.get("lastClose"), digits) or info.prev_close,
        open=_price(tick.get("open"), digits) or 0.0,
        high=_price(tick.get("high"), digits) or 0.0,
        low=_price(tick.get("low"), digits) or 0.0,
        volume=_shares(tick.get("pvolume"), tick.get("volume"), code),
        amount=float(tick.get("amount") or 0.0),
        up_limit=info.up_limit,
        down_limit=info.down_limit,
        bid_price=_levels(tick.get("bidPrice"), lambda p: _price(p, digits) or 0.0, 0.0),
        bid_volume=_levels(tick.get("bidVol"), lambda v: int(v) * lot, 0),
        ask_price=_levels(tick.get("askPrice"), lambda p: _price(p, digits) or 0.0, 0.0),
        ask_volume=_levels(tick.get("askVol"), lambda v: int(v) * lot, 0),
    )


def _tick_time(tick: Mapping[str, Any]) -> int:
    """Epoch seconds of an xtdata tick: ``time`` (epoch ms, subscription pushes) or,
    as ``get_full_tick`` reports it, ``timetag`` (China time ``'20231026 10:32:56.950'``)."""
    millis = tick.get("time")
    if millis:
        return int(millis) // 1000
    timetag = str(tick.get("timetag") or "").strip()
    for pattern in ("%Y%m%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S"):
        try:
            moment = datetime.strptime(timetag, pattern)
        except ValueError:
            continue
        return int(moment.replace(tzinfo=CHINA_TZ).timestamp())
    return 0


def _price(value: Any, digits: int) -> float | None:
    """A positive xtdata price rounded to the tick's decimals; None for missing or zero."""
    try:
        price = float(value)
    except (TypeError, ValueError):
        return None
    return round(price, digits) if price > 0 else None


def _default_lot(stock_code: str) -> int:
    return 10 if classify(stock_code).kind is InstrumentKind.BOND else 100


def _lot_size(pvolume: Any, volume: Any, stock_code: str) -> int:
    """Shares per xtdata volume unit: pvolume / volume when both are known."""
    try:
        raw, lots = int(pvolume or 0), int(volume or 0)
    except (TypeError, ValueError):
        return _default_lot(stock_code)
    if raw > 0 and lots > 0:
        return max(1, round(raw / lots))
    return _default_lot(stock_code)


def _shares(pvolume: Any, volume: Any, stock_code: str) -> int:
    """Cumulative volume in shares: ``pvolume`` when given, else ``volume`` in 手."""
    try:
        raw = int(pvolume or 0)
        if raw > 0:
            return raw
        return int(volume or 0) * _default_lot(stock_code)
    except (TypeError, ValueError):
        return 0


def _levels[T](values: Any, convert: Callable[[Any], T], empty: T) -> tuple[T, ...]:
    """Five book levels from an xtdata list (shorter lists padded, missing as empty)."""
    converted = [convert(v) for v in list(values or ())[:BOOK_DEPTH]]
    return tuple(converted) + (empty,) * (BOOK_DEPTH - len(converted))


def _field(row: Any, name: str) -> Any:
    """``row[name]`` for a dict or a numpy record, None when the field is absent."""
    try:
        return row[name]
    except (KeyError, IndexError, ValueError):
        return None


def _china_today() -> date:
    return datetime.now(CHINA_TZ).date()


def _china_midnight(epoch: int) -> int:
    """Epoch seconds of 00:00 China time on the day of ``epoch``."""
    day = datetime.fromtimestamp(epoch, CHINA_TZ).date()
    return int(datetime.combine(day, datetime.min.time(), CHINA_TZ).timestamp())
