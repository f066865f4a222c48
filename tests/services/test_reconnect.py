"""Reconnect: the pure policy, then the session over the simulator's fault injection.

Waits are on conditions (the `Recorder`), never sleeps. Connections are
refused on the fault injector's injectable clock, so "refuse for a while"
ends exactly when the test moves that clock.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.models import records
from app.models.rules import round_to_tick
from app.services.reconnect import (
    AttemptOutcome,
    LoopEnd,
    ReconnectLoop,
    ReconnectPolicy,
    validate_reconnect_options,
)
from app.services.session import ConnectionStatus, SessionState, TradingSession
from tests.services.conftest import ACCOUNT_ID, TIMEOUT, Recorder

pytestmark = pytest.mark.filterwarnings(
    "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"
)

INTERVAL = 0.02


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def is_status(state: SessionState, **fields: Any) -> Any:
    def match(event: Any) -> bool:
        return (
            isinstance(event, ConnectionStatus)
            and event.state is state
            and all(getattr(event, k) == v for k, v in fields.items())
        )

    return match


def reconnect_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "qmtdesk-reconnect" and t.is_alive()]


# ------------------------------------------------------------------ ReconnectPolicy


def test_policy_counts_attempts_and_schedules_them_on_its_clock() -> None:
    clock = FakeClock(100.0)
    policy = ReconnectPolicy(interval=5, max_attempts=3, clock=clock)
    assert (policy.attempt, policy.next_retry_at, policy.gave_up) == (0, None, False)
    assert policy.next_attempt() == 1
    assert policy.next_retry_at == 105.0
    clock.advance(2)
    assert policy.seconds_to_retry() == 3.0
    assert policy.seconds_to_retry(now=200.0) == 0.0
    assert policy.next_attempt() == 2
    assert policy.next_attempt() == 3
    assert policy.exhausted and not policy.gave_up
    assert policy.next_attempt() is None
    assert policy.gave_up and policy.next_retry_at is None
    policy.reset()
    assert (policy.attempt, policy.gave_up, policy.next_attempt()) == (0, False, 1)


def test_policy_with_zero_max_attempts_never_gives_up() -> None:
    policy = ReconnectPolicy(interval=1, max_attempts=0, clock=FakeClock())
    assert [policy.next_attempt() for _ in range(1000)][-1] == 1000
    assert policy.unlimited and not policy.exhausted and policy.describe_limit() == "无限"
    assert ReconnectPolicy(1, 10).describe_limit() == "10"


@pytest.mark.parametrize(
    ("interval", "max_attempts", "message"),
    [
        (0, 0, "重连间隔必须大于 0 秒"),
        (-1, 0, "重连间隔必须大于 0 秒"),
        (float("nan"), 0, "重连间隔必须大于 0 秒"),
        ("5", 0, "重连间隔必须是大于 0 的秒数"),
        (True, 0, "重连间隔必须是大于 0 的秒数"),
        (5, -1, "最大重连次数不能为负数"),
        (5, 1.5, "最大重连次数必须是整数"),
    ],
)
def test_reconnect_options_are_validated(interval: Any, max_attempts: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_reconnect_options(interval, max_attempts)


def test_loop_stops_mid_wait_at_once() -> None:
    started = threading.Event()
    ends: list[LoopEnd] = []
    loop = ReconnectLoop(
        ReconnectPolicy(interval=60, max_attempts=0),
        attempt=lambda n: AttemptOutcome.FAILED,
        before_wait=lambda n: started.set(),
        finished=ends.append,
    )
    loop.start()
    assert started.wait(TIMEOUT)
    t0 = time.monotonic()
    loop.stop()
    assert time.monotonic() - t0 < 1.0
    assert not loop.is_alive() and ends == [LoopEnd.STOPPED]


def test_loop_gives_up_after_max_attempts_and_survives_a_failing_attempt() -> None:
    tried: list[int] = []
    done = threading.Event()
    ends: list[LoopEnd] = []

    def attempt(n: int) -> AttemptOutcome:
        tried.append(n)
        if n == 2:
            raise RuntimeError("boom")
        return AttemptOutcome.FAILED

    loop = ReconnectLoop(
        ReconnectPolicy(interval=0.001, max_attempts=3),
        attempt=attempt,
        before_wait=lambda n: None,
        finished=lambda end: (ends.append(end), done.set()),
    )
    loop.start()
    assert done.wait(TIMEOUT)
    loop.join(TIMEOUT)
    assert tried == [1, 2, 3] and ends == [LoopEnd.GAVE_UP]


# ------------------------------------------------------------------ session over the simulator


@pytest.fixture
def clock(counter: Any) -> FakeClock:
    """The fault injector's clock (refusals end when the test moves it)."""
    fake = FakeClock()
    counter.faults.clock = fake
    return fake


