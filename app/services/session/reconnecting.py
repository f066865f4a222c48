"""Reconnect glue of `TradingSession`: a drop starts THE reconnect loop (one at a
time), each attempt with a fresh session id and trader; `stop_reconnect`
returns at once from any state.

`stop_reconnect()` never waits for the loop thread: it disables reconnecting,
bumps the connect epoch so an attempt under way is abandoned (its trader is
stopped when that attempt returns, never installed), and publishes
DISCONNECTED itself when the session was reconnecting or had given up, so the
session ends disconnected whatever the attempt still does.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from app.services.reconnect import AttemptOutcome, LoopEnd, ReconnectLoop, ReconnectPolicy
from app.services.session.state import ConnectFailed, SessionState

logger = logging.getLogger("app.services.session")

__all__ = ["Reconnecting"]


class Reconnecting:
    """Mixin of `TradingSession`: drops, the reconnect loop and `stop_reconnect`."""

    _lock: Any
    _state: SessionState
    _status: Any
    _generation: int
    _closing: bool
    _epoch: int
    _trader: Any
    _loop: ReconnectLoop | None
    _loops: list[ReconnectLoop]
    _lost_while_connecting: bool
    _reconnect_enabled: bool
    _reconnect_interval: float
    _max_reconnect_attempts: int
    _clock: Any
    _replies: Any

    def _on_lost(self, generation: int) -> None:
        """``on_disconnected`` from the trader of ``generation`` (on its callback thread)."""
        with self._lock:
            if generation != self._generation or self._closing:
                return
            if self._state in (SessionState.CONNECTING, SessionState.RECONNECTING):
                # The trader just connected dropped before it was announced: whoever
                # is connecting (connect() or the loop) sees the flag and retries.
                self._lost_while_connecting = True
                logger.warning("MiniQMT 连接已断开")
                return
            if self._state is not SessionState.CONNECTED:
                return
            logger.warning("MiniQMT 连接已断开")
            reconnecting = self._reconnect_enabled
            stop_now = None
            if reconnecting:
                self._start_reconnect_locked()
            else:
                self._state = SessionState.DISCONNECTED
                stop_now = self._detach_trader_locked()
        self._replies.abandon_all("连接已断开")
        if reconnecting:
            return
        self._set_status(SessionState.DISCONNECTED, message="连接已断开，自动重连未启用")
        if stop_now is not None:
            # Not on this (the trader's own callback) thread: stopping joins it.
            self.submit(self._finish_retiring, stop_now)

    def _start_reconnect_locked(self) -> None:
        """Start THE reconnect loop unless one is running (caller holds the lock)."""
        if self._loop is not None and self._loop.is_alive() and not self._loop.stopping:
            return
        logger.info("准备触发自动重连...")
        self._state = SessionState.RECONNECTING
        self._lost_while_connecting = False
        policy = ReconnectPolicy(
            self._reconnect_interval, self._max_reconnect_attempts, clock=self._clock
        )
        still_finishing = [lp for lp in self._loops if lp.is_alive()]
        loop = ReconnectLoop(
            policy,
            attempt=self._reconnect_attempt,
            before_wait=lambda n: self._before_retry(policy, n),
            finished=lambda end: self._reconnect_finished(loop, end),
            after=still_finishing[-1] if still_finishing else None,
        )
        self._loop = loop
        self._loops = [*still_finishing, loop]
        self._status = replace(self._status, state=SessionState.RECONNECTING)
        loop.start()

    def _before_retry(self, policy: ReconnectPolicy, attempt: int) -> None:
        logger.warning("第 %d 次重连尝试 (间隔 %s 秒)...", attempt, f"{policy.interval:g}")
        self._set_status(
            SessionState.RECONNECTING,
            only_if_current=True,
            attempt=attempt,
            next_retry_at=policy.next_retry_at,
        )

    def _reconnect_attempt(self, attempt: int) -> AttemptOutcome:
        """One try of the loop (on the loop thread)."""
        self._retire_trader()
        with self._lock:
            if self._closing:
                return AttemptOutcome.FAILED
            self._lost_while_connecting = False
            epoch = self._epoch
        self._set_status(
            SessionState.RECONNECTING, only_if_current=True, attempt=attempt, next_retry_at=None
        )
        logger.info("正在连接到 MiniQMT...")
        try:
            trader, account = self._establish(epoch)
        except ConnectFailed as exc:
            logger.warning("第 %d 次重连失败: %s", attempt, exc)
            return AttemptOutcome.FAILED
        with self._lock:
            closing = self._closing
        if closing:
            self._retire_trader()
            return AttemptOutcome.FAILED
        self._resync(trader, account)
        with self._lock:
            abandoned = self._epoch != epoch
            if not abandoned and (self._lost_while_connecting or self._trader is not trader):
                logger.warning("第 %d 次重连后连接再次断开", attempt)
                return AttemptOutcome.FAILED
            if not abandoned:
                self._state = SessionState.CONNECTED
                # From here a new drop starts a new loop; this one only finishes.
                self._loop = None
        if abandoned:  # stop_reconnect() came first: this trader is never announced
            self._retire_trader(only=trader)
            return AttemptOutcome.FAILED
        logger.info("重连成功！")
        self._announce_connected()
        return AttemptOutcome.CONNECTED

    def _reconnect_finished(self, loop: ReconnectLoop, end: LoopEnd) -> None:
        with self._lock:
            if self._loop is loop:
                self._loop = None
            if end is LoopEnd.CONNECTED:
                return
            if self._closing:
                return
            if self._state is not SessionState.RECONNECTING:
                stopped = self._state is SessionState.DISCONNECTED and not self._trader_is_live()
            else:
                stopped = None
                attempts = loop.policy.attempt
                if end is LoopEnd.GAVE_UP:
                    self._state = SessionState.GAVE_UP
                else:
                    self._state = SessionState.DISCONNECTED
        if stopped is not None:
            # stop_reconnect() already published DISCONNECTED: only the dropped
            # trader (if no attempt replaced it) is left to stop, here, off the caller.
            if stopped:
                self._retire_trader()
            return
        self._retire_trader()  # the dropped one, if no attempt replaced it yet
        if end is LoopEnd.GAVE_UP:
            logger.error("已达到最大重连次数 %d，停止自动重连", loop.policy.max_attempts)
            self._set_status(
                SessionState.GAVE_UP,
                attempt=attempts,
                message=f"已重连 {attempts} 次仍未成功，停止自动重连",
            )
        else:
            self._set_status(SessionState.DISCONNECTED, attempt=attempts, message="已停止自动重连")

    def _trader_is_live(self) -> bool:
        """True when the current trader is a connected one (caller holds the lock)."""
        return self._trader is not None and self._state is SessionState.CONNECTED

    def stop_reconnect(self) -> None:
        """Stop reconnecting now and for later drops too; returns at once from any state.

        A connection that is up stays up. While reconnecting (or after giving
        up) the session becomes DISCONNECTED at once: a wait ends, an attempt
        under way is abandoned (its trader is stopped when it returns, never
        installed), and the loop thread finishes on its own without being
        waited for.
        """
        with self._lock:
            self._reconnect_enabled = False
            loops = [lp for lp in self._loops if lp.is_alive()]
            ending = self._state in (SessionState.RECONNECTING, SessionState.GAVE_UP)
            if ending:
                self._epoch += 1  # an attempt under way discards its trader
                self._state = SessionState.DISCONNECTED
                attempts = self._status.attempt
            self._loops = loops
        for loop in loops:
            loop.stop(join_timeout=0)
        logger.info("已停止自动重连")
        if ending:
            self._replies.abandon_all("连接已断开")
            self._set_status(SessionState.DISCONNECTED, attempt=attempts, message="已停止自动重连")
