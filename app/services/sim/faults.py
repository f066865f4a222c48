"""Telling the simulated counter to misbehave, for tests and demos.

Reachable as ``counter.faults`` in code and, from another process, as::

    python -m app.services.sim PATH fault drop
    python -m app.services.sim PATH fault refuse 30
    python -m app.services.sim PATH fault delay 2.5
    python -m app.services.sim PATH fault reorder on
    python -m app.services.sim PATH fault reject -150 "资金账户已冻结"

The command line writes a row into the ledger's control table; the running
counter applies it within ``SimConfig.control_poll_interval`` seconds.

``reorder_callbacks`` is a test tool: the real counter delivers a session's
pushes in order. With it on, the pushes produced by one counter event (for
instance a fill's trade, order, position and asset) reach the trader in a
shuffled order, seeded so that a failing test repeats exactly; pushes of
different events still keep their order.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services.sim.counter import SimCounter

__all__ = ["FaultInjector", "InjectedRejection", "parse_fault_command"]

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class InjectedRejection(tuple[int, str]):
    """``(error_id, error_msg)`` of an order the counter was told to reject."""

    __slots__ = ()

    @property
    def error_id(self) -> int:
        """The error id the order error will carry."""
        return self[0]

    @property
    def error_msg(self) -> str:
        """The reason the order error will carry."""
        return self[1]


class FaultInjector:
    """The counter's switchboard of faults. Thread-safe.

    ``clock`` (monotonic seconds) decides when a refusal ends; tests replace
    it to move time without sleeping.
    """

    def __init__(self, counter: SimCounter, seed: int, clock: Clock = time.monotonic) -> None:
        self._counter = counter
        self._lock = threading.Lock()
        self.clock: Clock = clock
        self._refuse_until = 0.0
        self._delay = 0.0
        self._reorder = False
        self._rng = random.Random(seed)
        self._rejections: deque[InjectedRejection] = deque()

    # -- the faults ----------------------------------------------------------

    def drop_connections(self) -> int:
        """Drop every connected trader now; each gets ``on_disconnected``.

        Their later calls fail as over a dead connection (order_stock -1,
        queries None or []) until they ``connect()`` again. Returns how many
        traders were dropped.
        """
        count = self._counter._drop_all_sessions()
        log.warning("模拟柜台故障注入: 断开全部连接 (%d 个)", count)
        return count

    def refuse_connections(self, seconds: float) -> None:
        """Make ``connect()`` fail (non-zero) for the next ``seconds`` (0 ends it).

        Raises ValueError when ``seconds`` is not a finite number.
        """
        seconds = _seconds("refuse", seconds)
        with self._lock:
            self._refuse_until = self.clock() + seconds
        log.warning("模拟柜台故障注入: %.1f 秒内拒绝连接", seconds)

    def delay_callbacks(self, seconds: float) -> None:
        """Hold every callback for ``seconds`` before delivery (0 ends it).

        Raises ValueError when ``seconds`` is not a finite number (an endless
        delay would stop the delivery threads for good).
        """
        seconds = _seconds("delay", seconds)
        with self._lock:
            self._delay = seconds
        log.warning("模拟柜台故障注入: 回调延迟 %.2f 秒", seconds)

    def reorder_callbacks(self, enabled: bool) -> None:
        """Shuffle the pushes of each counter event (a test tool; see the module doc)."""
        with self._lock:
            self._reorder = bool(enabled)
        log.warning("模拟柜台故障注入: 回调乱序 %s", "开启" if enabled else "关闭")

    def reject_next_order(self, error_id: int, error_msg: str) -> None:
        """Reject the next order placed (any account) with this error; queued in order."""
        with self._lock:
            self._rejections.append(InjectedRejection((int(error_id), str(error_msg))))
        log.warning("模拟柜台故障注入: 下一笔委托将被拒绝 [%s][%s]", error_id, error_msg)

    def clear(self) -> None:
        """End every fault now (pending rejections included)."""
        with self._lock:
            self._refuse_until = 0.0
            self._delay = 0.0
            self._reorder = False
            self._rejections.clear()

    # -- what the counter asks -------------------------------------------------

    @property
    def refusing(self) -> bool:
        """True while connections are refused."""
        return self.clock() < self._refuse_until

    @property
    def refuse_seconds_left(self) -> float:
        """Seconds until connections are accepted again (0 when not refusing)."""
        return max(0.0, self._refuse_until - self.clock())

    @property
    def callback_delay(self) -> float:
        """Seconds every callback is held back (0: none)."""
        return self._delay

    @property
    def reordering(self) -> bool:
        """True while callbacks of one event are shuffled."""
        return self._reorder

    def shuffle(self, items: list) -> None:
        """Shuffle ``items`` in place with the injector's seeded generator."""
        with self._lock:
            self._rng.shuffle(items)

    def take_rejection(self) -> InjectedRejection | None:
        """The pending injected rejection for the order being placed, if any."""
        if not self._rejections:
            return None
        with self._lock:
            return self._rejections.popleft() if self._rejections else None

    # -- commands from the control table ---------------------------------------

    def apply_command(self, command: str, argument: str) -> None:
        """Apply a command written by ``python -m app.services.sim PATH fault ...``."""
        if command == "drop":
            self.drop_connections()
        elif command == "refuse":
            self.refuse_connections(float(argument))
        elif command == "delay":
            self.delay_callbacks(float(argument))
        elif command == "reorder":
            self.reorder_callbacks(argument == "on")
        elif command == "reject":
            error_id, error_msg = json.loads(argument)
            self.reject_next_order(int(error_id), str(error_msg))
        elif command == "clear":
            self.clear()
        else:
            log.error("模拟柜台: 未知的控制命令 %r %r", command, argument)


def _seconds(name: str, seconds: float) -> float:
    """``seconds`` as a finite, non-negative float (negative -> 0); ValueError otherwise."""
    value = float(seconds)
    if not math.isfinite(value):
        raise ValueError(f"{name} 的秒数必须是有限的数: {seconds}")
    return max(0.0, value)


def parse_fault_command(words: list[str]) -> tuple[str, str]:
    """Command-line words after ``fault`` -> ``(command, argument)`` for the control table.

    Raises ValueError with a usage sentence when the words do not make a command.
    """
    if not words:
        raise ValueError(
            "缺少故障类型: drop | refuse N | delay S | reorder on|off | reject ID MSG | clear"
        )
    name, rest = words[0], words[1:]
    if name in ("drop", "clear") and not rest:
        return name, ""
    if name in ("refuse", "delay") and len(rest) == 1:
        try:
            seconds = float(rest[0])
        except ValueError:
            raise ValueError(f"{name} 的秒数应为数字: {rest[0]}") from None
        if seconds < 0:
            raise ValueError(f"{name} 的秒数不能为负: {rest[0]}")
        return name, repr(_seconds(name, seconds))
    if name == "reorder" and len(rest) == 1 and rest[0] in ("on", "off"):
        return name, rest[0]
    if name == "reject" and len(rest) >= 2:
        return name, json.dumps([int(rest[0]), " ".join(rest[1:])], ensure_ascii=False)
    raise ValueError(
        f"无法理解的故障命令: {' '.join(words)}"
        "（可用: drop | refuse N | delay S | reorder on|off | reject ID MSG | clear）"
    )
