"""Reply matching: the counter's answers to ``order_stock_async`` /
``cancel_order_stock_async`` matched to their requests by ``seq``.

A request is registered when its send returns the seq. Its answer comes on the
trader's callback thread (``on_order_stock_async_response`` /
``on_cancel_order_stock_async_response``); the `ReplyBook` is the session's
first listener, so it settles the request's future before any other listener
(the GUI's bridge) sees the answer, keeping results and pushes in causal
order. An answer may overtake the send's return (the callback thread is
quick): while a send is under way the book waits for it (bounded) instead of
losing the answer.

A refused order (the counter's order id -1) waits ``reply_timeout`` for its
``on_order_error`` reason without holding any thread. A request whose answer
never comes stays pending: its outcome is unknown, the caller's timeout says
so (待确认), and a late answer still settles it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from xtquant import xtconstant

from app.models import records
from app.services.session.state import CancelResult, OrderRejected, OrderUnconfirmed
from app.services.session.worker import WatchedFuture

logger = logging.getLogger("app.services.session")

__all__ = ["UNCANCELABLE", "ReplyBook", "Request", "counter_reason"]

_COUNTER_REASON: Final = re.compile(r"\[(-?\d+)\]\s*\[([^\[\]]*)\]\s*$")


def counter_reason(error_msg: str) -> str:
    """The reason inside a counter message: ``'撤单 [12] [COUNTER] [-72][已成交的委托不能撤单]'``
    -> ``'已成交的委托不能撤单'``; other messages are returned stripped."""
    match = _COUNTER_REASON.search(error_msg or "")
    return match.group(2).strip() if match else (error_msg or "").strip()


UNCANCELABLE: Final = {
    xtconstant.ORDER_SUCCEEDED: "已成交",
    xtconstant.ORDER_CANCELED: "已撤销",
    xtconstant.ORDER_PART_CANCEL: "已部分撤销",
    xtconstant.ORDER_JUNK: "是废单",
    xtconstant.ORDER_REPORTED_CANCEL: "正在撤单",
    xtconstant.ORDER_PARTSUCC_CANCEL: "正在撤单",
}

#: How long an answer that overtook its send waits for the send to return.
SEND_RACE_WAIT: Final = 2.0


@dataclass(eq=False)
class Request:
    """One order or cancel request and its future (an order id / a `CancelResult`)."""

    kind: str  # "order" | "cancel"
    future: WatchedFuture
    label: str = ""  # e.g. "600036.SH 买入 100 股" or the order id, for messages
    order_id: int = 0  # cancels: the order to cancel
    strategy_name: str = ""
    order_remark: str = ""
    seq: int = 0
    #: a cancel refused without a reason: ``explain(request, result)`` settles it later
    explain: Callable[[Request, int], None] | None = None
    _timer: threading.Timer | None = field(default=None, repr=False)

    def settle(self, result: Any = None, exc: BaseException | None = None) -> bool:
        """Set the future's outcome once; False when it was already settled."""
        if self._timer is not None:
            self._timer.cancel()
        if self.future.done():
            return False
        try:
            if exc is not None:
                self.future.set_exception(exc)
            else:
                self.future.set_result(result)
        except Exception:  # settled concurrently
            return False
        return True


