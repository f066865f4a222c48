"""SessionBridge: the one listener that turns session events into Qt signals.

Threading (see Threading in DESIGN.md): xtquant, the simulator and the market
feed call listeners on their own worker threads. On those threads the bridge
does one thing: append the event to a ``collections.deque`` (``append`` and
``popleft`` are atomic in CPython, so no lock is needed). A ``QTimer`` on the
GUI thread fires every 16 ms and drains the queue in bounded batches (at most
``max_batch`` events or ``max_drain_ms`` of work per drain; the rest waits for
the next tick so the event loop keeps painting under a burst). Each drain
emits one ``eventsBatch(list)`` with every event of the drain in arrival order,
then the typed conveniences, each at most once per drain:

====================  ===============================================================
signal                payload
====================  ===============================================================
eventsBatch           list of every event of the drain, in arrival order
ordersChanged         list[Order] in arrival order
tradesChanged         list[Trade]
positionsChanged      list[Position]
assetChanged          the latest Asset of the drain
quotesChanged         list[Quote] (only the latest quote per code)
connectionStatusChanged  the latest ConnectionStatus of the drain
accountStatusChanged  the latest AccountStatus
accountSnapshot       the latest AccountSnapshot (the session's resync after a
                      (re)connect); emitted before the kinds below, and the
                      Asset/Position events that arrived before it in the same
                      drain are left out of assetChanged/positionsChanged
orderErrors / cancelErrors  list[OrderError] / list[CancelError]
orderError / cancelError    each OrderError / CancelError (one emit per error; rare)
orderResponses / cancelResponses  list[OrderResponse] / list[CancelOrderResponse]
disconnected          each Disconnected marker
connected             each Connected marker
otherEvents           list of events of any other kind
====================  ===============================================================

Nothing is dropped and order is preserved: within a kind, payloads keep
arrival order; across kinds, ``eventsBatch`` keeps the total order.

Events are classified by their record class name (``Order``, ``Trade``, ...,
``ConnectionStatus``; any class in the event's MRO), so the bridge needs no
import of the session and works with any object that honours the records'
names. Receivers are ``@Slot`` methods of QObjects living in the GUI thread.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)

# record class name -> kind
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
}

#: Kinds whose events a later snapshot of the same drain supersedes (the snapshot
#: replaces them; applied after it, an older position could bring back a sold row).
_SUPERSEDED_BY_SNAPSHOT = frozenset({"asset", "position"})


class SessionBridge(QObject):
    """Worker-side queue + 16 ms GUI-thread drain -> batched Qt signals.

    ``SessionBridge(session=None, parent=None, *, interval_ms=16, max_batch=2000,
    max_drain_ms=8.0)``. Create it in the GUI thread; ``attach(session)``
    registers ``enqueue`` as the session's listener (``detach()`` removes it).
    ``enqueue`` may be given to any other producer too, e.g. as the callback
    of ``MarketData.subscribe(codes, bridge.enqueue)``.
    """

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
    otherEvents = Signal(list)

    def __init__(
        self,
        session=None,
        parent: QObject | None = None,
        *,
        interval_ms: int = 16,
        max_batch: int = 2000,
        max_drain_ms: float = 8.0,
        autostart: bool = True,
    ) -> None:
        super().__init__(parent)
        self._queue: deque = deque()
        self._session = None
        self._kinds: dict[type, str] = {}
        self.max_batch = max_batch
        self.max_drain_ms = max_drain_ms
        self.delivered = 0  # events emitted since creation (GUI thread)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)
        if autostart:
            self._timer.start()
        if session is not None:
            self.attach(session)

    # ---- producers (any thread) ------------------------------------------------
    def enqueue(self, event) -> None:
        """Queue one event; safe from any thread, never blocks, never touches Qt."""
        self._queue.append(event)

    __call__ = enqueue

    def enqueue_many(self, events) -> None:
        """Queue several events in order (any thread)."""
        self._queue.extend(events)

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
        """Events waiting for the next drain."""
        return len(self._queue)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        """Stop the drain timer (events keep queueing; ``drain()`` still works)."""
        self._timer.stop()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @Slot()
    def _on_timeout(self) -> None:
        if self._queue:
            self.drain()

    def drain(self, max_events: int | None = None, max_ms: float | None = None) -> int:
        """Deliver up to one bounded batch now (GUI thread). Returns how many were delivered."""
        queue = self._queue
        limit = self.max_batch if max_events is None else max_events
        budget = (self.max_drain_ms if max_ms is None else max_ms) / 1000.0
        deadline = time.perf_counter() + budget
        batch: list = []
        popleft = queue.popleft
        while queue and len(batch) < limit:
            try:
                batch.append(popleft())
            except IndexError:  # pragma: no cover - only this thread pops
                break
            if not (len(batch) & 255) and time.perf_counter() >= deadline:
                break
        if batch:
            self.delivered += len(batch)
            self._emit(batch)
        return len(batch)

    def drain_all(self) -> int:
        """Deliver everything queued now, in bounded batches (tests, shutdown)."""
        total = 0
        while self._queue:
            total += self.drain(max_ms=1e9)
        return total

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
            log.exception("a receiver of the session bridge failed")
