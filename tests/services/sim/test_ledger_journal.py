"""The ledger as a journal: one row per change, the books rebuilt from it, folded at the day roll.

See the docstring of ``app/services/sim/ledger.py`` for the design and the
durability argument these tests pin down.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from xtquant import xtconstant as xc

from app.services.sim.__main__ import main as sim_main
from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.errors import SimLedgerError
from app.services.sim.ledger import (
    APPLICATION_ID,
    LEDGER_FILENAME,
    SCHEMA_VERSION,
    AccountRow,
    OrderRow,
    PositionRow,
    TradeRow,
)

ACCOUNT = "88001234"
CONFIG = SimConfig(auto_run=False)


def books(counter: SimCounter, account_id: str = ACCOUNT) -> dict[str, Any]:
    """What a restart must give back (market values left out: the market is re-seeded)."""
    return {
        "cash": (counter.query_asset(account_id).cash, counter.query_asset(account_id).frozen_cash),
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


def busy_day(counter: SimCounter) -> dict[str, int]:
    """Fills on entry, partial fills over time, a rest, a cancel, a rejection, a sell-out."""
    q = counter.market.quote("600036.SH")
    ids = {
        "filled": counter.place_order(
            ACCOUNT, "600036.SH", xc.STOCK_BUY, 300, xc.FIX_PRICE, q.ask_price[0]
        ),
        "partial": counter.place_order(  # thin book: two levels now, the rest over time
            ACCOUNT,
            "430047.BJ",
            xc.STOCK_BUY,
            8000,
            xc.FIX_PRICE,
            counter.market.quote("430047.BJ").ask_price[1],
        ),
        "resting": counter.place_order(
            ACCOUNT,
            "510300.SH",
            xc.STOCK_SELL,
            1000,
            xc.FIX_PRICE,
            counter.market.quote("510300.SH").ask_price[4],
        ),
        "cancelled": counter.place_order(
            ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, q.bid_price[4]
        ),
        "rejected": counter.place_order(
            ACCOUNT, "600036.SH", xc.STOCK_BUY, 150, xc.FIX_PRICE, 40.0
        ),
        "sold_out": counter.place_order(
            ACCOUNT,
            "162411.SZ",
            xc.STOCK_SELL,
            1000,
            xc.FIX_PRICE,
            counter.market.quote("162411.SZ").bid_price[0],
        ),
    }
    assert counter.cancel_order(ACCOUNT, ids["cancelled"]) == 0
    counter.advance(30)  # the partly filled buy fills over time
    assert counter.query_order(ACCOUNT, ids["partial"]).order_status == xc.ORDER_SUCCEEDED
    assert len([t for t in counter.query_trades(ACCOUNT) if t.order_id == ids["partial"]]) > 2
    assert counter.query_order(ACCOUNT, ids["resting"]).order_status == xc.ORDER_REPORTED
    assert counter.audit(ACCOUNT) == []
    return ids


def traced(counter: SimCounter) -> list[str]:
    """The SQL statements the ledger runs from now on (first words)."""
    statements: list[str] = []
    counter.ledger._conn.set_trace_callback(
        lambda sql: statements.append(" ".join(sql.split()[:3]))
    )
    return statements


def test_a_change_is_one_committed_journal_row(counter: SimCounter):
    counter.query_asset(ACCOUNT)  # a new account: the account and its four holdings
    before = counter.ledger.journal_length
    statements = traced(counter)
    q = counter.market.quote("600036.SH")
    counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, q.ask_price[0])
    # order + trade + position + account of an order filled on entry: one row,
    # one autocommit statement, committed by the time place_order returns.
    assert statements == ["INSERT INTO journal"]
    assert counter.ledger.journal_length == before + 1
    assert not counter.ledger._conn.in_transaction
    counter.cancel_order(ACCOUNT, 999_999)  # refused: nothing changed, nothing written
    assert counter.ledger.journal_length == before + 1


def test_a_fill_across_levels_takes_several_rows_in_one_transaction(counter: SimCounter):
    counter.query_asset(ACCOUNT)
    before = counter.ledger.journal_length
    statements = traced(counter)
    q = counter.market.quote("162411.SZ")
    volume = q.ask_volume[0] + 100  # walks two levels: two trades
    counter.place_order(ACCOUNT, "162411.SZ", xc.STOCK_BUY, volume, xc.FIX_PRICE, q.ask_price[1])
    assert len(counter.query_trades(ACCOUNT)) == 2
    assert statements == ["BEGIN IMMEDIATE", "INSERT INTO journal", "INSERT INTO journal", "COMMIT"]
    assert counter.ledger.journal_length == before + 2
    assert not counter.ledger._conn.in_transaction


def test_restart_rebuilds_the_books_from_the_journal(sim_folder: str):
    counter = SimCounter.open(sim_folder, CONFIG)
    busy_day(counter)
    next_id = counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 150, xc.FIX_PRICE, 40.0)
    before = books(counter)
    assert counter.ledger.journal_length > 10  # no fold happened: it all lives in the journal
    counter.close()

    reopened = SimCounter.open(sim_folder, CONFIG)
    try:
        assert books(reopened) == before
        assert reopened.audit(ACCOUNT) == []
        assert (
            reopened.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 150, xc.FIX_PRICE, 40.0)
            == next_id + 1
        )
        q = reopened.market.quote("600036.SH")
        reopened.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, q.ask_price[0])
        trade_ids = [t.traded_id for t in reopened.query_trades(ACCOUNT)]
        assert len(set(trade_ids)) == len(trade_ids)  # trade numbers go on too
    finally:
        reopened.close()


def test_the_views_show_the_books_as_they_are_now(counter: SimCounter, sim_folder: str):
    busy_day(counter)
    conn = sqlite3.connect(
        f"file:{(Path(sim_folder) / LEDGER_FILENAME).as_posix()}?mode=ro", uri=True
    )
    try:
        ((cash, frozen, fees, pnl),) = conn.execute(
            "SELECT cash, frozen_cash, fees_paid, realized_pnl FROM accounts WHERE account_id = ?",
            (ACCOUNT,),
        ).fetchall()
        account = counter._accounts[ACCOUNT]
        assert (cash, frozen, fees, pnl) == (
            account.cash,
            account.frozen_cash,
            account.fees_paid,
            account.realized_pnl,
        )
        orders = conn.execute("SELECT * FROM orders ORDER BY order_id").fetchall()
        assert [OrderRow(*r) for r in orders] == counter._orders_by_account[ACCOUNT]
        trades = conn.execute("SELECT * FROM trades ORDER BY traded_id").fetchall()
        assert [TradeRow(*r) for r in trades] == counter._trades_by_account[ACCOUNT]
        positions = conn.execute("SELECT * FROM positions ORDER BY stock_code").fetchall()
        assert [PositionRow(*r) for r in positions] == sorted(
            counter._positions[ACCOUNT].values(), key=lambda p: p.stock_code
        )
        assert [AccountRow(*r) for r in conn.execute("SELECT * FROM accounts")] == [account]
    finally:
        conn.close()


def test_the_status_command_reads_the_live_books(counter: SimCounter, sim_folder: str, capsys):
    busy_day(counter)
    assert sim_main([sim_folder, "status"]) == 0
    out = capsys.readouterr().out
    cash = counter.query_asset(ACCOUNT).cash
    assert f"可用 {cash:,.2f}" in out
    assert f"今日委托 {len(counter.query_orders(ACCOUNT))} 笔" in out


def test_the_day_roll_folds_the_journal(sim_folder: str):
    counter = SimCounter.open(sim_folder, CONFIG)
    ids = busy_day(counter)
    counter.roll_day()
    # Folded: the journal is empty and the base tables hold everything.
    assert counter.ledger.journal_length == 0
    conn = sqlite3.connect(Path(sim_folder) / LEDGER_FILENAME)
    try:
        stored = {r[0] for r in conn.execute("SELECT order_id FROM base_orders")}
        assert set(ids.values()) <= stored
        flat = conn.execute("SELECT count(*) FROM base_positions WHERE volume = 0").fetchone()[0]
        assert flat == 0  # the sold-out position is gone
    finally:
        conn.close()
    q = counter.market.quote("600036.SH")
    counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, q.ask_price[0])
    before = books(counter)
    counter.close()

    reopened = SimCounter.open(sim_folder, CONFIG)
    try:
        assert books(reopened) == before
        assert reopened.audit(ACCOUNT) == []
        assert reopened.query_position(ACCOUNT, "162411.SZ") is None
    finally:
        reopened.close()


def test_a_journal_image_with_missing_values_is_refused(sim_folder: str):
    counter = SimCounter.open(sim_folder, CONFIG)
    busy_day(counter)
    counter.close()
    conn = sqlite3.connect(Path(sim_folder) / LEDGER_FILENAME)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # as a damaged file could be
    conn.execute("UPDATE journal SET o_price = NULL WHERE o_order_id IS NOT NULL")
    conn.commit()
    conn.close()
    with pytest.raises(SimLedgerError) as caught:
        SimCounter.open(sim_folder, CONFIG)
    assert "损坏" in str(caught.value) and LEDGER_FILENAME in str(caught.value)
    assert SimCounter.running(sim_folder) is None
    # The refusal kept no lock: once the file is moved away the folder opens again.
    (Path(sim_folder) / LEDGER_FILENAME).rename(Path(sim_folder) / "damaged.sqlite")
    SimCounter.open(sim_folder, CONFIG).close()


def test_an_incomplete_image_is_never_written(counter: SimCounter):
    counter.query_asset(ACCOUNT)
    order_id = counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, 40.0)
    order = counter._orders[order_id]
    before = counter.ledger.journal_length
    bad = OrderRow(**{**{f: getattr(order, f) for f in order.__slots__}, "price": float("nan")})
    with pytest.raises(sqlite3.IntegrityError):
        counter.ledger.append(orders=[bad])  # SQLite would store the NaN as NULL
    account = counter._accounts[ACCOUNT]
    broken = AccountRow(**{**{f: getattr(account, f) for f in account.__slots__}, "secu_sh": None})
    with pytest.raises(sqlite3.IntegrityError):
        counter.ledger.append(orders=[order], accounts=[broken])
    assert counter.ledger.journal_length == before


# Version 1 of the ledger: the four tables updated in place (as committed in f2e502a).
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE accounts (account_id TEXT NOT NULL, cash REAL NOT NULL, frozen_cash REAL NOT NULL,
  fees_paid REAL NOT NULL, realized_pnl REAL NOT NULL, opening_value REAL NOT NULL,
  secu_sh TEXT NOT NULL, secu_sz TEXT NOT NULL, secu_bj TEXT NOT NULL, created INTEGER NOT NULL,
  PRIMARY KEY (account_id));
CREATE TABLE positions (account_id TEXT NOT NULL, stock_code TEXT NOT NULL, volume INTEGER NOT NULL,
  yesterday_volume INTEGER NOT NULL, sold_today INTEGER NOT NULL, frozen_volume INTEGER NOT NULL,
  bought_today INTEGER NOT NULL, cost_basis REAL NOT NULL, PRIMARY KEY (account_id, stock_code));
CREATE TABLE orders (order_id INTEGER NOT NULL, account_id TEXT NOT NULL, stock_code TEXT NOT NULL,
  order_sysid TEXT NOT NULL, order_time INTEGER NOT NULL, order_type INTEGER NOT NULL,
  order_volume INTEGER NOT NULL, price_type INTEGER NOT NULL, reported_price_type INTEGER NOT NULL,
  price REAL NOT NULL, limit_price REAL NOT NULL, traded_volume INTEGER NOT NULL,
  traded_amount REAL NOT NULL, order_status INTEGER NOT NULL, status_msg TEXT NOT NULL,
  strategy_name TEXT NOT NULL, order_remark TEXT NOT NULL, secu_account TEXT NOT NULL,
  instrument_name TEXT NOT NULL, frozen_cash REAL NOT NULL, fees_charged REAL NOT NULL,
  trading_day TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (order_id));
CREATE TABLE trades (traded_id TEXT NOT NULL, account_id TEXT NOT NULL, stock_code TEXT NOT NULL,
  order_id INTEGER NOT NULL, order_sysid TEXT NOT NULL, order_type INTEGER NOT NULL,
  traded_time INTEGER NOT NULL, traded_price REAL NOT NULL, traded_volume INTEGER NOT NULL,
  traded_amount REAL NOT NULL, commission REAL NOT NULL, strategy_name TEXT NOT NULL,
  order_remark TEXT NOT NULL, secu_account TEXT NOT NULL, instrument_name TEXT NOT NULL,
  trading_day TEXT NOT NULL, PRIMARY KEY (traded_id));
CREATE TABLE control (command_id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL,
  argument TEXT NOT NULL, created REAL NOT NULL, done REAL);
"""


