"""Named trading operations, run off the GUI thread (Anki's CollectionOp habit).

Each user action that talks to the counter is a small named operation object
(``PlaceOrder``, ``CancelOrder``, ``CancelMany``, ``RefreshAccount``,
``Connect``, ``Disconnect``). ``op.start(session)`` starts it without blocking
and returns a future: an order goes out with the session's ``send_order``
(``order_stock_async`` on the order lane), a cancel with ``send_cancel`` (the
cancel lane: never behind an order), anything else runs ``op.run(session)``
on ``TradingSession.submit`` (the query lane).

``OperationRunner.run(op, on_success, on_failure, on_unconfirmed=None)``:
the outcome comes back to the GUI thread through the one bridge
(``GuiBridge.run_on_main``), in causal order with the counter's pushes;
``succeeded(op, result)`` / ``failed(op, message)`` / ``finished(op)`` then fire
in the GUI thread, and so do the per-call callbacks. An order is also awaited
by a coroutine on the qasync loop (`_await_answer`): when its seq-matched
answer has not come within ``unconfirmed_after`` seconds it is 待确认, sent
with its outcome unknown: ``unconfirmed(op, message)`` and ``on_unconfirmed``
fire, never ``failed``, and nothing is re-sent. The late answer still ends it
with ``succeeded``/``failed``. Errors become one sentence (``error_message``)
and are logged with their traceback; nothing is lost silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.models.records import AccountSnapshot
from app.viewmodels.bridge import GuiBridge, main_bridge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CancelOutcome:
    """The result of one cancel inside ``CancelMany``."""

    order_id: int
    success: bool
    message: str = ""


class Operation:
    """Base of the named operations: ``name`` for logs, ``run(session)`` on the worker."""

    name = "操作"
    #: True for an order: without an answer in time its outcome is unknown (待确认)
    awaits_answer = False

    def run(self, session) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def start(self, session, on_done: Callable[[Future], Any]) -> Future:
        """Start without blocking; ``on_done(future)`` runs once the result is in
        (default: ``run`` on the session's query lane)."""
        future = session.submit(self.run, session)
        future.add_done_callback(on_done)
        return future

    def failure_of(self, result) -> str | None:
        """A result that is a failure without an exception (e.g. a refused cancel)."""
        return None

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class PlaceOrder(Operation):
    """Send one order; the result is the order id (> 0)."""

    stock_code: str
    side: Any  # app.models.rules.Side
    volume: int
    price_type: int
    price: float = 0.0
    strategy_name: str = ""
    order_remark: str = ""
    name = "下单"
    awaits_answer = True

    def start(self, session, on_done: Callable[[Future], Any]) -> Future:
        send = getattr(session, "send_order", None)
        if send is None:  # a session without the asynchronous core (test doubles)
            return super().start(session, on_done)
        # on_done is attached before the send: the result is queued for the GUI
        # before any push the answer brings (causal order through the bridge).
        return send(self.stock_code, self.side, self.volume, self.price_type, self.price,
                    self.strategy_name, self.order_remark, on_done=on_done)

    def run(self, session) -> int:
        return session.place_order(self.stock_code, self.side, self.volume, self.price_type,
                                   self.price, strategy_name=self.strategy_name,
                                   order_remark=self.order_remark)

    def describe(self) -> str:
        return (f"下单 {self.stock_code} {self.side} {self.volume} 股 "
                f"价格类型 {self.price_type} 价格 {self.price}")

    def summary(self) -> str:
        """What the trader typed, in words: ``买入 600036.SH 100 股 限价 38.30``."""
        from app.models.names import PRICE_TYPE, name_of
        from app.models.rules import Side

        try:
            side = Side(str(getattr(self.side, "value", self.side)).lower()).name_zh
        except ValueError:
            side = str(self.side)
        from app.viewmodels.formatting import format_price

        price = f" {format_price(self.price, self.stock_code)}" if self.price else ""
        return (f"{side} {self.stock_code} {self.volume} 股 "
                f"{name_of(PRICE_TYPE, self.price_type)}{price}")


@dataclass(frozen=True)
class CancelOrder(Operation):
    """Cancel one order; the result is the session's ``CancelResult``."""

    order_id: int
    name = "撤单"

    def start(self, session, on_done: Callable[[Future], Any]) -> Future:
        send = getattr(session, "send_cancel", None)
        if send is None:
            return super().start(session, on_done)
        return send(self.order_id, on_done=on_done)

    def run(self, session):
        return session.cancel_order(self.order_id)

    def failure_of(self, result) -> str | None:
        if getattr(result, "success", True):
            return None
        return getattr(result, "message", "") or "柜台拒绝撤单"

    def describe(self) -> str:
        return f"撤单 {self.order_id}"


@dataclass(frozen=True)
class CancelMany(Operation):
    """Cancel several orders in turn; the result is a list of ``CancelOutcome``."""

    order_ids: tuple[int, ...]
    name = "批量撤单"

    def start(self, session, on_done: Callable[[Future], Any]) -> Future:
        send = getattr(session, "send_cancel", None)
        if send is None:
            return super().start(session, on_done)
        # Every cancel goes out at once on the cancel lane; the result waits for all answers.
        combined: Future = Future()
        combined.add_done_callback(on_done)
        futures = []
        for order_id in self.order_ids:
            try:
                futures.append((order_id, send(order_id)))
            except Exception as exc:
                failed: Future = Future()
                failed.set_exception(exc)
                futures.append((order_id, failed))
        remaining = [len(futures)]

        def one_done(_f: Future) -> None:
            remaining[0] -= 1
            if remaining[0] == 0:
                combined.set_result([self._outcome(oid, f) for oid, f in futures])

        if not futures:
            combined.set_result([])
        for _oid, f in futures:
            f.add_done_callback(one_done)
        return combined

    @staticmethod
    def _outcome(order_id: int, future: Future) -> CancelOutcome:
        exc = future.exception()
        if exc is not None:
            return CancelOutcome(order_id, False, error_message(exc))
        result = future.result()
        return CancelOutcome(order_id, bool(result.success),
                             "" if result.success else (result.message or "柜台拒绝撤单"))

    def run(self, session) -> list[CancelOutcome]:
        outcomes = []
        for order_id in self.order_ids:
            try:
                result = session.cancel_order(order_id)
                outcomes.append(CancelOutcome(order_id, bool(result.success),
                                              "" if result.success else
                                              (result.message or "柜台拒绝撤单")))
            except Exception as exc:
                log.exception("cancel %s failed", order_id)
                outcomes.append(CancelOutcome(order_id, False, error_message(exc)))
        return outcomes

    def describe(self) -> str:
        return f"批量撤单 {len(self.order_ids)} 笔"


@dataclass(frozen=True)
class RefreshAccount(Operation):
    """Re-query asset, positions, orders and trades (an ``AccountSnapshot``)."""

    name = "刷新账户"

    def run(self, session) -> AccountSnapshot:
        resync = getattr(session, "resync", None)
        if resync is not None:
            # Published to listeners too, in order with the pushes (the bridge applies it).
            return resync()
        return AccountSnapshot(session.query_asset(), tuple(session.query_positions()),
                               tuple(session.query_orders()), tuple(session.query_trades()))


@dataclass(frozen=True)
class Connect(Operation):
    """``session.connect(...)``; the result is the bool it returns."""

    miniqmt_path: str
    stock_account: str
    reconnect_enabled: bool = True
    reconnect_interval: int = 5
    max_reconnect_attempts: int = 0
    name = "连接"

    def run(self, session) -> bool:
        return session.connect(self.miniqmt_path, self.stock_account,
                               reconnect_enabled=self.reconnect_enabled,
                               reconnect_interval=self.reconnect_interval,
                               max_reconnect_attempts=self.max_reconnect_attempts)


@dataclass(frozen=True)
class Disconnect(Operation):
    name = "断开"

    def run(self, session) -> None:
        session.disconnect()


@dataclass(frozen=True)
class Call(Operation):
    """Any other blocking call: ``fn(session)``, named for the log."""

    fn: Callable[[Any], Any]
    name: str = "查询"  # type: ignore[assignment]

    def run(self, session):
        return self.fn(session)


def error_message(exc: BaseException) -> str:
    """One sentence for the user: the counter's/rules' reason as is, else what happened."""
    text = str(exc).strip()
    if isinstance(exc, ValueError) and text:  # OrderRejected, CodeError, TtypeError...
        return text
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return f"与交易柜台的连接出错：{text or type(exc).__name__}，请检查连接后重试。"
    return text or type(exc).__name__


@dataclass
class _Pending:
    op: Operation
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[str], None] | None
    on_unconfirmed: Callable[[str], None] | None = None
    future: Future | None = field(default=None)
    settled: bool = False
    unconfirmed: bool = False
    answered: Any = None  # asyncio.Future the answer coroutine awaits


