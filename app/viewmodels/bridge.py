"""GuiBridge: the one way into the GUI thread (Anki's ``run_on_main``).

Everything that reaches the GUI thread from another thread passes through one
queue, in the order it happened: counter pushes and connection status (the
bridge is the session's listener), quotes (the market's callback), log
entries (the log handler's sink), and results of operations and look-ups
(``run_on_main(fn, *args)``). So the ticket, the status bar and the tables
never see a result overtake the pushes that came before it, and need no
reconciling of overtaking messages.

Threading: a producer (any thread) appends to a ``collections.deque`` and,
when the bridge is idle, posts ONE wake-up event to it (``postEvent`` is
thread-safe). The GUI thread then drains the queue in batches bounded by
time: events are delivered in chunks (grouped by kind, as the typed signals
below) until the queue is empty or ``max_batch_ms`` of work is spent; what
is left waits behind the event loop's other work (painting, input) for the
next wake-up. Nothing fires
while idle: no timer runs, the first event after idle wakes the bridge at
once.

Causal order: within a batch a ``run_on_main`` call splits the events around
it (those before it are delivered first, then the call runs, then the rest).
Within one run of events, payloads keep arrival order per kind, and
``eventsBatch`` carries the whole run in arrival order.

====================  ===============================================================
signal                payload
====================  ===============================================================
eventsBatch           list of every event of the run, in arrival order
ordersChanged         list[Order] in arrival order
tradesChanged         list[Trade]
positionsChanged      list[Position]
assetChanged          the latest Asset of the run
quotesChanged         list[Quote] (only the latest quote per code)
connectionStatusChanged  the latest ConnectionStatus of the run
accountStatusChanged  the latest AccountStatus
accountSnapshot       the latest AccountSnapshot; emitted before the kinds below,
                      and the Asset/Position events that arrived before it in the
                      same run are left out of assetChanged/positionsChanged
orderErrors / cancelErrors  list[OrderError] / list[CancelError]
orderError / cancelError    each OrderError / CancelError
orderResponses / cancelResponses  list[OrderResponse] / list[CancelOrderResponse]
disconnected / connected    each marker
logEntries            list of log entries (``LogEntry``)
otherEvents           list of events of any other kind
====================  ===============================================================

Events are classified by their record class name (any class in the MRO), so
the bridge imports neither the session nor the records.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal

log = logging.getLogger(__name__)

__all__ = ["GuiBridge", "main_bridge"]

_KIND_BY_NAME = {
    "Order": "order",
    "Trade": "trade",
    "Position": "position",
    "Asset": "asset",
    "Quote": "quote",
    "ConnectionStatus": "status",
    "AccountStatus": "account_status",
    "OrderError": "order_error",
    "CancelError": "cancel_error",
    "OrderResponse": "order_response",
    "CancelOrderResponse": "cancel_response",
    "Disconnected": "disconnected",
    "Connected": "connected",
    "AccountSnapshot": "snapshot",
    "LogEntry": "log",
}

#: Kinds whose events a later snapshot of the same run supersedes.
_SUPERSEDED_BY_SNAPSHOT = frozenset({"asset", "position"})

_WAKE = QEvent.Type(QEvent.registerEventType())


class _MainCall:
    """``fn(*args)`` to run on the GUI thread at its place in the queue."""

    __slots__ = ("args", "fn")

    def __init__(self, fn: Callable[..., Any], args: tuple) -> None:
        self.fn = fn
        self.args = args


_latest: list[GuiBridge] = []


def main_bridge() -> GuiBridge:
    """The bridge of the running terminal (the last one created), or a new one.

    For parts built without a bridge handed to them (a viewmodel tested on its
    own): they still enter the GUI thread through a `GuiBridge`.
    """
    for bridge in reversed(_latest):
        try:
            bridge.objectName()  # raises once the C++ object is gone
        except RuntimeError:
            continue
        if bridge._running:
            return bridge
    return GuiBridge()


class GuiBridge(QObject):
    """See the module docstring. Create it in the GUI thread."""

    eventsBatch = Signal(list)
    ordersChanged = Signal(list)
    tradesChanged = Signal(list)
    positionsChanged = Signal(list)
    assetChanged = Signal(object)
    quotesChanged = Signal(list)
    connectionStatusChanged = Signal(object)
    accountStatusChanged = Signal(object)
    accountSnapshot = Signal(object)
    orderErrors = Signal(list)
    cancelErrors = Signal(list)
    orderError = Signal(object)
    cancelError = Signal(object)
    orderResponses = Signal(list)
    cancelResponses = Signal(list)
    disconnected = Signal(object)
    connected = Signal(object)
    logEntries = Signal(list)
    otherEvents = Signal(list)

    def __init__(
        self,
        session=None,
        parent: QObject | None = None,
        *,
        max_batch_ms: float = 4.0,
        max_batch: int = 4096,
        autostart: bool = True,
    ) -> None:
        super().__init__(parent)
        self._queue: deque = deque()
        self._session = None
        self._kinds: dict[type, str] = {}
        self._running = autostart
        self._scheduled = False
        self.max_batch_ms = max_batch_ms
        self.max_batch = max_batch
        self._chunk = min(512, max_batch)  # events delivered together (one signal per kind)
        self.delivered = 0  # events delivered since creation (GUI thread)
        self.wakeups = 0  # wake-ups handled since creation
        _latest.append(self)
        del _latest[:-4]
        if session is not None:
            self.attach(session)

    # ---- producers (any thread) ------------------------------------------------
    def enqueue(self, event) -> None:
        """Queue one event; safe from any thread, never blocks."""
        self._queue.append(event)
        if not self._scheduled:
            self._wake()

    __call__ = enqueue

    def enqueue_many(self, events) -> None:
        """Queue several events in order (any thread)."""
        self._queue.extend(events)
        if not self._scheduled:
            self._wake()

    def run_on_main(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` on the GUI thread after everything queued before it (any thread).

        An exception it raises is logged with its traceback; delivery goes on.
        """
        self.enqueue(_MainCall(fn, args))

    def _wake(self) -> None:
        if not self._running:
            return
        self._scheduled = True
        try:
            QCoreApplication.postEvent(self, QEvent(_WAKE))
        except RuntimeError:  # the bridge was deleted (shutdown): nobody to wake
            self._scheduled = False

    # ---- session wiring ------------------------------------------------------
    @property
    def session(self):
        return self._session

    def attach(self, session) -> None:
        """Listen to ``session`` (detaching from the previous one)."""
        if session is self._session:
            return
        self.detach()
        self._session = session
        session.add_listener(self.enqueue)

    def detach(self) -> None:
        """Stop listening to the current session; queued events are still delivered."""
        if self._session is not None:
            try:
                self._session.remove_listener(self.enqueue)
            except (KeyError, ValueError):
                pass
            self._session = None

    # ---- GUI-thread side -----------------------------------------------------
    def pending(self) -> int:
        """Events waiting for the next batch."""
        return len(self._queue)

    def start(self) -> None:
        """Deliver on wake-ups again (and at once if anything is queued)."""
        self._running = True
        self._scheduled = False
        if self._queue:
            self._wake()

    def stop(self) -> None:
        """Stop waking (events keep queueing; ``drain()`` still works)."""
        self._running = False

    def event(self, event: QEvent) -> bool:
        if event.type() == _WAKE:
            self._on_wake()
            return True
        return super().event(event)

    def _on_wake(self) -> None:
        self.wakeups += 1
        # Cleared before draining: an event queued from now on posts a new wake-up.
        self._scheduled = False
        if not self._running:
            return
        self.drain()
        if self._queue and not self._scheduled:
            self._wake()  # the rest waits behind painting and input

    def drain(self, max_events: int | None = None, max_ms: float | None = None) -> int:
        """Deliver queued events now (GUI thread), in chunks, until the queue is empty, the
        time bound (``max_batch_ms``) is spent or ``max_events`` were delivered; returns how many.
        """
        queue = self._queue
        limit = self.max_batch if max_events is None else max_events
        budget = (self.max_batch_ms if max_ms is None else max_ms) / 1000.0
        deadline = time.perf_counter() + budget
        popleft = queue.popleft
        total = 0
        while queue and total < limit:
            chunk: list = []
            take = min(self._chunk, limit - total)
            while queue and len(chunk) < take:
                try:
                    chunk.append(popleft())
                except IndexError:  # pragma: no cover - only this thread pops
                    break
            total += len(chunk)
            self.delivered += len(chunk)
            self._deliver(chunk)
            if time.perf_counter() >= deadline:
                break
        return total

    def drain_all(self) -> int:
        """Deliver everything queued now (tests, shutdown)."""
        total = 0
        while self._queue:
            total += self.drain(max_events=self.max_batch)
        return total

    def _deliver(self, batch: list) -> None:
        run: list = []
        for item in batch:
            if type(item) is _MainCall:
                if run:
                    self._emit(run)
                    run = []
                try:
                    item.fn(*item.args)
                except BaseException:  # a failing call never stops delivery
                    log.exception("GUI 线程任务 %s 出错", getattr(item.fn, "__qualname__", item.fn))
            else:
                run.append(item)
        if run:
            self._emit(run)

    def _kind(self, cls: type) -> str:
        kind = self._kinds.get(cls)
        if kind is None:
            kind = next(
                (_KIND_BY_NAME[c.__name__] for c in cls.__mro__ if c.__name__ in _KIND_BY_NAME),
                "other",
            )
            self._kinds[cls] = kind
        return kind

    def _emit(self, batch: list) -> None:
        groups: dict[str, list] = {}
        kind_of = self._kind
        kinds = [kind_of(type(event)) for event in batch]
        last_snapshot = max((i for i, k in enumerate(kinds) if k == "snapshot"), default=-1)
        for i, (event, kind) in enumerate(zip(batch, kinds, strict=True)):
            if i < last_snapshot and kind in _SUPERSEDED_BY_SNAPSHOT:
                continue
            group = groups.get(kind)
            if group is None:
                groups[kind] = [event]
            else:
                group.append(event)
        if len(groups) == 1 and "log" in groups:
            self._safe(self.logEntries.emit, groups["log"])  # the common case under logging
            return
        self._safe(self.eventsBatch.emit, batch)
        emitters: tuple[tuple[str, Callable], ...] = (
            ("status", lambda g: self.connectionStatusChanged.emit(g[-1])),
            ("connected", lambda g: [self.connected.emit(e) for e in g]),
            ("disconnected", lambda g: [self.disconnected.emit(e) for e in g]),
            ("account_status", lambda g: self.accountStatusChanged.emit(g[-1])),
            ("snapshot", lambda g: self.accountSnapshot.emit(g[-1])),
            ("asset", lambda g: self.assetChanged.emit(g[-1])),
            ("position", self.positionsChanged.emit),
            ("order", self.ordersChanged.emit),
            ("trade", self.tradesChanged.emit),
            ("order_response", self.orderResponses.emit),
            ("cancel_response", self.cancelResponses.emit),
            ("order_error", self._emit_order_errors),
            ("cancel_error", self._emit_cancel_errors),
            ("quote", self._emit_quotes),
            ("log", self.logEntries.emit),
            ("other", self.otherEvents.emit),
        )
        for kind, emit in emitters:
            group = groups.get(kind)
            if group:
                self._safe(emit, group)

    def _emit_order_errors(self, errors: list) -> None:
        self.orderErrors.emit(errors)
        for e in errors:
            self.orderError.emit(e)

    def _emit_cancel_errors(self, errors: list) -> None:
        self.cancelErrors.emit(errors)
        for e in errors:
            self.cancelError.emit(e)

    def _emit_quotes(self, quotes: list) -> None:
        latest: dict[str, object] = {}
        for q in quotes:
            latest[q.stock_code] = q
        self.quotesChanged.emit(list(latest.values()))

    @staticmethod
    def _safe(fn: Callable, payload) -> None:
        # A slot that raises must not stop the other kinds of the batch from arriving.
        try:
            fn(payload)
        except Exception:  # pragma: no cover - logged, never silent
            log.exception("a receiver of the GUI bridge failed")
