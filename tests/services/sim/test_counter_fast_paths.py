"""The counter's fast paths give the same answers as the rules they stand in for.

To match tens of thousands of orders a second the counter checks ticks and
lots on whole numbers, keeps the market's prices and clock from its
notifications instead of asking for them, builds push objects on the
delivery thread and hands a state change's pushes over as one item. Each
test here pins one of those to the slow, obvious answer.
"""

from __future__ import annotations

import random
from typing import Any

from xtquant import xtconstant as xc

from app.models.rules import Side, check_volume, is_on_tick, tick_size
from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.errors import CounterError

ACCOUNT = "88001234"
CODES = ["600036.SH", "000001.SZ", "688981.SH", "300750.SZ", "920819.BJ", "510300.SH", "162411.SZ"]


def test_tick_check_on_whole_li_matches_is_on_tick(counter: SimCounter):
    rng = random.Random(7)
    for _ in range(5000):
        code = rng.choice(CODES)
        facts = counter._facts(code)
        tick = float(tick_size(code))
        price = round(rng.randint(1, 200_000) * tick, 3)
        candidates = [
            price,
            price + 0.001,
            price + 0.0001,
            price * 1.0000001,
            0.1 + 0.2,
            rng.uniform(0.001, 2000.0),
            round(rng.uniform(0.001, 2000.0), rng.choice([1, 2, 3, 4])),
        ]
        for p in candidates:
            assert counter._on_tick(facts, code, p) == is_on_tick(code, p), (code, p)


def test_lot_check_matches_check_volume(counter: SimCounter):
    """Every volume is refused for its lot exactly when check_volume says so."""
    counter.query_asset(ACCOUNT)
    rng = random.Random(11)
    refusals = 0
    for _ in range(600):
        code = rng.choice(CODES)
        side = rng.choice([Side.BUY, Side.SELL])
        position = counter.query_position(ACCOUNT, code)
        can_use = position.can_use_volume if position is not None else 0
        volume = rng.choice(
            [rng.randint(-5, 2000), can_use, can_use + rng.choice([-150, -1, 1, 50]), 100, 200, 199]
        )
        q = counter.market.quote(code)
        # Far from the market so nothing fills, and cancelled at once: the account stays as it is.
        price = q.down_limit if side is Side.BUY else q.up_limit
        order_type = xc.STOCK_BUY if side is Side.BUY else xc.STOCK_SELL
        order_id = counter.place_order(ACCOUNT, code, order_type, volume, xc.FIX_PRICE, price)
        order = counter._orders[order_id]
        expected = check_volume(code, side, volume, can_use if 0 < volume <= can_use else None)
        refused_for_lot = order.status_msg == CounterError.VOLUME_INVALID.reason
        assert refused_for_lot == (expected is not None), (code, side, volume, can_use, expected)
        refusals += refused_for_lot
        if order.order_status == xc.ORDER_REPORTED:
            assert counter.cancel_order(ACCOUNT, order_id) == 0
    assert 50 < refusals < 550  # both answers were exercised
    assert counter.audit(ACCOUNT) == []


def test_order_times_follow_the_market_clock(counter: SimCounter):
    def placed_at() -> int:
        q = counter.market.quote("600036.SH")
        order_id = counter.place_order(
            ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, q.ask_price[0]
        )
        return counter._orders[order_id].order_time

    assert placed_at() == counter.market.now()
    counter.advance(3)
    assert placed_at() == counter.market.now()
    counter.market.step()  # moved behind the counter's back: it hears of it all the same
    assert placed_at() == counter.market.now()
    counter.roll_day()
    assert placed_at() == counter.market.now()
    trade = counter.query_trades(ACCOUNT)[-1]
    assert trade.traded_time == counter.market.now()  # a fill on entry happens at the order's time


def test_market_values_use_the_latest_prices(counter: SimCounter):
    counter.query_asset(ACCOUNT)

    def expected_value() -> float:
        return round(
            sum(
                p.volume * counter.market.quote(p.stock_code).last_price
                for p in counter.query_positions(ACCOUNT)
            ),
            2,
        )

    assert counter.query_asset(ACCOUNT).market_value == expected_value()
    counter.advance(5)
    assert counter.query_asset(ACCOUNT).market_value == expected_value()
    info = counter.market.instrument("600036.SH")
    counter.market.set_last_price("600036.SH", info.up_limit)
    assert counter.query_asset(ACCOUNT).market_value == expected_value()
    position = counter.query_position(ACCOUNT, "600036.SH")
    assert position.last_price == info.up_limit
    assert position.market_value == round(position.volume * info.up_limit, 2)


def test_pushes_are_snapshots_taken_at_the_change(open_desk: Any):
    """Objects are built on the delivery thread, from values taken when the change happened."""
    desk = open_desk()
    code = "430047.BJ"  # a thin book: a big buy fills over several steps
    q = desk.quote(code)
    mark = desk.recorder.mark()
    order_id = desk.buy(code, 8000, q.ask_price[1])
    for _ in range(30):
        desk.counter.advance()
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED, after=mark)
    statuses, filled = [], 0
    for name, payload, _thread in desk.recorder.events[mark:]:
        if name == "on_stock_trade" and payload.order_id == order_id:
            filled += payload.traded_volume
        elif name == "on_stock_order" and payload.order_id == order_id:
            # each push shows the order as it was then: the fills delivered before it
            assert payload.traded_volume == filled
            statuses.append(payload.order_status)
    assert statuses[:2] == [xc.ORDER_UNREPORTED, xc.ORDER_REPORTED]
    assert xc.ORDER_PART_SUCC in statuses and statuses[-1] == xc.ORDER_SUCCEEDED
    assert filled == 8000
    desk.check()


def test_prices_that_are_not_numbers_are_refused_and_the_ledger_still_opens(sim_folder: str):
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(sim_folder, config)
    refusals = []
    for price in (float("nan"), -1.0, float("inf"), 1e300, 38.505):
        order_id = counter.place_order(ACCOUNT, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE, price)
        order = counter.query_order(ACCOUNT, order_id)
        assert order.order_status == xc.ORDER_JUNK
        refusals.append(order.status_msg)
    invalid, off_tick = CounterError.PRICE_INVALID.reason, CounterError.PRICE_OFF_TICK.reason
    assert refusals == [invalid, invalid, off_tick, off_tick, off_tick]
    before = [vars(o) for o in counter.query_orders(ACCOUNT)]
    counter.close()
    reopened = SimCounter.open(sim_folder, config)
    try:
        assert [vars(o) for o in reopened.query_orders(ACCOUNT)] == before
        assert reopened.audit(ACCOUNT) == []
    finally:
        reopened.close()
