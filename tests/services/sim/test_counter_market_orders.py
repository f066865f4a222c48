"""Market orders (every ttype) on the simulated counter, with their real semantics.

对手方最优/本方最优 become limits at that price; 即时成交剩余撤销 and 最优五档即时
成交剩余撤销 cancel what they cannot fill; 最优五档即时成交剩转限价 rests the rest
at its last fill price (at the own best with no fill); 全额成交或撤销 fills all or
nothing; an empty reference side means the exchange cancels (已撤, not 废单).
Market buys freeze at the up limit and give the excess back.
"""

from __future__ import annotations

import dataclasses
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


@pytest.mark.parametrize(
    ("code", "buy"),
    [
        ("600036.SH", False),  # SH 本方最优 sell at 涨停: nobody sells, the ask side is empty
        ("000001.SZ", False),  # SZ, the same
        ("000001.SZ", True),  # SZ 本方最优 buy at 跌停: nobody bids
        ("430047.BJ", True),
    ],
)
def test_own_best_with_an_empty_own_side_is_cancelled_by_the_exchange(
    desk: Any, code: str, buy: bool
):
    """SSE and SZSE rules: 本方最优 with no own-side queue is cancelled at once (自动撤销).

    The counter reported it, so it ends 已撤 with a reason, not 废单, and
    whatever was frozen goes back.
    """
    info = desk.counter.market.instrument(code)
    desk.counter.market.set_last_price(code, info.down_limit if buy else info.up_limit)
    own = desk.quote(code).bid_price if buy else desk.quote(code).ask_price
    assert own[0] == 0
    mark = desk.recorder.mark()
    place = desk.buy if buy else desk.sell
    order_id = place(code, 100, price_type=xc.MARKET_MINE_PRICE_FIRST)
    done = desk.wait_status(order_id, xc.ORDER_CANCELED, after=mark)
    assert "本方无申报" in done.status_msg
    assert done.traded_volume == 0
    assert desk.recorder.payloads("on_order_error", after=mark) == []
    statuses = [o.order_status for o in desk.recorder.payloads("on_stock_order", after=mark)]
    assert statuses == [xc.ORDER_UNREPORTED, xc.ORDER_REPORTED, xc.ORDER_CANCELED]
    assert desk.asset().frozen_cash == 0
    if not buy:
        assert desk.trader.query_stock_position(desk.account, code).frozen_volume == 0
    desk.check()


def test_peer_best_with_an_empty_opposite_side_is_cancelled(desk: Any):
    code = "600036.SH"
    desk.counter.market.set_last_price(code, desk.counter.market.instrument(code).down_limit)
    assert desk.quote(code).bid_price[0] == 0
    order_id = desk.sell(code, 100, price_type=xc.MARKET_PEER_PRICE_FIRST)
    done = desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert "对手方无申报" in done.status_msg
    assert desk.trader.query_stock_position(desk.account, code).frozen_volume == 0
    desk.check()


@pytest.mark.parametrize(
    "price_type",
    [
        xc.MARKET_PEER_PRICE_FIRST,
        xc.MARKET_MINE_PRICE_FIRST,
        xc.MARKET_SZ_INSTBUSI_RESTCANCEL,
        xc.MARKET_SZ_CONVERT_5_CANCEL,
        xc.MARKET_SZ_FULL_OR_CANCEL,
    ],
)
def test_every_market_buy_freezes_at_the_up_limit(desk: Any, price_type: int):
    """The counter freezes a market buy before the exchange prices it: at 涨停价."""
    code = "000001.SZ"
    q = desk.quote(code)
    volume = 100
    mark = desk.recorder.mark()
    order_id = desk.buy(code, volume, price_type=price_type)
    frozen = desk.recorder.wait("on_stock_asset", after=mark)
    expected = float(FeeSchedule().buy_cost(code, q.up_limit, volume))
    assert frozen.frozen_cash == pytest.approx(expected, abs=0.001)
    desk.wait_status(order_id, desk.order(order_id).order_status, after=mark)
    desk.check()


def test_market_buy_needs_cash_for_the_up_limit_not_for_ask1(desk: Any, open_desk: Any):
    code = "000001.SZ"
    q0 = desk.quote(code)
    volume = 100
    # Enough for 100 shares at ask1 (fees included), not at the up limit.
    at_ask = float(FeeSchedule().buy_cost(code, q0.ask_price[0], volume))
    at_up = float(FeeSchedule().buy_cost(code, q0.up_limit, volume))
    assert at_ask < at_up
    desk.counter.config.initial_cash = round((at_ask + at_up) / 2, 2)  # for new accounts
    desk = open_desk("88009999")
    order_id = desk.buy(code, volume, price_type=xc.MARKET_PEER_PRICE_FIRST)
    error = desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id)
    assert "可用资金不足" in error.error_msg
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