@pytest.fixture
def session(counter: Any, no_leaked_threads: None, recorder: Recorder) -> Iterator[TradingSession]:
    trading = TradingSession("sim")
    trading.add_listener(recorder)
    yield trading
    trading.disconnect()


def connect(session: TradingSession, sim_folder: str, **options: Any) -> None:
    options.setdefault("reconnect_interval", INTERVAL)
    assert session.connect(sim_folder, ACCOUNT_ID, **options) is True


def test_drop_reconnects_with_a_fresh_trader_and_resyncs(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    connect(session, sim_folder)
    first_trader = session.trader
    price = counter.market.quote("600036.SH").ask_price[0]
    before_drop = session.place_order("600036", "buy", 100, 11, price)

    mark = recorder.mark()
    assert counter.faults.drop_connections() == 1
    recorder.wait_for(lambda e: isinstance(e, records.Disconnected), after=mark)
    recorder.wait_for(is_status(SessionState.RECONNECTING, attempt=1), after=mark)
    # While away, an order reaches the account from elsewhere (another terminal).
    away = counter.place_order(ACCOUNT_ID, "000001.SZ", 23, 100, 11, 11.0)
    connected = recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)

    assert session.connected and session.trader is not first_trader
    assert first_trader.session != session.trader.session
    assert connected.attempt == 0 and connected.next_retry_at is None
    after = recorder.events[mark:]
    snapshots = [e for e in after if isinstance(e, records.AccountSnapshot)]
    assert len(snapshots) == 1  # one resync, published before CONNECTED
    (snapshot,) = snapshots
    assert snapshot.asset is not None and snapshot.asset.account_id == ACCOUNT_ID
    assert {before_drop, away} <= {o.order_id for o in snapshot.orders}
    assert "600036.SH" in {p.stock_code for p in snapshot.positions}
    assert any(t.order_id == before_drop for t in snapshot.trades)
    assert any(isinstance(e, records.Connected) for e in after)
    # Resync comes before the CONNECTED status, so views are current when it arrives.
    assert after.index(snapshot) < after.index(connected)
    assert session.query_asset().account_id == ACCOUNT_ID


def test_reconnect_logs_the_seed_lines(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    connect(session, sim_folder, reconnect_interval=0.05)
    caplog.clear()
    caplog.set_level(logging.INFO)
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)
    lines = [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "app.services.session"
    ]
    seed = [
        ("WARNING", "MiniQMT 连接已断开"),
        ("INFO", "准备触发自动重连..."),
        ("WARNING", "第 1 次重连尝试 (间隔 0.05 秒)..."),
        ("INFO", "正在连接到 MiniQMT..."),
        ("INFO", f"✓ 成功连接到 MiniQMT, 账号: {ACCOUNT_ID}"),
        ("INFO", "重连成功！"),
    ]
    positions = [lines.index(line) for line in seed]  # each present...
    assert positions == sorted(positions)  # ...in the seed's order
    assert any(re.fullmatch(r"创建 XtQuantTrader 实例，会话ID: \d+", m) for _, m in lines)


