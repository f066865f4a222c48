"""Market orders (every ttype) on the simulated counter, with their real semantics.

对手方最优/本方最优 become limits at that price; 即时成交剩余撤销 and 最优五档即时
成交剩余撤销 cancel what they cannot fill; 最优五档即时成交剩转限价 rests the rest
at its last fill price; 全额成交或撤销 fills all or nothing. Market buys freeze
at the up limit and give the excess back.
"""

from __future__ import annotations

from typing import Any

import pytest
from xtquant import xtconstant as xc

from app.models.names import BrokerPriceType
from app.models.rules import FeeSchedule
from app.services.sim.config import SimConfig


@pytest.fixture
def sim_config() -> SimConfig:
    """Deep pockets, so an order can sweep five levels of a liquid book."""
    return SimConfig(auto_run=False, initial_cash=500_000_000.0)


def five_levels(quote: Any, buy: bool = True) -> int:
    return sum(quote.ask_volume if buy else quote.bid_volume)


def test_peer_best_buy_is_a_limit_at_ask1_and_rests_the_rest(desk: Any):
    code = "600036.SH"
    q = desk.quote(code)
    order_id = desk.buy(code, q.ask_volume[0] + 1000, price_type=xc.MARKET_PEER_PRICE_FIRST)
    order = desk.wait_status(order_id, xc.ORDER_PART_SUCC)
    assert order.price == q.ask_price[0]
    assert order.price_type == BrokerPriceType.PEER_PRICE_FIRST
    assert order.traded_volume == q.ask_volume[0]
    assert [o.order_id for o in desk.trader.query_stock_orders(desk.account, True)] == [order_id]
    desk.check()


def test_peer_best_sell_fills_at_bid1(desk: Any):
    code = "000001.SZ"
    q = desk.quote(code)
    order_id = desk.sell(code, 1000, price_type=xc.MARKET_PEER_PRICE_FIRST)
    done = desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert done.traded_price == q.bid_price[0]
    desk.check()


def test_own_best_buy_rests_at_bid1(desk: Any):
    code = "300750.SZ"
    q = desk.quote(code)
    order_id = desk.buy(code, 100, price_type=xc.MARKET_MINE_PRICE_FIRST)
    order = desk.wait_status(order_id, xc.ORDER_REPORTED)
    assert order.price == q.bid_price[0]
    assert order.price_type == BrokerPriceType.MINE_PRICE_FIRST
    assert desk.order(order_id).order_status == xc.ORDER_REPORTED
    desk.check()
    desk.drive_down(code, q.bid_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    desk.check()


def test_own_best_with_an_empty_own_side_is_refused(desk: Any):
    code = "600036.SH"
    up = desk.counter.market.instrument(code).up_limit
    desk.counter.market.set_last_price(code, up)  # 涨停: nobody sells, the ask side is empty
    assert desk.quote(code).ask_price[0] == 0
    order_id = desk.sell(code, 100, price_type=xc.MARKET_MINE_PRICE_FIRST)
    error = desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id)
    assert "本方无最优价格" in error.error_msg
    assert desk.order(order_id).order_status == xc.ORDER_JUNK
    desk.check()


@pytest.mark.parametrize(
    ("code", "price_type"),
    [
        ("162411.SZ", xc.MARKET_SZ_INSTBUSI_RESTCANCEL),  # 46
        ("000001.SZ", xc.MARKET_SZ_CONVERT_5_CANCEL),  # 47
        ("510300.SH", xc.MARKET_SH_CONVERT_5_CANCEL),  # 42
        ("430047.BJ", xc.MARKET_SH_CONVERT_5_CANCEL),  # 42 on BJ
    ],
)
def test_immediate_or_cancel_sweeps_five_levels_and_cancels_the_rest(
    desk: Any, code: str, price_type: int
):
    q = desk.quote(code)
    volume = five_levels(q) + 1000
    mark = desk.recorder.mark()
    order_id = desk.buy(code, volume, price_type=price_type)
    # Frozen at the up limit on entry (as real counters do a market buy)...
    frozen = desk.recorder.wait("on_stock_asset", after=mark)
    expected = float(FeeSchedule().buy_cost(code, q.up_limit, volume))
    assert frozen.frozen_cash == pytest.approx(expected, abs=0.011)
    done = desk.wait_status(order_id, xc.ORDER_PART_CANCEL, after=mark)
    assert done.traded_volume == five_levels(q)
    assert done.status_msg
    trades = desk.trader.query_stock_trades(desk.account)
    assert [t.traded_price for t in trades] == list(q.ask_price)
    # ...and everything not spent is given back.
    assert desk.asset().frozen_cash == 0
    desk.check()


