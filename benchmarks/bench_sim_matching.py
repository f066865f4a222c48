"""How many orders per second the simulated counter matches, with its durable ledger on.

Each order is a limit order at the opposite best price that fills at once:
checks, freeze, fill, fees, position, and one SQLite transaction (WAL,
synchronous=NORMAL) committed before ``place_order`` returns; nothing is
batched across orders. Buys and sells alternate over a few liquid codes. The
market is stepped every 500 orders so there is always liquidity; the steps
are not timed.

Two runs: the counter alone, and with one connected, subscribed trader session
(so every order also builds its xttype push objects and queues them for the
session's delivery thread; delivery itself runs on that thread).

    uv run python benchmarks/bench_sim_matching.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.trader import SimXtQuantTrader

CODES = ("162411.SZ", "510300.SH", "000001.SZ", "159915.SZ")
ACCOUNT = "bench"


def run(orders: int, with_session: bool) -> tuple[float, list[float], int]:
    """Place ``orders`` orders; returns (seconds placing, per-order seconds, fills)."""
    with tempfile.TemporaryDirectory() as folder:
        config = SimConfig(
            auto_run=False,
            initial_cash=1e12,
            initial_holdings={code: (100_000_000, 1.0) for code in CODES},
        )
        counter = SimCounter.open(folder, config)
        trader = None
        if with_session:
            trader = SimXtQuantTrader(folder, 1)
            trader.start()
            trader.connect()
            trader.subscribe(StockAccount(ACCOUNT))
        counter.query_asset(ACCOUNT)  # create the account outside the timing
        place = counter.place_order
        clock = time.perf_counter
        latencies: list[float] = []
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
            place(ACCOUNT, code, side, 100, xc.FIX_PRICE, price)
            elapsed = clock() - start
            latencies.append(elapsed)
            total += elapsed
        fills = len(counter.query_trades(ACCOUNT))
        problems = counter.audit(ACCOUNT)
        assert not problems, problems
        if trader is not None:
            trader.stop()
        counter.close()
        return total, latencies, fills


def report(label: str, orders: int, total: float, latencies: list[float], fills: int) -> None:
    latencies.sort()
    p50 = statistics.median(latencies) * 1e6
    p99 = latencies[int(len(latencies) * 0.99)] * 1e6
    print(
        f"{label:<34} {orders / total:>9,.0f} orders/s   p50 {p50:6.1f} µs   "
        f"p99 {p99:7.1f} µs   ({fills:,} of {orders:,} filled)"
    )


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(f"simulated counter matching, {orders:,} immediately filled limit orders, durable ledger")
    for label, with_session in (
        ("counter alone", False),
        ("with one subscribed trader session", True),
    ):
        total, latencies, fills = run(orders, with_session)
        report(label, orders, total, latencies, fills)


if __name__ == "__main__":
    main()