def test_refused_for_a_while_then_back_counts_every_attempt(
    session: TradingSession, sim_folder: str, counter: Any, clock: FakeClock,
    recorder: Recorder, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    connect(session, sim_folder)
    mark = recorder.mark()
    counter.faults.refuse_connections(60)
    counter.faults.drop_connections()
    recorder.wait_for(is_status(SessionState.RECONNECTING, attempt=4), after=mark)
    clock.advance(61)  # the counter accepts connections again
    recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)

    attempts = [
        e.attempt
        for e in recorder.events[mark:]
        if isinstance(e, ConnectionStatus) and e.state is SessionState.RECONNECTING
        and e.next_retry_at is not None
    ]  # fmt: skip
    assert attempts == list(range(1, len(attempts) + 1)) and len(attempts) >= 4
    failures = [r.getMessage() for r in caplog.records if "次重连失败" in r.getMessage()]
    assert failures[0] == "第 1 次重连失败: 连接返回 -1"
    ids = [
        int(m.group(1))
        for r in caplog.records
        if (m := re.fullmatch(r"创建 XtQuantTrader 实例，会话ID: (\d+)", r.getMessage()))
    ]
    assert len(ids) == len(attempts) + 1 and len(set(ids)) == len(ids)  # never reused
    assert session.connected and len(reconnect_threads()) <= 1


