"""Queries and orders of `TradingSession`.

Orders and cancels go out with xtquant's ``order_stock_async`` /
``cancel_order_stock_async`` on their own lanes (one thread each): a send
only hands the request over and registers its seq with the `ReplyBook`;
the answer settles the request's future on the trader's callback thread.
So a cancel never waits behind an order request, and nothing waits behind
an order whose answer does not come. `send_order` / `send_cancel` return
that future at once; the seed API's blocking `place_order` / `cancel_order`
wait on it (``answer_timeout``): an order without an answer in time raises
`OrderUnconfirmed` (待确认), never a failure, and is never re-sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from xtquant.xttype import StockAccount

from app.models import records
from app.models.codes import Security, classify
from app.models.names import ORDER_STATUS, name_of
from app.models.rules import Side, order_type_of
from app.services.session.replies import UNCANCELABLE, ReplyBook, Request
from app.services.session.state import (
    CancelResult,
    NotConnectedError,
    OrderRejected,
    OrderUnconfirmed,
    SessionError,
    SessionState,
)
from app.services.session.validation import validate_order
from app.services.session.worker import Lane, WatchedFuture

logger = logging.getLogger("app.services.session")

__all__ = ["Orders"]


class Orders:
    """Mixin of `TradingSession`: queries, validation, orders and cancels."""

    _lock: Any
    _state: SessionState
    _status: Any
    _trader: Any
    _account: StockAccount | None
    _replies: ReplyBook
    _order_lane: Lane
    _cancel_lane: Lane
    _query_lane: Lane
    answer_timeout: float
    connected: bool

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
        if self._status.message and self._account is not None:  # it was connected: say why not now
            raise NotConnectedError(f"未连接到 MiniQMT：{self._status.message}，请重新连接")
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

        See `app.services.session.validation.validate_order`; an odd-lot sell
        looks the position up when connected.
        """
        return validate_order(
            stock_code, side, volume, price_type, price,
            position_lookup=self._position_volumes if self.connected else None,
        )  # fmt: skip

    def _position_volumes(self, stock_code: str) -> tuple[int, int]:
        position = self.query_position(stock_code)
        return (0, 0) if position is None else (position.volume, position.can_use_volume)

    def send_order(
        self,
        stock_code: str,
        side: Side | str | int,
        volume: int,
        price_type: int,
        price: float = 0.0,
        strategy_name: str = "",
        order_remark: str = "",
        *,
        on_done: Callable[[Future[int]], Any] | None = None,
    ) -> Future[int]:
        """Validate and send one order on the order lane; return its future at once.

        The future's result is the order id (> 0) from the counter's
        ``on_order_stock_async_response``. It fails with `OrderRejected` when
        the rules refuse the order (nothing is sent) or the counter answers
        -1 (its reason from ``on_order_error``), `NotConnectedError` when there
        is no connection, `OrderUnconfirmed` when the connection drops before
        the answer. Without an answer it stays pending: the caller's timeout
        decides when to show it as 待确认. ``on_done(future)`` is added to the future
        before anything is sent, so it runs on the thread that settles it, before
        any listener sees the answer (the GUI's causal order rests on this).
        """
        future = WatchedFuture("委托")
        if on_done is not None:
            future.add_done_callback(on_done)
        try:
            self._require_connected()  # at once, and no lane is started for nothing
        except BaseException as exc:
            future.set_exception(exc)
            return future
        self._order_lane.submit(
            self._send_order, future, stock_code, side, volume, price_type, price,
            strategy_name, order_remark,
        )  # fmt: skip
        return future

    def _send_order(
        self,
        future: WatchedFuture,
        stock_code: str,
        side: Any,
        volume: Any,
        price_type: Any,
        price: Any,
        strategy_name: str,
        order_remark: str,
    ) -> None:
        try:
            trader, account = self._require_connected()
            security, side, volume, price = self.validate_order(
                stock_code, side, volume, price_type, price
            )
        except BaseException as exc:  # handed to the caller's future
            future.set_exception(exc)
            return
        code = security.stock_code
        request = Request(
            "order", future, label=f"{code} {side.name_zh} {volume} 股",
            strategy_name=strategy_name, order_remark=order_remark,
        )  # fmt: skip
        try:
            with self._replies.sending():
                seq = trader.order_stock_async(
                    account, code, order_type_of(side), volume, price_type, price,
                    strategy_name, order_remark,
                )  # fmt: skip
                if isinstance(seq, int) and seq > 0:
                    self._replies.register(seq, request)
                    logger.debug("委托已发出 %s (seq %d)", request.label, seq)
                    return
        except Exception as exc:
            logger.exception("发送委托 %s 出错", request.label)
            request.settle(exc=SessionError(f"委托未能发出: {request.label}: {exc}"))
            return
        if not self.connected:
            request.settle(exc=OrderRejected(
                f"委托失败: {request.label}，与 MiniQMT 的连接已断开（柜台返回 {seq}），"
                "委托未发出", result=seq))
            return
        self._replies.refused_without_answer(request, seq)

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
        """Validate, then send one stock order and wait for its answer; return the order id.

        Built on `send_order`. Raises `OrderRejected` with the reason when the
        rules refuse the order (nothing is sent) or when the counter answers
        -1; `OrderUnconfirmed` when no answer came within ``answer_timeout``
        (the order may be live: query before sending again). A refusal the
        counter reports later (``on_order_error`` for an accepted id) comes
        as an `OrderError` event, as in xtquant.
        """
        future = self.send_order(
            stock_code, side, volume, price_type, price, strategy_name, order_remark
        )
        try:
            return future.result(self.answer_timeout)
        except FutureTimeout:
            raise OrderUnconfirmed(
                f"委托 {stock_code} 已发出，柜台 {self.answer_timeout:g} 秒内未答复，"
                "结果未知（待确认）：请查询委托确认，切勿重复下单"
            ) from None

    def send_cancel(
        self, order_id: int, *, on_done: Callable[[Future[CancelResult]], Any] | None = None
    ) -> Future[CancelResult]:
        """Send one cancel on the cancel lane (never behind an order); its future at once.

        The result is a `CancelResult`: ``'success'``, the counter's reason, or
        what the order's state says (``委托 N 已成交，不能撤单``). ``on_done`` as
        in `send_order`.
        """
        future = WatchedFuture("撤单")
        if on_done is not None:
            future.add_done_callback(on_done)
        if isinstance(order_id, bool) or not isinstance(order_id, int) or order_id <= 0:
            future.set_result(
                CancelResult(False, f"委托编号无效: {order_id!r}（应为下单返回的正整数）")
            )
            return future
        try:
            self._require_connected()
        except BaseException as exc:
            future.set_exception(exc)
            return future
        self._cancel_lane.submit(self._send_cancel, future, order_id)
        return future

    def _send_cancel(self, future: WatchedFuture, order_id: int) -> None:
        try:
            trader, account = self._require_connected()
        except BaseException as exc:  # handed to the caller's future
            future.set_exception(exc)
            return
        request = Request("cancel", future, label=str(order_id), order_id=order_id,
                          explain=self._explain_refused_cancel)
        try:
            with self._replies.sending():
                seq = trader.cancel_order_stock_async(account, order_id)
                if isinstance(seq, int) and seq > 0:
                    self._replies.register(seq, request)
                    return
        except Exception as exc:
            logger.exception("发送撤单 %s 出错", order_id)
            request.settle(CancelResult(False, f"委托 {order_id} 撤单未能发出: {exc}", order_id))
            return
        self._explain_refused_cancel(request, seq)

    def _explain_refused_cancel(self, request: Request, result: int) -> None:
        """A cancel refused without a reason: the order's state says why (a query lane call)."""
        self._query_lane.submit(
            lambda: request.settle(CancelResult(
                False, self._why_not_cancelable(request.order_id, result), request.order_id))
        )

    def cancel_order(self, order_id: int) -> CancelResult:
        """Cancel one order and wait for the answer; the message says why when it cannot be.

        Built on `send_cancel`. A refused cancel reports the counter's reason;
        without one, the order's state says why (``委托 123 已成交，不能撤单``,
        ``委托 123 不存在``). No answer within ``answer_timeout``: not cancelled
        as far as anyone knows, and the message says so.
        """
        future = self.send_cancel(order_id)
        try:
            return future.result(self.answer_timeout)
        except FutureTimeout:
            return CancelResult(
                False, f"委托 {order_id} 撤单请求已发出，柜台 {self.answer_timeout:g} 秒内未答复",
                order_id,
            )

    def _why_not_cancelable(self, order_id: int, result: Any) -> str:
        try:
            order = self.query_order(order_id)
        except Exception:
            logger.exception("撤单失败后查询委托 %s 出错", order_id)
            return f"委托 {order_id} 撤单失败（柜台返回 {result}）"
        if order is None:
            return f"委托 {order_id} 不存在"
        status = order.order_status
        if status in UNCANCELABLE:
            return f"委托 {order_id} {UNCANCELABLE[status]}，不能撤单"
        return (
            f"委托 {order_id} 撤单失败（柜台返回 {result}，委托状态 "
            f"{name_of(ORDER_STATUS, status)}）"
        )