def test_best_five_rest_to_limit_with_nothing_to_take_rests_at_its_own_best(desk: Any):
    """SSE: with no fill, 最优五档即时成交剩转限价 becomes a limit at the own side's best price."""
    code = "600036.SH"
    desk.counter.market.set_last_price(code, desk.counter.market.instrument(code).up_limit)
    q = desk.quote(code)
    assert q.ask_price[0] == 0 and q.bid_price[0] == q.up_limit
    order_id = desk.buy(code, 100, price_type=xc.MARKET_SH_CONVERT_5_LIMIT)
    desk.wait_status(order_id, xc.ORDER_REPORTED)
    order = desk.order(order_id)
    assert order.order_status == xc.ORDER_REPORTED and order.traded_volume == 0
    assert order.price == q.bid_price[0]
    pushed = desk.recorder.wait("on_stock_order", lambda o: o.price == q.bid_price[0])
    assert pushed.order_id == order_id and pushed.order_status == xc.ORDER_REPORTED
    assert [o.order_id for o in desk.trader.query_stock_orders(desk.account, True)] == [order_id]
    desk.check()
    assert desk.trader.cancel_order_stock(desk.account, order_id) == 0
    desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert desk.asset().frozen_cash == 0
    desk.check()


def test_best_five_rest_to_limit_with_no_fill_and_no_own_side_is_cancelled(
    desk: Any, monkeypatch: pytest.MonkeyPatch
):
    code = "600036.SH"
    market = desk.counter.market
    real = market.quote(code)
    empty = dataclasses.replace(
        real, bid_price=(0.0,) * 5, bid_volume=(0,) * 5, ask_price=(0.0,) * 5, ask_volume=(0,) * 5
    )
    original = market.quote
    monkeypatch.setattr(market, "quote", lambda c: empty if c == code else original(c))
    order_id = desk.buy(code, 100, price_type=xc.MARKET_SH_CONVERT_5_LIMIT)
    done = desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert "本方无申报" in done.status_msg
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


def test_whole_book_types_walk_every_level_and_best_five_types_stop_at_five():
    """46 and 48 (SZ) trade against the whole opposite book; 42/43/47 at most five levels."""
    from app.services.sim.matching import PRICE_TYPE_PLANS, walk_book

    asks = [10.00, 10.01, 10.02, 10.03, 10.04, 10.05, 10.06]
    volumes = [100] * 7
    for price_type in (xc.MARKET_SZ_INSTBUSI_RESTCANCEL, xc.MARKET_SZ_FULL_OR_CANCEL):
        plan = PRICE_TYPE_PLANS[price_type]
        fills = walk_book(True, 700, asks, volumes, None, plan.levels, 100)
        assert [f[1] for f in fills] == asks
    for price_type in (
        xc.MARKET_SH_CONVERT_5_CANCEL,
        xc.MARKET_SZ_CONVERT_5_CANCEL,
        xc.MARKET_SH_CONVERT_5_LIMIT,
    ):
        plan = PRICE_TYPE_PLANS[price_type]
        fills = walk_book(True, 700, asks, volumes, None, plan.levels, 100)
        assert [f[1] for f in fills] == asks[:5]


@pytest.mark.parametrize(
    ("price_type", "price", "allowed"),
    [
        (xc.MARKET_SZ_CONVERT_5_CANCEL, 0.0, False),  # closing call auction: no market orders
        (xc.MARKET_PEER_PRICE_FIRST, 0.0, False),
        (xc.FIX_PRICE, None, True),  # limit orders take part in the auction
    ],
)
def test_market_orders_are_refused_in_the_closing_auction(
    desk: Any, price_type: int, price: float | None, allowed: bool
):
    from datetime import datetime

    from app.models.clock import CHINA_TZ

    desk.counter.config.real_hours = True
    desk.counter.clock = lambda: datetime(2026, 11, 25, 14, 58, tzinfo=CHINA_TZ).timestamp()
    code = "000001.SZ"
    q = desk.quote(code)
    order_id = desk.buy(
        code, 100, q.ask_price[0] if price is None else price, price_type=price_type
    )
    if allowed:
        desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    else:
        error = desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id)
        assert error.error_id == -61 and "当前时间不允许此类证券交易" in error.error_msg
    desk.check()
