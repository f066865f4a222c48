"""TradingSession: the one owner of the app's xtquant trader, with reconnect.

The terminal and the seed-compatible API (`app.services.miniqmt`) both talk to
the broker through a `TradingSession`. It

- creates the trader (`XtQuantTrader`, or the simulator's) with a fresh session
  id, starts it, connects, subscribes the account, and stops it again;
- registers its own `SessionCallback` on every trader, so xt pushes become
  records for listeners (`add_listener`) while user callbacks (`add_xt_callback`)
  still receive the raw xt objects; a user callback never displaces the
  session's, so reconnect keeps working with one;
- reconnects on ``on_disconnected`` or a failed connect: ONE loop at a time,
  each attempt with a fresh session id and a fresh trader (the old one
  stopped), ``reconnect_interval`` seconds apart, at most
  ``max_reconnect_attempts`` times (0 = forever), then `SessionState.GAVE_UP`;
  `stop_reconnect()` ends the loop at once, even mid-wait;
- after every (re)connect re-queries asset, positions, orders and trades once and
  publishes them as one `records.AccountSnapshot` (before the CONNECTED status),
  so views replace their tables with what happened while away;
- publishes a `ConnectionStatus` on every change (no Qt here);
- validates orders with the market rules before anything is sent;
- runs any blocking call off the caller's thread with `submit()` (one ordered
  worker thread).

Threads: listeners are called on the thread that produced the event (the
trader's callback thread for pushes, the reconnect thread for resync and
status, the caller's thread for `connect`/`disconnect`). After `disconnect()`
or `stop_reconnect()` every thread the session started has ended.
"""

from __future__ import annotations

import itertools
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

from xtquant import xtconstant
from xtquant.xttype import StockAccount

from app.models import records
from app.models.codes import CodeError, Security, classify
from app.models.names import ORDER_STATUS, name_of
from app.models.pretrade import Problem, Ticket, TradeContext, check_ticket
from app.models.rules import Side, order_type_of, side_of_order_type
from app.services.backends import TraderFactory, make_trader_factory
from app.services.callbacks import Fanout, Listener, SessionCallback, callable_name
from app.services.reconnect import (
    AttemptOutcome,
    LoopEnd,
    ReconnectLoop,
    ReconnectPolicy,
    validate_reconnect_options,
)

__all__ = [
    "CancelResult",
    "ConnectionStatus",
    "NotConnectedError",
    "OrderRejected",
    "SessionError",
    "SessionState",
    "TradingSession",
    "next_session_id",
]

logger = logging.getLogger(__name__)

#: How long `place_order`/`cancel_order` wait for the counter's reason
#: (``on_order_error``/``on_cancel_error``) after a refused request.
DEFAULT_REPLY_TIMEOUT: Final = 1.0


# ------------------------------------------------------------------ session ids

_session_ids = itertools.count(random.SystemRandom().randrange(100_000, 800_000))
_session_id_lock = threading.Lock()


def next_session_id() -> int:
    """A session id never used before in this process (six digits, random start).

    QMT keys its client sessions by this id: two live traders must not share
    one, and a reconnect must not reuse the id of the session it replaces.
    """
    with _session_id_lock:
        return next(_session_ids)


# ------------------------------------------------------------------ public types


class SessionState(StrEnum):
    """Where the session's connection stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    GAVE_UP = "gave_up"

    @property
    def name_zh(self) -> str:
        """未连接 / 连接中 / 已连接 / 重连中 / 已放弃重连."""
        return _STATE_ZH[self]


_STATE_ZH: Final = {
    SessionState.DISCONNECTED: "未连接",
    SessionState.CONNECTING: "连接中",
    SessionState.CONNECTED: "已连接",
    SessionState.RECONNECTING: "重连中",
    SessionState.GAVE_UP: "已放弃重连",
}


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """A snapshot of the connection, published to listeners on every change.

    ``attempt``/``max_attempts`` count reconnect attempts of the current
    episode (``max_attempts == 0``: no limit); ``next_retry_at`` is a
    ``time.monotonic()`` instant while a retry is scheduled, else None.
    """

    state: SessionState = SessionState.DISCONNECTED
    account_id: str = ""
    miniqmt_path: str = ""
    attempt: int = 0
    max_attempts: int = 0
    next_retry_at: float | None = None
    message: str = ""

    def seconds_to_retry(self, now: float | None = None) -> float | None:
        """Seconds until the next attempt (>= 0), or None when none is scheduled."""
        if self.next_retry_at is None:
            return None
        return max(0.0, self.next_retry_at - (time.monotonic() if now is None else now))

    def describe(self, now: float | None = None) -> str:
        """The status bar's text, e.g. ``重连中 第 3/10 次，4 秒后重试``."""
        if self.state is SessionState.RECONNECTING:
            limit = (
                f"{self.attempt}/{self.max_attempts}" if self.max_attempts else f"{self.attempt}"
            )
            text = f"重连中 第 {limit} 次"
            seconds = self.seconds_to_retry(now)
            if seconds is not None and seconds > 0:
                text += f"，{math.ceil(seconds)} 秒后重试"
            elif self.attempt:
                text += "，正在连接"
            return text
        if self.state is SessionState.CONNECTED:
            return f"已连接 {self.account_id}".rstrip()
        if self.state is SessionState.GAVE_UP:
            return f"已放弃重连（共尝试 {self.attempt} 次）"
        return self.state.name_zh