_loop: Any = None


def gui_loop():
    """The asyncio loop of the GUI thread: qasync's running loop (main.py), else one
    qasync loop made for this process (tests), which runs on Qt's event loop."""
    import asyncio

    global _loop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    if _loop is None or _loop.is_closed():
        import qasync

        _loop = qasync.QEventLoop(QCoreApplication.instance())
    return _loop


def unconfirmed_message(op: Operation) -> str:
    """待确认: what the trader reads when an order's answer has not come."""
    what = op.summary() if hasattr(op, "summary") else op.describe()
    return f"{what} 已发出，柜台尚未答复：请勿重复下单，回报或查询委托会给出结果"


class OperationRunner(QObject):
    """Starts operations and reports back in the GUI thread through the one bridge."""

    started = Signal(object)            # op
    succeeded = Signal(object, object)  # op, result
    failed = Signal(object, str)        # op, one-sentence message
    unconfirmed = Signal(object, str)   # op, message: sent, outcome unknown (待确认)
    finished = Signal(object)           # op (after succeeded/failed)
    busyChanged = Signal(bool)          # any operation in flight

    def __init__(self, session=None, parent: QObject | None = None, *,
                 bridge: GuiBridge | None = None, unconfirmed_after: float = 3.0) -> None:
        super().__init__(parent)
        self._session = session
        self._bridge = bridge if bridge is not None else main_bridge()
        self._pending: dict[int, _Pending] = {}
        self._tokens = count(1)
        #: seconds an order waits for its answer before it is shown as 待确认
        self.unconfirmed_after = unconfirmed_after

    @property
    def session(self):
        return self._session

    def set_session(self, session) -> None:
        self._session = session

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def in_flight(self) -> list[Operation]:
        return [p.op for p in self._pending.values()]

    def unconfirmed_ops(self) -> list[Operation]:
        """Orders sent whose outcome is still unknown (待确认)."""
        return [p.op for p in self._pending.values() if p.unconfirmed]

    def run(self, op: Operation, on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[str], None] | None = None,
            on_unconfirmed: Callable[[str], None] | None = None) -> Future | None:
        """Start ``op`` without blocking; callbacks run later in the GUI thread.

        Never calls back synchronously. Returns the Future (None when there is
        no session: ``failed`` then follows through the bridge).
        """
        token = next(self._tokens)
        was_busy = self.busy
        pending = self._pending[token] = _Pending(op, on_success, on_failure, on_unconfirmed)
        self.started.emit(op)
        if not was_busy:
            self.busyChanged.emit(True)
        log.debug("operation %s started", op.describe())
        if self._session is None:
            self._bridge.run_on_main(self._on_done, token, None,
                                     RuntimeError("未连接到交易柜台，请先连接。"))
            return None
        if op.awaits_answer and self.unconfirmed_after is not None:
            loop = gui_loop()
            pending.answered = loop.create_future()
            loop.create_task(self._await_answer(token, pending, self.unconfirmed_after))
        try:
            future = op.start(self._session, lambda f, t=token: self._relay(t, f))
        except Exception as exc:  # e.g. the worker was shut down
            self._bridge.run_on_main(self._on_done, token, None, exc)
            return None
        pending.future = future
        return future

    async def _await_answer(self, token: int, pending: _Pending, timeout: float) -> None:
        """The order's coroutine: await its seq-matched answer; none in time -> 待确认."""
        answered = pending.answered
        timer = gui_loop().call_later(
            timeout, lambda: answered.done() or answered.set_result(False))
        try:
            in_time = await answered
        finally:
            timer.cancel()
        if not in_time and not pending.settled and self._pending.get(token) is pending:
            self._mark_unconfirmed(pending, unconfirmed_message(pending.op))

    def _relay(self, token: int, future: Future) -> None:
        # Any thread: hand over to the GUI thread through the bridge, nothing else.
        try:
            exc = future.exception()
        except BaseException as cancelled:  # CancelledError
            exc = cancelled
        try:
            self._bridge.run_on_main(self._on_done, token, None if exc else future.result(), exc)
        except RuntimeError:  # the bridge was deleted (shutdown): nobody to tell
            log.debug("operation finished after its runner was deleted")

    def _mark_unconfirmed(self, pending: _Pending, message: str) -> None:
        if pending.unconfirmed:
            return
        pending.unconfirmed = True
        log.warning("%s", message)
        self.unconfirmed.emit(pending.op, message)
        if pending.on_unconfirmed is not None:
            pending.on_unconfirmed(message)

    def _on_done(self, token: int, result, exc) -> None:
        pending = self._pending.get(token)
        if pending is None:
            return
        op = pending.op
        pending.settled = True
        if pending.answered is not None and not pending.answered.done():
            pending.answered.set_result(True)
        if exc is not None and type(exc).__name__ == "OrderUnconfirmed":
            # The connection dropped before the answer: still unknown, never "failed".
            message = str(exc) or unconfirmed_message(op)
            self._mark_unconfirmed(pending, message)
            self._pending.pop(token, None)
            if pending.on_unconfirmed is None and pending.on_failure is not None:
                # A caller without an unknown-outcome handler must not wait forever:
                # its failure path gets the 待确认 sentence (it says not to re-send).
                pending.on_failure(message)
            self.finished.emit(op)
            if not self._pending:
                self.busyChanged.emit(False)
            return
        self._pending.pop(token, None)
        message = None
        if exc is not None:
            message = error_message(exc)
            log.warning("%s失败：%s", op.describe(), message,
                        exc_info=None if isinstance(exc, ValueError) else exc)
        else:
            message = op.failure_of(result)
            if message:
                log.warning("%s失败：%s", op.describe(), message)
        try:
            if message is None:
                log.debug("operation %s succeeded: %r", op.describe(), result)
                self.succeeded.emit(op, result)
                if pending.on_success is not None:
                    pending.on_success(result)
            else:
                self.failed.emit(op, message)
                if pending.on_failure is not None:
                    pending.on_failure(message)
        finally:
            self.finished.emit(op)
            if not self._pending:
                self.busyChanged.emit(False)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every started op's future is done (shutdown/tests only)."""
        for pending in list(self._pending.values()):
            if pending.future is not None:
                try:
                    pending.future.exception(timeout=timeout)
                except Exception:
                    return False
        return True


