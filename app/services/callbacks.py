"""xtquant callbacks -> plain events for the app, raw objects for user callbacks.

`SessionCallback` is what a `TradingSession` registers on every trader it
creates. On the trader's callback thread it

1. converts the xt object into an immutable record (`app.models.records`) and
   publishes it to the session's listeners (the terminal's Qt bridge, tests);
2. forwards the raw xt object, unchanged, to every user callback (the seed
   API's ``trader_callback``), so code written for xtquant sees what it expects;
3. tells the session about ``on_disconnected`` so it can reconnect. The user's
   callback never replaces the session's: reconnect keeps working with it.

Every listener and every user callback runs inside its own ``try``: an
exception, any ``BaseException`` included (``sys.exit()`` in a user's
callback), is logged with its traceback (xtquant's executor would swallow it)
and delivery goes on: the others still run and later events still arrive.

`DefaultXtQuantTraderCallback` is the seed API's default ``trader_callback``:
it logs every event in readable Chinese, keeping the seed's line prefixes
(``委托回调:``, ``成交回调:``, ``下单失败回调: order_id=..., error_id=..., error_msg=...``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.models import records
from app.models.names import (
    ACCOUNT_STATUS,
    DIRECTION,
    OFFSET_FLAG,
    ORDER_STATUS,
    ORDER_TYPE,
    PRICE_TYPE,
    name_of,
)
from app.services.backends import XtQuantTraderCallback

__all__ = [
    "DefaultXtQuantTraderCallback",
    "Fanout",
    "Listener",
    "SessionCallback",
    "callable_name",
]

logger = logging.getLogger(__name__)

Listener = Callable[[Any], None]
"""``listener(event)``: receives records and `ConnectionStatus` events."""

# xt push/response method -> the record class its argument becomes.
_RECORD_OF: dict[str, Callable[[Any], Any]] = {
    "on_stock_asset": records.Asset.from_xt,
    "on_stock_order": records.Order.from_xt,
    "on_stock_trade": records.Trade.from_xt,
    "on_stock_position": records.Position.from_xt,
    "on_order_error": records.OrderError.from_xt,
    "on_cancel_error": records.CancelError.from_xt,
    "on_account_status": records.AccountStatus.from_xt,
    "on_order_stock_async_response": records.OrderResponse.from_xt,
    "on_cancel_order_stock_async_response": records.CancelOrderResponse.from_xt,
}

# Callback methods forwarded raw only (no record type in the app for them).
_RAW_ONLY = (
    "on_smt_appointment_async_response",
    "on_bank_transfer_async_response",
    "on_ctp_internal_transfer_async_response",
    "on_smart_algo_order_async_response",
    "on_operate_smart_task_async_response",
)


def callable_name(fn: object) -> str:
    """A readable name of a function or callable object, for log lines."""
    return getattr(fn, "__qualname__", None) or type(fn).__qualname__


#: Pushes a resync snapshot could overwrite: published again after a snapshot
#: when they arrived while it was being queried.
_SNAPSHOT_PARTS = (records.Asset, records.Position, records.Order, records.Trade)


class Capture:
    """Pushes delivered since a resync began (`Fanout.begin_capture`)."""

    __slots__ = ("events", "seq")

    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.events: list[Any] = []


class Fanout:
    """Listeners of records and user callbacks of raw xt objects, thread-safe.

    Registration copies the list (copy-on-write), so delivery never holds a
    lock while user code runs and a listener may add or remove listeners.
    Every published event gets a delivery sequence number (``seq``); a resync
    captures the pushes delivered while it queries (`begin_capture`) and
    publishes them again after its snapshot (`publish_snapshot`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: tuple[Listener, ...] = ()
        self._xt_callbacks: tuple[Any, ...] = ()
        self._capture_lock = threading.Lock()
        self._captures: tuple[Capture, ...] = ()
        self._seq = 0

    @property
    def seq(self) -> int:
        """How many events were published so far."""
        return self._seq

    def begin_capture(self) -> Capture:
        """Start recording the snapshot parts published from now on."""
        with self._capture_lock:
            capture = Capture(self._seq)
            self._captures = (*self._captures, capture)
        return capture

    def publish_snapshot(self, capture: Capture, snapshot: Any) -> None:
        """Publish ``snapshot``, then again every push captured since `begin_capture`
        (newer than the snapshot's queries), so none is overwritten by it."""
        with self._capture_lock:
            self._captures = tuple(c for c in self._captures if c is not capture)
            self._deliver(snapshot)
            for event in capture.events:
                self._deliver(event)

    # -- registration ---------------------------------------------------------------
    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every published event (once, even if added twice)."""
        with self._lock:
            if listener not in self._listeners:
                self._listeners = (*self._listeners, listener)

    def remove_listener(self, listener: Listener) -> None:
        """Stop calling ``listener``; unknown listeners are ignored."""
        with self._lock:
            self._listeners = tuple(fn for fn in self._listeners if fn != listener)

    def add_xt_callback(self, callback: Any) -> None:
        """Forward raw xt objects to ``callback`` (an ``XtQuantTraderCallback``-like object)."""
        with self._lock:
            if not any(cb is callback for cb in self._xt_callbacks):
                self._xt_callbacks = (*self._xt_callbacks, callback)

    def remove_xt_callback(self, callback: Any) -> None:
        """Stop forwarding to ``callback``."""
        with self._lock:
            self._xt_callbacks = tuple(cb for cb in self._xt_callbacks if cb is not callback)

    @property
    def xt_callbacks(self) -> tuple[Any, ...]:
        """The registered user callbacks, in registration order."""
        return self._xt_callbacks

    # -- delivery -------------------------------------------------------------------
    def publish(self, event: Any) -> None:
        """Give ``event`` to every listener; one failing listener never stops the others."""
        if self._captures and isinstance(event, _SNAPSHOT_PARTS):
            with self._capture_lock:
                for capture in self._captures:
                    capture.events.append(event)
        self._deliver(event)

    def _deliver(self, event: Any) -> None:
        self._seq += 1
        for listener in self._listeners:
            try:
                listener(event)
            except BaseException:  # even SystemExit must not end delivery
                logger.exception(
                    "事件监听器 %s 处理 %s 时出错", callable_name(listener), type(event).__name__
                )

    def forward(self, method: str, *args: Any) -> None:
        """Call ``callback.<method>(*args)`` on every user callback that has the method."""
        for callback in self._xt_callbacks:
            handler = getattr(callback, method, None)
            if handler is None:
                continue
            try:
                handler(*args)
            except BaseException:  # even SystemExit must not end delivery
                logger.exception("交易回调 %s.%s 出错", type(callback).__qualname__, method)


class SessionCallback(XtQuantTraderCallback):
    """The callback a session registers on one trader (one instance per trader).

    ``accept()`` says whether this trader is still the session's current one:
    events from a trader the session has already replaced are dropped, so a
    late push from a dead connection never reaches the tables twice.
    `retire()` makes that final: once it returns, no delivery of this
    callback is under way or will start, so nothing from an old trader can
    land after the new trader's resync (check and delivery hold one lock).
    ``on_lost()`` is called (after listeners and user callbacks) when the
    trader reports ``on_disconnected``; it must not block.
    """

    #: How long `retire` waits for a delivery under way (a stuck listener) before
    #: retiring anyway.
    RETIRE_TIMEOUT = 2.0

    def __init__(
        self,
        fanout: Fanout,
        *,
        accept: Callable[[], bool] = lambda: True,
        on_lost: Callable[[], None] | None = None,
        label: str = "",
    ) -> None:
        self._fanout = fanout
        self._accept = accept
        self._on_lost = on_lost
        self._label = label
        self._delivery = threading.RLock()  # reentrant: a listener may retire its own trader
        self._retired = False

    def __repr__(self) -> str:
        return f"SessionCallback({self._label!r})"

    def retire(self, timeout: float | None = None) -> bool:
        """Deliver nothing more; wait for a delivery under way to finish first.

        Returns False when that delivery did not finish within ``timeout``
        (default `RETIRE_TIMEOUT`): the callback is retired anyway.
        """
        finished = self._delivery.acquire(
            timeout=self.RETIRE_TIMEOUT if timeout is None else timeout
        )
        self._retired = True
        if finished:
            self._delivery.release()
        else:
            logger.warning("交易连接 %s 的推送处理未在时限内结束，仍将其停用", self._label)
        return finished

    def _live(self, what: str) -> bool:
        """True while this trader's pushes are wanted (call with the delivery lock held)."""
        if self._retired or not self._accept():
            logger.debug("忽略已替换的交易连接 %s 的推送 %s", self._label, what)
            return False
        return True

    def _deliver(self, method: str, raw: Any) -> None:
        with self._delivery:
            if not self._live(method):
                return
            try:
                record = _RECORD_OF[method](raw)
            except Exception:
                logger.exception("无法转换 %s 推送的数据: %r", method, raw)
                record = None
            if record is not None:
                self._fanout.publish(record)
            self._fanout.forward(method, raw)

    # -- pushes -----------------------------------------------------------------------
    def on_connected(self) -> None:
        """Not pushed by xtquant; the session calls user callbacks' on_connected itself."""

    def on_disconnected(self) -> None:
        """The trader lost its connection: tell listeners, user callbacks, then the session."""
        with self._delivery:
            if not self._live("on_disconnected"):
                return
            self._fanout.publish(records.Disconnected())
            self._fanout.forward("on_disconnected")
        if self._on_lost is not None:  # outside the lock: it may retire this callback
            try:
                self._on_lost()
            except Exception:
                logger.exception("处理连接断开时出错")

    def on_account_status(self, status: Any) -> None:
        self._deliver("on_account_status", status)

    def on_stock_asset(self, asset: Any) -> None:
        self._deliver("on_stock_asset", asset)

    def on_stock_order(self, order: Any) -> None:
        self._deliver("on_stock_order", order)

    def on_stock_trade(self, trade: Any) -> None:
        self._deliver("on_stock_trade", trade)

    def on_stock_position(self, position: Any) -> None:
        self._deliver("on_stock_position", position)

    def on_order_error(self, order_error: Any) -> None:
        self._deliver("on_order_error", order_error)

    def on_cancel_error(self, cancel_error: Any) -> None:
        self._deliver("on_cancel_error", cancel_error)

    def on_order_stock_async_response(self, response: Any) -> None:
        self._deliver("on_order_stock_async_response", response)

    def on_cancel_order_stock_async_response(self, response: Any) -> None:
        self._deliver("on_cancel_order_stock_async_response", response)


def _make_raw_forwarder(method: str) -> Callable[..., None]:
    def forward(self: SessionCallback, *args: Any) -> None:
        with self._delivery:
            if self._live(method):
                self._fanout.forward(method, *args)

    forward.__name__ = method
    forward.__doc__ = f"Forward ``{method}`` unchanged to user callbacks."
    return forward


for _method in _RAW_ONLY:
    setattr(SessionCallback, _method, _make_raw_forwarder(_method))


# ------------------------------------------------------------------ default user callback


def _side(order_type: Any) -> str:
    return name_of(ORDER_TYPE, order_type)


class DefaultXtQuantTraderCallback(XtQuantTraderCallback):
    """The seed API's default ``trader_callback``: logs every event in readable Chinese."""

    def __init__(self, log: logging.Logger | None = None) -> None:
        self.log = log or logging.getLogger("app.services.miniqmt")

    def on_connected(self) -> None:
        self.log.debug("交易连接已建立")

    def on_disconnected(self) -> None:
        self.log.info("连接断开")

    def on_account_status(self, status: Any) -> None:
        self.log.info(
            "账户状态信息: account_id=%s, account_type=%s, status=%s (%s)",
            status.account_id,
            status.account_type,
            status.status,
            name_of(ACCOUNT_STATUS, status.status),
        )

    def on_stock_asset(self, asset: Any) -> None:
        self.log.info(
            "资金回调: account_id=%s, 总资产 %.2f, 可用资金 %.2f, 冻结资金 %.2f, 持仓市值 %.2f",
            asset.account_id,
            asset.total_asset,
            asset.cash,
            asset.frozen_cash,
            asset.market_value,
        )

    def on_stock_order(self, order: Any) -> None:
        self.log.info(  # the seed's line first, then the details
            "委托回调: stock_code=%s, order_status=%s, order_sysid=%s, %s, order_id=%s, "
            "%s %s 股 价格 %s (%s), 已成交 %s 股%s",
            order.stock_code,
            order.order_status,
            order.order_sysid,
            name_of(ORDER_STATUS, order.order_status),
            order.order_id,
            _side(order.order_type),
            order.order_volume,
            order.price,
            name_of(PRICE_TYPE, order.price_type),
            order.traded_volume,
            f", 说明: {order.status_msg}" if getattr(order, "status_msg", "") else "",
        )

    def on_stock_trade(self, trade: Any) -> None:
        self.log.info(
            "成交回调: account_id=%s, stock_code=%s, order_id=%s, %s %s 股 成交价 %s, "
            "成交金额 %.2f, traded_id=%s",
            trade.account_id,
            trade.stock_code,
            trade.order_id,
            name_of(OFFSET_FLAG, trade.offset_flag)
            if trade.offset_flag in OFFSET_FLAG
            else _side(trade.order_type),
            trade.traded_volume,
            trade.traded_price,
            trade.traded_amount,
            trade.traded_id,
        )

    def on_stock_position(self, position: Any) -> None:
        self.log.info(
            "持仓回调: stock_code=%s, 持仓 %s 股, 可用 %s 股, 冻结 %s 股, "
            "成本价 %s, 市值 %.2f, 方向 %s",
            position.stock_code,
            position.volume,
            position.can_use_volume,
            position.frozen_volume,
            position.avg_price,
            position.market_value,
            name_of(DIRECTION, position.direction),
        )

    def on_order_error(self, order_error: Any) -> None:
        self._log_refusal("下单失败回调", order_error)

    def on_cancel_error(self, cancel_error: Any) -> None:
        self._log_refusal("撤单失败回调", cancel_error)

    def _log_refusal(self, what: str, error: Any) -> None:
        """The seed's ``下单失败回调``/``撤单失败回调`` line (WARNING here: a refusal)."""
        self.log.warning(
            "%s: order_id=%s, error_id=%s, error_msg=%s",
            what,
            error.order_id,
            error.error_id,
            error.error_msg,
        )

    def on_order_stock_async_response(self, response: Any) -> None:
        self.log.info(
            "异步下单回报: account_id=%s, order_id=%s, seq=%s%s",
            response.account_id,
            response.order_id,
            response.seq,
            f", error_msg={response.error_msg}" if getattr(response, "error_msg", "") else "",
        )

    def on_cancel_order_stock_async_response(self, response: Any) -> None:
        self.log.info(
            "异步撤单回报: account_id=%s, order_id=%s, cancel_result=%s (%s), seq=%s%s",
            response.account_id,
            response.order_id,
            response.cancel_result,
            "成功" if response.cancel_result == 0 else "失败",
            response.seq,
            f", error_msg={response.error_msg}" if getattr(response, "error_msg", "") else "",
        )

    def on_smt_appointment_async_response(self, response: Any) -> None:
        self.log.info(
            "预约委托异步回报: account_id=%s, order_sysid=%s, error_id=%s, error_msg=%s, seq=%s",
            getattr(response, "account_id", ""),
            getattr(response, "order_sysid", ""),
            getattr(response, "error_id", ""),
            getattr(response, "error_msg", ""),
            getattr(response, "seq", ""),
        )
