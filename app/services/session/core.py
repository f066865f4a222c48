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
  `stop_reconnect()` returns at once from any state (an attempt under way is
  abandoned, its trader stopped when it returns);
- after every (re)connect re-queries asset, positions, orders and trades once and
  publishes them as one `records.AccountSnapshot` (before the CONNECTED status),
  so views replace their tables with what happened while away; pushes that
  arrived while it was queried are published again after it (`resync`);
- publishes a `ConnectionStatus` on every change (no Qt here);
- validates orders with the market rules before anything is sent
  (`validation`), and sends orders and cancels with xtquant's ``*_async``
  calls on lanes of their own, matching the answers by seq (`orders`,
  `replies`);
- runs any blocking call off the caller's thread with `submit()` (the query
  lane: one ordered worker thread).

The package is split along these seams: `state` (state, status, errors, the
one wording of every state), `worker` (lanes), `replies` (seq matching),
`validation`, `orders` (queries, orders, cancels), `reconnecting` (the loop
glue), `market_attach` (market data) and `core` (connect, disconnect, resync).

Threads: listeners are called on the thread that produced the event (the
trader's callback thread for pushes, the reconnect thread for resync and
status, the caller's thread for `connect`/`disconnect`). After `disconnect()`
every thread the session started has ended; after `stop_reconnect()` the
reconnect thread ends on its own (it is not waited for).
"""

from __future__ import annotations

import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Final

from xtquant.xttype import StockAccount

from app.models import records
from app.services.backends import TraderFactory, make_trader_factory
from app.services.callbacks import Fanout, Listener, SessionCallback
from app.services.reconnect import ReconnectLoop, validate_reconnect_options
from app.services.session.market_attach import MarketAttach
from app.services.session.orders import Orders
from app.services.session.reconnecting import Reconnecting
from app.services.session.replies import ReplyBook
from app.services.session.state import ConnectFailed, ConnectionStatus, SessionState
from app.services.session.worker import Lane

__all__ = ["DEFAULT_ANSWER_TIMEOUT", "DEFAULT_REPLY_TIMEOUT", "TradingSession", "next_session_id"]

logger = logging.getLogger("app.services.session")

#: How long a refused order (-1) waits for the counter's reason (``on_order_error``).
DEFAULT_REPLY_TIMEOUT: Final = 1.0
#: How long the blocking `place_order`/`cancel_order` wait for the counter's answer;
#: also given to xtquant's ``set_timeout`` (milliseconds there).
DEFAULT_ANSWER_TIMEOUT: Final = 10.0


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


# ------------------------------------------------------------------ the session


class TradingSession(Orders, Reconnecting, MarketAttach):
    """The broker session: one trader, reconnect, queries, orders, events.

    ``backend`` is ``'sim'`` (the simulated counter), ``'miniqmt'`` (the real
    broker through xtquant; Windows with a logged-in QMT client) or
    ``'sim-vendor'`` (xtquant's own `XtQuantTrader` over the simulator's stand-in
    for its native module). ``trader_factory(path, session_id)`` replaces the
    backend's factory (tests); ``clock`` is the monotonic clock used for
    ``next_retry_at``; ``reply_timeout`` bounds the wait for the counter's
    reason after a refused order; ``answer_timeout`` how long the blocking
    `place_order`/`cancel_order` wait for the counter's answer (xtquant's
    ``set_timeout``).
    """

    def __init__(
        self,
        backend: str = "sim",
        *,
        sim_config: Any = None,
        trader_factory: TraderFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        answer_timeout: float = DEFAULT_ANSWER_TIMEOUT,
    ) -> None:
        self.backend = backend
        self._sim_config = sim_config
        self._factory = trader_factory
        self._clock = clock
        self.reply_timeout = reply_timeout
        self.answer_timeout = answer_timeout

        # The reply book is the first listener: it settles a request's future
        # before any other listener sees the answer (causal order for the GUI).
        self._replies = ReplyBook(reply_timeout)
        self._fanout = Fanout()
        self._fanout.add_listener(self._replies.offer)

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

        # Queries/blocking calls, order sends, cancel sends: one ordered thread each.
        self._query_lane = Lane("qmtdesk-session")
        self._order_lane = Lane("qmtdesk-orders")
        self._cancel_lane = Lane("qmtdesk-cancels")

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
        """Run ``fn(*args, **kwargs)`` on the session's query lane, in submission order.

        The lane is one thread, started on first use and ended by `disconnect()`;
        orders and cancels have lanes of their own, so nothing submitted here
        waits behind them. A failure nobody reads (``result()``/``exception()``,
        which ``asyncio.wrap_future`` calls) is logged with its traceback when
        the future is dropped, so it is never lost.
        """
        return self._query_lane.submit(fn, *args, **kwargs)

    def _shutdown_worker(self) -> None:
        for lane in (self._order_lane, self._cancel_lane, self._query_lane):
            lane.shutdown()

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
        except ConnectFailed as exc:
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
        """Create, start, connect and subscribe a fresh trader; raise `ConnectFailed`.

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
            raise ConnectFailed(f"创建交易实例失败: {exc}") from exc
        callback = SessionCallback(
            self._fanout,
            accept=lambda: self._generation == generation,
            on_lost=lambda: self._on_lost(generation),
            label=f"会话 {session_id}",
        )
        trader.register_callback(callback)
        try:
            set_timeout = getattr(trader, "set_timeout", None)
            if set_timeout is not None:  # xtquant's answer timeout, in milliseconds
                set_timeout(int(self.answer_timeout * 1000))
            trader.start()
            logger.info("正在尝试连接...")
            result = trader.connect()
            if result != 0:
                raise ConnectFailed(f"连接返回 {result}")
            logger.info("✓ 成功连接到 MiniQMT, 账号: %s", self._account_id)
            account = StockAccount(self._account_id)
            subscribed = trader.subscribe(account)
            if subscribed != 0:
                raise ConnectFailed(f"订阅账户 {self._account_id} 失败，返回 {subscribed}")
            logger.info("✓ 已订阅账户: %s", self._account_id)
        except ConnectFailed:
            self._discard(trader, callback)
            raise
        except Exception as exc:
            logger.exception("连接过程出错")
            self._discard(trader, callback)
            raise ConnectFailed(f"连接过程出错: {exc}") from exc
        with self._lock:
            cancelled = self._epoch != epoch
            if not cancelled:
                self._trader, self._callback, self._account = trader, callback, account
        if cancelled:
            self._discard(trader, callback)
            raise ConnectFailed("连接期间已调用 disconnect()")
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

    def resync(self) -> records.AccountSnapshot:
        """Query everything now and publish it as one `records.AccountSnapshot` (刷新).

        Returns the snapshot too. Listeners get it in order with the pushes: a
        push that arrived while it was being queried is published again after
        it, so the older snapshot never overwrites the newer push.
        """
        trader, account = self._require_connected()
        return self._resync(trader, account)

    def _resync(self, trader: Any, account: StockAccount) -> records.AccountSnapshot:
        """Query everything once and publish it as ONE `records.AccountSnapshot`.

        Listeners replace their view of the account with it (so rows the counter
        no longer has disappear), which is why it is one event, not a record per
        row. A query that fails or gets no answer leaves its part ``None``.
        The snapshot carries the delivery sequence number at which its queries
        started (``seq``); pushes delivered since then are published again
        right after it (`Fanout.begin_capture`), so a fill during the resync
        leaves the listeners' tables equal to the counter.
        """
        capture = self._fanout.begin_capture()
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
        snapshot = records.AccountSnapshot(*parts, seq=capture.seq)
        self._fanout.publish_snapshot(capture, snapshot)
        return snapshot

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
            self._replies.abandon_all("连接已断开")
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

    def _retire_trader(self, only: Any = None) -> None:
        """Detach the current trader (its late pushes are ignored) and stop it;
        with ``only``, just when the current trader is that one."""
        with self._lock:
            if only is not None and self._trader is not only:
                return
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