def test_max_reconnect_attempts_then_gave_up(
    session: TradingSession, sim_folder: str, counter: Any, clock: FakeClock,
    recorder: Recorder, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    connect(session, sim_folder, max_reconnect_attempts=3)
    mark = recorder.mark()
    counter.faults.refuse_connections(3600)
    counter.faults.drop_connections()
    gave_up = recorder.wait_for(is_status(SessionState.GAVE_UP), after=mark)
    assert (gave_up.attempt, gave_up.max_attempts) == (3, 3)
    assert gave_up.describe() == "已放弃重连（共尝试 3 次）"
    statuses = [e for e in recorder.events[mark:] if isinstance(e, ConnectionStatus)]
    assert [s.attempt for s in statuses if s.next_retry_at is not None] == [1, 2, 3]
    assert any(r.getMessage() == "已达到最大重连次数 3，停止自动重连" for r in caplog.records)
    for thread in reconnect_threads():
        thread.join(TIMEOUT)
    assert session.state is SessionState.GAVE_UP and session.trader is None
    from app.services.session import NotConnectedError

    with pytest.raises(NotConnectedError, match="已放弃自动重连"):
        session.query_asset()


def test_stop_reconnect_mid_wait_returns_at_once(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    connect(session, sim_folder, reconnect_interval=30)
    mark = recorder.mark()
    counter.faults.drop_connections()
    waiting = recorder.wait_for(is_status(SessionState.RECONNECTING, attempt=1), after=mark)
    assert waiting.next_retry_at is not None and 29 < waiting.seconds_to_retry() <= 30
    assert waiting.describe().startswith("重连中 第 1 次，")

    trader_threads = {t for t in threading.enumerate() if str(session.trader.session) in t.name}
    assert trader_threads  # the dropped trader's delivery thread
    t0 = time.monotonic()
    session.stop_reconnect()
    assert time.monotonic() - t0 < 0.1
    # Disconnected at once; the loop thread ends and stops the dropped trader on its own.
    assert session.state is SessionState.DISCONNECTED
    assert recorder.events[-1] == ConnectionStatus(
        SessionState.DISCONNECTED, ACCOUNT_ID, session.miniqmt_path, 1, 0, None, "已停止自动重连"
    )
    wait_until(lambda: reconnect_threads() == [] and session.trader is None)
    wait_until(lambda: not any(t.is_alive() for t in trader_threads))
    assert session.state is SessionState.DISCONNECTED


def wait_until(condition: Any, timeout: float = TIMEOUT) -> None:
    """Wait for a condition other threads make true (bounded; fails the test on timeout)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_stop_reconnect_also_stops_later_drops_from_reconnecting(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    connect(session, sim_folder)
    session.stop_reconnect()  # nothing running: disables reconnect for later drops
    assert session.connected
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(is_status(SessionState.DISCONNECTED), after=mark)
    assert reconnect_threads() == []


def test_reconnect_disabled_drop_just_disconnects(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    connect(session, sim_folder, reconnect_enabled=False)
    mark = recorder.mark()
    counter.faults.drop_connections()
    status = recorder.wait_for(is_status(SessionState.DISCONNECTED), after=mark)
    assert status.message == "连接已断开，自动重连未启用"
    assert reconnect_threads() == [] and session.trader is None


def test_repeated_drops_never_start_a_second_loop(
    session: TradingSession, sim_folder: str, counter: Any, clock: FakeClock,
    recorder: Recorder, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    connect(session, sim_folder)
    callback = session.trader.callback  # the session's SessionCallback on this trader
    counter.faults.refuse_connections(60)
    mark = recorder.mark()
    barrier = threading.Barrier(8)

    def drop() -> None:
        barrier.wait()
        callback.on_disconnected()

    droppers = [threading.Thread(target=drop) for _ in range(8)]
    for thread in droppers:
        thread.start()
    for thread in droppers:
        thread.join()
    counter.faults.drop_connections()  # and the counter's own drop on top
    recorder.wait_for(is_status(SessionState.RECONNECTING, attempt=3), after=mark)
    assert len(reconnect_threads()) == 1
    starts = [r for r in caplog.records if r.getMessage() == "准备触发自动重连..."]
    assert len(starts) == 1

    clock.advance(61)
    recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)
    # A second episode later is a new loop again, one at a time.
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)
    assert len([r for r in caplog.records if r.getMessage() == "准备触发自动重连..."]) == 2
    assert len(reconnect_threads()) <= 1


def test_a_drop_right_after_reconnecting_is_retried(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    connect(session, sim_folder)
    dropped_again = threading.Event()

    def drop_during_resync(event: Any) -> None:
        # The first resync record after the drop: the new trader is up, drop it too.
        if (
            isinstance(event, records.AccountSnapshot)
            and session.state is SessionState.RECONNECTING
            and not dropped_again.is_set()
        ):
            dropped_again.set()
            counter.faults.drop_connections()

    mark = recorder.mark()
    session.add_listener(drop_during_resync)
    counter.faults.drop_connections()
    assert dropped_again.wait(TIMEOUT)
    # Whether the loop saw the second drop or a new episode began, it ends connected
    # with exactly one live connection on the counter.
    recorder.wait_for(
        lambda e: is_status(SessionState.CONNECTED)(e) and counter.session_count == 1,
        after=mark,
    )
    assert session.connected
    assert counter.session_count == 1


def test_failed_first_connect_hands_over_to_the_loop(
    session: TradingSession, sim_folder: str, counter: Any, clock: FakeClock, recorder: Recorder
) -> None:
    counter.faults.refuse_connections(60)
    assert session.connect(sim_folder, ACCOUNT_ID, reconnect_interval=INTERVAL) is False
    assert session.state is SessionState.RECONNECTING
    recorder.wait_for(is_status(SessionState.RECONNECTING, attempt=2))
    clock.advance(61)
    recorder.wait_for(is_status(SessionState.CONNECTED))
    assert session.query_asset().cash == 1_000_000.0


def test_failed_first_connect_without_reconnect_returns_false(
    session: TradingSession, sim_folder: str, counter: Any, clock: FakeClock, recorder: Recorder
) -> None:
    counter.faults.refuse_connections(60)
    assert session.connect(sim_folder, ACCOUNT_ID, reconnect_enabled=False) is False
    assert session.state is SessionState.DISCONNECTED
    assert recorder.events[-1].message == "连接返回 -1"
    assert reconnect_threads() == []


def test_custom_callback_gets_every_event_and_reconnect_still_works(
    counter: Any, sim_folder: str, no_leaked_threads: None
) -> None:
    from app.services.miniqmt import use
    from tests.services.test_seed_examples import make_doc_callback

    callback = make_doc_callback()
    user = use("sim")
    try:
        user.connect(sim_folder, ACCOUNT_ID, trader_callback=callback, reconnect_interval=INTERVAL)
        first = user.trader
        counter.faults.drop_connections()
        callback.wait("on_disconnected")
        with callback._changed:
            assert callback._changed.wait_for(
                lambda: [n for n, _, _ in callback.seen].count("on_connected") == 2, TIMEOUT
            )
        assert user.trader is not first
        price = counter.market.quote("600036.SH").ask_price[0]
        order_id = user.buy("600036", price=price, amount=100)["entrust_no"]
        callback.wait("on_stock_trade", lambda t: t.order_id == order_id)
        resting = round_to_tick("600036.SH", price * 0.95, "down")
        user.cancel_entrust(user.buy("600036", price=resting, amount=100)["entrust_no"])
        user.cancel_entrust(order_id)
        callback.wait("on_cancel_error", lambda e: e.order_id == order_id)
    finally:
        user.disconnect()
    names = [n for n, _, _ in callback.seen]
    assert names.count("on_disconnected") == 1
    assert names.count("on_account_status") == 2  # one per subscription


def test_no_thread_outlives_the_session(
    counter: Any, sim_folder: str, no_leaked_threads: None, recorder: Recorder
) -> None:
    """Connect, reconnect, submit, stop: afterwards exactly the threads from before remain."""
    session = TradingSession("sim")
    session.add_listener(recorder)
    connect(session, sim_folder)
    assert session.submit(session.query_asset).result(TIMEOUT).account_id == ACCOUNT_ID
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)
    session.disconnect()
    session.disconnect()  # idempotent


def test_a_drop_during_the_first_connect_is_not_announced_as_connected(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    dropped = threading.Event()

    def drop_during_first_sync(event: Any) -> None:
        if isinstance(event, records.AccountSnapshot) and not dropped.is_set():
            dropped.set()
            counter.faults.drop_connections()

    session.add_listener(drop_during_first_sync)
    result = session.connect(sim_folder, ACCOUNT_ID, reconnect_interval=INTERVAL)
    assert dropped.is_set()
    # connect() returns False when it saw the drop itself, True when the drop
    # arrived just after; either way the session ends up connected, once.
    recorder.wait_for(lambda e: is_status(SessionState.CONNECTED)(e) and counter.session_count == 1)
    assert session.connected and isinstance(result, bool)


# ------------------------------------------------------------------ races


def status_events(recorder: Recorder) -> list[ConnectionStatus]:
    return [e for e in recorder.events if isinstance(e, ConnectionStatus)]


def test_disconnect_during_a_reconnect_wait_ends_everything_at_once(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    connect(session, sim_folder, reconnect_interval=30)
    mark = recorder.mark()
    counter.faults.drop_connections()
    recorder.wait_for(is_status(SessionState.RECONNECTING, attempt=1), after=mark)
    t0 = time.monotonic()
    session.disconnect()
    assert time.monotonic() - t0 < 1.0
    assert reconnect_threads() == [] and session.trader is None
    assert session.state is SessionState.DISCONNECTED
    assert status_events(recorder)[-1].state is SessionState.DISCONNECTED
    assert counter.session_count == 0


def test_disconnect_during_the_first_connect_wins(
    counter: Any, sim_folder: str, no_leaked_threads: None, recorder: Recorder
) -> None:
    from app.services.sim import SimXtQuantTrader

    entered, release = threading.Event(), threading.Event()

    class SlowTrader(SimXtQuantTrader):
        def connect(self) -> int:
            entered.set()
            release.wait(TIMEOUT)
            return super().connect()

    session = TradingSession("sim", trader_factory=SlowTrader)
    session.add_listener(recorder)
    results: list[bool] = []
    connecting = threading.Thread(
        target=lambda: results.append(
            session.connect(sim_folder, ACCOUNT_ID, reconnect_interval=INTERVAL)
        )
    )
    connecting.start()
    assert entered.wait(TIMEOUT)
    session.disconnect()  # e.g. the trader clicks 断开 while 连接中
    release.set()
    connecting.join(TIMEOUT)
    assert results == [False]
    assert session.state is SessionState.DISCONNECTED and session.trader is None
    assert status_events(recorder)[-1].state is SessionState.DISCONNECTED
    assert counter.session_count == 0 and reconnect_threads() == []
    session.disconnect()


def test_connect_twice_keeps_one_connection_and_no_extra_threads(
    session: TradingSession, sim_folder: str, counter: Any
) -> None:
    connect(session, sim_folder)
    first = session.trader
    threads_connected = threading.active_count()
    connect(session, sim_folder)  # again: the first connection is closed first
    assert session.trader is not first and counter.session_count == 1
    assert threading.active_count() == threads_connected

    barrier = threading.Barrier(2)
    results: list[bool] = []

    def connect_at_once() -> None:
        barrier.wait()
        results.append(session.connect(sim_folder, ACCOUNT_ID, reconnect_interval=INTERVAL))

    callers = [threading.Thread(target=connect_at_once) for _ in range(2)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(TIMEOUT)
    assert results == [True, True]
    assert session.connected and counter.session_count == 1
    assert threading.active_count() == threads_connected
    assert reconnect_threads() == []


def test_a_failed_attempts_trader_is_ignored_afterwards(
    counter: Any, sim_folder: str, clock: FakeClock, no_leaked_threads: None, recorder: Recorder
) -> None:
    from types import SimpleNamespace

    from app.services.backends import make_trader_factory

    created: list[Any] = []
    sim_factory = make_trader_factory("sim")

    def factory(path: str, session_id: int) -> Any:
        created.append(sim_factory(path, session_id))
        return created[-1]

    session = TradingSession("sim", trader_factory=factory)
    session.add_listener(recorder)
    counter.faults.refuse_connections(60)
    try:
        assert session.connect(sim_folder, ACCOUNT_ID, reconnect_interval=30) is False
        (failed,) = created
        # Late pushes from the trader that failed to connect, while the loop waits.
        failed.callback.on_stock_order(SimpleNamespace(stock_code="600036.SH", order_id=4242))
        failed.callback.on_disconnected()
        assert not recorder.of(records.Order) and not recorder.of(records.Disconnected)
        assert session.state is SessionState.RECONNECTING
    finally:
        session.disconnect()


def test_a_push_under_way_from_the_old_trader_lands_before_the_new_connection(
    session: TradingSession, sim_folder: str, counter: Any, recorder: Recorder
) -> None:
    from types import SimpleNamespace

    connect(session, sim_folder)
    old_callback = session.trader.callback
    entered, release = threading.Event(), threading.Event()

    def slow(event: Any) -> None:  # a listener busy with the old trader's push
        if isinstance(event, records.Order) and event.order_id == 4242:
            entered.set()
            release.wait(TIMEOUT)

    session.remove_listener(recorder)
    session.add_listener(slow)
    session.add_listener(recorder)
    mark = recorder.mark()
    pusher = threading.Thread(
        target=old_callback.on_stock_order,
        args=(SimpleNamespace(stock_code="600036.SH", order_id=4242),),
    )
    pusher.start()
    assert entered.wait(TIMEOUT)
    releaser = threading.Timer(0.3, release.set)
    releaser.start()
    counter.faults.drop_connections()
    connected = recorder.wait_for(is_status(SessionState.CONNECTED), after=mark)
    pusher.join(TIMEOUT)
    releaser.join(TIMEOUT)
    after = recorder.events[mark:]
    stale = next(
        i for i, e in enumerate(after) if isinstance(e, records.Order) and e.order_id == 4242
    )
    assert stale < after.index(connected)
    session.remove_listener(slow)
