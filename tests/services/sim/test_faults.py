"""Fault injection, from code (``counter.faults``) and from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from xtquant import xtconstant as xc

from app.services.sim.__main__ import main as sim_main
from app.services.sim.errors import CounterError
from app.services.sim.faults import parse_fault_command

REPO = Path(__file__).resolve().parents[3]


class FakeClock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_drop_connections_disconnects_every_trader_until_it_reconnects(open_desk):
    first, second = open_desk(), open_desk("other")
    assert first.counter.faults.drop_connections() == 2
    for d in (first, second):
        d.recorder.wait("on_disconnected")
    t, account = first.trader, first.account
    # Calls fail as over a dead connection.
    assert t.order_stock(account, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 40.0) == -1
    assert t.order_stock_async(account, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 40.0) == -1
    assert t.cancel_order_stock(account, 1) == -1
    assert t.query_stock_asset(account) is None
    assert t.query_stock_order(account, 1) is None
    assert t.query_stock_orders(account) == []
    assert t.query_stock_positions(account) == []
    assert t.query_stock_trades(account) == []
    assert t.subscribe(account) == -1
    assert first.counter.session_count == 0
    # Reconnect, re-subscribe, trade again.
    assert t.connect() == 0
    assert t.subscribe(account) == 0
    order_id = first.buy("600036.SH", 100, first.quote("600036.SH").ask_price[0])
    first.wait_status(order_id, xc.ORDER_SUCCEEDED)
    first.check()


def test_refuse_connections_for_a_while(open_desk):
    d = open_desk()
    clock = FakeClock()
    faults = d.counter.faults
    faults.clock = clock
    faults.refuse_connections(30)
    faults.drop_connections()
    assert d.trader.connect() != 0
    assert faults.refusing and faults.refuse_seconds_left == 30
    clock.now += 29.9
    assert d.trader.connect() != 0
    clock.now += 0.2
    assert d.trader.connect() == 0
    assert d.trader.subscribe(d.account) == 0


def test_delay_callbacks_holds_pushes_back(desk: Any):
    desk.counter.faults.delay_callbacks(0.3)
    started = time.monotonic()
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert time.monotonic() - started >= 0.29
    desk.counter.faults.delay_callbacks(0)
    desk.check()


def fill_event_names(desk: Any) -> list[str]:
    mark = desk.recorder.mark()
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.recorder.wait("on_stock_order", lambda o: o.order_id == order_id)
    for _ in range(7):
        if len(desk.recorder.names(after=mark)) == 7:
            break
        desk.recorder.wait("on_stock_asset", lambda a: a.frozen_cash == 0, after=mark)
    return desk.recorder.names(after=mark)


def test_reorder_callbacks_shuffles_one_events_pushes_deterministically(open_desk):
    desk = open_desk()
    in_order = fill_event_names(desk)
    desk.counter.faults.reorder_callbacks(True)
    shuffled = [fill_event_names(desk) for _ in range(4)]
    assert all(sorted(s) == sorted(in_order) for s in shuffled)
    assert any(s != in_order for s in shuffled)
    desk.counter.faults.reorder_callbacks(False)
    assert fill_event_names(desk) == in_order
    desk.check()


def test_reorder_is_seeded():
    from app.services.sim.faults import FaultInjector

    a, b = FaultInjector(None, seed=7), FaultInjector(None, seed=7)  # type: ignore[arg-type]
    items_a, items_b = list(range(10)), list(range(10))
    a.shuffle(items_a)
    b.shuffle(items_b)
    assert items_a == items_b != list(range(10))


def test_reject_next_order_with_a_chosen_error(desk: Any):
    desk.counter.faults.reject_next_order(-150, "资金账户已冻结")
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    error = desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id)
    assert error.error_id == -150
    assert error.error_msg == "限价买入 [SH600036] [COUNTER] [-150][资金账户已冻结]"
    assert desk.order(order_id).order_status == xc.ORDER_JUNK
    # Only the next one.
    second = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(second, xc.ORDER_SUCCEEDED)
    desk.check()


def test_a_failing_user_callback_is_logged_and_delivery_goes_on(desk: Any, caplog):
    calls: list[int] = []

    def broken(order: Any) -> None:
        calls.append(order.order_status)
        raise RuntimeError("用户回调出错")

    desk.recorder.on_stock_order = broken
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.recorder.wait("on_stock_asset", lambda a: a.frozen_cash == 0)
    assert xc.ORDER_SUCCEEDED in calls and desk.order(order_id).order_status == xc.ORDER_SUCCEEDED
    failures = [r for r in caplog.records if "on_stock_order" in r.getMessage()]
    assert failures and failures[0].exc_info is not None


# -- the command line --------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["drop"], ("drop", "")),
        (["refuse", "30"], ("refuse", "30.0")),
        (["delay", "2.5"], ("delay", "2.5")),
        (["reorder", "on"], ("reorder", "on")),
        (["reject", "-150", "资金", "冻结"], ("reject", '[-150, "资金 冻结"]')),
    ],
)
def test_parse_fault_command(words, expected):
    assert parse_fault_command(words) == expected


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["explode"],
        ["refuse"],
        ["reorder", "maybe"],
        ["delay", "-1"],
        ["delay", "inf"],  # would hold every callback for ever (and kill the delivery thread)
        ["refuse", "nan"],
        ["delay", "soon"],
    ],
)
def test_bad_fault_commands_are_refused(words):
    with pytest.raises(ValueError):
        parse_fault_command(words)


@pytest.mark.parametrize("seconds", [float("inf"), float("nan")])
def test_endless_or_undefined_delays_are_refused_in_code(desk: Any, seconds: float):
    with pytest.raises(ValueError):
        desk.counter.faults.delay_callbacks(seconds)
    with pytest.raises(ValueError):
        desk.counter.faults.refuse_connections(seconds)
    assert desk.counter.faults.callback_delay == 0 and not desk.counter.faults.refusing
    # Callbacks still arrive.
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    desk.check()


def test_command_line_drop_reaches_the_running_counter(open_desk, sim_folder: str, capsys):
    d = open_desk()
    assert sim_main([sim_folder, "fault", "drop"]) == 0
    assert "drop" in capsys.readouterr().out
    assert d.counter.poll_control() == 1  # the market thread does this every ~200 ms
    d.recorder.wait("on_disconnected")


def test_command_line_reject_refuse_delay_reorder(open_desk, sim_folder: str):
    d = open_desk()
    faults = d.counter.faults
    assert sim_main([sim_folder, "fault", "reject", "-7", "风控拒绝"]) == 0
    assert sim_main([sim_folder, "fault", "delay", "0.01"]) == 0
    assert sim_main([sim_folder, "fault", "reorder", "on"]) == 0
    assert d.counter.poll_control() == 3
    assert faults.callback_delay == 0.01 and faults.reordering
    order_id = d.buy("600036.SH", 100, 40.0)
    assert d.recorder.wait("on_order_error", lambda e: e.order_id == order_id).error_id == -7
    assert sim_main([sim_folder, "fault", "refuse", "60"]) == 0
    assert sim_main([sim_folder, "fault", "clear"]) == 0
    d.counter.poll_control()
    assert not faults.refusing and not faults.reordering and faults.callback_delay == 0


def test_command_line_from_another_process_with_the_market_thread(sim_folder: str, open_desk):
    """The real path: a separate process writes, the counter's own thread applies."""
    d = open_desk()
    d.counter.faults.clock = FakeClock()  # refuse must not end by itself during the test
    poller = threading.Thread(target=_poll_until, args=(d.counter, 1))
    poller.start()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "app.services.sim", sim_folder, "fault", "refuse", "5"],
        capture_output=True,
        text=True,
        cwd=str(REPO),
        env=env,
        timeout=60,
    )
    poller.join(10)
    assert result.returncode == 0, result.stderr
    assert d.counter.faults.refusing


