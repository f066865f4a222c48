"""The session's public value types: its state, the published `ConnectionStatus`,
its errors and `CancelResult`, and the one wording of every connection state.

`state_text` and `reconnect_text` are the only place the status texts are
written (the status bar's viewmodel uses them too), in Chinese and English.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from app.models.pretrade import Problem

__all__ = [
    "CancelResult",
    "ConnectionStatus",
    "NotConnectedError",
    "OrderRejected",
    "OrderUnconfirmed",
    "SessionError",
    "SessionState",
    "reconnect_text",
    "state_text",
]


class SessionState(StrEnum):
    """Where the session's connection stands."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    GAVE_UP = "gave_up"

    @property
    def name_zh(self) -> str:
        """未连接 / 连接中… / 已连接 / 重连中 / 已放弃重连."""
        return _STATE_TEXT[self][0]


_STATE_TEXT: Final = {
    SessionState.DISCONNECTED: ("未连接", "Disconnected"),
    SessionState.CONNECTING: ("连接中…", "Connecting…"),
    SessionState.CONNECTED: ("已连接", "Connected"),
    SessionState.RECONNECTING: ("重连中", "Reconnecting"),
    SessionState.GAVE_UP: ("已放弃重连", "Gave up reconnecting"),
}


def state_text(state: SessionState | str, lang: str = "zh") -> str:
    """The one name of a state: ``已连接`` / ``Connected`` (unknown names pass through)."""
    try:
        key = SessionState(str(getattr(state, "value", state)).lower())
    except ValueError:
        return str(state)
    zh, en = _STATE_TEXT[key]
    return en if lang == "en" else zh


def reconnect_text(attempt: int, max_attempts: int, seconds: float | None,
                   lang: str = "zh") -> str:
    """``重连中 第 3/10 次，4 秒后重试``; ``第 3 次`` when unlimited; ``正在连接…`` when due."""
    if lang == "en":
        count = f"attempt {attempt}/{max_attempts}" if max_attempts else f"attempt {attempt}"
        tail = (f", retry in {math.ceil(seconds)} s" if seconds is not None and seconds > 0
                else ", connecting…")
        return f"Reconnecting {count}{tail}"
    count = f"第 {attempt}/{max_attempts} 次" if max_attempts else f"第 {attempt} 次"
    tail = (f"，{math.ceil(seconds)} 秒后重试" if seconds is not None and seconds > 0
            else "，正在连接…")
    return f"重连中 {count}{tail}"


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """A snapshot of the connection, published to listeners on every change.

    ``attempt``/``max_attempts`` count reconnect attempts of the current
    episode (``max_attempts == 0``: no limit); ``next_retry_at`` is a
    ``time.monotonic()`` instant while a retry is scheduled, else None.
    """

    state: SessionState = SessionState.DISCONNECTED
    account_id: str = ""
    miniqmt_path: str = ""
    attempt: int = 0
    max_attempts: int = 0
    next_retry_at: float | None = None
    message: str = ""

    def seconds_to_retry(self, now: float | None = None) -> float | None:
        """Seconds until the next attempt (>= 0), or None when none is scheduled."""
        if self.next_retry_at is None:
            return None
        return max(0.0, self.next_retry_at - (time.monotonic() if now is None else now))

    def describe(self, now: float | None = None, lang: str = "zh") -> str:
        """The status bar's text, e.g. ``重连中 第 3/10 次，4 秒后重试``."""
        if self.state is SessionState.RECONNECTING:
            if not self.attempt:
                return state_text(self.state, lang)
            return reconnect_text(self.attempt, self.max_attempts,
                                  self.seconds_to_retry(now), lang)
        if self.state is SessionState.CONNECTED:
            return f"{state_text(self.state, lang)} {self.account_id}".rstrip()
        if self.state is SessionState.GAVE_UP:
            if lang == "en":
                return f"Gave up reconnecting ({self.attempt} attempts)"
            return f"已放弃重连（共尝试 {self.attempt} 次）"
        return state_text(self.state, lang)


class ConnectFailed(Exception):
    """One connect attempt failed; the message says how (internal to the session)."""


class SessionError(RuntimeError):
    """The session cannot do what was asked (not connected, the counter did not answer)."""


class NotConnectedError(SessionError):
    """A call that needs the broker was made while the session is not connected."""


class OrderUnconfirmed(SessionError):
    """An order was sent but the counter's answer did not come in time: its outcome is
    unknown (待确认). It is never re-sent; the late answer, a push or a query settles it.
    ``seq`` is the request's sequence number."""

    def __init__(self, message: str, *, seq: int = 0) -> None:
        super().__init__(message)
        self.seq = seq


class OrderRejected(ValueError):
    """An order was refused: by the rules before sending, or by the counter (-1).

    ``str(err)`` is Chinese and names every reason at once (``600036.SH:
    委托价格 35.555 不是最小变动价位 0.01 的整数倍；买入数量须为 100 股的整数倍…``).
    When the rules refused it, ``field`` names the first wrong input
    (``stock_code``, ``side``, ``price_type``, ``price``, ``volume``) and
    ``problems`` holds every `Problem` (with ``code`` and English text). When
    the counter refused it, ``result`` is what the counter answered (-1)
    and ``error_id`` the counter's error code from ``on_order_error`` (None
    when it gave no reason).
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        error_id: int | None = None,
        problems: tuple[Problem, ...] = (),
        result: Any = None,
    ):
        super().__init__(message)
        self.field = field
        self.error_id = error_id
        self.problems = problems
        self.result = result


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What became of a cancel request: ``success`` and a message saying why not."""

    success: bool
    message: str
    order_id: int = 0
