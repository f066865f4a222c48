"""The simulated counter (模拟柜台): accounts, orders, matching, freezing, fees, T+1.

One :class:`SimCounter` per folder per process (``SimCounter.open(path)``),
like the QMT client a miniQMT folder belongs to: it outlives trader sessions,
keeps its state in ``<path>/qmtdesk_sim.sqlite`` and serves any number of
:class:`~app.services.sim.trader.SimXtQuantTrader` sessions.

Threads and locks:

- one ``RLock`` guards all counter state; every state change happens under
  it, is written to the ledger in one transaction (see ``ledger.py`` for the
  journal and why a kill loses nothing acknowledged), and only then are its
  pushes queued;
- each connected trader session has a :class:`CallbackChannel`: a queue and
  one thread that drains it and calls the session's callback object, in
  order. User code never runs under the counter lock (queuing does not call
  it), and never on the caller's thread. A push is a snapshot of values
  taken at the change; its ``xttype`` object is built on that thread, and a
  change's pushes travel as one queue item;
- when ``SimConfig.auto_run`` is set, a market thread steps the market every
  ``tick_interval`` seconds, fills resting orders and reads the control
  table every ``control_poll_interval`` seconds. Tests use ``advance()``.
  Whoever moves the market, the counter hears the new prices and clock from
  the market's notifications (for market values and order times).

A second process opening the same folder is refused (:class:`SimCounterBusyError`):
the counter holds an exclusive SQLite lock on ``qmtdesk_sim.lock`` for as long
as it is open. The OS drops the lock when the process ends, however it ends,
so there is never a stale lock to clean up, on Windows or elsewhere.

Money: cash, frozen cash and fees are kept on whole fen. Position cost uses
the moving-average method: ``avg_price`` is what the shares held cost (buys
at their trade amount; fees are booked separately), a sell takes its share of
the cost out and books the difference as realised profit. So for every
account, always::

    cash + frozen_cash + sum(cost of positions) + fees_paid - realized_pnl
        == initial cash + initial holdings at cost

Commission minimum: the schedule's minimum (5 CNY) applies per order, not
per fill. Fees are charged cumulatively: after each fill the order has paid
exactly ``fees(side, amount traded so far)``, so a first small fill pays the
minimum and later fills pay only once the rate exceeds it. Fees, tick and
lot checks run on whole numbers (:class:`~app.models.rules.FenFees`, prices
in li) when that is exact, which is the usual case, and fall back to the
Decimal rules otherwise; both give the same answers (tests compare them).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from xtquant import xtconstant as xc
from xtquant.xttype import (
    XtAccountStatus,
    XtAsset,
    XtCancelError,
    XtCancelOrderResponse,
    XtOrder,
    XtOrderError,
    XtOrderResponse,
    XtPosition,
    XtTrade,
)

from app.models.clock import china_time
from app.models.codes import CodeError, classify
from app.models.names import CANCELABLE_STATUSES, FINAL_STATUSES
from app.models.rules import (
    FEN_FEES_MAX_LI,
    FeeSchedule,
    FenFees,
    LotRule,
    Side,
    check_volume,
    is_on_tick,
    lot_rule,
    round_to_tick,
    tick_size,
)
from app.models.ttypes import accepted_price_types
from app.services.sim.config import SimConfig
from app.services.sim.errors import (
    CounterError,
    SimCounterBusyError,
    cancel_error_message,
    order_error_message,
)
from app.services.sim.faults import FaultInjector
from app.services.sim.ledger import (
    AccountRow,
    Ledger,
    OrderRow,
    PositionRow,
    TradeRow,
)
from app.services.sim.market import SimMarket
from app.services.sim.matching import (
    PRICE_TYPE_PLANS,
    REPORTED_PRICE_TYPE,
    Reference,
    Remainder,
    crosses,
    walk_book,
)

__all__ = [
    "LOCK_FILENAME",
    "AccountTotals",
    "CallbackChannel",
    "SimAccountInfo",
    "SimCounter",
]

log = logging.getLogger(__name__)

LOCK_FILENAME = "qmtdesk_sim.lock"

#: Ledger meta keys: today's previous closes (written at each day roll) and
#: the market's day, clock and last prices (written when the counter closes).
_PREV_CLOSES_KEY = "prev_closes"
_MARKET_KEY = "market"

_BUY = xc.STOCK_BUY
_SELL = xc.STOCK_SELL
_ORDER_TYPE_NAME = {_BUY: "买入", _SELL: "卖出"}
_MARKET_ENUM = {"SH": xc.SH_MARKET, "SZ": xc.SZ_MARKET, "BJ": xc.MARKET_ENUM_BEIJING}
_STOP = object()

#: Seconds between looks at the control table when the market thread runs.
_MIN_WAIT = 0.01

#: How long a session's delivery thread lets pushes gather after a drain (see CallbackChannel).
GATHER_SECONDS = 0.001

#: One queued callback: ``(target, make, values)`` (see :class:`CallbackChannel`).
Delivery = tuple[str | Callable[..., object], Callable[[tuple], object] | None, tuple]


# --------------------------------------------------------------------------- delivery


class CallbackChannel:
    """One trader session's delivery line: a queue and the thread that drains it.

    A queue item is ``(due, deliveries)``: the pushes of one state change (or
    one lone push), delivered in order. ``due`` is a ``time.monotonic()``
    moment before which the item is held (0: at once). A delivery is
    ``(target, make, values)``:

    - ``target``: a callback method name (looked up on the session's callback
      object when the item is delivered, so ``register_callback`` may change
      it) or a plain callable (async query results);
    - ``make``: None, and the target is called with ``*values``; or a function
      that builds the pushed object (an ``XtOrder``...) from ``values``, a
      snapshot the counter took at the change. The object is built here, on
      this thread, and only when a callback will receive it.

    An exception raised by a callback is logged with its traceback and
    delivery goes on.

    Hand-over costs the placing thread more than the push itself (a thread
    wake-up and two GIL switches), so there is one queue item per state
    change, not per push, and after each drain the thread lets pushes gather
    for :data:`GATHER_SECONDS` before it takes the next ones: a callback may
    come up to a millisecond later, and under load the thread wakes at most
    a thousand times a second instead of once per order.
    """

    def __init__(self, session_id: int, callback_source: Callable[[], object | None]) -> None:
        self.session_id = session_id
        self._callback_source = callback_source
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closing = threading.Event()
        self.connected = False
        self.accounts: set[str] = set()
        self.thread = threading.Thread(
            target=self._run, name=f"sim-counter-callbacks-{session_id}", daemon=True
        )
        self.thread.start()

    def put(self, due: float, target: str | Callable[..., object], args: tuple) -> None:
        """Queue one call ``target(*args)`` (non-blocking; safe under any lock)."""
        self._queue.put((due, ((target, None, args),)))

    def put_many(self, due: float, deliveries: list[Delivery]) -> None:
        """Queue several deliveries, in order, as one item (non-blocking; safe under any lock).

        The list must not change afterwards (one list may go to several channels).
        """
        self._queue.put((due, deliveries))

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (without further delay), then end the thread."""
        self._closing.set()
        self._queue.put(_STOP)
        if self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        get, get_nowait, closing = self._queue.get, self._queue.get_nowait, self._closing
        while True:
            item = get()  # blocks until there is something
            while True:
                if item is _STOP:
                    return
                due, deliveries = item
                if due and not closing.is_set():
                    wait = due - time.monotonic()
                    if wait > 0:
                        closing.wait(wait)
                callback = self._callback_source()  # once per state change
                for target, make, values in deliveries:
                    if callback is not None or not isinstance(target, str):
                        self._deliver(callback, target, make, values)
                try:
                    item = get_nowait()
                except queue.Empty:
                    break
            if not closing.is_set():
                time.sleep(GATHER_SECONDS)  # let the next pushes gather (see the class doc)

    @staticmethod
    def _deliver(
        callback: object | None,
        target: str | Callable[..., object],
        make: Callable[[tuple], object] | None,
        values: tuple,
    ) -> None:
        try:
            if isinstance(target, str):
                method = getattr(callback, target, None) if callback is not None else None
                if method is None:
                    return
            else:
                method = target
            if make is None:
                method(*values)
            else:
                method(make(values))
        except Exception:
            name = target if isinstance(target, str) else getattr(target, "__name__", target)
            log.exception("模拟柜台: 回调 %s 抛出异常（已记录，后续回调照常送达）", name)