class BackgroundCaller(QObject):
    """Quick look-ups (instrument, quote, history) on a small pool, results in the GUI thread.

    Unlike ``OperationRunner`` these do not queue behind anything on the
    session's lanes. ``call(fn, *args, on_result=..., on_error=...)``; the
    outcome comes back through the one bridge, never synchronously.
    ``shutdown()`` on exit.
    """

    def __init__(self, parent: QObject | None = None, *, max_workers: int = 2,
                 bridge: GuiBridge | None = None) -> None:
        super().__init__(parent)
        from concurrent.futures import ThreadPoolExecutor

        self._bridge = bridge if bridge is not None else main_bridge()
        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="qmtdesk-lookup")

    def call(self, fn: Callable[..., Any], *args, on_result: Callable[[Any], None] | None = None,
             on_error: Callable[[str], None] | None = None) -> Future:
        return self.relay(self._pool.submit(fn, *args), on_result=on_result, on_error=on_error)

    def relay(self, future: Future, *, on_result: Callable[[Any], None] | None = None,
              on_error: Callable[[str], None] | None = None) -> Future:
        """Deliver the outcome of a future run elsewhere (e.g. ``TradingSession.submit``)
        to ``on_result``/``on_error`` in the GUI thread, as ``call`` does."""
        callbacks = (on_result, on_error)
        bridge = self._bridge

        def relay(f: Future) -> None:
            if f.cancelled():
                return
            exc = f.exception()
            try:
                bridge.run_on_main(self._on_done, callbacks, None if exc else f.result(), exc)
            except RuntimeError:  # deleted during shutdown
                pass

        future.add_done_callback(relay)
        return future

    def _on_done(self, callbacks, result, exc) -> None:
        on_result, on_error = callbacks
        if exc is not None:
            log.debug("look-up failed: %s", exc)
            if on_error is not None:
                on_error(error_message(exc))
        elif on_result is not None:
            on_result(result)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
