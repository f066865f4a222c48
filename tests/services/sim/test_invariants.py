"""Random trading sessions keep the account invariants after every step.

Hypothesis draws sequences of buys, sells (every price type), cancels, market
steps and day rolls; after each one the books must balance (see
``assert_account_invariants`` in conftest).
"""

from __future__ import annotations

import tempfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount

from app.models.rules import tick_size
from app.models.ttypes import accepted_price_types
from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.trader import SimXtQuantTrader

CODES = ["600036.SH", "000001.SZ", "688981.SH", "300750.SZ", "920819.BJ", "510300.SH", "162411.SZ"]
PRICE_TYPES = [xc.FIX_PRICE, xc.LATEST_PRICE, 42, 43, 44, 45, 46, 47, 48]

actions = st.one_of(
    st.tuples(
        st.sampled_from(["buy", "sell"]),
        st.sampled_from(CODES),
        st.sampled_from([100, 200, 300, 1000, 5000, 20_000]),
        st.sampled_from(PRICE_TYPES),
        st.integers(-3, 3),  # limit: ticks from the best opposite price
    ),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("advance"), st.integers(1, 3)),
    st.tuples(st.just("roll")),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(actions, min_size=1, max_size=25))
def test_random_sessions_keep_the_books_balanced(assert_invariants: Any, steps: list[tuple]):
    with tempfile.TemporaryDirectory() as folder:
        counter = SimCounter.open(folder, SimConfig(auto_run=False, seed=7))
        trader = SimXtQuantTrader(folder, 1)
        trader.start()
        try:
            assert trader.connect() == 0
            account = StockAccount("inv")
            trader.subscribe(account)
            placed: list[int] = []
            for step in steps:
                run(counter, trader, account, step, placed)
                assert_invariants(counter, trader, account)
        finally:
            trader.stop()
            counter.close()


def run(counter: SimCounter, trader: Any, account: Any, step: tuple, placed: list[int]) -> None:
    kind = step[0]
    if kind in ("buy", "sell"):
        _, code, volume, price_type, offset = step
        if price_type not in accepted_price_types(code):
            price_type = xc.FIX_PRICE
        quote = counter.market.quote(code)
        best = quote.ask_price[0] if kind == "buy" else quote.bid_price[0]
        tick = float(tick_size(code))
        price = round(max(best or quote.last_price, tick) + offset * tick, 3)
        side = xc.STOCK_BUY if kind == "buy" else xc.STOCK_SELL
        order_id = trader.order_stock(account, code, side, volume, price_type, price)
        assert order_id > 0
        placed.append(order_id)
    elif kind == "cancel":
        if placed:
            trader.cancel_order_stock(account, placed[step[1] % len(placed)])
    elif kind == "advance":
        counter.advance(step[1])
    else:
        counter.roll_day()
