"""LogTableModel + QtLogHandler: every event with time, level and message, filterable by level.

``QtLogHandler`` is a ``logging.Handler`` that may be called from any thread
(in the app: the log ``QueueListener``'s thread, see
``app.services.log_plumbing``): ``emit`` turns the record into a ``LogEntry``
and hands it to its sink, nothing else. In the terminal the sink is the one
GUI bridge (``handler.set_sink(bridge.enqueue)``), whose ``logEntries`` batches
go to ``append_entries`` (one insert per batch). Without a sink (the model on
its own) entries wait in a deque that ``drain()`` moves in, on a ``QTimer``
started by ``install``. The model keeps at most ``max_rows`` rows (the oldest
go first, in one removal).

``LogFilterProxyModel.set_min_level(logging.WARNING)`` shows warnings and
errors only; ``set_filter_text`` searches the text.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from itertools import count

from PySide6.QtCore import QModelIndex, QObject, QTimer, Slot

from app.models.clock import china_time
from app.viewmodels.formatting import UP_COLOR, format_datetime
from app.viewmodels.record_table_model import Column, RecordFilterProxyModel, RecordTableModel

_LEVEL_ZH = {logging.DEBUG: "调试", logging.INFO: "信息", logging.WARNING: "警告",
             logging.ERROR: "错误", logging.CRITICAL: "严重"}
WARNING_COLOR = "#c77700"
#: (label, level) for a level filter combo box
LEVEL_CHOICES = (("全部", logging.NOTSET), ("调试", logging.DEBUG), ("信息", logging.INFO),
                 ("警告", logging.WARNING), ("错误", logging.ERROR))


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    time: float
    level: int
    logger: str
    message: str
    detail: str = ""  # traceback, if any

    @property
    def level_name_zh(self) -> str:
        return _LEVEL_ZH.get(self.level, logging.getLevelName(self.level))


def _time_text(t: float) -> str:
    return china_time(t).strftime("%H:%M:%S") + f".{int(t % 1 * 1000):03d}"


def _level_color(_m, e: LogEntry) -> str | None:
    if e.level >= logging.ERROR:
        return UP_COLOR
    if e.level >= logging.WARNING:
        return WARNING_COLOR
    return None


class QtLogHandler(logging.Handler):
    """Thread-safe ``logging.Handler``: entries queue here until the model drains them."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.queue: deque[LogEntry] = deque()
        self._seq = count(1)
        self._sink = self.queue.append

    def set_sink(self, sink=None) -> None:
        """Hand every entry to ``sink(entry)`` (any thread) instead of the own deque."""
        self._sink = sink if sink is not None else self.queue.append

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            detail = ""
            if record.exc_info:
                detail = logging.Formatter().formatException(record.exc_info)
            self._sink(LogEntry(next(self._seq), record.created, record.levelno,
                                record.name, message, detail))
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


class LogTableModel(RecordTableModel):
    """Columns: time, level, source, message (tool tip: the traceback)."""

    COLUMNS = (
        Column("time", "时间", "Time", lambda m, e: _time_text(e.time),
               sort=lambda m, e: e.seq, tooltip=lambda m, e: format_datetime(e.time)),
        Column("level", "级别", "Level",
               lambda m, e: e.level_name_zh if m.lang == "zh" else logging.getLevelName(e.level),
               sort=lambda m, e: e.level, color=_level_color, center=True),
        Column("logger", "来源", "Source", lambda m, e: e.logger),
        Column("message", "内容", "Message", lambda m, e: e.message, color=_level_color,
               tooltip=lambda m, e: (e.message + ("\n" + e.detail if e.detail else ""))),
    )

    def __init__(self, parent: QObject | None = None, *, lang: str = "zh",
                 max_rows: int = 20_000, interval_ms: int = 50, max_batch: int = 5_000) -> None:
        super().__init__(parent, lang=lang)
        self.handler = QtLogHandler()
        self.max_rows = max_rows
        self.max_batch = max_batch
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.drain)
        self._installed: list[logging.Logger] = []

    def key_of(self, record: LogEntry) -> int:
        return record.seq

    def install(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        """Attach the handler to ``logger`` (the root logger by default)."""
        logger = logger if logger is not None else logging.getLogger()
        if self.handler._sink == self.handler.queue.append:
            self._timer.start()
        if self.handler not in logger.handlers:
            logger.addHandler(self.handler)
            self._installed.append(logger)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)

    def uninstall(self) -> None:
        """Detach the handler from every logger ``install`` attached it to."""
        for logger in self._installed:
            logger.removeHandler(self.handler)
        self._installed.clear()
        self.drain()
        self._timer.stop()

    def stop(self) -> None:
        """Stop draining (shutdown); ``drain()`` still works by hand."""
        self._timer.stop()

    @Slot()
    def drain(self) -> int:
        """Move queued entries into the table (GUI thread); returns how many."""
        queue = self.handler.queue
        if not queue:
            return 0
        batch = []
        while queue and len(batch) < self.max_batch:
            batch.append(queue.popleft())
        return self.append_entries(batch)

    @Slot(list)
    def append_entries(self, batch: list) -> int:
        """Add a batch of entries (GUI thread; the bridge's ``logEntries``); returns how many."""
        if not batch:
            return 0
        self.apply_batch(batch)
        excess = len(self._rows) - self.max_rows
        if excess > 0:
            self._trim(max(excess, self.max_rows // 10))
        return len(batch)

    def _trim(self, n: int) -> None:
        n = min(n, len(self._rows))
        self.beginRemoveRows(QModelIndex(), 0, n - 1)
        del self._rows[:n]
        self._index = {e.seq: i for i, e in enumerate(self._rows)}
        self.endRemoveRows()

    def entries(self) -> list[LogEntry]:
        return self.records()


class LogFilterProxyModel(RecordFilterProxyModel):
    """Level filter (``set_min_level``) + text filter, sorted by time."""

    @Slot(int)
    def set_min_level(self, level: int) -> None:
        """Show entries at ``level`` and above (``logging.NOTSET`` = all)."""
        self.set_predicate(None if level <= logging.NOTSET
                           else (lambda e, lv=int(level): e.level >= lv))


def make_log_proxy(model: LogTableModel, parent: QObject | None = None) -> LogFilterProxyModel:
    proxy = LogFilterProxyModel(parent if parent is not None else model)
    proxy.setSourceModel(model)
    return proxy