class SessionError(RuntimeError):
    """The session cannot do what was asked (not connected, the counter did not answer)."""


class NotConnectedError(SessionError):
    """A call that needs the broker was made while the session is not connected."""


class OrderRejected(ValueError):
    """An order was refused: by the rules before sending, or by the counter (-1).

    ``str(err)`` is Chinese and names every reason at once (``600036.SH:
    委托价格 35.555 不是最小变动价位 0.01 的整数倍；买入数量须为 100 股的整数倍…``).
    When the rules refused it, ``field`` names the first wrong input
    (``stock_code``, ``side``, ``price_type``, ``price``, ``volume``) and
    ``problems`` holds every `Problem` (with ``code`` and English text). When
    the counter refused it, ``result`` is what ``order_stock`` returned (-1)
    and ``error_id`` the counter's error code from ``on_order_error`` (None
    when it gave no reason in time).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        error_id: int | None = None,
        problems: tuple[Problem, ...] = (),
        result: Any = None,
    ):
        super().__init__(message)
        self.field = field
        self.error_id = error_id
        self.problems = problems
        self.result = result


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What became of a cancel request: ``success`` and a message saying why not."""

    success: bool
    message: str
    order_id: int = 0


# ------------------------------------------------------------------ internals


class _WatchedFuture(Future[Any]):
    """A Future that logs its exception when it is dropped without anyone asking for it
    (as asyncio does for tasks): `TradingSession.submit` never loses a failure."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self._what = what
        self._retrieved = False

    def result(self, timeout: float | None = None) -> Any:
        self._retrieved = True
        return super().result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._retrieved = True
        return super().exception(timeout)

    def __del__(self) -> None:
        if self._retrieved or not self.done() or self.cancelled():
            return
        exc = super().exception(0)
        if exc is None:
            return
        try:
            logger.error(
                "后台调用 %s 出错，其结果无人读取",
                self._what,
                exc_info=(type(exc), exc, exc.__traceback__),
            )
        except Exception:  # interpreter shutdown: logging may be gone
            pass


class _ConnectFailed(Exception):
    """One connect attempt failed; the message says how."""


class _ReplyWaiter:
    """Waits for the first OrderError/CancelError that ``match`` accepts."""

    def __init__(self, match: Callable[[Any], bool]) -> None:
        self.match = match
        self.reply: Any = None
        self._event = threading.Event()

    def offer(self, event: Any) -> None:
        if not self._event.is_set() and self.match(event):
            self.reply = event
            self._event.set()

    def wait(self, timeout: float) -> Any:
        self._event.wait(timeout)
        return self.reply


_COUNTER_REASON: Final = re.compile(r"\[(-?\d+)\]\s*\[([^\[\]]*)\]\s*$")


def counter_reason(error_msg: str) -> str:
    """The reason inside a counter message: ``'撤单 [12] [COUNTER] [-72][已成交的委托不能撤单]'``
    -> ``'已成交的委托不能撤单'``; other messages are returned stripped."""
    match = _COUNTER_REASON.search(error_msg or "")
    return match.group(2).strip() if match else (error_msg or "").strip()


_UNCANCELABLE: Final = {
    xtconstant.ORDER_SUCCEEDED: "已成交",
    xtconstant.ORDER_CANCELED: "已撤销",
    xtconstant.ORDER_PART_CANCEL: "已部分撤销",
    xtconstant.ORDER_JUNK: "是废单",
    xtconstant.ORDER_REPORTED_CANCEL: "正在撤单",
    xtconstant.ORDER_PARTSUCC_CANCEL: "正在撤单",
}


def _coerce_side(side: Side | str | int) -> Side | None:
    """``Side.BUY``/``SELL`` from a Side, 'buy'/'sell'/'买入'/'卖出' or 23/24; None otherwise."""
    if isinstance(side, Side):
        return side
    if isinstance(side, int) and not isinstance(side, bool):
        try:
            return side_of_order_type(side)
        except ValueError:
            return None
    if isinstance(side, str):
        text = side.strip().lower()
        if text in ("buy", "买", "买入"):
            return Side.BUY
        if text in ("sell", "卖", "卖出"):
            return Side.SELL
    return None


#: The order in which an order's problems are reported (as on the order ticket).
_FIELD_ORDER: Final = ("stock_code", "side", "price_type", "price", "volume")


def _input_problems(side: Any, price_type: Any, price: Any) -> list[Problem]:
    """What `check_ticket` cannot judge: API arguments of the wrong kind."""
    problems: list[Problem] = []
    if _coerce_side(side) is None:
        problems.append(
            Problem(
                "side",
                "bad_side",
                f"买卖方向无效: {side!r}（应为 'buy' 或 'sell'）",
                f"Invalid side: {side!r} (use 'buy' or 'sell')",
            )
        )
    if isinstance(price_type, bool) or not isinstance(price_type, int):
        problems.append(
            Problem(
                "price_type",
                "price_type_unknown",
                f"报价类型无效: {price_type!r}",
                f"Invalid price type: {price_type!r}",
            )
        )
    if isinstance(price, bool) or not isinstance(price, int | float):
        problems.append(
            Problem(
                "price",
                "price_invalid",
                f"委托价格必须是数字: {price!r}",
                f"The price must be a number: {price!r}",
            )
        )
    elif not math.isfinite(price) or price < 0:
        problems.append(
            Problem(
                "price",
                "price_invalid",
                f"委托价格无效: {price!r}",
                f"Invalid price: {price!r}",
            )
        )
    return problems


def _coerce_volume(volume: Any) -> int:
    if isinstance(volume, float) and volume.is_integer():
        return int(volume)
    return volume


# ------------------------------------------------------------------ the session


class TradingSession:
    """The broker session: one trader, reconnect, queries, orders, events.

    ``backend`` is ``'sim'`` (the simulated counter), ``'miniqmt'`` (the real
    broker through xtquant; Windows with a logged-in QMT client) or
    ``'sim-vendor'`` (xtquant's own `XtQuantTrader` over the simulator's stand-in
    for its native module). ``trader_factory(path, session_id)`` replaces the
    backend's factory (tests); ``clock`` is the monotonic clock used for
    ``next_retry_at``; ``reply_timeout`` bounds the wait for the counter's
    reason after a refused order or cancel.
    """

    def __init__(
        self,
        backend: str = "sim",
        *,
        sim_config: Any = None,
        trader_factory: TraderFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    ) -> None:
        self.backend = backend
        self._sim_config = sim_config
        self._factory = trader_factory
        self._clock = clock
        self.reply_timeout = reply_timeout

        self._fanout = Fanout()
        self._fanout.add_listener(self._offer_reply)
        self._waiters: list[_ReplyWaiter] = []
        self._waiters_lock = threading.Lock()

        self._lock = threading.RLock()
        self._state = SessionState.DISCONNECTED
        self._status = ConnectionStatus()
        self._trader: Any = None
        self._callback: SessionCallback | None = None  # the session's callback on _trader
        self._account: StockAccount | None = None
        self._generation = 0
        self._closing = False
        # Bumped by every disconnect(): a connect under way when it changes gives up.
        self._epoch = 0
        # One connect() at a time (two callers must not both build a trader).
        self._connect_lock = threading.RLock()

        self._miniqmt_path = ""
        self._account_id = ""
        self._reconnect_enabled = True
        self._reconnect_interval: float = 5
        self._max_reconnect_attempts = 0
        self._loop: ReconnectLoop | None = None
        self._loops: list[ReconnectLoop] = []
        self._lost_while_connecting = False

        self._market: Any = None
        self._market_key: tuple[str, str] | None = None

        self._worker: ThreadPoolExecutor | None = None
        self._worker_idents: set[int] = set()
        self._worker_lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"TradingSession(backend={self.backend!r}, state={self._state.value}, "
            f"account={self._account_id!r})"
        )

    # ------------------------------------------------------------------ properties
    @property
    def status(self) -> ConnectionStatus:
        """The latest published `ConnectionStatus`."""
        return self._status

    @property
    def state(self) -> SessionState:
        """Shortcut for ``status.state``."""
        return self._state

    @property
    def connected(self) -> bool:
        """True while connected and subscribed."""
        return self._state is SessionState.CONNECTED

    @property
    def trader(self) -> Any:
        """The current `XtQuantTrader` (or simulator trader); None when there is none.

        It changes on every reconnect: keep the session, not the trader.
        """
        return self._trader

    @property
    def account(self) -> StockAccount | None:
        """The subscribed `StockAccount`, or None before the first successful connect."""
        return self._account

    @property
    def account_id(self) -> str:
        """The fund account id given to `connect`."""
        return self._account_id

    @property
    def miniqmt_path(self) -> str:
        """The counter folder given to `connect`."""
        return self._miniqmt_path

    @property
    def market(self) -> Any:
        """`MarketData` for this session's backend (built on first use, then kept), or None.

        The simulator's market for ``sim``/``sim-vendor`` (the counter of the
        folder given to `connect`; None before the first `connect`), xtquant's
        ``xtdata`` for ``miniqmt`` (None where xtdata cannot load).
        """
        from app.services.market import MarketData, MarketDataError

        with self._lock:
            key = (self.backend, self._miniqmt_path)
            if self._market is not None and self._market_key == key:
                return self._market
            if self.backend == "miniqmt":
                try:
                    market = MarketData.for_xtdata()
                except MarketDataError as exc:
                    logger.debug("行情不可用: %s", exc)
                    return None
            else:
                if not self._miniqmt_path:
                    return None
                from app.services.sim import SimCounter

                market = MarketData.for_simulator(
                    SimCounter.open(self._miniqmt_path, self._sim_config).market
                )
            self._market, self._market_key = market, key
            return market

    # ------------------------------------------------------------------ listeners
    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every record and `ConnectionStatus` from now on."""
        self._fanout.add_listener(listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``."""
        self._fanout.remove_listener(listener)

    def add_xt_callback(self, callback: Any) -> None:
        """Forward raw xt objects to ``callback`` (an `XtQuantTraderCallback`) on every trader.

        The callback survives reconnects. Its ``on_connected()`` is called after
        every successful (re)connect (xtquant itself never calls it).
        """
        self._fanout.add_xt_callback(callback)

    def remove_xt_callback(self, callback: Any) -> None:
        """Stop forwarding to ``callback``."""
        self._fanout.remove_xt_callback(callback)

    # ------------------------------------------------------------------ worker
    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` on the session's worker thread, in submission order.

        The worker is one thread, started on first use and ended by `disconnect()`.
        A failure nobody reads (``result()``/``exception()``, which
        ``asyncio.wrap_future`` calls) is logged with its traceback when the
        future is dropped, so it is never lost.
        """
        future = _WatchedFuture(callable_name(fn))

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        with self._worker_lock:
            if self._worker is None:
                self._worker = ThreadPoolExecutor(
                    max_workers=1,
                    thread_name_prefix="qmtdesk-session",
                    initializer=lambda: self._worker_idents.add(threading.get_ident()),
                )
            self._worker.submit(run)
        return future

    def _shutdown_worker(self) -> None:
        with self._worker_lock:
            worker, self._worker = self._worker, None
            idents, self._worker_idents = self._worker_idents, set()
        if worker is not None:
            worker.shutdown(wait=threading.get_ident() not in idents)

    # ------------------------------------------------------------------ connect
    def connect(
        self,
        miniqmt_path: str,
        stock_account: str,
        reconnect_enabled: bool = True,
        reconnect_interval: float = 5,
        max_reconnect_attempts: int = 0,
    ) -> bool:
        """Connect and subscribe ``stock_account``; blocks until the first attempt ends.

        Returns True when connected. When the first attempt fails and
        ``reconnect_enabled``, the reconnect loop takes over (the state is then
        `SessionState.RECONNECTING`) and False is returned. Raises ValueError
        for bad arguments and `BrokerUnavailableError` when the backend cannot
        run on this machine.
        """
        if not isinstance(miniqmt_path, str) or not miniqmt_path.strip():
            raise ValueError(
                f"miniqmt_path 不能为空：请给出 QMT 的 userdata_mini 目录，收到 {miniqmt_path!r}"
            )
        if not isinstance(stock_account, str) or not stock_account.strip():
            raise ValueError(
                f"stock_account 不能为空：请给出资金账号（字符串），收到 {stock_account!r}"
            )
        validate_reconnect_options(reconnect_interval, max_reconnect_attempts)
        with self._connect_lock:
            return self._connect(
                miniqmt_path,
                stock_account,
                reconnect_enabled,
                reconnect_interval,
                max_reconnect_attempts,
            )

    def _connect(
        self,
        miniqmt_path: str,
        stock_account: str,
        reconnect_enabled: bool,
        reconnect_interval: float,
        max_reconnect_attempts: int,
    ) -> bool:
        if self._factory is None:
            self._factory = make_trader_factory(self.backend, self._sim_config)

        with self._lock:
            busy = self._state is not SessionState.DISCONNECTED or self._trader is not None
        if busy:
            logger.info("已有连接，先断开再重新连接")
            self.disconnect()

        with self._lock:
            epoch = self._epoch
            self._miniqmt_path = miniqmt_path
            self._account_id = stock_account.strip()
            self._reconnect_enabled = bool(reconnect_enabled)
            self._reconnect_interval = reconnect_interval
            self._max_reconnect_attempts = max_reconnect_attempts
            self._state = SessionState.CONNECTING
            self._lost_while_connecting = False

        logger.info("正在连接到 MiniQMT...")
        logger.info("MiniQMT 路径: %s", miniqmt_path)
        logger.info("资金账号: %s", self._account_id)
        logger.info("自动重连: %s", "启用" if reconnect_enabled else "禁用")
        logger.info("重连间隔: %s 秒", f"{reconnect_interval:g}")
        logger.info("最大重连次数: %s", max_reconnect_attempts or "无限")
        self._set_status(SessionState.CONNECTING)

        try:
            trader, account = self._establish(epoch)
        except _ConnectFailed as exc:
            logger.error(
                "连接 MiniQMT 失败: %s。请检查路径、资金账号，"
                "以及 QMT 是否以极简模式/独立交易模式登录",
                exc,
            )
            with self._lock:
                if self._epoch != epoch:
                    return False  # disconnect() came first: it has published DISCONNECTED
                retry = self._reconnect_enabled
                if retry:
                    self._start_reconnect_locked()
                else:
                    self._state = SessionState.DISCONNECTED
            if not retry:
                self._set_status(SessionState.DISCONNECTED, message=str(exc))
            return False
        return self._after_connected(trader, account)

    def _establish(self, epoch: int) -> tuple[Any, StockAccount]:
        """Create, start, connect and subscribe a fresh trader; raise `_ConnectFailed`.

        ``epoch`` is the `disconnect` count the caller started under: when a
        disconnect happens meanwhile, the new trader is stopped, not installed.
        """
        session_id = next_session_id()
        with self._lock:
            self._generation += 1
            generation = self._generation
        logger.info("创建 XtQuantTrader 实例，会话ID: %d", session_id)
        assert self._factory is not None
        try:
            trader = self._factory(self._miniqmt_path, session_id)
        except Exception as exc:
            logger.exception("创建交易实例失败")
            raise _ConnectFailed(f"创建交易实例失败: {exc}") from exc
        callback = SessionCallback(
            self._fanout,
            accept=lambda: self._generation == generation,
            on_lost=lambda: self._on_lost(generation),
            label=f"会话 {session_id}",
        )
        trader.register_callback(callback)
        try:
            trader.start()
            logger.info("正在尝试连接...")
            result = trader.connect()
            if result != 0:
                raise _ConnectFailed(f"连接返回 {result}")
            logger.info("✓ 成功连接到 MiniQMT, 账号: %s", self._account_id)
            account = StockAccount(self._account_id)
            subscribed = trader.subscribe(account)
            if subscribed != 0:
                raise _ConnectFailed(f"订阅账户 {self._account_id} 失败，返回 {subscribed}")
            logger.info("✓ 已订阅账户: %s", self._account_id)
        except _ConnectFailed:
            self._discard(trader, callback)
            raise
        except Exception as exc:
            logger.exception("连接过程出错")
            self._discard(trader, callback)
            raise _ConnectFailed(f"连接过程出错: {exc}") from exc
        with self._lock:
            cancelled = self._epoch != epoch
            if not cancelled:
                self._trader, self._callback, self._account = trader, callback, account
        if cancelled:
            self._discard(trader, callback)
            raise _ConnectFailed("连接期间已调用 disconnect()")
        return trader, account

    def _discard(self, trader: Any, callback: SessionCallback) -> None:
        """Stop a trader that never became the session's; ignore anything it still pushes."""
        callback.retire()
        self._stop_trader(trader)

    def _after_connected(self, trader: Any, account: StockAccount) -> bool:
        """Resync, then announce the first connection; False if it dropped meanwhile."""
        self._resync(trader, account)
        with self._lock:
            if self._trader is not trader:
                return False  # disconnected meanwhile
            dropped = self._lost_while_connecting
            if not dropped:
                self._state = SessionState.CONNECTED
        if not dropped:
            self._announce_connected()
            return True
        logger.warning("MiniQMT 连接在建立后立即断开")
        with self._lock:
            retry = self._reconnect_enabled
            if retry:
                self._start_reconnect_locked()
        if not retry:
            self._retire_trader()
            with self._lock:
                self._state = SessionState.DISCONNECTED
            self._set_status(SessionState.DISCONNECTED, message="连接已断开，自动重连未启用")
        return False

    def _announce_connected(self) -> None:
        """Publish CONNECTED, the `Connected` marker and user ``on_connected``, unless a
        drop has already changed the state again (then its own status follows)."""
        if self._set_status(SessionState.CONNECTED, only_if_current=True):
            self._fanout.publish(records.Connected())
            self._fanout.forward("on_connected")

    def _resync(self, trader: Any, account: StockAccount) -> None:
        """Query everything once and publish it as ONE `records.AccountSnapshot`.

        Listeners replace their view of the account with it (so rows the counter
        no longer has disappear), which is why it is one event, not a record per
        row. A query that fails or gets no answer leaves its part ``None``.
        """
        steps: list[tuple[str, Callable[[], Any], Callable[[Any], Any]]] = [
            ("资产", lambda: trader.query_stock_asset(account), records.Asset.from_xt),
            ("持仓", lambda: trader.query_stock_positions(account), records.Position.from_xt),
            ("委托", lambda: trader.query_stock_orders(account, False), records.Order.from_xt),
            ("成交", lambda: trader.query_stock_trades(account), records.Trade.from_xt),
        ]
        parts: list[Any] = []
        for what, query, convert in steps:
            part: Any = None
            try:
                result = query()
                if result is None:
                    logger.warning("同步%s时柜台未返回数据", what)
                elif what == "资产":
                    part = convert(result)
                else:
                    items = result if isinstance(result, list | tuple) else [result]
                    part = tuple(convert(item) for item in items)
            except Exception:
                logger.exception("同步%s失败", what)
            parts.append(part)
        self._fanout.publish(records.AccountSnapshot(*parts))

    # ------------------------------------------------------------------ reconnect
    def _on_lost(self, generation: int) -> None:
        """``on_disconnected`` from the trader of ``generation`` (on its callback thread)."""
        with self._lock:
            if generation != self._generation or self._closing:
                return
            if self._state in (SessionState.CONNECTING, SessionState.RECONNECTING):
                # The trader just connected dropped before it was announced: whoever
                # is connecting (connect() or the loop) sees the flag and retries.
                self._lost_while_connecting = True
                logger.warning("MiniQMT 连接已断开")
                return
            if self._state is not SessionState.CONNECTED:
                return
            logger.warning("MiniQMT 连接已断开")
            if self._reconnect_enabled:
                self._start_reconnect_locked()
                return
            self._state = SessionState.DISCONNECTED
            stop_now = self._detach_trader_locked()
        self._set_status(SessionState.DISCONNECTED, message="连接已断开，自动重连未启用")
        if stop_now is not None:
            # Not on this (the trader's own callback) thread: stopping joins it.
            self.submit(self._finish_retiring, stop_now)

    def _start_reconnect_locked(self) -> None:
        """Start THE reconnect loop unless one is running (caller holds the lock)."""
        if self._loop is not None and self._loop.is_alive() and not self._loop.stopping:
            return
        logger.info("准备触发自动重连...")
        self._state = SessionState.RECONNECTING
        self._lost_while_connecting = False
        policy = ReconnectPolicy(
            self._reconnect_interval, self._max_reconnect_attempts, clock=self._clock
        )
        still_finishing = [lp for lp in self._loops if lp.is_alive()]
        loop = ReconnectLoop(
            policy,
            attempt=self._reconnect_attempt,
            before_wait=lambda n: self._before_retry(policy, n),
            finished=lambda end: self._reconnect_finished(loop, end),
            after=still_finishing[-1] if still_finishing else None,
        )
        self._loop = loop
        self._loops = [*still_finishing, loop]
        self._status = replace(self._status, state=SessionState.RECONNECTING)
        loop.start()

    def _before_retry(self, policy: ReconnectPolicy, attempt: int) -> None:
        logger.warning("第 %d 次重连尝试 (间隔 %s 秒)...", attempt, f"{policy.interval:g}")
        self._set_status(
            SessionState.RECONNECTING,
            attempt=attempt,
            next_retry_at=policy.next_retry_at,
        )

    def _reconnect_attempt(self, attempt: int) -> AttemptOutcome:
        """One try of the loop (on the loop thread)."""
        self._retire_trader()
        with self._lock:
            if self._closing:
                return AttemptOutcome.FAILED
            self._lost_while_connecting = False
            epoch = self._epoch
        self._set_status(SessionState.RECONNECTING, attempt=attempt, next_retry_at=None)
        logger.info("正在连接到 MiniQMT...")
        try:
            trader, account = self._establish(epoch)
        except _ConnectFailed as exc:
            logger.warning("第 %d 次重连失败: %s", attempt, exc)
            return AttemptOutcome.FAILED
        with self._lock:
            closing = self._closing
        if closing:
            self._retire_trader()
            return AttemptOutcome.FAILED
        self._resync(trader, account)
        with self._lock:
            if self._lost_while_connecting or self._trader is not trader:
                logger.warning("第 %d 次重连后连接再次断开", attempt)
                return AttemptOutcome.FAILED
            self._state = SessionState.CONNECTED
            # From here a new drop starts a new loop; this one only finishes.
            self._loop = None
        logger.info("重连成功！")
        self._announce_connected()
        return AttemptOutcome.CONNECTED

    def _reconnect_finished(self, loop: ReconnectLoop, end: LoopEnd) -> None:
        with self._lock:
            if self._loop is loop:
                self._loop = None
            if end is LoopEnd.CONNECTED:
                return
            if self._state is not SessionState.RECONNECTING or self._closing:
                return
            attempts = loop.policy.attempt
            if end is LoopEnd.GAVE_UP:
                self._state = SessionState.GAVE_UP
            else:
                self._state = SessionState.DISCONNECTED
        self._retire_trader()  # the dropped one, if no attempt replaced it yet
        if end is LoopEnd.GAVE_UP:
            logger.error("已达到最大重连次数 %d，停止自动重连", loop.policy.max_attempts)
            self._set_status(
                SessionState.GAVE_UP,
                attempt=attempts,
                message=f"已重连 {attempts} 次仍未成功，停止自动重连",
            )
        else:
            self._set_status(SessionState.DISCONNECTED, attempt=attempts, message="已停止自动重连")

    def stop_reconnect(self) -> None:
        """Stop reconnecting now (a pending wait ends at once) and for later drops too.

        A connection that is up stays up. Returns once the loop thread has ended.
        """
        with self._lock:
            self._reconnect_enabled = False
            loops = [lp for lp in self._loops if lp.is_alive()]
        for loop in loops:
            loop.stop()
        logger.info("已停止自动重连")
        with self._lock:
            self._loops = [lp for lp in self._loops if lp.is_alive()]

    # ------------------------------------------------------------------ disconnect
    def disconnect(self) -> None:
        """Stop reconnecting, stop the trader, end the worker thread. Idempotent."""
        with self._lock:
            self._closing = True
            self._epoch += 1
            loops = list(self._loops)
        try:
            for loop in loops:
                loop.stop()
            self._retire_trader()
            with self._lock:
                was = self._state
                self._state = SessionState.DISCONNECTED
                self._loops = [lp for lp in self._loops if lp.is_alive()]
            if was is not SessionState.DISCONNECTED:
                logger.info("已断开与 MiniQMT 的连接")
            self._set_status(SessionState.DISCONNECTED)
        finally:
            with self._lock:
                self._closing = False
            self._shutdown_worker()

    close = disconnect

    def __enter__(self) -> TradingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def _retire_trader(self) -> None:
        """Detach the current trader (its late pushes are ignored) and stop it."""
        with self._lock:
            detached = self._detach_trader_locked()
        if detached is not None:
            self._finish_retiring(detached)

    def _detach_trader_locked(self) -> tuple[Any, SessionCallback | None] | None:
        """Take the current trader and its callback away (caller holds the lock)."""
        trader, callback = self._trader, self._callback
        self._trader = self._callback = None
        if trader is None:
            return None
        self._generation += 1
        return trader, callback

    def _finish_retiring(self, detached: tuple[Any, SessionCallback | None]) -> None:
        """Wait out a delivery under way from the trader (never holding the session
        lock: that delivery may need it), then stop the trader."""
        trader, callback = detached
        if callback is not None:
            callback.retire()
        self._stop_trader(trader)

    @staticmethod
    def _stop_trader(trader: Any) -> None:
        try:
            trader.stop()
        except Exception:
            logger.exception("停止交易实例时出错")

    # ------------------------------------------------------------------ status
    def _set_status(
        self, state: SessionState, *, only_if_current: bool = False, **changes: Any
    ) -> bool:
        """Record and publish a `ConnectionStatus`; False (nothing published) when
        ``only_if_current`` and the session's state is no longer ``state``."""
        with self._lock:
            if only_if_current and self._state is not state:
                return False
            default_attempt = 0 if state is SessionState.CONNECTED else self._status.attempt
            status = ConnectionStatus(
                state=state,
                account_id=self._account_id,
                miniqmt_path=self._miniqmt_path,
                attempt=changes.get("attempt", default_attempt),
                max_attempts=self._max_reconnect_attempts,
                next_retry_at=changes.get("next_retry_at"),
                message=changes.get("message", ""),
            )
            self._status = status
        self._fanout.publish(status)
        return True

    # ------------------------------------------------------------------ queries
    def _require_connected(self) -> tuple[Any, StockAccount]:
        with self._lock:
            trader, account, state = self._trader, self._account, self._state
        if state is SessionState.CONNECTED and trader is not None and account is not None:
            return trader, account
        if state is SessionState.RECONNECTING:
            status = self._status
            raise NotConnectedError(
                f"MiniQMT 连接已断开，正在自动重连（{status.describe()}），请稍后再试"
            )
        if state is SessionState.GAVE_UP:
            raise NotConnectedError("MiniQMT 连接已断开且已放弃自动重连，请重新调用 connect(...)")
        raise NotConnectedError("未连接到 MiniQMT：请先调用 connect(miniqmt_path, stock_account)")

    def query_asset(self) -> records.Asset:
        """The account's 资金 (blocking). Raises `SessionError` when the counter gives nothing."""
        trader, account = self._require_connected()
        asset = trader.query_stock_asset(account)
        if asset is None:
            raise SessionError(f"查询资金失败：柜台未返回账户 {account.account_id} 的资产")
        return records.Asset.from_xt(asset)

    def query_positions(self) -> list[records.Position]:
        """Every 持仓 (blocking)."""
        trader, account = self._require_connected()
        return [
            records.Position.from_xt(p)
            for p in self._list(trader.query_stock_positions(account), "持仓")
        ]

    def query_position(self, stock_code: str) -> records.Position | None:
        """The 持仓 in one code (any spelling the rules accept), or None."""
        code = classify(stock_code).stock_code
        trader, account = self._require_connected()
        position = trader.query_stock_position(account, code)
        return None if position is None else records.Position.from_xt(position)

    def query_orders(self, cancelable_only: bool = False) -> list[records.Order]:
        """Today's 委托 (blocking); only those still cancelable with ``cancelable_only``."""
        trader, account = self._require_connected()
        orders = self._list(trader.query_stock_orders(account, cancelable_only), "委托")
        return [records.Order.from_xt(o) for o in orders]

    def query_trades(self) -> list[records.Trade]:
        """Today's 成交 (blocking)."""
        trader, account = self._require_connected()
        return [
            records.Trade.from_xt(t) for t in self._list(trader.query_stock_trades(account), "成交")
        ]

    def query_order(self, order_id: int) -> records.Order | None:
        """One 委托 by its order id, or None when the counter does not know it."""
        trader, account = self._require_connected()
        order = trader.query_stock_order(account, order_id)
        return None if order is None else records.Order.from_xt(order)

    @staticmethod
    def _list(result: Any, what: str) -> list[Any]:
        if result is None:
            raise SessionError(f"查询{what}失败：柜台未返回结果")
        return list(result)

    # ------------------------------------------------------------------ orders
    def validate_order(
        self,
        stock_code: str,
        side: Side | str | int,
        volume: int,
        price_type: int,
        price: float = 0.0,
    ) -> tuple[Security, Side, int, float]:
        """Check an order with the market rules; return what to send or raise `OrderRejected`.

        The rules are `app.models.pretrade.check_ticket`'s, the order ticket's:
        the code is tradable (any accepted spelling), the price type is one
        the code's exchange takes, a limit price is positive and on the tick,
        the volume follows the lot rule (an odd-lot sell only for the whole
        sellable position, which needs a connection to look up). Every problem
        is reported in the one `OrderRejected`, not just the first.
        """
        volume = _coerce_volume(volume)
        problems = _input_problems(side, price_type, price)
        bad_fields = {p.field for p in problems}
        coerced = _coerce_side(side)
        ticket = Ticket(
            stock_code=stock_code,
            side=coerced if coerced is not None else str(side),  # bad: no lot rule to apply
            price_type=price_type if "price_type" not in bad_fields else xtconstant.LATEST_PRICE,
            price=float(price) if "price" not in bad_fields else None,
            volume=volume,
        )
        found = [p for p in check_ticket(ticket) if p.field not in bad_fields]
        if (
            coerced is Side.SELL
            and any(p.field == "volume" for p in found)
            and isinstance(volume, int)
            and volume > 0
            and self.connected
        ):
            # An odd lot is fine when it sells the whole position: look the position up.
            position = self.query_position(stock_code)
            held, sellable = (
                (0, 0) if position is None else (position.volume, position.can_use_volume)
            )
            context = TradeContext(position_volume=held, sellable_volume=sellable)
            found = [p for p in check_ticket(ticket, context) if p.field not in bad_fields]
        problems.extend(found)
        if problems:
            problems.sort(key=lambda p: _FIELD_ORDER.index(p.field))
            reasons = "；".join(p.message_zh for p in problems)
            try:
                reasons = f"{classify(stock_code).stock_code}: {reasons}"
            except CodeError:
                pass  # the first reason already names the input
            raise OrderRejected(reasons, field=problems[0].field, problems=tuple(problems))
        assert coerced is not None
        return classify(stock_code), coerced, volume, float(price)

    def place_order(
        self,
        stock_code: str,
        side: Side | str | int,
        volume: int,
        price_type: int,
        price: float = 0.0,
        strategy_name: str = "",
        order_remark: str = "",
    ) -> int:
        """Validate, then send one stock order (blocking); return the order id (> 0).

        Raises `OrderRejected` with the reason when the rules refuse the order
        (nothing is sent) or when the counter answers -1 (the reason from its
        ``on_order_error`` when it arrives within ``reply_timeout``). A refusal
        the counter reports later (``on_order_error`` for an accepted id) comes
        as an `OrderError` event, as in xtquant.
        """
        trader, account = self._require_connected()
        security, side, volume, price = self.validate_order(
            stock_code, side, volume, price_type, price
        )
        code = security.stock_code
        waiter = self._expect_reply(
            lambda e: (
                isinstance(e, records.OrderError)
                and (
                    e.order_id <= 0
                    or (e.strategy_name, e.order_remark) == (strategy_name, order_remark)
                )
            )
        )
        try:
            order_id = trader.order_stock(
                account,
                code,
                order_type_of(side),
                volume,
                price_type,
                price,
                strategy_name,
                order_remark,
            )
            if isinstance(order_id, int) and order_id > 0:
                return order_id
            error = waiter.wait(self.reply_timeout)
        finally:
            self._forget_reply(waiter)
        if error is not None:
            reason = counter_reason(error.error_msg)
            raise OrderRejected(
                f"委托失败: {code} {side.name_zh} {volume} 股，柜台拒绝: {reason}"
                f"（错误码 {error.error_id}）",
                error_id=error.error_id,
                result=order_id,
            )
        raise OrderRejected(
            f"委托失败: {code} {side.name_zh} {volume} 股，柜台返回 {order_id}，"
            f"{self.reply_timeout:g} 秒内未收到 on_order_error 说明原因",
            result=order_id,
        )

    def cancel_order(self, order_id: int) -> CancelResult:
        """Cancel one order (blocking); the message says why when it cannot be cancelled.

        A refused cancel waits up to ``reply_timeout`` for the counter's
        ``on_cancel_error`` and reports its reason; without one, the order's
        state says why (``委托 123 已成交，不能撤单``, ``委托 123 不存在``).
        """
        if isinstance(order_id, bool) or not isinstance(order_id, int) or order_id <= 0:
            return CancelResult(False, f"委托编号无效: {order_id!r}（应为下单返回的正整数）")
        trader, account = self._require_connected()
        waiter = self._expect_reply(
            lambda e: isinstance(e, records.CancelError) and e.order_id == order_id
        )
        try:
            result = trader.cancel_order_stock(account, order_id)
            if result == 0:
                return CancelResult(True, "success", order_id)
            error = waiter.wait(self.reply_timeout)
        finally:
            self._forget_reply(waiter)
        if error is not None:
            reason = counter_reason(error.error_msg) or f"错误码 {error.error_id}"
            return CancelResult(False, f"委托 {order_id} 撤单失败: {reason}", order_id)
        return CancelResult(False, self._why_not_cancelable(order_id, result), order_id)

    def _why_not_cancelable(self, order_id: int, result: Any) -> str:
        try:
            order = self.query_order(order_id)
        except Exception:
            logger.exception("撤单失败后查询委托 %s 出错", order_id)
            return f"委托 {order_id} 撤单失败（柜台返回 {result}）"
        if order is None:
            return f"委托 {order_id} 不存在"
        status = order.order_status
        if status in _UNCANCELABLE:
            return f"委托 {order_id} {_UNCANCELABLE[status]}，不能撤单"
        return (
            f"委托 {order_id} 撤单失败（柜台返回 {result}，委托状态 "
            f"{name_of(ORDER_STATUS, status)}）"
        )

    # -- counter replies --------------------------------------------------------------
    def _expect_reply(self, match: Callable[[Any], bool]) -> _ReplyWaiter:
        waiter = _ReplyWaiter(match)
        with self._waiters_lock:
            self._waiters.append(waiter)
        return waiter

    def _forget_reply(self, waiter: _ReplyWaiter) -> None:
        with self._waiters_lock:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _offer_reply(self, event: Any) -> None:
        if not isinstance(event, records.OrderError | records.CancelError):
            return
        with self._waiters_lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.offer(event)
