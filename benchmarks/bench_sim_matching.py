"""How many orders per second the simulated counter matches, with its durable ledger on.

Each order is a limit order at the opposite best price that fills at once:
checks, freeze, fill, fees, position, and one SQLite transaction (WAL,
synchronous=NORMAL; one journal row) committed before ``place_order``
returns; nothing is batched across orders. Buys and sells alternate over a
few liquid codes. The market is stepped every 500 orders so there is always
liquidity; the steps are not timed. The goal (issue 4) is 20,000 orders/s.

Three runs:

- the counter alone;
- with one connected, subscribed trader session and no callback registered
  (every order also snapshots its seven pushes and queues them for the
  session's delivery thread, which finds no callback to call);
- with a session whose callback receives every push (the xttype objects are
  built and delivered on the delivery thread, which shares the GIL).

Then the ledger: its size per 10,000 orders, how long a counter takes to open
on a journal of many orders (one trading day's worth: the journal is folded
at every day roll), how long that fold takes, and how long opening takes
after it.

    uv run python benchmarks/bench_sim_matching.py [ORDERS] [JOURNAL_ORDERS]

(defaults 20,000 and 100,000).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.ledger import LEDGER_FILENAME
from app.services.sim.trader import SimXtQuantTrader

CODES = ("162411.SZ", "510300.SH", "000001.SZ", "159915.SZ")
ACCOUNT = "bench"
CONFIG = SimConfig(
    auto_run=False,
    initial_cash=1e12,
    initial_holdings={code: (100_000_000, 1.0) for code in CODES},
)


class CountingCallback:
    """A callback that takes every push (and counts them)."""

    def __init__(self) -> None:
        self.pushes = 0
        self.lock = threading.Lock()

    def _push(self, _obj: Any) -> None:
        with self.lock:
            self.pushes += 1

    on_stock_order = on_stock_trade = on_stock_position = on_stock_asset = _push


def place(counter: SimCounter, orders: int, latencies: list[float] | None = None) -> float:
    """Place ``orders`` orders that fill at once; returns the seconds spent placing them."""
    place_order = counter.place_order
    clock = time.perf_counter
    quotes = {code: counter.market.quote(code) for code in CODES}
    total = 0.0
    for i in range(orders):
        if i % 500 == 0 and i:
            counter.advance()
            quotes = {code: counter.market.quote(code) for code in CODES}
        code = CODES[i % len(CODES)]
        q = quotes[code]
        if i % 2:
            side, price = xc.STOCK_SELL, q.bid_price[0]
        else:
            side, price = xc.STOCK_BUY, q.ask_price[0]
        start = clock()
        place_order(ACCOUNT, code, side, 100, xc.FIX_PRICE, price)
        elapsed = clock() - start
        total += elapsed
        if latencies is not None:
            latencies.append(elapsed)
    return total


def run(orders: int, session: str) -> tuple[float, list[float], int, int]:
    """One timed run; returns (seconds placing, per-order seconds, fills, ledger bytes).

    ``session``: "" (none), "subscribed" (no callback) or "callback".
    """
    with tempfile.TemporaryDirectory() as folder:
        counter = SimCounter.open(folder, CONFIG)
        trader = None
        callback = CountingCallback() if session == "callback" else None
        if session:
            trader = SimXtQuantTrader(folder, 1, callback)
            trader.start()
            trader.connect()
            trader.subscribe(StockAccount(ACCOUNT))
        counter.query_asset(ACCOUNT)  # create the account outside the timing
        latencies: list[float] = []
        total = place(counter, orders, latencies)
        fills = len(counter.query_trades(ACCOUNT))
        problems = counter.audit(ACCOUNT)
        assert not problems, problems
        if trader is not None:
            trader.stop()  # delivers what is queued first
        if callback is not None:
            assert callback.pushes == 7 * orders, callback.pushes
        counter.close()  # checkpoints the WAL into the file
        size = (Path(folder) / LEDGER_FILENAME).stat().st_size
        return total, latencies, fills, size


def report(label: str, orders: int, total: float, latencies: list[float], fills: int) -> None:
    latencies.sort()
    p50 = statistics.median(latencies) * 1e6
    p99 = latencies[int(len(latencies) * 0.99)] * 1e6
    print(
        f"{label:<38} {orders / total:>9,.0f} orders/s   p50 {p50:6.1f} µs   "
        f"p99 {p99:7.1f} µs   ({fills:,} of {orders:,} filled)"
    )


def journal(orders: int) -> None:
    """Reopen and day-roll figures for a journal of ``orders`` orders."""
    with tempfile.TemporaryDirectory() as folder:
        counter = SimCounter.open(folder, CONFIG)
        counter.query_asset(ACCOUNT)
        place(counter, orders)
        changes = counter.ledger.journal_length
        counter.close()

        start = time.perf_counter()
        counter = SimCounter.open(folder, CONFIG)
        opened = time.perf_counter() - start
        assert len(counter.query_orders(ACCOUNT)) == orders
        print(
            f"open on a journal of {orders:,} orders ({changes:,} changes): "
            f"{opened:5.2f} s   (bounded: the journal holds one trading day at most)"
        )
        start = time.perf_counter()
        counter.roll_day()
        rolled = time.perf_counter() - start
        counter.close()
        print(f"day roll, folding that journal into the base tables: {rolled:5.2f} s")

        start = time.perf_counter()
        counter = SimCounter.open(folder, CONFIG)
        reopened = time.perf_counter() - start
        assert counter.ledger.journal_length == 0
        counter.close()
        print(f"open the next day (journal folded, {orders:,} orders kept): {reopened:5.2f} s")


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    journal_orders = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    print(f"simulated counter matching, {orders:,} immediately filled limit orders, durable ledger")
    size = 0
    for label, session in (
        ("counter alone", ""),
        ("with one subscribed trader session", "subscribed"),
        ("with a session taking every push", "callback"),
    ):
        total, latencies, fills, ledger_bytes = run(orders, session)
        report(label, orders, total, latencies, fills)
        size = size or ledger_bytes
    print(f"ledger size: {size / orders * 10_000 / 1e6:.1f} MB per 10,000 orders")
    if journal_orders:
        journal(journal_orders)


if __name__ == "__main__":
    main()
