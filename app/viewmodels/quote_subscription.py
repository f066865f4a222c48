"""QuoteSubscription: one quote subscription whose xtquant calls never run on the GUI thread.

``MarketData.subscribe``/``unsubscribe`` reach xtquant's ``xtdata`` with a real
broker (``get_instrument_detail`` + ``subscribe_quote`` per code), so they run
through ``submit`` (the session's worker, ``TradingSession.submit``) and the
token comes back to the GUI thread through the one bridge
(``GuiBridge.run_on_main``). ``set(market, codes,
callback)`` replaces the subscription: the old token is unsubscribed on the
worker, and a generation counter makes a subscribe answer that arrives after a
newer ``set``/``clear`` be unsubscribed at once instead of kept, so an
unsubscribe can never race a subscribe into a leaked subscription.

Without ``submit`` (a viewmodel tested on its own) the calls run in place.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.viewmodels.bridge import GuiBridge, main_bridge

log = logging.getLogger(__name__)

#: ``submit(fn, *args) -> Future``: runs ``fn`` off the GUI thread (the session's worker).
Submit = Callable[..., Future]


class QuoteSubscription(QObject):
    """See the module docstring. Lives in the GUI thread."""

    subscribed = Signal(object)       # the token, once the current subscription is up
    failed = Signal(str)              # why the current subscription could not be made
    def __init__(self, submit: Callable[[], Submit | None] | None = None,
                 parent: QObject | None = None, *, what: str = "行情",
                 bridge: GuiBridge | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge if bridge is not None else main_bridge()
        self._submit_provider = submit
        self._what = what
        self._generation = 0
        self._market: Any = None
        self._token: Any = None
        self._codes: tuple[str, ...] = ()
        self._lock = threading.Lock()
        #: generation -> (market, token) answered on the worker, delivery still queued
        self._arrived: dict[int, tuple[Any, Any]] = {}

    @property
    def token(self) -> Any:
        """The live token (None while none is up or the answer is still on its way)."""
        return self._token

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes last asked for."""
        return self._codes

    @property
    def generation(self) -> int:
        return self._generation

    def set(self, market: Any, codes: Sequence[str], callback: Callable[[Any], None]) -> None:
        """Subscribe ``codes`` on ``market`` (replacing what was subscribed); empty clears."""
        self.clear()
        codes = tuple(codes)
        self._codes = codes
        if market is None or not codes:
            return
        generation = self._generation
        submit = self._submit()
        if submit is None:
            try:
                token = market.subscribe(list(codes), callback)
            except Exception as exc:
                self._on_answered(generation, market, None, exc)
            else:
                self._on_answered(generation, market, token, None)
            return

        def relay(future: Future) -> None:
            # The worker: hand the answer to the GUI thread. An answer for a selection
            # already cleared is given back right here, so none can leak at shutdown.
            exc = future.exception() if not future.cancelled() else None
            token = None if exc is not None or future.cancelled() else future.result()
            with self._lock:
                stale = generation != self._generation
                if not stale and token is not None:
                    self._arrived[generation] = (market, token)
            if stale:
                if token is not None:
                    _unsubscribe_quietly(market, token)
                return
            try:
                self._bridge.run_on_main(self._on_answered, generation, market, token, exc)
            except RuntimeError:  # deleted at shutdown: give the token back right here
                if token is not None:
                    _unsubscribe_quietly(market, token)

        try:
            future = submit(market.subscribe, list(codes), callback)
        except Exception as exc:  # the worker is gone (shutdown)
            self._on_answered(generation, market, None, exc)
            return
        future.add_done_callback(relay)

    def clear(self) -> None:
        """End the subscription (its unsubscribe runs off the GUI thread); answers still
        on their way are unsubscribed when they arrive."""
        with self._lock:
            arrived = self._arrived.pop(self._generation, None)
            self._generation += 1
        if arrived is not None:  # answered, its delivery still queued: give it back now
            self._unsubscribe(*arrived)
        market, token = self._market, self._token
        self._market = self._token = None
        self._codes = ()
        if token is not None and market is not None:
            self._unsubscribe(market, token)

    # ------------------------------------------------------------------ internals
    def _submit(self) -> Submit | None:
        return self._submit_provider() if self._submit_provider is not None else None

    def _unsubscribe(self, market: Any, token: Any) -> None:
        submit = self._submit()
        if submit is None:
            _unsubscribe_quietly(market, token)
            return
        try:
            submit(_unsubscribe_quietly, market, token)
        except Exception:  # the worker is gone: nothing will deliver on it any more
            log.debug("无法在后台退订%s（%s）", self._what, token, exc_info=True)

    def _on_answered(self, generation: int, market: Any, token: Any, exc: Any) -> None:
        with self._lock:
            arrived = self._arrived.pop(generation, None)
        if generation != self._generation:
            if token is not None and arrived is not None:  # not given back by clear()
                self._unsubscribe(market, token)
            return
        if exc is not None:
            log.warning("无法订阅%s：%s", self._what, exc)
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        self._market, self._token = market, token
        self.subscribed.emit(token)


def _unsubscribe_quietly(market: Any, token: Any) -> None:
    try:
        market.unsubscribe(token)
    except Exception:
        log.debug("unsubscribe failed", exc_info=True)