def test_a_version_1_ledger_is_upgraded_in_place(sim_folder: str):
    # Today's books as a version 1 counter left them, copied from a counter of today.
    source = Path(sim_folder) / "source"
    counter = SimCounter.open(source, CONFIG)
    busy_day(counter)
    before = books(counter)
    meta = {"trading_day": counter.trading_day, "next_order_id": "1", "next_trade_no": "1"}
    rows = {
        "accounts": list(counter._accounts.values()),
        "positions": list(counter._positions[ACCOUNT].values()),
        "orders": counter._orders_by_account[ACCOUNT],
        "trades": counter._trades_by_account[ACCOUNT],
    }
    counter.close()
    folder = Path(sim_folder) / "v1"
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / LEDGER_FILENAME)
    conn.executescript(V1_SCHEMA)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    for table, table_rows in rows.items():
        for row in table_rows:
            values = [getattr(row, f) for f in row.__slots__]
            conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values))})", values)
    conn.commit()
    conn.close()

    upgraded = SimCounter.open(folder, CONFIG)
    try:
        assert books(upgraded) == before
        assert upgraded.audit(ACCOUNT) == []
        # Ids go on after the stored ones although version 1's meta said 1.
        last_id = max(o.order_id for o in rows["orders"])
        assert (
            upgraded.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 150, xc.FIX_PRICE, 40.0)
            == last_id + 1
        )
    finally:
        upgraded.close()
    conn = sqlite3.connect(folder / LEDGER_FILENAME)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


