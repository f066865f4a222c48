"""Reconnect bookkeeping and the one thread that retries a lost broker connection.

Two parts, kept apart so the rules can be tested without threads:

- `ReconnectPolicy` is pure: it counts attempts, knows the interval and the
  limit (``max_attempts=0`` means "forever"), says when the next try is due on
  an injectable clock, and says when it has given up.
- `ReconnectLoop` is the driver: one daemon thread that waits the interval on a
  `threading.Event` (so `stop()` ends it at once, even mid-wait), then asks the
  owner to try once. The owner (`TradingSession`) decides what "try" means and
  keeps the guarantee that only one loop runs at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

logger = logging.getLogger(__name__)

Clock = Callable[[], float]


def validate_reconnect_options(interval: float, max_attempts: int) -> None:
    """Raise ValueError unless ``interval`` > 0 and ``max_attempts`` >= 0 (0 = no limit)."""
    if isinstance(interval, bool) or not isinstance(interval, int | float):
        raise ValueError(f"重连间隔必须是大于 0 的秒数，收到 {interval!r}")
    if not interval > 0:  # also rejects NaN
        raise ValueError(f"重连间隔必须大于 0 秒，收到 {interval!r}")
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int):
        raise ValueError(f"最大重连次数必须是整数（0 表示无限），收到 {max_attempts!r}")
    if max_attempts < 0:
        raise ValueError(f"最大重连次数不能为负数（0 表示无限），收到 {max_attempts!r}")


@dataclass
class ReconnectPolicy:
    """Attempt counting for one reconnect episode (from a drop to success or giving up).

    >>> policy = ReconnectPolicy(interval=5, max_attempts=2, clock=lambda: 100.0)
    >>> policy.next_attempt(), policy.next_retry_at
    (1, 105.0)
    >>> policy.next_attempt(), policy.next_attempt(), policy.gave_up
    (2, None, True)
    """

    interval: float = 5.0
    max_attempts: int = 0
    clock: Clock = field(default=time.monotonic, repr=False)
    attempt: int = field(default=0, init=False)
    next_retry_at: float | None = field(default=None, init=False)
    gave_up: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        validate_reconnect_options(self.interval, self.max_attempts)

    @property
    def unlimited(self) -> bool:
        """True when the policy retries forever (``max_attempts == 0``)."""
        return self.max_attempts == 0

    @property
    def exhausted(self) -> bool:
        """True when no attempt is left."""
        return not self.unlimited and self.attempt >= self.max_attempts

    def next_attempt(self) -> int | None:
        """Count the next attempt and schedule it one interval from now.

        Returns the attempt number (1-based), or None when the limit is reached;
        from then on `gave_up` is True.
        """
        if self.exhausted:
            self.gave_up = True
            self.next_retry_at = None
            return None
        self.attempt += 1
        self.next_retry_at = self.clock() + self.interval
        return self.attempt

    def seconds_to_retry(self, now: float | None = None) -> float | None:
        """Seconds until the scheduled attempt (never negative), or None if none is scheduled."""
        if self.next_retry_at is None:
            return None
        return max(0.0, self.next_retry_at - (self.clock() if now is None else now))

    def reset(self) -> None:
        """Forget the episode: the next drop starts counting from 1 again."""
        self.attempt = 0
        self.next_retry_at = None
        self.gave_up = False

    def describe_limit(self) -> str:
        """``'无限'`` or the limit as text, as the seed logs it (最大重连次数: 无限)."""
        return "无限" if self.unlimited else str(self.max_attempts)


class AttemptOutcome(StrEnum):
    """What one reconnect try came to, as the loop's owner reports it."""

    CONNECTED = "connected"  # done: the loop ends
    FAILED = "failed"  # try again after the interval (unless the limit is reached)


class LoopEnd(StrEnum):
    """Why a `ReconnectLoop` ended."""

    CONNECTED = "connected"
    GAVE_UP = "gave_up"
    STOPPED = "stopped"


@dataclass
class ReconnectLoop:
    """One thread: wait ``policy.interval`` (interruptibly), try, repeat.

    ``before_wait(attempt)`` runs before each wait (the owner publishes the
    "reconnecting n of m" status and logs); ``attempt(n)`` makes one try and
    returns an `AttemptOutcome`; ``finished(end)`` runs once on the loop thread
    when it ends, whatever the reason. Exceptions from ``attempt`` count as a
    failed try and are logged with their traceback. ``after`` is the previous
    loop, still finishing: this one waits for its thread to end before its
    first try, so two loops never overlap.
    """

    policy: ReconnectPolicy
    attempt: Callable[[int], AttemptOutcome]
    before_wait: Callable[[int], None]
    finished: Callable[[LoopEnd], None]
    name: str = "qmtdesk-reconnect"
    after: ReconnectLoop | None = None
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            raise RuntimeError("ReconnectLoop.start() called twice")
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    @property
    def stopping(self) -> bool:
        """True once `stop()` was called."""
        return self._stop.is_set()

    def is_alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def is_current_thread(self) -> bool:
        """True when called from the loop's own thread."""
        return self._thread is not None and threading.current_thread() is self._thread

    def stop(self, join_timeout: float | None = 10.0) -> None:
        """End the loop at once (a pending wait returns immediately) and join it.

        A try already in progress finishes first; joining from the loop's own
        thread is skipped, and ``join_timeout=0`` does not join at all.
        """
        self._stop.set()
        if join_timeout == 0:
            return
        if self._thread is not None and not self.is_current_thread():
            self._thread.join(join_timeout)
            if self._thread.is_alive():
                logger.warning("重连线程在 %s 秒内未结束", join_timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (no-op before `start()` or from the thread itself)."""
        if self._thread is not None and not self.is_current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        end = LoopEnd.STOPPED
        try:
            if self.after is not None:
                self.after.join()
            while not self._stop.is_set():
                number = self.policy.next_attempt()
                if number is None:
                    end = LoopEnd.GAVE_UP
                    break
                self.before_wait(number)
                if self._stop.wait(self.policy.interval):
                    break
                try:
                    outcome = self.attempt(number)
                except Exception:
                    logger.exception("第 %d 次重连尝试出错", number)
                    outcome = AttemptOutcome.FAILED
                if outcome is AttemptOutcome.CONNECTED:
                    end = LoopEnd.CONNECTED
                    break
        finally:
            try:
                self.finished(end)
            except Exception:
                logger.exception("重连线程收尾出错")