def _poll_until(counter: Any, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    done = 0
    while done < count and time.monotonic() < deadline:
        done += counter.poll_control()
        time.sleep(0.02)


def test_command_line_status_and_errors(counter: Any, sim_folder: str, tmp_path: Path, capsys):
    counter.query_asset("88001234")
    assert sim_main([sim_folder, "status"]) == 0
    out = capsys.readouterr().out
    assert "88001234" in out and "运行中: 是" in out
    assert sim_main([str(tmp_path / "nowhere"), "fault", "drop"]) == 1
    with pytest.raises(SystemExit) as bad:
        sim_main([sim_folder, "fault", "explode"])
    assert bad.value.code == 2


def test_an_auto_run_counter_applies_commands_on_its_market_thread(tmp_path: Path):
    from app.services.sim import SimConfig, SimCounter

    with SimCounter.open(
        tmp_path, SimConfig(auto_run=True, tick_interval=0.05, control_poll_interval=0.02)
    ) as counter:
        assert sim_main([str(tmp_path), "fault", "reject", "-9", "盘中风控"]) == 0
        deadline = time.monotonic() + 5
        while counter.faults.take_rejection() is None:
            assert time.monotonic() < deadline, "the market thread never applied the command"
            time.sleep(0.02)
        assert CounterError.INJECTED.reason
