"""T+1 and the day roll-over: orders expire, today's buys become sellable."""

from __future__ import annotations

from typing import Any

from xtquant import xtconstant as xc


def test_roll_day_expires_live_orders_and_makes_todays_buys_sellable(desk: Any):
    code = "300750.SZ"
    bought = desk.buy(code, 100, desk.quote(code).ask_price[0])
    desk.wait_status(bought, xc.ORDER_SUCCEEDED)
    resting = desk.buy("600036.SH", 100, desk.quote("600036.SH").bid_price[3])
    desk.wait_status(resting, xc.ORDER_REPORTED)
    assert desk.position(code).can_use_volume == 0
    day = desk.counter.trading_day
    mark = desk.recorder.mark()

    desk.counter.roll_day()

    expired = desk.wait_status(resting, xc.ORDER_CANCELED, after=mark)
    assert "过期" in expired.status_msg
    assert desk.counter.trading_day > day
    assert desk.trader.query_stock_orders(desk.account) == []  # a new day's orders
    assert desk.trader.query_stock_trades(desk.account) == []
    position = desk.position(code)
    assert position.can_use_volume == 100 and position.yesterday_volume == 100
    assert desk.asset().frozen_cash == 0
    desk.check()
    sold = desk.sell(code, 100, desk.quote(code).bid_price[0])
    desk.wait_status(sold, xc.ORDER_SUCCEEDED)
    desk.check()


def test_positions_sold_out_disappear_at_the_next_day(desk: Any):
    code = "162411.SZ"
    order_id = desk.sell(code, desk.position(code).volume, desk.quote(code).bid_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert desk.position(code).volume == 0  # still listed today
    desk.counter.roll_day()
    assert desk.position(code) is None
    desk.check()


def test_the_market_closing_by_itself_rolls_the_counter(desk: Any):
    desk.counter.market.roll_day()  # as the market thread's step after 15:00 does
    day = desk.counter.trading_day
    desk.counter.advance()
    assert desk.counter.trading_day != day
    desk.check()


def test_order_ids_keep_growing_across_days(desk: Any):
    first = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.counter.roll_day()
    second = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    assert second > first
    desk.check()
