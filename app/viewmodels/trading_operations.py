"""Named trading operations, run off the GUI thread (Anki's CollectionOp habit).

Each user action that talks to the counter is a small named operation object
(``PlaceOrder``, ``CancelOrder``, ``CancelMany``, ``RefreshAccount``,
``Connect``, ``Disconnect``) whose ``run(session)`` does the blocking work.
``OperationRunner.run(op, on_success, on_failure)`` hands it to
``TradingSession.submit`` (the session's one ordered worker thread) and brings
the result or the error back to the GUI thread through one queued signal;
``succeeded(op, result)`` / ``failed(op, message)`` / ``finished(op)`` then fire
in the GUI thread, and so do the per-call callbacks. Errors become one
sentence (``error_message``) and are logged with their traceback; nothing is
lost silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from app.models.records import AccountSnapshot

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

    def run(self, session) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

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

    def run(self, session) -> int:
        return session.place_order(self.stock_code, self.side, self.volume, self.price_type,
                                   self.price, strategy_name=self.strategy_name,
                                   order_remark=self.order_remark)

    def describe(self) -> str:
        return (f"下单 {self.stock_code} {self.side} {self.volume} 股 "
                f"价格类型 {self.price_type} 价格 {self.price}")


@dataclass(frozen=True)
class CancelOrder(Operation):
    """Cancel one order; the result is the session's ``CancelResult``."""

    order_id: int
    name = "撤单"

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
    future: Future | None = field(default=None)


class OperationRunner(QObject):
    """Runs operations on ``session.submit`` and reports back in the GUI thread."""

    started = Signal(object)            # op
    succeeded = Signal(object, object)  # op, result
    failed = Signal(object, str)        # op, one-sentence message
    finished = Signal(object)           # op (after succeeded/failed)
    busyChanged = Signal(bool)          # any operation in flight
    _done = Signal(int, object, object)  # token, result, exception (worker -> GUI)

    def __init__(self, session=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._pending: dict[int, _Pending] = {}
        self._tokens = count(1)
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

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

    def run(self, op: Operation, on_success: Callable[[Any], None] | None = None,
            on_failure: Callable[[str], None] | None = None) -> Future | None:
        """Start ``op`` on the session's worker; callbacks run later in the GUI thread.

        Never blocks and never calls back synchronously. Returns the Future
        (None when there is no session: ``failed`` is then emitted on the next
        event-loop turn).
        """
        token = next(self._tokens)
        was_busy = self.busy
        pending = self._pending[token] = _Pending(op, on_success, on_failure)
        self.started.emit(op)
        if not was_busy:
            self.busyChanged.emit(True)
        log.debug("operation %s started", op.describe())
        if self._session is None:
            self._done.emit(token, None, RuntimeError("未连接到交易柜台，请先连接。"))
            return None
        try:
            future = self._session.submit(op.run, self._session)
        except Exception as exc:  # e.g. the worker was shut down
            self._done.emit(token, None, exc)
            return None
        pending.future = future
        future.add_done_callback(lambda f, t=token: self._relay(t, f))
        return future

    def _relay(self, token: int, future: Future) -> None:
        # Worker thread: hand over to the GUI thread, nothing else.
        try:
            exc = future.exception()
        except BaseException as cancelled:  # CancelledError
            exc = cancelled
        try:
            self._done.emit(token, None if exc else future.result(), exc)
        except RuntimeError:  # the runner was deleted (shutdown): nobody to tell
            log.debug("operation finished after its runner was deleted")

    @Slot(int, object, object)
    def _on_done(self, token: int, result, exc) -> None:
        pending = self._pending.pop(token, None)
        if pending is None:
            return
        op = pending.op
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
        """Block until the worker finished every submitted op (shutdown/tests only)."""
        for pending in list(self._pending.values()):
            if pending.future is not None:
                try:
                    pending.future.exception(timeout=timeout)
                except Exception:
                    return False
        return True


class BackgroundCaller(QObject):
    """Quick look-ups (instrument, quote, history) on a small pool, results in the GUI thread.

    Unlike ``OperationRunner`` these do not queue behind orders on the session's
    worker. ``call(fn, *args, on_result=..., on_error=...)``; callbacks run in
    the GUI thread, never synchronously. ``shutdown()`` on exit.
    """

    _done = Signal(object, object, object)  # callbacks, result, exception

    def __init__(self, parent: QObject | None = None, *, max_workers: int = 2) -> None:
        super().__init__(parent)
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=max_workers,
                                        thread_name_prefix="qmtdesk-lookup")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def call(self, fn: Callable[..., Any], *args, on_result: Callable[[Any], None] | None = None,
             on_error: Callable[[str], None] | None = None) -> Future:
        return self.relay(self._pool.submit(fn, *args), on_result=on_result, on_error=on_error)

    def relay(self, future: Future, *, on_result: Callable[[Any], None] | None = None,
              on_error: Callable[[str], None] | None = None) -> Future:
        """Deliver the outcome of a future run elsewhere (e.g. ``TradingSession.submit``)
        to ``on_result``/``on_error`` in the GUI thread, as ``call`` does."""
        callbacks = (on_result, on_error)

        def relay(f: Future) -> None:
            if f.cancelled():
                return
            exc = f.exception()
            try:
                self._done.emit(callbacks, None if exc else f.result(), exc)
            except RuntimeError:  # deleted during shutdown
                pass

        future.add_done_callback(relay)
        return future

    @Slot(object, object, object)
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
