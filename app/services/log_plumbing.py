"""Logging off the caller's thread: the root logger gets a ``QueueHandler``; one
``QueueListener`` thread runs the real handlers (the rotating file, stderr, and
the terminal's log panel handler).

So a log line costs the thread that logs it (the GUI thread included) only
``record.getMessage()`` and a queue put; file writes and the panel's entry
building happen on the listener's thread. ``install_queued_logging()`` moves
the handlers the root logger has into the listener (main.py calls it once
its handlers are set up); ``attach_handler``/``detach_handler`` add or remove
one later (the log panel's), on the listener when it runs, else on the logger.
``stop_queued_logging()`` flushes and puts everything back (exit, tests).
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import threading

__all__ = [
    "attach_handler",
    "detach_handler",
    "install_queued_logging",
    "queued_logging_installed",
    "stop_queued_logging",
]

_lock = threading.Lock()
_state: dict[str, object] = {}


class _QueueHandler(logging.handlers.QueueHandler):
    """Freezes the message on the logging thread, keeps ``exc_info`` for the handlers."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record.msg = record.getMessage()
        record.args = None
        return record


class _Listener(logging.handlers.QueueListener):
    """A ``QueueListener`` whose handlers can be added and removed while it runs."""

    def __init__(self, q: queue.SimpleQueue, handlers: list[logging.Handler]) -> None:
        super().__init__(q, respect_handler_level=True)
        self._targets: tuple[logging.Handler, ...] = tuple(handlers)

    @property
    def targets(self) -> tuple[logging.Handler, ...]:
        return self._targets

    def add(self, handler: logging.Handler) -> None:
        if handler not in self._targets:
            self._targets = (*self._targets, handler)

    def remove(self, handler: logging.Handler) -> None:
        self._targets = tuple(h for h in self._targets if h is not handler)

    def handle(self, record: logging.LogRecord) -> None:
        for handler in self._targets:
            if record.levelno >= handler.level:
                try:
                    handler.handle(record)
                except Exception:  # a handler never stops the others
                    handler.handleError(record)


def install_queued_logging(logger: logging.Logger | None = None) -> None:
    """Put ``logger``'s (the root logger's) handlers behind a queue and a listener thread."""
    logger = logger if logger is not None else logging.getLogger()
    with _lock:
        if _state:
            return
        handlers = list(logger.handlers)
        q: queue.SimpleQueue = queue.SimpleQueue()
        listener = _Listener(q, handlers)
        front = _QueueHandler(q)
        for handler in handlers:
            logger.removeHandler(handler)
        logger.addHandler(front)
        listener.start()
        _state.update(logger=logger, listener=listener, front=front)


def queued_logging_installed() -> bool:
    return bool(_state)


def attach_handler(handler: logging.Handler, logger: logging.Logger | None = None) -> None:
    """Add ``handler``: on the listener thread when queued logging runs, else on ``logger``."""
    with _lock:
        listener = _state.get("listener")
        if isinstance(listener, _Listener):
            listener.add(handler)
            return
    target = logger if logger is not None else logging.getLogger()
    if handler not in target.handlers:
        target.addHandler(handler)


def detach_handler(handler: logging.Handler, logger: logging.Logger | None = None) -> None:
    """Remove ``handler`` wherever `attach_handler` put it."""
    with _lock:
        listener = _state.get("listener")
        if isinstance(listener, _Listener):
            listener.remove(handler)
    (logger if logger is not None else logging.getLogger()).removeHandler(handler)


def stop_queued_logging() -> None:
    """Write out what is queued, end the listener thread, give the handlers back."""
    with _lock:
        if not _state:
            return
        logger, listener, front = _state["logger"], _state["listener"], _state["front"]
        _state.clear()
    assert isinstance(logger, logging.Logger) and isinstance(listener, _Listener)
    assert isinstance(front, logging.Handler)
    logger.removeHandler(front)
    listener.stop()
    for handler in listener.targets:
        logger.addHandler(handler)
