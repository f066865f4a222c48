"""The durable ledger: restart shows the same account; a kill loses nothing acknowledged;
a foreign or damaged file is refused clearly; one process per folder."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount

from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.errors import SimLedgerError
from app.services.sim.ledger import LEDGER_FILENAME

REPO = Path(__file__).resolve().parents[3]
ACCOUNT = "88001234"


def snapshot(counter: SimCounter, account_id: str = ACCOUNT) -> dict[str, Any]:
    return {
        "asset": vars(counter.query_asset(account_id)),
        "orders": [vars(o) for o in counter.query_orders(account_id)],
        "trades": [vars(t) for t in counter.query_trades(account_id)],
        "positions": [
            {
                k: v
                for k, v in vars(p).items()
                if k not in ("market_value", "last_price", "profit_rate")
            }
            for p in counter.query_positions(account_id)
        ],
        "totals": counter.totals(account_id)[:6],
    }


def test_restart_shows_the_same_account(sim_folder: str):
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(sim_folder, config)
    q = counter.market.quote("600036.SH")
    filled = counter.place_order(
        ACCOUNT, "600036.SH", xc.STOCK_BUY, 300, xc.FIX_PRICE, q.ask_price[0]
    )
    resting = counter.place_order(ACCOUNT, "000001.SZ", xc.STOCK_SELL, 500, xc.FIX_PRICE, 12.3)
    rejected = counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 150, xc.FIX_PRICE, 40.0)
    before = snapshot(counter)
    assert counter.audit(ACCOUNT) == []
    counter.close()

    reopened = SimCounter.open(sim_folder, config)
    try:
        assert reopened is not counter
        after = snapshot(reopened)
        # Market values move with the (re-seeded) market; the books do not.
        before["asset"].pop("market_value"), after["asset"].pop("market_value")
        before["asset"].pop("total_asset"), after["asset"].pop("total_asset")
        assert after == before
        assert [o["order_status"] for o in after["orders"]] == [
            xc.ORDER_SUCCEEDED,
            xc.ORDER_REPORTED,
            xc.ORDER_JUNK,
        ]
        assert reopened.audit(ACCOUNT) == []
        # The resting sell still rests and can be cancelled; ids continue.
        assert reopened.cancel_order(ACCOUNT, resting) == 0
        assert reopened.place_order(
            ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 40.0
        ) == (rejected + 1)
        assert filled < resting < rejected
    finally:
        reopened.close()


KILLED_CHILD = textwrap.dedent(
    """
    import sys, threading
    from xtquant.xttype import StockAccount
    from app.services.sim import SimConfig, SimCounter, SimXtQuantTrader
    counter = SimCounter.open(sys.argv[1], SimConfig(auto_run=False))
    trader = SimXtQuantTrader(sys.argv[1], 7)
    trader.start()
    assert trader.connect() == 0
    account = StockAccount("88001234")
    trader.subscribe(account)
    ask = counter.market.quote("600036.SH").ask_price[0]
    filled = trader.order_stock(account, "600036.SH", 23, 200, 11, ask)
    resting = trader.order_stock(account, "000001.SZ", 23, 1000, 11, 10.5)
    print(filled, resting, flush=True)
    threading.Event().wait()  # until killed
    """
)


@pytest.mark.slow
def test_a_killed_process_loses_no_acknowledged_order(sim_folder: str):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, sim_folder],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(REPO),
        env=env,
    )
    try:
        line = child.stdout.readline()
        assert line, child.stderr.read()
        filled, resting = map(int, line.split())
    finally:
        child.kill()
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
    counter = SimCounter.open(sim_folder, SimConfig(auto_run=False))
    try:
        orders = {o.order_id: o for o in counter.query_orders(ACCOUNT)}
        assert orders[filled].order_status == xc.ORDER_SUCCEEDED
        assert orders[resting].order_status == xc.ORDER_REPORTED
        assert len(counter.query_trades(ACCOUNT)) >= 1
        asset = counter.query_asset(ACCOUNT)
        assert asset.frozen_cash > 0  # the resting buy still holds its cash
        assert counter.audit(ACCOUNT) == []
    finally:
        counter.close()


BUSY_CHILD = textwrap.dedent(
    """
    import sys
    from app.services.sim import SimConfig, SimCounter, SimCounterBusyError
    try:
        SimCounter.open(sys.argv[1], SimConfig(auto_run=False))
    except SimCounterBusyError as exc:
        print("BUSY", exc)
    else:
        print("OPENED")
    """
)


def test_a_second_process_on_the_same_folder_is_refused(counter: SimCounter, sim_folder: str):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", BUSY_CHILD, sim_folder],
        capture_output=True,
        text=True,
        cwd=str(REPO),
        env=env,
        timeout=60,
    )
    assert result.stdout.startswith("BUSY"), result.stderr
    assert "已被另一个进程使用" in result.stdout


def test_one_counter_per_folder_per_process(counter: SimCounter, sim_folder: str):
    assert SimCounter.open(sim_folder) is counter
    assert SimCounter.open(Path(sim_folder) / ".." / Path(sim_folder).name) is counter
    assert SimCounter.running(sim_folder) is counter


def test_the_folder_is_created_with_spaces_and_chinese(tmp_path: Path):
    folder = tmp_path / "新 建" / "模拟 柜台"
    with SimCounter.open(folder, SimConfig(auto_run=False)) as counter:
        assert (folder / LEDGER_FILENAME).is_file()
        assert counter.query_asset("x").cash == 1_000_000.0
    assert SimCounter.running(folder) is None


def open_fails(folder: Path) -> str:
    with pytest.raises(SimLedgerError) as caught:
        SimCounter.open(folder, SimConfig(auto_run=False))
    message = str(caught.value)
    assert str(folder / LEDGER_FILENAME) in message
    assert SimCounter.running(folder) is None
    # The folder is free again: the refusal kept no lock.
    return message


def test_a_non_sqlite_file_is_refused_and_left_alone(tmp_path: Path):
    file = tmp_path / LEDGER_FILENAME
    file.write_bytes(b"not a database at all, just text\n" * 10)
    message = open_fails(tmp_path)
    assert "不是 SQLite" in message and "删除" in message
    assert file.read_bytes().startswith(b"not a database")


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / LEDGER_FILENAME)
    conn.execute("CREATE TABLE notes (text)")
    conn.commit()
    conn.close()
    assert "不是 QMT Desk 模拟柜台的账本" in open_fails(tmp_path)


def test_a_newer_ledger_is_refused(sim_folder: str):
    SimCounter.open(sim_folder, SimConfig(auto_run=False)).close()
    conn = sqlite3.connect(Path(sim_folder) / LEDGER_FILENAME)
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    assert "更新版本" in open_fails(Path(sim_folder))


def test_a_damaged_ledger_is_refused(sim_folder: str):
    with SimCounter.open(sim_folder, SimConfig(auto_run=False)) as counter:
        for _ in range(50):
            counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 40.0)
    file = Path(sim_folder) / LEDGER_FILENAME
    data = bytearray(file.read_bytes())
    data[4096:12288] = b"\xff" * 8192  # trash pages 2-3 (header intact)
    file.write_bytes(bytes(data))
    assert "损坏" in open_fails(Path(sim_folder))


def test_trader_session_survives_counter_restart_via_reconnect(sim_folder: str):
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(sim_folder, config)
    counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 40.0)
    counter.close()
    from app.services.sim.trader import SimXtQuantTrader

    trader = SimXtQuantTrader(sim_folder, 3)
    trader.start()
    try:
        assert trader.connect() == 0  # opens the counter again
        assert len(trader.query_stock_orders(StockAccount(ACCOUNT))) == 1
    finally:
        trader.stop()
        trader.counter.close()