# --------------------------------------------------------------------------- folder lock


class _FolderLock:
    """An exclusive, OS-released lock on a counter folder (SQLite file locking).

    A connection in ``locking_mode=EXCLUSIVE`` that has written keeps its
    exclusive lock until closed; the OS releases it when the process dies.
    Works the same on Windows (LockFileEx) and POSIX (fcntl).
    """

    def __init__(self, folder: Path) -> None:
        self.file = folder / LOCK_FILENAME
        for attempt in range(2):
            # Any thread may close the counter (and so release this), e.g. at exit.
            conn = sqlite3.connect(
                str(self.file), timeout=0, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA locking_mode=EXCLUSIVE")
                conn.execute("BEGIN EXCLUSIVE")
                conn.execute("CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since REAL)")
                conn.execute("DELETE FROM holder")
                conn.execute("INSERT INTO holder VALUES (?, ?)", (os.getpid(), time.time()))
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                conn.close()
                if "locked" in str(exc) or "busy" in str(exc):
                    raise SimCounterBusyError(folder) from exc
                raise
            except sqlite3.DatabaseError:
                conn.close()
                if attempt:
                    raise
                self.file.unlink()  # our own lock file, damaged: make it again
                continue
            self._conn = conn
            return

    def release(self) -> None:
        """Give the folder up."""
        self._conn.close()


# --------------------------------------------------------------------------- results


class AccountTotals(NamedTuple):
    """The numbers the account invariant is made of (see the module doc)."""

    cash: float
    frozen_cash: float
    positions_cost: float
    fees_paid: float
    realized_pnl: float
    opening_value: float
    market_value: float

    @property
    def conserved_value(self) -> float:
        """cash + frozen + positions at cost + fees - realised profit (== opening_value)."""
        return (
            self.cash + self.frozen_cash + self.positions_cost + self.fees_paid - self.realized_pnl
        )


class SimAccountInfo:
    """An entry of ``query_account_infos()`` (the fields of xtquant's XtAccountInfo)."""

    def __init__(self, account_id: str, login_status: int) -> None:
        self.account_type = xc.SECURITY_ACCOUNT
        self.account_id = account_id
        self.broker_type = xc.SECURITY_ACCOUNT
        self.platform_id = 0
        self.account_classification = 0
        self.login_status = login_status


@dataclass(slots=True)
class _Pending:
    """Pushes and ledger rows of one state change, collected under the lock."""

    listeners: list[CallbackChannel]
    events: list[Delivery]
    orders: dict[int, OrderRow]
    trades: list[TradeRow]
    positions: dict[str, PositionRow]
    accounts: dict[str, AccountRow]
    active: bool  # someone listens: collect pushes


# The snapshot a push takes of a row (plain fields only: cheap, in C), and how
# its xttype object is built from it (derived values too) on the delivery thread.

_ORDER_PUSH = attrgetter(
    "account_id",
    "stock_code",
    "order_id",
    "order_sysid",
    "order_time",
    "order_type",
    "order_volume",
    "reported_price_type",
    "price",
    "traded_volume",
    "traded_amount",  # -> traded_price (the average), as OrderRow.traded_price
    "order_status",
    "status_msg",
    "strategy_name",
    "order_remark",
    "secu_account",
    "instrument_name",
)
_TRADE_PUSH = attrgetter(
    "account_id",
    "stock_code",
    "order_type",
    "traded_id",
    "traded_time",
    "traded_price",
    "traded_volume",
    "traded_amount",
    "order_id",
    "order_sysid",
    "strategy_name",
    "order_remark",
    "commission",
    "secu_account",
    "instrument_name",
)
_POSITION_PUSH = attrgetter(  # with the last price, secu account and name: _position_values
    "account_id",
    "stock_code",
    "volume",
    "yesterday_volume",
    "sold_today",
    "frozen_volume",
    "cost_basis",
)


def _offset_flag(order_type: int) -> int:
    return xc.OFFSET_FLAG_OPEN if order_type == _BUY else xc.OFFSET_FLAG_CLOSE


def _make_order(v: tuple) -> XtOrder:
    """An ``XtOrder`` from an ``_ORDER_PUSH`` snapshot."""
    traded_volume, traded_amount = v[9], v[10]
    traded_price = round(traded_amount / traded_volume, 4) if traded_volume else 0.0
    return XtOrder(
        *v[:10],
        traded_price,
        *v[11:15],
        xc.DIRECTION_FLAG_LONG,
        _offset_flag(v[5]),
        v[15],
        v[16],
    )


def _make_trade(v: tuple) -> XtTrade:
    """An ``XtTrade`` from a ``_TRADE_PUSH`` snapshot."""
    return XtTrade(*v[:12], xc.DIRECTION_FLAG_LONG, _offset_flag(v[2]), *v[12:])


def _make_position(v: tuple) -> XtPosition:
    """An ``XtPosition`` from ``SimCounter._position_values``."""
    (account_id, code, volume, yesterday, sold, frozen, cost), last, secu, name = v
    # PositionRow's own rules for what is sellable and what a share cost.
    probe = PositionRow(account_id, code, volume, yesterday, sold, frozen, 0, cost)
    can_use, avg = probe.can_use_volume, probe.avg_price
    return XtPosition(
        account_id,
        code,
        volume,
        can_use,
        round(avg, 4),
        round(volume * last, 2),
        frozen,
        0,
        yesterday,
        round(avg, 4),
        xc.DIRECTION_FLAG_LONG,
        last,
        round((last - avg) / avg, 6) if avg else 0.0,
        secu,
        name,
    )


def _make_asset(v: tuple) -> XtAsset:
    """An ``XtAsset`` from ``SimCounter._asset_values`` (fetch balance = cash)."""
    account_id, cash, frozen_cash, held_value = v
    market_value = round(held_value, 2)
    total = round(cash + frozen_cash + market_value, 2)
    return XtAsset(account_id, cash, frozen_cash, market_value, total, cash)


@dataclass(frozen=True, slots=True)
class _CodeFacts:
    """The rules of one code that every order asks about, worked out once per code."""

    price_types: frozenset[int]  # what its exchange accepts
    lot: LotRule
    tick_li: int  # the price tick in li (0.001 CNY); 0 when it is not a whole number of li
    is_stock: bool  # shares pay stamp duty and transfer fee; funds, bonds... do not

    @classmethod
    def of(cls, stock_code: str) -> _CodeFacts:
        tick_li = tick_size(stock_code) * 1000
        return cls(
            accepted_price_types(stock_code),
            lot_rule(stock_code),
            int(tick_li) if tick_li == int(tick_li) else 0,
            classify(stock_code).is_stock,
        )


# --------------------------------------------------------------------------- the counter


class SimCounter:
    """A simulated broker counter serving one folder. Use :meth:`open`."""

    _registry: ClassVar[dict[Path, SimCounter]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike[str], config: SimConfig | None = None) -> SimCounter:
        """The counter of ``path`` (created with its folder if missing), one per process.

        A second ``open`` of the same folder in this process returns the same
        counter (``config`` is then ignored, with a log line if it differs).
        Raises :class:`SimCounterBusyError` when another process has the
        folder open and :class:`SimLedgerError` when its ledger is unusable.
        """
        folder = Path(path).expanduser().resolve()
        with cls._registry_lock:
            counter = cls._registry.get(folder)
            if counter is not None and not counter.closed:
                if config is not None and config != counter.config:
                    log.info("模拟柜台 %s 已打开，忽略新的配置", folder)
                return counter
            counter = cls(folder, config or SimConfig())
            cls._registry[folder] = counter
            return counter

    @classmethod
    def running(cls, path: str | os.PathLike[str]) -> SimCounter | None:
        """The counter open on ``path`` in this process, if any."""
        folder = Path(path).expanduser().resolve()
        with cls._registry_lock:
            counter = cls._registry.get(folder)
        return counter if counter is not None and not counter.closed else None

    def __init__(self, folder: Path, config: SimConfig) -> None:
        self.folder = folder
        self.config = config
        self.closed = False
        folder.mkdir(parents=True, exist_ok=True)
        self._folder_lock = _FolderLock(folder)
        try:
            self.ledger = Ledger(folder)
        except BaseException:
            self._folder_lock.release()
            raise
        self._lock = threading.RLock()
        self.faults = FaultInjector(self, config.seed)
        #: Wall clock (epoch seconds) for the real-hours rule; tests replace it.
        self.clock: Callable[[], float] = time.time
        self._channels: list[CallbackChannel] = []
        self._accounts: dict[str, AccountRow] = {}
        self._positions: dict[str, dict[str, PositionRow]] = {}
        self._orders: dict[int, OrderRow] = {}
        self._orders_by_account: dict[str, list[OrderRow]] = {}
        self._trades_by_account: dict[str, list[TradeRow]] = {}
        self._resting: dict[str, list[OrderRow]] = {}
        self._consumed: dict[str, tuple[int, dict[tuple[bool, float], int]]] = {}
        self._names: dict[str, str] = {}
        self._facts_by_code: dict[str, _CodeFacts] = {}
        self._fen_fees = _fen_fees(config.fees)
        try:
            self._restore()
        except BaseException:
            self.ledger.close()
            self._folder_lock.release()
            raise
        self._stop = threading.Event()
        self._market_thread: threading.Thread | None = None
        if config.auto_run:
            self._market_thread = threading.Thread(
                target=self._run_market, name=f"sim-counter-market-{folder.name}", daemon=True
            )
            self._market_thread.start()

    # ------------------------------------------------------------------ opening

    def _restore(self) -> None:
        state = self.ledger.load()
        meta = state.meta
        day = meta.get("trading_day")
        start: date | datetime | None = datetime.strptime(day, "%Y%m%d").date() if day else None
        # Resume the day where it was: yesterday's closes (saved at each roll)
        # give today's previous close and limits; the prices and clock saved at
        # the last close continue, or, after a kill, the clock resumes at the
        # latest order or trade of the day (so times never go back).
        saved = _json_meta(meta, _MARKET_KEY) if day else {}
        if saved.get("day") != day:
            saved = {}
        moment = max(
            [int(saved.get("time", 0))]
            + [o.order_time for o in state.orders]
            + [t.traded_time for t in state.trades]
        )
        if start is not None and moment > 0:
            start = china_time(moment)
        self.market = SimMarket(
            self.config.seed, start_time=start, prev_closes=_json_meta(meta, _PREV_CLOSES_KEY)
        )
        for code, last in dict(saved.get("last", {})).items():
            try:
                self.market.set_last_price(code, float(last))
            except (KeyError, ValueError, TypeError):
                log.warning("模拟柜台: 无法恢复 %s 的最新价 %r", code, last)
        # The latest price of every instrument (for market values) and the market's
        # clock (for order times), kept current by the market's own notifications:
        # every step, roll and set_last_price hands the new quotes, stamped with
        # the new time, to subscribers before it returns. So an order or a push
        # need not ask the market (a lock and a date computation each time).
        self._last_prices = {q.stock_code: q.last_price for q in self.market.quotes()}
        self._market_time = self.market.now()
        self._quote_token = self.market.subscribe_quotes(list(self._last_prices), self._on_quote)
        self._day = self._day_key(self.market.trading_day)
        self._next_order_id = max(int(meta.get("next_order_id", "1")), state.max_order_id + 1)
        self._next_trade_no = max(int(meta.get("next_trade_no", "1")), state.max_trade_no + 1)
        for account in state.accounts:
            self._accounts[account.account_id] = account
            self._positions[account.account_id] = {}
            self._orders_by_account[account.account_id] = []
            self._trades_by_account[account.account_id] = []
        for position in state.positions:
            self._positions.setdefault(position.account_id, {})[position.stock_code] = position
        for order in state.orders:
            self._orders[order.order_id] = order
            self._orders_by_account.setdefault(order.account_id, []).append(order)
            if order.limit_price > 0 and order.order_status not in FINAL_STATUSES:
                self._resting.setdefault(order.stock_code, []).append(order)
        for trade in state.trades:
            self._trades_by_account.setdefault(trade.account_id, []).append(trade)
        stale = self.ledger.take_control_commands()
        if stale:
            log.warning("模拟柜台: 忽略打开前留下的 %d 条控制命令", len(stale))
        if day is None:
            self.ledger.set_meta(self._meta())
        elif day != self._day:
            # The market opened a later day than the ledger's (cannot happen
            # with a stored day, kept for safety): roll the books.
            with self._lock:
                self._roll_books()

    @staticmethod
    def _day_key(day: date) -> str:
        return day.strftime("%Y%m%d")

    def _market_state(self) -> str:
        """The market as it stands (day, clock, last prices), for a reopen to continue."""
        state = {
            "day": self._day,
            "time": self.market.now(),
            "last": {q.stock_code: q.last_price for q in self.market.quotes()},
        }
        return json.dumps(state, separators=(",", ":"))

    def _meta(self) -> dict[str, str]:
        return {
            "trading_day": self._day,
            "next_order_id": str(self._next_order_id),
            "next_trade_no": str(self._next_trade_no),
        }

    # ------------------------------------------------------------------ closing

    def close(self) -> None:
        """Stop the market thread, drop every session, close the ledger, free the folder."""
        with self._registry_lock:
            if self.closed:
                return
            self.closed = True
            if self._registry.get(self.folder) is self:
                del self._registry[self.folder]
        self._stop.set()
        if self._market_thread is not None:
            self._market_thread.join(5.0)
        self.market.unsubscribe_quotes(self._quote_token)
        with self._lock:
            try:
                self.ledger.set_meta({_MARKET_KEY: self._market_state()})
            except Exception:
                log.exception("模拟柜台: 保存行情状态失败（下次打开从昨收开始）")
        with self._lock:
            channels, self._channels = self._channels, []
            for channel in channels:
                channel.connected = False
        self.ledger.close()
        self._folder_lock.release()

    def __enter__(self) -> SimCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sessions

    @property
    def session_count(self) -> int:
        """How many trader sessions are connected."""
        with self._lock:
            return len(self._channels)

    def attach(self, channel: CallbackChannel) -> int:
        """Connect a session: 0, or -1 while connections are refused."""
        if self.closed or self.faults.refusing:
            return -1
        with self._lock:
            if channel not in self._channels:
                self._channels.append(channel)
            channel.connected = True
            channel.put(self._due(), "on_connected", ())
        return 0

    def detach(self, channel: CallbackChannel) -> None:
        """Disconnect a session (its trader stops); no callback."""
        with self._lock:
            channel.connected = False
            channel.accounts.clear()
            if channel in self._channels:
                self._channels.remove(channel)

    def _drop_all_sessions(self) -> int:
        with self._lock:
            channels, self._channels = self._channels, []
            due = self._due()
            for channel in channels:
                channel.connected = False
                channel.accounts.clear()
                channel.put(due, "on_disconnected", ())
        return len(channels)

    def subscribe(self, channel: CallbackChannel, account_id: str) -> int:
        """Subscribe a session to an account's pushes (creating the account): 0 or -1."""
        with self._lock:
            if not channel.connected:
                return -1
            self._account(account_id)
            channel.accounts.add(account_id)
            status = XtAccountStatus(account_id, xc.SECURITY_ACCOUNT, xc.ACCOUNT_STATUS_OK)
            channel.put(self._due(), "on_account_status", (status,))
        return 0

    def unsubscribe(self, channel: CallbackChannel, account_id: str) -> int:
        """Stop a session's pushes for an account: 0, or -1 when not subscribed."""
        with self._lock:
            if not channel.connected or account_id not in channel.accounts:
                return -1
            channel.accounts.discard(account_id)
        return 0

    def _due(self) -> float:
        delay = self.faults.callback_delay
        return time.monotonic() + delay if delay else 0.0

    # ------------------------------------------------------------------ accounts

    def _account(self, account_id: str) -> AccountRow:
        account = self._accounts.get(account_id)
        if account is None:
            account = self._create_account(account_id)
        return account

    def _create_account(self, account_id: str) -> AccountRow:
        config = self.config
        digits = zlib.crc32(account_id.encode("utf-8")) % 1_000_000_000
        holdings_cost = sum(v * c for v, c in config.initial_holdings.values())
        account = AccountRow(
            account_id=account_id,
            cash=round(config.initial_cash, 2),
            frozen_cash=0.0,
            fees_paid=0.0,
            realized_pnl=0.0,
            opening_value=round(config.initial_cash + holdings_cost, 2),
            secu_sh=f"A{digits:09d}",
            secu_sz=f"0{digits:09d}",
            secu_bj=f"0{(digits + 1) % 1_000_000_000:09d}",
            created=int(self.clock()),
        )
        positions = {
            code: PositionRow(account_id, code, volume, volume, 0, 0, 0, volume * cost)
            for code, (volume, cost) in config.initial_holdings.items()
        }
        self.ledger.append(accounts=[account], positions=positions.values())
        self._accounts[account_id] = account
        self._positions[account_id] = positions
        self._orders_by_account[account_id] = []
        self._trades_by_account[account_id] = []
        log.info("模拟柜台: 新建资金账号 %s", account_id)
        return account

    def _secu_account(self, account: AccountRow, stock_code: str) -> str:
        market = stock_code[-2:]
        return (
            account.secu_sh
            if market == "SH"
            else account.secu_bj
            if market == "BJ"
            else account.secu_sz
        )

    def _position(self, account_id: str, stock_code: str) -> PositionRow:
        positions = self._positions[account_id]
        position = positions.get(stock_code)
        if position is None:
            position = PositionRow(account_id, stock_code, 0, 0, 0, 0, 0, 0.0)
            positions[stock_code] = position
        return position

    # ------------------------------------------------------------------ pushes

    def _pending(self, account_id: str) -> _Pending:
        listeners = [c for c in self._channels if account_id in c.accounts]
        return _Pending(listeners, [], {}, [], {}, {}, bool(listeners))

    def _flush(self, pending: _Pending, reply: tuple[CallbackChannel, list] | None = None) -> None:
        """Write the state change in one transaction, then queue its pushes (lock held)."""
        self.ledger.append(
            orders=pending.orders.values(),
            trades=pending.trades,
            positions=pending.positions.values(),
            accounts=pending.accounts.values(),
        )
        if reply is None and not pending.events:
            return
        due = self._due()
        if reply is not None:
            channel, items = reply
            if channel.connected:
                channel.put_many(due, items)
        events = pending.events
        if not events:
            return
        if self.faults.reordering:
            events = list(events)
            self.faults.shuffle(events)
        for channel in pending.listeners:
            if channel.connected:
                channel.put_many(due, events)

    # Pushes are snapshots of values taken now; the xttype object is built from
    # them on the session's delivery thread (see CallbackChannel). Queries build
    # theirs at once, from the same snapshots, with the same functions.

    def _push_order(self, pending: _Pending, order: OrderRow) -> None:
        pending.events.append(("on_stock_order", _make_order, _ORDER_PUSH(order)))

    def _push_trade(self, pending: _Pending, trade: TradeRow) -> None:
        pending.events.append(("on_stock_trade", _make_trade, _TRADE_PUSH(trade)))

    def _push_position(self, pending: _Pending, account: AccountRow, position: PositionRow) -> None:
        values = self._position_values(account, position)
        pending.events.append(("on_stock_position", _make_position, values))

    def _push_asset(self, pending: _Pending, account: AccountRow) -> None:
        values = self._asset_values(account)
        pending.events.append(("on_stock_asset", _make_asset, values))

    def _xt_order(self, order: OrderRow) -> XtOrder:
        return _make_order(_ORDER_PUSH(order))

    def _xt_trade(self, trade: TradeRow) -> XtTrade:
        return _make_trade(_TRADE_PUSH(trade))

    def _xt_position(self, account: AccountRow, position: PositionRow) -> XtPosition:
        return _make_position(self._position_values(account, position))

    def _xt_asset(self, account: AccountRow) -> XtAsset:
        return _make_asset(self._asset_values(account))

    def _on_quote(self, quote: Any) -> None:
        """Market notification (on the thread that moved it): keep price and clock current."""
        self._last_prices[quote.stock_code] = quote.last_price
        self._market_time = quote.time

    def _position_values(self, account: AccountRow, position: PositionRow) -> tuple:
        code = position.stock_code
        return (
            _POSITION_PUSH(position),
            self._last_prices.get(code, 0.0),
            self._secu_account(account, code),
            self._name(code),
        )

    def _held_value(self, account_id: str) -> float:
        """Shares held at their latest prices (not rounded)."""
        last = self._last_prices
        positions = self._positions[account_id].values()
        return sum([p.volume * last.get(p.stock_code, 0.0) for p in positions])

    def _market_value(self, account_id: str) -> float:
        return round(self._held_value(account_id), 2)

    def _asset_values(self, account: AccountRow) -> tuple:
        held_value = self._held_value(account.account_id)
        return (account.account_id, account.cash, account.frozen_cash, held_value)

    def _name(self, stock_code: str) -> str:
        name = self._names.get(stock_code)
        if name is None:
            try:
                name = self.market.instrument(stock_code).instrument_name
            except (KeyError, ValueError):
                name = ""
            self._names[stock_code] = name
        return name

    def _facts(self, stock_code: str) -> _CodeFacts:
        """What checks and fills need to know about a (valid) code, worked out once."""
        facts = self._facts_by_code.get(stock_code)
        if facts is None:
            facts = self._facts_by_code[stock_code] = _CodeFacts.of(stock_code)
        return facts

    def _on_tick(self, facts: _CodeFacts, stock_code: str, price: float) -> bool:
        """``is_on_tick(stock_code, price)``, on whole li when exact."""
        price_li = _li(price)
        if price_li is not None and facts.tick_li:
            return price_li % facts.tick_li == 0
        return is_on_tick(stock_code, price)

    def _fees_due(self, side: Side, amount: float, stock_code: str) -> float:
        """``config.fees.fees(side, amount, stock_code).total``, on whole numbers when exact."""
        fast = self._fen_fees
        if fast is not None:
            li = _li(amount)
            if li is not None:
                return fast.total(side, li, self._facts(stock_code).is_stock) / 100
        return self.config.fees.fees(side, amount, stock_code).total

    def _buy_cost(self, stock_code: str, price: float, volume: int) -> float:
        """``config.fees.buy_cost(...)`` as a float, on whole numbers when exact."""
        fast = self._fen_fees
        if fast is not None:
            price_li = _li(price)
            if price_li is not None and price_li * volume <= FEN_FEES_MAX_LI:
                return fast.buy_cost(price_li * volume, self._facts(stock_code).is_stock) / 100
        return float(self.config.fees.buy_cost(stock_code, price, volume))

    def _lot(self, stock_code: str) -> LotRule:
        return self._facts(stock_code).lot

    # ------------------------------------------------------------------ orders

    def place_order(
        self,
        account_id: str,
        stock_code: str,
        order_type: int,
        order_volume: int,
        price_type: int,
        price: float,
        strategy_name: str = "",
        order_remark: str = "",
        *,
        channel: CallbackChannel | None = None,
        seq: int = 0,
    ) -> int:
        """Take an order: its id (> 0), or -1 when the session is not connected.

        As on the real counter, an order the counter refuses still gets an id;
        the refusal arrives as ``on_order_error`` and the order shows as 57 废单.
        With ``seq`` (``order_stock_async``) the session first gets
        ``on_order_stock_async_response``.
        """
        with self._lock:
            if channel is not None and not channel.connected:
                return -1
            account = self._account(account_id)
            order_id = self._next_order_id
            self._next_order_id += 1
            try:
                code = classify(stock_code).stock_code
            except (CodeError, TypeError, AttributeError):
                code = str(stock_code)
            quote: Any = None
            order_time = self._market_time
            try:
                quote = self.market.quote(code)
            except (KeyError, ValueError):
                pass  # refused as 证券代码不存在 in its turn (see _check)
            else:
                # The market thread publishes a step's quotes before it tells the
                # counter the new time: an order that meets the new book carries
                # the new book's time, never the step before.
                if quote.time > order_time:
                    order_time = quote.time
            order = OrderRow(
                order_id=order_id,
                account_id=account_id,
                stock_code=code,
                order_sysid=str(order_id + 100_000),
                order_time=order_time,
                order_type=order_type,
                order_volume=int(order_volume),
                price_type=price_type,
                reported_price_type=REPORTED_PRICE_TYPE.get(price_type, price_type),
                # (NaN, refused below as 委托价格无效, is shown, and stored, as 0)
                price=float(price) if price_type == xc.FIX_PRICE and price == price else 0.0,
                limit_price=0.0,
                traded_volume=0,
                traded_amount=0.0,
                order_status=xc.ORDER_UNREPORTED,
                status_msg="",
                strategy_name=strategy_name,
                order_remark=order_remark,
                secu_account=self._secu_account(account, code),
                instrument_name=self._name(code),
                frozen_cash=0.0,
                fees_charged=0.0,
                trading_day=self._day,
                seq=seq,
            )
            self._orders[order_id] = order
            self._orders_by_account[account_id].append(order)
            pending = self._pending(account_id)
            pending.orders[order_id] = order
            reply = None
            if channel is not None and seq:
                response = XtOrderResponse(
                    account_id, order_id, strategy_name, order_remark, "", seq
                )
                reply = (channel, [("on_order_stock_async_response", None, (response,))])
            if pending.active:
                self._push_order(pending, order)
            self._enter(account, order, pending, float(price), quote)
            self._flush(pending, reply)
            return order_id

    def _enter(
        self, account: AccountRow, order: OrderRow, pending: _Pending, price: float, quote: Any
    ) -> None:
        """Check, freeze and match a new order (one state change); ``quote``: its book or None."""
        refusal, quote, freeze = self._check(account, order, price, quote)
        if refusal is not None:
            error_id, reason = refusal
            self._reject(order, error_id, reason, pending)
            return
        assert quote is not None
        is_buy = order.order_type == _BUY
        plan = PRICE_TYPE_PLANS[order.price_type]
        code = order.stock_code
        opposite, own = (
            (quote.ask_price, quote.bid_price) if is_buy else (quote.bid_price, quote.ask_price)
        )
        # The working price (limit) of the order, by its type; None: a market
        # order that takes any price the book offers (all inside the band).
        reference = plan.reference
        if reference is Reference.OWN_LIMIT:
            limit: float | None = price
        elif reference is Reference.LAST:
            limit = quote.last_price
        elif reference is Reference.OPPOSITE_BEST:
            limit = opposite[0] if opposite[0] > 0 else None
        elif reference is Reference.OWN_BEST:
            limit = own[0] if own[0] > 0 else None
        else:
            limit = None
        if limit is not None:
            order.price = limit
        # Freeze.
        if is_buy:
            account.cash = round(account.cash - freeze, 2)
            account.frozen_cash = round(account.frozen_cash + freeze, 2)
            order.frozen_cash = freeze
        else:
            position = self._position(order.account_id, code)
            position.frozen_volume += order.order_volume
            pending.positions[code] = position
        pending.accounts[account.account_id] = account
        order.order_status = xc.ORDER_REPORTED
        if pending.active:
            self._push_order(pending, order)
            self._push_frozen(pending, account, order)
        # The exchange cancels at once (自动撤销) a 对手方最优 with nobody on the
        # other side and a 本方最优 with nobody on its own side (SSE and SZSE
        # rules alike): the order was reported, so it ends 已撤, not 废单.
        if reference is Reference.OPPOSITE_BEST and limit is None:
            self._finish(order, pending, "对手方无申报，委托已撤销")
            return
        if reference is Reference.OWN_BEST and limit is None:
            self._finish(order, pending, "本方无申报，委托已撤销")
            return
        # Match against the book as it stands.
        volumes = self._available(quote, is_buy, 1.0)
        want = order.order_volume
        fills = walk_book(is_buy, want, opposite, volumes, limit, plan.levels, self._lot(code).step)
        if plan.all_or_nothing and sum(fill[2] for fill in fills) < want:
            self._finish(order, pending, "全额成交或撤销: 对手方数量不足，委托已撤销")
            return
        last_fill = 0.0
        for _, fill_price, volume in fills:
            self._consume(quote, is_buy, fill_price, volume)
            # Fills met on entry happen at the order's own time.
            self._fill(account, order, fill_price, volume, pending, order.order_time)
            last_fill = fill_price
        if order.traded_volume >= order.order_volume:
            return
        remainder = plan.remainder
        if remainder is Remainder.REST and limit is not None:
            self._rest(order, limit)
        elif remainder is Remainder.REST_AT_LAST_FILL:
            # SSE: the rest becomes a limit at its last fill price; with no fill,
            # at the best price on its own side; with no own side, it is cancelled.
            rest_at = last_fill or own[0]
            if rest_at > 0:
                order.price = rest_at
                self._rest(order, rest_at)
                if not fills and pending.active:
                    self._push_order(pending, order)  # now a limit at rest_at
            else:
                reason = "最优五档即时成交剩转限价: 无成交且本方无申报，委托已撤销"
                self._finish(order, pending, reason)
        elif opposite[0] <= 0:
            self._finish(order, pending, "对手方无申报，市价委托已撤销")
        else:
            self._finish(order, pending, "即时成交剩余撤销: 未成交部分已撤销")

    def _market_buy_ceiling(self, quote: Any) -> float:
        """The price a market buy is frozen at: the up limit, as real counters do."""
        if quote.up_limit:
            return quote.up_limit
        asks = [p for p in quote.ask_price if p > 0]
        return round_to_tick(quote.stock_code, max(asks or [quote.last_price]) * 1.1, "up")

    def _check(
        self, account: AccountRow, order: OrderRow, price: float, quote: Any
    ) -> tuple[tuple[int, str] | None, Any, float]:
        """Checks in the counter's order (``quote``: the code's book, None if not carried).

        Returns ``((error_id, reason), None, 0)`` for a refusal, else
        ``(None, quote, cash to freeze)`` (0 for a sell).
        """
        injected = self.faults.take_rejection()
        if injected is not None:
            return (injected.error_id, injected.error_msg), None, 0.0
        if order.order_type not in (_BUY, _SELL):
            return _refusal(CounterError.ORDER_TYPE_INVALID), None, 0.0
        code = order.stock_code
        if quote is None:
            return _refusal(CounterError.UNKNOWN_CODE), None, 0.0
        facts = self._facts(code)
        if order.price_type not in facts.price_types or order.price_type not in PRICE_TYPE_PLANS:
            return _refusal(CounterError.PRICE_TYPE_NOT_FOR_MARKET), None, 0.0
        if self.config.real_hours and not self._in_trading_hours(
            order.price_type not in (xc.FIX_PRICE, xc.LATEST_PRICE)
        ):
            return _refusal(CounterError.TIME_NOT_ALLOWED), None, 0.0
        is_buy = order.order_type == _BUY
        volume = order.order_volume
        can_use = 0
        if not is_buy:
            position = self._positions[order.account_id].get(code)
            can_use = position.can_use_volume if position is not None else 0
        # The usual case first: a whole number of lots, or a sell of everything
        # sellable. Otherwise check_volume decides (it agrees on the usual case).
        if not (facts.lot.is_valid(volume) or (not is_buy and 0 < volume == can_use)):
            if is_buy:
                lot_problem = check_volume(code, Side.BUY, volume)
            else:
                # An odd lot may be sold only as the whole sellable position; a
                # sell above what can be sold is judged on the lot rule alone here
                # and refused for the shares after the price checks.
                lot_problem = check_volume(
                    code, Side.SELL, volume, can_use if volume <= can_use else None
                )
            if lot_problem is not None:
                return _refusal(CounterError.VOLUME_INVALID), None, 0.0
        plan = PRICE_TYPE_PLANS[order.price_type]
        if plan.reference is Reference.OWN_LIMIT:
            if not price > 0:
                return _refusal(CounterError.PRICE_INVALID), None, 0.0
            if not self._on_tick(facts, code, price):
                return _refusal(CounterError.PRICE_OFF_TICK), None, 0.0
            if (quote.up_limit is not None and price > quote.up_limit + 1e-9) or (
                quote.down_limit is not None and price < quote.down_limit - 1e-9
            ):
                return _refusal(CounterError.PRICE_OUT_OF_BAND), None, 0.0
            freeze_price = price
        elif plan.reference is Reference.LAST:
            freeze_price = quote.last_price
        else:
            # A market order's price is set by the exchange, after the counter
            # froze the money: a market buy is frozen at the up limit (the excess
            # goes back when the order ends).
            freeze_price = self._market_buy_ceiling(quote) if is_buy else 0.0
        needed = 0.0
        if is_buy:
            needed = self._buy_cost(code, freeze_price, volume)
            if needed > account.cash + 1e-9:
                return _refusal(CounterError.CASH_INSUFFICIENT), None, 0.0
        elif volume > can_use:
            return _refusal(CounterError.SHARES_INSUFFICIENT), None, 0.0
        return None, quote, needed

    def _in_trading_hours(self, market_order: bool = False) -> bool:
        """Whether the wall clock is in continuous trading (real-hours mode).

        Market orders are valid in continuous trading only: from 14:57 both
        exchanges run the closing call auction, which takes limit orders only.
        (The opening call auction, 9:15-9:25, is not simulated: orders then are
        refused like any other outside 9:30-11:30 / 13:00-15:00.)
        """
        moment = china_time(self.clock())
        if moment.weekday() >= 5:
            return False
        minutes = moment.hour * 60 + moment.minute
        if market_order and 897 <= minutes < 900:
            return False
        return 570 <= minutes < 690 or 780 <= minutes < 900

    def _reject(self, order: OrderRow, error_id: int, reason: str, pending: _Pending) -> None:
        order.order_status = xc.ORDER_JUNK
        order.status_msg = reason
        if not pending.active:
            return
        action = (
            "限价" if order.price_type in (xc.FIX_PRICE, xc.LATEST_PRICE) else "市价"
        ) + _ORDER_TYPE_NAME.get(order.order_type, "委托")
        message = order_error_message(action, order.stock_code, int(error_id), reason)
        error = XtOrderError(
            order.account_id,
            order.order_id,
            int(error_id),
            message,
            order.strategy_name,
            order.order_remark,
        )
        error.seq = order.seq  # the native object carries it; the vendor's trader reads it
        self._push_order(pending, order)
        pending.events.append(("on_order_error", None, (error,)))

    def _available(self, quote: Any, is_buy: bool, share: float) -> Sequence[int]:
        """Opposite-side volumes still free this market step (times ``share``); read only."""
        volumes = quote.ask_volume if is_buy else quote.bid_volume
        if share < 1.0:
            volumes = [int(v * share) for v in volumes]
        consumed = self._consumed.get(quote.stock_code)
        if consumed is None or consumed[0] != quote.time or not consumed[1]:
            return volumes
        used = consumed[1]
        prices = quote.ask_price if is_buy else quote.bid_price
        return [max(0, v - used.get((is_buy, p), 0)) for p, v in zip(prices, volumes, strict=True)]

    def _consume(self, quote: Any, is_buy: bool, price: float, volume: int) -> None:
        consumed = self._consumed.get(quote.stock_code)
        if consumed is None or consumed[0] != quote.time:
            consumed = (quote.time, {})
            self._consumed[quote.stock_code] = consumed
        key = (is_buy, price)
        consumed[1][key] = consumed[1].get(key, 0) + volume

    def _rest(self, order: OrderRow, limit: float) -> None:
        order.limit_price = limit
        self._resting.setdefault(order.stock_code, []).append(order)

    def _fill(
        self,
        account: AccountRow,
        order: OrderRow,
        price: float,
        volume: int,
        pending: _Pending,
        traded_time: int,
    ) -> None:
        """Apply one fill at ``traded_time``: trade, order, cash, position, fees."""
        code = order.stock_code
        is_buy = order.order_type == _BUY
        amount = round(price * volume, 2)
        order.traded_volume += volume
        order.traded_amount = round(order.traded_amount + amount, 2)
        due = self._fees_due(Side.BUY if is_buy else Side.SELL, order.traded_amount, code)
        fee = round(due - order.fees_charged, 2)
        order.fees_charged = due
        account.fees_paid = round(account.fees_paid + fee, 2)
        position = self._position(order.account_id, code)
        if is_buy:
            cost = round(amount + fee, 2)
            from_frozen = min(cost, order.frozen_cash)
            order.frozen_cash = round(order.frozen_cash - from_frozen, 2)
            account.frozen_cash = round(account.frozen_cash - from_frozen, 2)
            account.cash = round(account.cash - (cost - from_frozen), 2)
            position.volume += volume
            position.bought_today += volume
            position.cost_basis += amount
        else:
            cost_out = (
                position.cost_basis if volume >= position.volume else position.avg_price * volume
            )
            position.volume -= volume
            position.frozen_volume -= volume
            position.sold_today += volume
            position.cost_basis -= cost_out
            account.realized_pnl += amount - cost_out
            account.cash = round(account.cash + amount - fee, 2)
        done = order.traded_volume >= order.order_volume
        order.order_status = xc.ORDER_SUCCEEDED if done else xc.ORDER_PART_SUCC
        if done:
            self._release(account, order, pending)
        trade_no = self._next_trade_no
        self._next_trade_no += 1
        trade = TradeRow(
            traded_id=f"{self._day}{trade_no:08d}",
            account_id=order.account_id,
            stock_code=code,
            order_id=order.order_id,
            order_sysid=order.order_sysid,
            order_type=order.order_type,
            traded_time=traded_time,
            traded_price=price,
            traded_volume=volume,
            traded_amount=amount,
            commission=fee,
            strategy_name=order.strategy_name,
            order_remark=order.order_remark,
            secu_account=order.secu_account,
            instrument_name=order.instrument_name,
            trading_day=self._day,
        )
        self._trades_by_account[order.account_id].append(trade)
        pending.trades.append(trade)
        pending.orders[order.order_id] = order
        pending.positions[code] = position
        pending.accounts[account.account_id] = account
        if pending.active:
            self._push_trade(pending, trade)
            self._push_order(pending, order)
            self._push_position(pending, account, position)
            self._push_asset(pending, account)

    def _release(self, account: AccountRow, order: OrderRow, pending: _Pending) -> None:
        """Give back what an order that ends still holds frozen."""
        if order.order_type == _BUY:
            if order.frozen_cash:
                account.cash = round(account.cash + order.frozen_cash, 2)
                account.frozen_cash = round(account.frozen_cash - order.frozen_cash, 2)
                order.frozen_cash = 0.0
                pending.accounts[account.account_id] = account
        else:
            left = order.order_volume - order.traded_volume
            if left:
                position = self._positions[order.account_id][order.stock_code]
                position.frozen_volume -= left
                pending.positions[order.stock_code] = position
        if order.limit_price:
            order.limit_price = 0.0
            resting = self._resting.get(order.stock_code)
            if resting is not None and order in resting:
                resting.remove(order)

    def _finish(self, order: OrderRow, pending: _Pending, status_msg: str) -> None:
        """End a live order unfilled or part filled (已撤 / 部撤), releasing its freeze."""
        account = self._accounts[order.account_id]
        order.order_status = xc.ORDER_PART_CANCEL if order.traded_volume else xc.ORDER_CANCELED
        order.status_msg = status_msg
        self._release(account, order, pending)
        pending.orders[order.order_id] = order
        pending.accounts[account.account_id] = account
        if pending.active:
            self._push_order(pending, order)
            self._push_frozen(pending, account, order)

    def _push_frozen(self, pending: _Pending, account: AccountRow, order: OrderRow) -> None:
        """Push what an order's freeze or release moved: a buy's money, a sell's shares."""
        if order.order_type == _BUY:
            self._push_asset(pending, account)
        else:
            position = self._positions[order.account_id][order.stock_code]
            self._push_position(pending, account, position)

    # ------------------------------------------------------------------ cancels

    def cancel_order(
        self,
        account_id: str,
        order_id: int | None = None,
        *,
        order_sysid: str | None = None,
        channel: CallbackChannel | None = None,
        seq: int = 0,
    ) -> int:
        """Cancel a live order by id or by counter number: 0, or -1 (with ``on_cancel_error``).

        A live order goes 51 已报待撤 (52 部成待撤) and then 54 已撤 / 53 部撤.
        Filled, cancelled, rejected or unknown orders give ``on_cancel_error``.
        With ``seq`` the session first gets ``on_cancel_order_stock_async_response``.
        """
        with self._lock:
            if channel is not None and not channel.connected:
                return -1
            self._account(account_id)
            order = self._find_order(account_id, order_id, order_sysid)
            pending = self._pending(account_id)
            error: CounterError | None = None
            if order is None:
                error = CounterError.CANCEL_ORDER_NOT_FOUND
            elif order.order_status == xc.ORDER_SUCCEEDED:
                error = CounterError.CANCEL_ALREADY_FILLED
            elif order.order_status in (xc.ORDER_CANCELED, xc.ORDER_PART_CANCEL):
                error = CounterError.CANCEL_ALREADY_CANCELLED
            elif order.order_status == xc.ORDER_JUNK:
                error = CounterError.CANCEL_ALREADY_REJECTED
            elif order.order_status not in CANCELABLE_STATUSES:
                error = CounterError.CANCEL_PENDING
            shown_id = order.order_id if order is not None else int(order_id or 0)
            shown_sysid = order.order_sysid if order is not None else (order_sysid or "")
            reply_items: list[Delivery] = []
            if error is None:
                assert order is not None
                order.order_status = (
                    xc.ORDER_PARTSUCC_CANCEL if order.traded_volume else xc.ORDER_REPORTED_CANCEL
                )
                if pending.active:
                    self._push_order(pending, order)
                self._finish(order, pending, "撤单成功")
                result = 0
                message = ""
            else:
                result = -1
                message = cancel_error_message(shown_id, int(error), error.reason)
                market = _MARKET_ENUM.get(order.stock_code[-2:], -1) if order is not None else -1
                cancel_error = XtCancelError(
                    account_id, shown_id, market, shown_sysid, int(error), message
                )
                # The asker hears of its own failed cancel even when not subscribed.
                if channel is not None and channel not in pending.listeners:
                    reply_items.append(("on_cancel_error", None, (cancel_error,)))
                else:
                    pending.events.append(("on_cancel_error", None, (cancel_error,)))
            reply = None
            if channel is not None and seq:
                response = XtCancelOrderResponse(
                    account_id, result, shown_id, order_sysid or "", seq, message
                )
                reply_items.insert(0, ("on_cancel_order_stock_async_response", None, (response,)))
            if channel is not None and reply_items:
                reply = (channel, reply_items)
            self._flush(pending, reply)
            return result

    def _find_order(
        self, account_id: str, order_id: int | None, order_sysid: str | None
    ) -> OrderRow | None:
        if order_sysid is not None:
            for order in self._orders_by_account.get(account_id, ()):
                if order.order_sysid == str(order_sysid):
                    return order
            return None
        order = self._orders.get(order_id) if isinstance(order_id, int) else None
        return order if order is not None and order.account_id == account_id else None

    # ------------------------------------------------------------------ queries

    def query_asset(self, account_id: str) -> XtAsset:
        """The account's money (``XtAsset``)."""
        with self._lock:
            return self._xt_asset(self._account(account_id))

    def query_orders(self, account_id: str, cancelable_only: bool = False) -> list[XtOrder]:
        """Today's orders, oldest first (only cancelable ones if asked)."""
        with self._lock:
            self._account(account_id)
            return [
                self._xt_order(o)
                for o in self._orders_by_account[account_id]
                if not cancelable_only or o.order_status in CANCELABLE_STATUSES
            ]

    def query_order(self, account_id: str, order_id: int) -> XtOrder | None:
        """One of today's orders by id, or None."""
        with self._lock:
            self._account(account_id)
            order = self._find_order(account_id, order_id, None)
            return self._xt_order(order) if order is not None else None

    def query_trades(self, account_id: str) -> list[XtTrade]:
        """Today's fills, oldest first."""
        with self._lock:
            self._account(account_id)
            return [self._xt_trade(t) for t in self._trades_by_account[account_id]]

    def query_positions(self, account_id: str) -> list[XtPosition]:
        """Every position (those emptied today included, until the day ends)."""
        with self._lock:
            account = self._account(account_id)
            return [self._xt_position(account, p) for p in self._positions[account_id].values()]

    def query_position(self, account_id: str, stock_code: str) -> XtPosition | None:
        """One position, or None."""
        with self._lock:
            account = self._account(account_id)
            try:
                code = classify(stock_code).stock_code
            except (CodeError, TypeError, AttributeError):
                return None
            position = self._positions[account_id].get(code)
            return self._xt_position(account, position) if position is not None else None

    def query_account_status(self) -> list[XtAccountStatus]:
        """Every known account's status (all 正常)."""
        with self._lock:
            return [
                XtAccountStatus(a, xc.SECURITY_ACCOUNT, xc.ACCOUNT_STATUS_OK)
                for a in self._accounts
            ]

    def query_account_infos(self) -> list[SimAccountInfo]:
        """Every known account (fields of XtAccountInfo)."""
        with self._lock:
            return [SimAccountInfo(a, xc.ACCOUNT_STATUS_OK) for a in self._accounts]

    def totals(self, account_id: str) -> AccountTotals:
        """The parts of the account invariant (for tests, audits and ``status``)."""
        with self._lock:
            account = self._account(account_id)
            positions = self._positions[account_id].values()
            return AccountTotals(
                account.cash,
                account.frozen_cash,
                sum(p.cost_basis for p in positions),
                account.fees_paid,
                account.realized_pnl,
                account.opening_value,
                self._market_value(account_id),
            )

    def audit(self, account_id: str) -> list[str]:
        """What is inconsistent in an account's books (empty: all is well).

        Checks the conservation rule of the module doc, that frozen cash and
        frozen shares equal what live orders hold, and that nothing is negative.
        """
        problems: list[str] = []
        with self._lock:
            totals = self.totals(account_id)
            account = self._accounts[account_id]
            if abs(totals.conserved_value - totals.opening_value) > 0.011:
                problems.append(
                    f"资金不守恒: 现金+冻结+持仓成本+费用-已实现盈亏 = {totals.conserved_value:.4f}"
                    f"，期初 {totals.opening_value:.2f}"
                )
            live = [
                o
                for o in self._orders_by_account[account_id]
                if o.order_status not in FINAL_STATUSES
            ]
            held = round(sum(o.frozen_cash for o in live if o.order_type == _BUY), 2)
            if abs(held - account.frozen_cash) > 0.005:
                problems.append(f"冻结资金 {account.frozen_cash} != 在途买单冻结合计 {held}")
            if account.cash < -0.005:
                problems.append(f"可用资金为负: {account.cash}")
            for code, position in self._positions[account_id].items():
                selling = sum(
                    o.order_volume - o.traded_volume
                    for o in live
                    if o.order_type == _SELL and o.stock_code == code
                )
                if selling != position.frozen_volume:
                    problems.append(
                        f"{code} 冻结股份 {position.frozen_volume} != 在途卖单 {selling}"
                    )
                if position.volume < 0 or position.yesterday_volume - position.sold_today < 0:
                    problems.append(f"{code} 持仓为负: {position}")
                if position.volume == 0 and abs(position.cost_basis) > 1e-6:
                    problems.append(f"{code} 空仓仍有成本 {position.cost_basis}")
        return problems

    @property
    def trading_day(self) -> str:
        """The counter's trading day, ``YYYYMMDD``."""
        return self._day

    # ------------------------------------------------------------------ market

    def advance(self, steps: int = 1) -> None:
        """Move the market ``steps`` steps, filling resting orders after each (deterministic).

        Also applies pending control-table commands. Quote subscribers are
        called on this thread, outside the counter lock.
        """
        for _ in range(steps):
            quotes = self.market.step()
            self._after_step(quotes)
        self.poll_control()

    def _after_step(self, quotes: Iterable[Any]) -> None:
        with self._lock:
            if self._day_key(self.market.trading_day) != self._day:
                self._roll_books()
                return
            for quote in quotes:
                resting = self._resting.get(quote.stock_code)
                if resting:
                    self._match_resting(quote, resting)

    def _match_resting(self, quote: Any, resting: list[OrderRow]) -> None:
        """Fill resting orders the new book has moved through, best price first."""
        share = self.config.resting_fill_share
        now = self.market.now()
        for is_buy in (True, False):
            side = [o for o in resting if (o.order_type == _BUY) is is_buy]
            if not side:
                continue
            side.sort(key=lambda o: (-o.limit_price if is_buy else o.limit_price, o.order_id))
            prices = quote.ask_price if is_buy else quote.bid_price
            for order in side:
                volumes = self._available(quote, is_buy, share)
                want = order.order_volume - order.traded_volume
                fills = walk_book(
                    is_buy,
                    want,
                    prices,
                    volumes,
                    order.limit_price,
                    5,
                    self._lot(order.stock_code).step,
                )
                if not fills:
                    if prices[0] <= 0 or not crosses(is_buy, prices[0], order.limit_price):
                        break  # later orders on this side are priced worse
                    continue
                account = self._accounts[order.account_id]
                for _, level_price, volume in fills:
                    pending = self._pending(order.account_id)
                    self._consume(quote, is_buy, level_price, volume)
                    # A resting order trades at its own price (it was there first).
                    self._fill(account, order, order.limit_price, volume, pending, now)
                    self._flush(pending)

    def roll_day(self) -> None:
        """End the trading day: orders expire, today's buys become sellable, the market rolls."""
        self.market.roll_day()
        with self._lock:
            self._roll_books()

    def _roll_books(self) -> None:
        """The counter's side of a day roll (lock held); one transaction."""
        new_day = self._day_key(self.market.trading_day)
        touched: dict[str, _Pending] = {}
        for account_id, orders in self._orders_by_account.items():
            pending = touched.setdefault(account_id, self._pending(account_id))
            for order in orders:
                if order.order_status not in FINAL_STATUSES:
                    self._finish(order, pending, "当日委托已过期，系统撤单")
        all_positions: list[PositionRow] = []
        for account_id, positions in self._positions.items():
            pending = touched.setdefault(account_id, self._pending(account_id))
            account = self._accounts[account_id]
            for code, position in list(positions.items()):
                position.yesterday_volume = position.volume
                position.sold_today = position.bought_today = position.frozen_volume = 0
                all_positions.append(position)
                if position.volume == 0:
                    del positions[code]
                elif pending.active:
                    self._push_position(pending, account, position)
            if pending.active:
                self._push_asset(pending, account)
        self._day = new_day
        orders = [o for p in touched.values() for o in p.orders.values()]
        closes = {q.stock_code: q.prev_close for q in self.market.quotes()}
        meta = {**self._meta(), _PREV_CLOSES_KEY: json.dumps(closes, separators=(",", ":"))}
        self.ledger.roll_day(
            meta, orders=orders, positions=all_positions, accounts=self._accounts.values()
        )
        self._orders.clear()
        self._resting.clear()
        self._consumed.clear()
        for account_id in self._orders_by_account:
            self._orders_by_account[account_id] = []
            self._trades_by_account[account_id] = []
        for pending in touched.values():
            pending.orders.clear()
            pending.trades.clear()
            pending.positions.clear()
            pending.accounts.clear()
            self._queue_only(pending)
        log.info("模拟柜台: 进入交易日 %s", new_day)

    def _queue_only(self, pending: _Pending) -> None:
        if not pending.events:
            return
        due = self._due()
        for channel in pending.listeners:
            if channel.connected:
                channel.put_many(due, pending.events)

    def poll_control(self) -> int:
        """Apply commands other processes left in the control table; returns how many."""
        if self.closed:
            return 0
        commands = self.ledger.take_control_commands()
        for command in commands:
            try:
                self.faults.apply_command(command.command, command.argument)
            except (ValueError, TypeError):
                log.exception("模拟柜台: 控制命令 %r 无法执行", command)
        return len(commands)

    def _run_market(self) -> None:
        config = self.config
        next_step = time.monotonic() + config.tick_interval
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_step:
                try:
                    self._after_step(self.market.step())
                except Exception:
                    log.exception("模拟柜台: 行情推进失败")
                next_step = now + config.tick_interval
            try:
                self.poll_control()
            except Exception:
                log.exception("模拟柜台: 读取控制命令失败")
            wait = min(config.control_poll_interval, max(_MIN_WAIT, next_step - time.monotonic()))
            self._stop.wait(wait)


def _fen_fees(schedule: FeeSchedule) -> FenFees | None:
    """The integer form of a plain :class:`FeeSchedule` (None: use the schedule itself)."""
    if type(schedule) is not FeeSchedule:  # a subclass may compute fees its own way
        return None
    try:
        return FenFees.of(schedule)
    except ValueError:
        return None


def _li(value: float) -> int | None:
    """``value`` CNY as whole li (0.001) when it is exactly that, else None.

    Prices sit on 0.01/0.001 ticks and amounts are kept on whole fen, so this
    is the usual case; the float then is the nearest double to ``li / 1000``
    and its decimal value (what ``to_decimal`` reads) is exactly ``li / 1000``.
    """
    scaled = value * 1000
    if not 0 <= scaled <= FEN_FEES_MAX_LI:  # also NaN and infinities
        return None
    li = round(scaled)
    return li if li / 1000 == value else None


def _json_meta(meta: dict[str, str], key: str) -> dict[str, Any]:
    """A JSON object kept in the ledger's meta (empty when missing or unreadable)."""
    try:
        value = json.loads(meta.get(key) or "{}")
    except ValueError:
        log.warning("模拟柜台: 账本中的 %s 无法读取，忽略", key)
        return {}
    return value if isinstance(value, dict) else {}


def _refusal(error: CounterError) -> tuple[int, str]:
    return int(error), error.reason


def _close_all_counters() -> None:
    for counter in list(SimCounter._registry.values()):
        try:
            counter.close()
        except Exception:
            log.exception("模拟柜台: 退出时关闭失败")


atexit.register(_close_all_counters)
