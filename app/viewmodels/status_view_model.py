"""StatusViewModel: what the status bar says (connection, account, reconnect, errors).

Fed with ``ConnectionStatus`` records (``GuiBridge.connectionStatusChanged``).
While reconnecting, the text is ``重连中 第 n/m 次，k 秒后重试`` (``第 n 次``
when attempts are unlimited, ``max_attempts == 0``), recomputed every second by
a ``QTimer`` that only runs while a retry is pending. Order and cancel errors
show as a transient ``message`` that clears itself after ``timeout_ms``; the
log panel keeps them for good. Results and pushes arrive through the one
bridge in the order they happened, so the latest message is simply the
latest news. An order whose answer has not come is 待确认
(``on_order_unconfirmed``): a warning that stays until its answer, a push or a
query settles it. The texts of the connection states are the session's own
(``state_text``/``reconnect_text``): one wording.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.services.session.state import reconnect_text, state_text

__all__ = ["StatusViewModel", "reconnect_text", "state_name"]


def state_name(state) -> str:
    """``SessionState.CONNECTED`` / ``'connected'`` -> ``'CONNECTED'``."""
    name = getattr(state, "name", None) or str(state)
    return name.upper()


class StatusViewModel(QObject):
    """Status-bar state; the view shows ``text`` + ``account_text`` and ``message``."""

    changed = Signal()
    textChanged = Signal(str)        # connection text
    accountChanged = Signal(str)
    reconnectingChanged = Signal(bool)
    messageChanged = Signal(str)     # transient message ('' when it expired)
    stopReconnectRequested = Signal()

    def __init__(self, session=None, parent: QObject | None = None, *,
                 clock: Callable[[], float] = time.monotonic, lang: str = "zh",
                 message_timeout_ms: int = 8000) -> None:
        super().__init__(parent)
        self._session = session
        self._clock = clock
        self._lang = lang
        self._status = None
        self._text = self._state_text("DISCONNECTED")
        self._account = ""
        self._message = ""
        self._message_level = "info"
        self._unconfirmed: dict[int, str] = {}  # id(op) -> message, while 待确认
        self.message_timeout_ms = message_timeout_ms
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.clear_message)

    def set_session(self, session) -> None:
        self._session = session

    # ------------------------------------------------------------------ state
    @property
    def status(self):
        """The last ``ConnectionStatus`` seen (or None)."""
        return self._status

    @property
    def state(self) -> str:
        """'DISCONNECTED', 'CONNECTING', 'CONNECTED', 'RECONNECTING' or 'GAVE_UP'."""
        return state_name(self._status.state) if self._status is not None else "DISCONNECTED"

    @property
    def text(self) -> str:
        """``已连接`` / ``重连中 第 n/m 次，k 秒后重试`` / ..."""
        return self._text

    @property
    def account_text(self) -> str:
        """``账号 1234567890`` ('' before the first connect)."""
        return self._account

    @property
    def reconnecting(self) -> bool:
        return self.state == "RECONNECTING"

    @property
    def can_stop_reconnect(self) -> bool:
        return self.reconnecting

    @property
    def message(self) -> str:
        return self._message

    @property
    def message_level(self) -> str:
        """'info', 'warning' or 'error' (the view may colour the message)."""
        return self._message_level

    @property
    def tooltip(self) -> str:
        if self._status is None:
            return ""
        parts = [self._text]
        if self._status.miniqmt_path:
            parts.append(self._t("路径: ", "Path: ") + self._status.miniqmt_path)
        if self._status.message:
            parts.append(self._status.message)
        return "\n".join(parts)

    # ------------------------------------------------------------------ inputs
    @Slot(object)
    def set_status(self, status) -> None:
        """A ``ConnectionStatus`` from the session (through the bridge)."""
        was_reconnecting = self.reconnecting
        self._status = status
        account = status.account_id or ""
        account_text = (f"账号 {account}" if self._lang == "zh" else f"Account {account}"
                        ) if account else ""
        if account_text != self._account:
            self._account = account_text
            self.accountChanged.emit(account_text)
        if self.reconnecting and status.next_retry_at is not None:
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()
        if was_reconnecting != self.reconnecting:
            self.reconnectingChanged.emit(self.reconnecting)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Recompute ``text`` (the 1 s timer calls this while a retry is pending)."""
        text = self._compute_text()
        if text != self._text:
            self._text = text
            self.textChanged.emit(text)
            self.changed.emit()

    def _state_text(self, name: str) -> str:
        return state_text(name, self._lang)

    def _compute_text(self) -> str:
        status = self._status
        if status is None:
            return self._state_text("DISCONNECTED")
        name = state_name(status.state)
        if name == "RECONNECTING":
            seconds = status.seconds_to_retry(self._clock())
            return reconnect_text(status.attempt, status.max_attempts, seconds, self._lang)
        if name == "GAVE_UP":
            return status.describe(lang=self._lang)
        text = self._state_text(name)
        if name == "DISCONNECTED" and status.message:
            sep = "：" if self._lang == "zh" else ": "
            text = f"{text}{sep}{status.message}"
        return text

    # ------------------------------------------------------------------ messages
    @Slot(str)
    def show_message(self, text: str, timeout_ms: int | None = None, level: str = "info") -> None:
        """Show ``text`` for ``timeout_ms`` (default ``message_timeout_ms``)."""
        self._message = text
        self._message_level = level
        self.messageChanged.emit(text)
        self.changed.emit()
        timeout = self.message_timeout_ms if timeout_ms is None else timeout_ms
        if timeout > 0:
            self._message_timer.start(timeout)
        else:  # stays until replaced (待确认)
            self._message_timer.stop()

    def show_error(self, text: str, timeout_ms: int | None = None) -> None:
        self.show_message(text, timeout_ms, level="error")

    @Slot()
    def clear_message(self) -> None:
        self._message_timer.stop()
        if self._message:
            self._message = ""
            self._message_level = "info"
            self.messageChanged.emit("")
            self.changed.emit()

    def _t(self, zh: str, en: str) -> str:
        return en if self._lang == "en" else zh

    @Slot(int)
    def on_order_sent(self, order_id: int) -> None:
        """The order's answer: ``委托已发送，委托号 n``."""
        self.show_message(self._t(f"委托已发送，委托号 {order_id}", f"Order {order_id} sent"))

    @Slot(object, str)
    def on_order_unconfirmed(self, op, message: str) -> None:
        """An order sent without an answer in time: ``委托待确认 …`` until it is settled."""
        self._unconfirmed[id(op)] = message
        text = self._t(f"委托待确认：{message}",
                       f"Order unconfirmed (sent, no answer yet; do not send it again): "
                       f"{getattr(op, 'describe', lambda: '')()}")
        self.show_message(text, timeout_ms=0, level="warning")

    @property
    def unconfirmed_count(self) -> int:
        """How many sent orders are still 待确认."""
        return len(self._unconfirmed)

    def settle_unconfirmed(self, op) -> None:
        """The answer of an order shown as 待确认 came (any outcome)."""
        if self._unconfirmed.pop(id(op), None) is not None and self._message_level == "warning":
            self.clear_message()

    @Slot(object)
    def on_order_error(self, error) -> None:
        """An ``OrderError``: ``下单失败(委托 n): reason``."""
        self.show_error(self._t(f"下单失败（委托 {error.order_id}）：{error.error_msg}",
                                f"Order {error.order_id} rejected: {error.error_msg}"))

    @Slot(object)
    def on_cancel_error(self, error) -> None:
        """A ``CancelError``: ``撤单失败(委托 n): reason``."""
        self.on_cancel_failed(error.order_id, error.error_msg)

    @Slot(int, str)
    def on_cancel_failed(self, order_id: int, reason: str) -> None:
        self.show_error(self._t(f"撤单失败（委托 {order_id}）：{reason}",
                                f"Cancel of order {order_id} failed: {reason}"))

    @Slot(str)
    def on_submit_failed(self, reason: str) -> None:
        """The session refused or could not send the order."""
        self.show_error(self._t(f"下单失败：{reason}", f"Order not placed: {reason}"))

    @Slot(str)
    def on_refused(self, reason: str) -> None:
        """The ticket refused to send (its first problem)."""
        first = reason.splitlines()[0] if reason else ""
        self.show_error(self._t(f"未发送：{first}", f"Not sent: {first}"))

    @Slot(str)
    def on_refresh_failed(self, reason: str) -> None:
        self.show_error(self._t(f"刷新失败：{reason}", f"Refresh failed: {reason}"))

    # ------------------------------------------------------------------ actions
    @Slot()
    def stop_reconnect(self) -> None:
        """End the reconnect loop now (the status bar's 停止重连 action)."""
        self.stopReconnectRequested.emit()
        if self._session is not None:
            self._session.stop_reconnect()

    def set_lang(self, lang: str) -> None:
        self._lang = lang
        self.refresh()

    def stop(self) -> None:
        """Stop the timers (shutdown)."""
        self._tick.stop()
        self._message_timer.stop()
