"""The session's ordered worker lanes.

A `Lane` is one named thread that runs calls in submission order and hands
back a `WatchedFuture`. The session keeps three: queries and other blocking
calls (``submit``), order sends, and cancel sends, so a cancel never waits
behind an order request and a refresh never waits behind either. A send only
hands the request to xtquant (``*_async``) and returns; the answer comes later
on the trader's callback thread, so no lane ever waits for the counter's
answer to an order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

logger = logging.getLogger("app.services.session")

__all__ = ["Lane", "WatchedFuture", "callable_name"]


def callable_name(fn: object) -> str:
    """A readable name of a function or callable object, for log lines."""
    return getattr(fn, "__qualname__", None) or type(fn).__qualname__


class WatchedFuture(Future[Any]):
    """A Future that logs its exception when it is dropped without anyone asking for it
    (as asyncio does for tasks): nothing run on a lane loses a failure."""

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


class Lane:
    """One ordered worker thread, started on first use; `shutdown` ends it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._idents: set[int] = set()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> WatchedFuture:
        """Run ``fn(*args, **kwargs)`` on the lane's thread, after what was submitted before."""
        future = WatchedFuture(callable_name(fn))

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to the future, never lost
                future.set_exception(exc)
            else:
                future.set_result(result)

        with self._lock:
            if self._executor is None:
                idents = self._idents
                self._executor = ThreadPoolExecutor(
                    max_workers=1,
                    thread_name_prefix=self.name,
                    initializer=lambda: idents.add(threading.get_ident()),
                )
            self._executor.submit(run)
        return future

    def on_lane(self) -> bool:
        """True when called from this lane's thread."""
        return threading.get_ident() in self._idents

    def shutdown(self, wait: bool = True) -> None:
        """End the thread after the calls already submitted (never joins itself)."""
        with self._lock:
            executor, self._executor = self._executor, None
            idents, self._idents = self._idents, set()
        if executor is not None:
            executor.shutdown(wait=wait and threading.get_ident() not in idents)
