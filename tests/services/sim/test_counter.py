"""Limit orders on the simulated counter: fills, partial fills, resting, callbacks, fees.

Driven through ``SimXtQuantTrader`` with the market stepped by hand
(``counter.advance()``); the account invariants are checked after every step.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from xtquant import xtconstant as xc
from xtquant.xttype import XtAsset, XtOrder, XtPosition, XtTrade

from app.models.names import BrokerPriceType
from app.models.rules import FeeSchedule, Side

# One code per exchange kind: SH main, SZ main, STAR, ChiNext, BJ (old and 920),
# SH ETF, SZ LOF.
CODES = [
    "600036.SH",
    "000001.SZ",
    "688981.SH",
    "300750.SZ",
    "430047.BJ",
    "920819.BJ",
    "510300.SH",
    "162411.SZ",
]


@pytest.mark.parametrize("code", CODES)
def test_limit_buy_at_ask_fills_at_once_with_the_real_callback_sequence(desk: Any, code: str):
    quote = desk.quote(code)
    volume = 200  # valid everywhere: STAR's minimum is 200
    assert quote.ask_volume[0] >= volume
    caller = threading.get_ident()
    mark = desk.recorder.mark()

    order_id = desk.buy(code, volume, quote.ask_price[0])

    done = desk.wait_status(order_id, xc.ORDER_SUCCEEDED, after=mark)
    desk.recorder.wait("on_stock_asset", lambda a: a.frozen_cash == 0, after=mark)
    desk.check()
    assert isinstance(done, XtOrder)
    assert done.traded_volume == volume and done.traded_price == quote.ask_price[0]
    assert done.price_type == BrokerPriceType.LIMIT  # sent as 11, reported as 50
    assert done.price == quote.ask_price[0]
    assert done.instrument_name == quote.instrument_name
    assert isinstance(done.order_sysid, str) and done.order_sysid
    pattern = r"A\d{9}" if code.endswith(".SH") else r"0\d{9}"
    assert re.fullmatch(pattern, done.secu_account)
    assert done.offset_flag == xc.OFFSET_FLAG_OPEN and done.direction == xc.DIRECTION_FLAG_LONG
    names = desk.recorder.names(after=mark)
    statuses = [o.order_status for o in desk.recorder.payloads("on_stock_order", after=mark)]
    assert statuses == [xc.ORDER_UNREPORTED, xc.ORDER_REPORTED, xc.ORDER_SUCCEEDED]
    assert names == [
        "on_stock_order",  # 48 未报
        "on_stock_order",  # 50 已报
        "on_stock_asset",  # cash frozen
        "on_stock_trade",
        "on_stock_order",  # 56 已成
        "on_stock_position",
        "on_stock_asset",
    ]
    assert caller not in desk.recorder.thread_ids()
    trade = desk.recorder.payloads("on_stock_trade", after=mark)[0]
    assert isinstance(trade, XtTrade)
    assert trade.traded_volume == volume and trade.order_id == order_id
    assert trade.commission == FeeSchedule().fees(Side.BUY, trade.traded_amount, code).total
    assert isinstance(desk.recorder.payloads("on_stock_position", after=mark)[0], XtPosition)
    assert isinstance(desk.recorder.payloads("on_stock_asset", after=mark)[0], XtAsset)


def test_bought_shares_count_but_are_not_sellable_today(desk: Any):
    code = "600036.SH"
    before = desk.position(code)
    order_id = desk.buy(code, 300, desk.quote(code).ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    after = desk.position(code)
    assert after.volume == before.volume + 300
    assert after.can_use_volume == before.can_use_volume  # T+1
    assert after.yesterday_volume == before.yesterday_volume
    desk.check()


def test_limit_buy_walks_levels_up_to_its_price(desk: Any):
    code = "162411.SZ"
    q = desk.quote(code)
    volume = q.ask_volume[0] + q.ask_volume[1] + 1000
    order_id = desk.buy(code, volume, q.ask_price[2])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    trades = desk.trader.query_stock_trades(desk.account)
    assert [(t.traded_price, t.traded_volume) for t in trades] == [
        (q.ask_price[0], q.ask_volume[0]),
        (q.ask_price[1], q.ask_volume[1]),
        (q.ask_price[2], 1000),
    ]
    order = desk.order(order_id)
    amount = sum(t.traded_amount for t in trades)
    assert order.traded_price == pytest.approx(amount / volume, abs=1e-4)
    # One order, one commission minimum: the fees equal one fee on the whole amount.
    assert sum(t.commission for t in trades) == pytest.approx(
        FeeSchedule().fees(Side.BUY, round(amount, 2), code).total, abs=0.011
    )
    desk.check()


def test_limit_buy_partially_fills_rests_then_fills_as_the_market_falls(desk: Any):
    code = "162411.SZ"
    q = desk.quote(code)
    volume = q.ask_volume[0] + 300_000
    order_id = desk.buy(code, volume, q.ask_price[0])
    part = desk.wait_status(order_id, xc.ORDER_PART_SUCC)
    assert part.traded_volume == q.ask_volume[0]
    assert desk.asset().frozen_cash > 0
    desk.check()

    desk.drive_down(code, q.ask_price[0])
    desk.check()
    order = desk.order(order_id)
    assert order.traded_volume > q.ask_volume[0]
    # A resting order trades at its own price.
    resting_fills = desk.trader.query_stock_trades(desk.account)[1:]
    assert resting_fills and all(t.traded_price == q.ask_price[0] for t in resting_fills)
    for _ in range(20):
        if desk.order(order_id).order_status == xc.ORDER_SUCCEEDED:
            break
        desk.drive_down(code, q.ask_price[0])
        desk.check()
    assert desk.order(order_id).order_status == xc.ORDER_SUCCEEDED
    assert desk.asset().frozen_cash == 0
    desk.check()


def test_resting_order_takes_only_a_share_of_a_level_per_step(desk: Any):
    code = "162411.SZ"
    q = desk.quote(code)
    order_id = desk.buy(code, 1_500_000, q.bid_price[0])  # rests below the asks
    desk.wait_status(order_id, xc.ORDER_REPORTED)
    desk.drive_down(code, q.bid_price[0])
    fills = desk.trader.query_stock_trades(desk.account)
    assert fills, "the market moved through the order; it should have traded"
    book = desk.quote(code)
    crossed = sum(
        v for p, v in zip(book.ask_price, book.ask_volume, strict=True) if 0 < p <= q.bid_price[0]
    )
    assert sum(t.traded_volume for t in fills) <= crossed * desk.counter.config.resting_fill_share
    desk.check()


def test_limit_sell_of_a_holding_fills_and_pays_stamp_duty(desk: Any):
    code = "600036.SH"
    held = desk.position(code)
    q = desk.quote(code)
    mark = desk.recorder.mark()
    order_id = desk.sell(code, 500, q.bid_price[0])
    done = desk.wait_status(order_id, xc.ORDER_SUCCEEDED, after=mark)
    assert done.offset_flag == xc.OFFSET_FLAG_CLOSE
    trade = desk.recorder.wait("on_stock_trade", after=mark)
    fees = FeeSchedule().fees(Side.SELL, trade.traded_amount, code)
    assert fees.stamp_duty > 0 and trade.commission == fees.total
    after = desk.position(code)
    assert after.volume == held.volume - 500 and after.can_use_volume == held.can_use_volume - 500
    desk.check()


def test_resting_sell_freezes_shares_and_fills_when_bids_rise(desk: Any):
    code = "510300.SH"
    held = desk.position(code)
    q = desk.quote(code)
    order_id = desk.sell(code, 1000, q.ask_price[2])
    desk.wait_status(order_id, xc.ORDER_REPORTED)
    pos = desk.position(code)
    assert pos.frozen_volume == 1000 and pos.can_use_volume == held.can_use_volume - 1000
    desk.check()
    desk.drive_up(code, q.ask_price[2])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    pos = desk.position(code)
    assert pos.frozen_volume == 0 and pos.volume == held.volume - 1000
    desk.check()


def test_selling_the_whole_position_with_an_odd_lot_is_allowed(desk: Any):
    code = "600036.SH"
    q = desk.quote(code)
    # Sell 950 of 1000 leaves 50; then the odd 50 may go as a whole.
    order_id = desk.sell(code, 900, q.bid_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    desk.check()
    order_id = desk.sell(code, 100, q.bid_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert desk.position(code).volume == 0
    assert desk.position(code).avg_price == 0
    desk.check()


def test_star_and_bj_fill_in_single_shares_above_the_minimum(desk: Any):
    for code in ("688981.SH", "920819.BJ"):
        q = desk.quote(code)
        order_id = desk.buy(code, 201, q.ask_price[0])
        done = desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
        assert done.traded_volume == 201
        desk.check()


def test_latest_price_order_is_a_limit_at_the_last_trade(desk: Any):
    code = "600036.SH"
    q = desk.quote(code)
    order_id = desk.buy(code, 100, price_type=xc.LATEST_PRICE)
    order = desk.wait_status(order_id, xc.ORDER_REPORTED, xc.ORDER_SUCCEEDED)
    assert order.price == q.last_price
    assert order.price_type == BrokerPriceType.LIMIT
    desk.check()


def test_queries_show_todays_orders_trades_and_cancelable_only(desk: Any):
    code = "000001.SZ"
    q = desk.quote(code)
    filled = desk.buy(code, 100, q.ask_price[0])
    resting = desk.buy(code, 100, q.bid_price[2])
    desk.wait_status(resting, xc.ORDER_REPORTED)
    orders = desk.trader.query_stock_orders(desk.account)
    assert [o.order_id for o in orders] == [filled, resting]
    cancelable = desk.trader.query_stock_orders(desk.account, cancelable_only=True)
    assert [o.order_id for o in cancelable] == [resting]
    assert desk.trader.query_stock_order(desk.account, 999_999) is None
    assert desk.trader.query_stock_position(desk.account, "600519.SH") is None
    assert len(desk.trader.query_stock_trades(desk.account)) == 1
    desk.check()


def test_two_sessions_on_one_account_both_get_the_pushes(open_desk):
    first = open_desk()
    second = open_desk()
    code = "600036.SH"
    order_id = first.buy(code, 100, first.quote(code).ask_price[0])
    first.wait_status(order_id, xc.ORDER_SUCCEEDED)
    second.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert first.recorder.thread_ids().isdisjoint(second.recorder.thread_ids())
    first.check()


def test_an_unsubscribed_session_gets_no_pushes_but_can_query(open_desk):
    watcher = open_desk("other-account")
    trader_desk = open_desk()
    code = "600036.SH"
    order_id = trader_desk.buy(code, 100, trader_desk.quote(code).ask_price[0])
    trader_desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    assert "on_stock_order" not in watcher.recorder.names()
    assert trader_desk.trader.unsubscribe(trader_desk.account) == 0
    assert trader_desk.trader.unsubscribe(trader_desk.account) == -1
    mark = trader_desk.recorder.mark()
    second = trader_desk.buy(code, 100, trader_desk.quote(code).ask_price[0])
    assert trader_desk.order(second).order_status == xc.ORDER_SUCCEEDED
    assert trader_desk.recorder.names(after=mark) == []
    trader_desk.check()