class ReplyBook:
    """Pending requests by seq; `offer` is the session's first listener."""

    def __init__(self, reply_timeout: float) -> None:
        self.reply_timeout = reply_timeout
        self._cond = threading.Condition()
        self._by_seq: dict[int, Request] = {}
        self._sending = 0
        self._awaiting_reason: list[Request] = []  # refused orders waiting for on_order_error
        self._recent_refusals: deque[records.OrderError] = deque(maxlen=32)

    # -- the send side (lane threads) ----------------------------------------------------
    @contextmanager
    def sending(self) -> Iterator[None]:
        """Wrap a send: an answer arriving meanwhile waits for `register` instead of being lost."""
        with self._cond:
            self._sending += 1
        try:
            yield
        finally:
            with self._cond:
                self._sending -= 1
                self._cond.notify_all()

    def register(self, seq: int, request: Request) -> None:
        """The send returned ``seq``: its answer settles ``request`` (call inside `sending`)."""
        with self._cond:
            request.seq = seq
            self._by_seq[seq] = request
            self._cond.notify_all()

    def refused_without_answer(self, request: Request, result: int) -> None:
        """The send itself returned ``result`` (-1): wait for ``on_order_error``'s reason."""
        self._await_reason(request, result)

    def pending(self) -> list[Request]:
        with self._cond:
            return list(self._by_seq.values())

    def abandon_all(self, why: str) -> None:
        """The connection is gone: every request still unanswered has an unknown outcome."""
        with self._cond:
            pending = list(self._by_seq.values()) + self._awaiting_reason
            self._by_seq.clear()
            self._awaiting_reason.clear()
        for request in pending:
            if request.kind == "order":
                request.settle(exc=OrderUnconfirmed(
                    f"委托 {request.label} 已发出，{why}，结果未知（待确认）：请查询委托确认，"
                    "切勿重复下单", seq=request.seq))
            else:
                request.settle(CancelResult(
                    False, f"撤单请求已发出，{why}，结果未知：请查询委托确认", request.order_id))

    # -- the answer side (the trader's callback thread) ---------------------------------
    def offer(self, event: Any) -> None:
        if isinstance(event, records.OrderResponse | records.CancelOrderResponse):
            request = self._take(event.seq)
            if request is None:
                return
            if isinstance(event, records.OrderResponse):
                self._order_answered(request, event)
            else:
                self._cancel_answered(request, event)
        elif isinstance(event, records.OrderError):
            self._order_error(event)

    def _take(self, seq: int) -> Request | None:
        with self._cond:
            request = self._by_seq.pop(seq, None)
            if request is None and self._sending:
                # The answer overtook its send's return: wait for the send to register it.
                self._cond.wait_for(
                    lambda: seq in self._by_seq or not self._sending, SEND_RACE_WAIT
                )
                request = self._by_seq.pop(seq, None)
        return request

    def _order_answered(self, request: Request, response: records.OrderResponse) -> None:
        if response.order_id > 0:
            request.settle(response.order_id)
            return
        if response.error_msg:
            request.settle(exc=OrderRejected(
                f"委托失败: {request.label}，柜台拒绝: {counter_reason(response.error_msg)}",
                result=response.order_id))
            return
        self._await_reason(request, response.order_id)

    def _cancel_answered(self, request: Request, response: records.CancelOrderResponse) -> None:
        order_id = request.order_id or response.order_id
        if response.cancel_result == 0:
            request.settle(CancelResult(True, "success", order_id))
            return
        reason = counter_reason(response.error_msg)
        if reason:
            request.settle(CancelResult(False, f"委托 {order_id} 撤单失败: {reason}", order_id))
        elif request.explain is not None:
            request.explain(request, response.cancel_result)
        else:
            request.settle(CancelResult(
                False, f"委托 {order_id} 撤单失败（柜台返回 {response.cancel_result}）", order_id))

    # -- refused orders: the reason comes with on_order_error --------------------------
    def _await_reason(self, request: Request, result: int) -> None:
        with self._cond:
            early = next((e for e in self._recent_refusals if self._matches(request, e)), None)
            if early is not None:
                self._recent_refusals.remove(early)
            else:
                self._awaiting_reason.append(request)
        if early is not None:
            self._reject(request, early, result)
            return
        timer = threading.Timer(self.reply_timeout, self._no_reason, (request, result))
        timer.daemon = True
        timer.name = "qmtdesk-order-reason"
        request._timer = timer
        timer.start()

    def _no_reason(self, request: Request, result: int) -> None:
        with self._cond:
            if request in self._awaiting_reason:
                self._awaiting_reason.remove(request)
        request.settle(exc=OrderRejected(
            f"委托失败: {request.label}，柜台返回 {result}，"
            f"{self.reply_timeout:g} 秒内未收到 on_order_error 说明原因",
            result=result))

    @staticmethod
    def _matches(request: Request, error: records.OrderError) -> bool:
        return error.order_id <= 0 and (
            (error.strategy_name, error.order_remark)
            == (request.strategy_name, request.order_remark)
        )

    def _order_error(self, error: records.OrderError) -> None:
        if error.order_id > 0:
            return  # a refusal of an order that has an id: the order row shows it
        with self._cond:
            request = next((r for r in self._awaiting_reason if self._matches(r, error)), None)
            if request is None:
                self._recent_refusals.append(error)
                return
            self._awaiting_reason.remove(request)
        self._reject(request, error, -1)

    @staticmethod
    def _reject(request: Request, error: records.OrderError, result: int) -> None:
        reason = counter_reason(error.error_msg)
        request.settle(exc=OrderRejected(
            f"委托失败: {request.label}，柜台拒绝: {reason}（错误码 {error.error_id}）",
            error_id=error.error_id, result=result))