def test_immediate_or_cancel_sell(desk: Any):
    code = "000001.SZ"
    q = desk.quote(code)
    order_id = desk.sell(code, 2000, price_type=xc.MARKET_SZ_CONVERT_5_CANCEL)
    done = desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert done.traded_price == q.bid_price[0]
    desk.check()


def test_best_five_rest_to_limit_rests_at_the_last_fill_price(desk: Any):
    code = "600036.SH"
    q = desk.quote(code)
    volume = five_levels(q) + 1000
    order_id = desk.buy(code, volume, price_type=xc.MARKET_SH_CONVERT_5_LIMIT)
    order = desk.order(order_id)  # an order's entry is one state change: final at once
    assert order.traded_volume == five_levels(q)
    assert order.price == q.ask_price[4]
    assert order.price_type == BrokerPriceType.L5_FIRST_LIMITPX
    assert desk.order(order_id).order_status == xc.ORDER_PART_SUCC
    desk.check()


def test_best_five_rest_to_limit_with_nothing_to_take_is_cancelled(desk: Any):
    code = "600036.SH"
    desk.counter.market.set_last_price(code, desk.counter.market.instrument(code).up_limit)
    order_id = desk.buy(code, 100, price_type=xc.MARKET_SH_CONVERT_5_LIMIT)
    done = desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert done.traded_volume == 0 and done.status_msg
    assert desk.asset().frozen_cash == 0
    desk.check()


def test_fill_or_kill_fills_everything_or_nothing(desk: Any):
    code = "000001.SZ"
    q = desk.quote(code)
    too_much = desk.buy(code, five_levels(q) + 100, price_type=xc.MARKET_SZ_FULL_OR_CANCEL)
    killed = desk.wait_status(too_much, xc.ORDER_CANCELED)
    assert killed.traded_volume == 0 and killed.price_type == BrokerPriceType.FULL_REAL_CANCEL
    assert desk.trader.query_stock_trades(desk.account) == []
    desk.check()
    fits = desk.buy(code, q.ask_volume[0] + q.ask_volume[1], price_type=xc.MARKET_SZ_FULL_OR_CANCEL)
    filled = desk.wait_status(fits, xc.ORDER_SUCCEEDED)
    assert filled.traded_volume == q.ask_volume[0] + q.ask_volume[1]
    desk.check()


@pytest.mark.parametrize(
    "price_type",
    [xc.MARKET_PEER_PRICE_FIRST, xc.MARKET_SZ_INSTBUSI_RESTCANCEL, xc.MARKET_SZ_FULL_OR_CANCEL],
)
def test_market_buy_against_an_empty_ask_side_is_cancelled_with_a_reason(
    desk: Any, price_type: int
):
    code = "000001.SZ"
    desk.counter.market.set_last_price(code, desk.counter.market.instrument(code).up_limit)
    order_id = desk.buy(code, 100, price_type=price_type)
    done = desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert done.status_msg
    assert desk.asset().frozen_cash == 0
    desk.check()


def test_star_and_chinext_market_orders(desk: Any):
    star = desk.buy("688981.SH", 250, price_type=xc.MARKET_SH_CONVERT_5_CANCEL)
    assert desk.wait_status(star, xc.ORDER_SUCCEEDED).traded_volume == 250
    gem = desk.buy("300750.SZ", 100, price_type=xc.MARKET_SZ_CONVERT_5_CANCEL)
    assert desk.wait_status(gem, xc.ORDER_SUCCEEDED).traded_volume == 100
    desk.check()