KILLED_MID_STREAM = """
import sys
from xtquant import xtconstant as xc
from app.services.sim import SimConfig, SimCounter
counter = SimCounter.open(sys.argv[1], SimConfig(auto_run=False))
codes = ["600036.SH", "510300.SH", "162411.SZ", "000001.SZ"]
i = 0
while True:  # until killed
    code = codes[i % 4]
    q = counter.market.quote(code)
    side, price = (xc.STOCK_SELL, q.bid_price[0]) if i % 2 else (xc.STOCK_BUY, q.ask_price[0])
    order_id = counter.place_order("88001234", code, side, 100, xc.FIX_PRICE, price)
    order = counter.query_order("88001234", order_id)
    # acknowledged: place_order has returned; this is what the caller was told
    print(order_id, order.order_status, order.traded_volume, flush=True)
    i += 1
    if i % 50 == 0:
        counter.advance()
"""


@pytest.mark.slow
def test_a_process_killed_mid_stream_loses_no_acknowledged_order(sim_folder: str):
    repo = Path(__file__).resolve().parents[3]
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_STREAM, sim_folder],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(repo),
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    acknowledged: dict[int, tuple[int, int]] = {}
    try:
        while len(acknowledged) < 500:
            line = child.stdout.readline()
            assert line, child.stderr.read()
            order_id, status, traded = map(int, line.split())
            acknowledged[order_id] = (status, traded)
    finally:
        child.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
        child.wait(10)
        child.stdout.close()
        child.stderr.close()
    counter = SimCounter.open(sim_folder, CONFIG)
    try:
        orders = {o.order_id: o for o in counter.query_orders(ACCOUNT)}
        for order_id, (status, traded) in acknowledged.items():
            assert (orders[order_id].order_status, orders[order_id].traded_volume) == (
                status,
                traded,
            )
        filled = sum(1 for status, _ in acknowledged.values() if status == xc.ORDER_SUCCEEDED)
        assert filled > 250  # most of them filled on entry
        traded = {t.order_id for t in counter.query_trades(ACCOUNT)}
        assert {i for i, (_, v) in acknowledged.items() if v} <= traded
        assert counter.audit(ACCOUNT) == []
    finally:
        counter.close()
