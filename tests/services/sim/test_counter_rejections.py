"""The counter's refusals: an order id comes back, the refusal arrives as on_order_error.

Wording and codes as a real counter gives them:
``限价买入 [SH600036] [COUNTER] [-31][可用资金不足]``; the order shows as 57 废单.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from xtquant import xtconstant as xc
from xtquant.xttype import XtOrderError

from app.services.sim.errors import CounterError
from app.services.sim.market import CHINA_TZ


def refused(desk: Any, order_id: int, frozen_cash: float = 0.0) -> XtOrderError:
    error = desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id)
    order = desk.order(order_id)
    assert order.order_status == xc.ORDER_JUNK
    assert order.status_msg in error.error_msg
    assert desk.asset().frozen_cash == pytest.approx(frozen_cash)  # nothing frozen for it
    desk.check()
    return error


@pytest.mark.parametrize(
    ("code", "side", "volume", "price", "error", "action"),
    [
        (
            "600036.SH",
            xc.STOCK_BUY,
            100_000,
            "ask",
            CounterError.CASH_INSUFFICIENT,
            "限价买入 [SH600036]",
        ),
        (
            "600036.SH",
            xc.STOCK_SELL,
            5000,
            "bid",
            CounterError.SHARES_INSUFFICIENT,
            "限价卖出 [SH600036]",
        ),
        ("600519.SH", xc.STOCK_SELL, 100, "bid", CounterError.SHARES_INSUFFICIENT, "限价卖出"),
        ("600036.SH", xc.STOCK_BUY, 150, "ask", CounterError.VOLUME_INVALID, "限价买入"),
        ("688981.SH", xc.STOCK_BUY, 100, "ask", CounterError.VOLUME_INVALID, "限价买入 [SH688981]"),
        (
            "000001.SZ",
            xc.STOCK_SELL,
            150,
            "bid",
            CounterError.VOLUME_INVALID,
            "限价卖出 [SZ000001]",
        ),
        ("000001.SZ", xc.STOCK_BUY, 0, "ask", CounterError.VOLUME_INVALID, "限价买入"),
        ("600036.SH", xc.STOCK_BUY, 100, "off_tick", CounterError.PRICE_OFF_TICK, "限价买入"),
        ("510300.SH", xc.STOCK_BUY, 100, "off_tick", CounterError.PRICE_OFF_TICK, "限价买入"),
        ("600036.SH", xc.STOCK_BUY, 100, "above_up", CounterError.PRICE_OUT_OF_BAND, "限价买入"),
        ("430047.BJ", xc.STOCK_SELL, 100, "below_down", CounterError.PRICE_OUT_OF_BAND, "限价卖出"),
        ("600001.SH", xc.STOCK_BUY, 100, "fixed", CounterError.UNKNOWN_CODE, "限价买入 [SH600001]"),
        ("999999.SH", xc.STOCK_BUY, 100, "fixed", CounterError.UNKNOWN_CODE, "限价买入"),
        ("600036.SH", xc.STOCK_BUY, 100, "zero", CounterError.PRICE_INVALID, "限价买入"),
    ],
)
def test_limit_order_refusals(
    desk: Any, code: str, side: int, volume: int, price: str, error: CounterError, action: str
):
    if price == "fixed":
        value = 10.0
    elif price == "zero":
        value = 0.0
    else:
        q = desk.quote(code)
        value = {
            "ask": q.ask_price[0],
            "bid": q.bid_price[0],
            "off_tick": round(q.last_price + (0.005 if q.last_price > 10 else 0.0005), 4),
            "above_up": round(q.up_limit + 0.01, 2),
            "below_down": round(q.down_limit - 0.01, 2),
        }[price]
    order_id = desk.trader.order_stock(desk.account, code, side, volume, xc.FIX_PRICE, value)
    assert order_id > 0  # a refused order still gets an id, as on the real counter
    e = refused(desk, order_id)
    assert e.error_id == error == int(error) < 0
    assert e.error_msg.startswith(action)
    assert e.error_msg.endswith(f"[COUNTER] [{int(error)}][{error.reason}]")


@pytest.mark.parametrize(
    ("code", "price_type"),
    [
        ("600036.SH", xc.MARKET_SZ_CONVERT_5_CANCEL),  # 47 is Shenzhen's
        ("600036.SH", xc.MARKET_SZ_FULL_OR_CANCEL),  # 48 is Shenzhen's
        ("430047.BJ", xc.MARKET_SZ_INSTBUSI_RESTCANCEL),  # 46 is Shenzhen's
        ("000001.SZ", xc.MARKET_SH_CONVERT_5_LIMIT),  # 43 is Shanghai's/Beijing's
        ("000001.SZ", xc.MARKET_CANCEL_5),  # a futures type
        ("000001.SZ", 99),  # not a price type
    ],
)
def test_market_type_not_for_the_exchange_is_refused(desk: Any, code: str, price_type: int):
    order_id = desk.trader.order_stock(desk.account, code, xc.STOCK_BUY, 100, price_type, 0.0)
    e = refused(desk, order_id)
    assert e.error_id == CounterError.PRICE_TYPE_NOT_FOR_MARKET
    assert "市价委托类型不适用于该市场" in e.error_msg
    assert e.error_msg.startswith("市价买入") or price_type == 99


def test_bad_order_type_is_refused(desk: Any):
    order_id = desk.trader.order_stock(desk.account, "600036.SH", 99, 100, xc.FIX_PRICE, 40.0)
    assert refused(desk, order_id).error_id == CounterError.ORDER_TYPE_INVALID


def test_today_bought_shares_cannot_be_sold(desk: Any):
    code = "300750.SZ"
    bought = desk.buy(code, 100, desk.quote(code).ask_price[0])
    desk.wait_status(bought, xc.ORDER_SUCCEEDED)
    order_id = desk.sell(code, 100, desk.quote(code).bid_price[0])
    assert refused(desk, order_id).error_id == CounterError.SHARES_INSUFFICIENT


def test_shares_frozen_by_a_pending_sell_are_not_sellable_twice(desk: Any):
    code = "600036.SH"
    q = desk.quote(code)
    first = desk.sell(code, 1000, q.ask_price[4])  # rests, freezes all 1000
    desk.wait_status(first, xc.ORDER_REPORTED)
    second = desk.sell(code, 100, q.ask_price[4])
    assert refused(desk, second).error_id == CounterError.SHARES_INSUFFICIENT


def test_cash_frozen_by_a_pending_buy_is_not_spent_twice(desk: Any):
    code = "600036.SH"
    q = desk.quote(code)
    cash = desk.asset().cash
    volume = int(cash * 0.6 / q.bid_price[4]) // 100 * 100
    first = desk.buy(code, volume, q.bid_price[4])
    desk.wait_status(first, xc.ORDER_REPORTED)
    frozen = desk.asset().frozen_cash
    second = desk.buy(code, volume, q.bid_price[4])
    assert refused(desk, second, frozen).error_id == CounterError.CASH_INSUFFICIENT


def china_moment(*args: int) -> float:
    return datetime(*args, tzinfo=CHINA_TZ).timestamp()


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        ((2026, 11, 25, 10, 0), True),  # Wednesday morning session
        ((2026, 11, 25, 14, 59), True),
        ((2026, 11, 25, 9, 15), False),  # before the open
        ((2026, 11, 25, 12, 0), False),  # lunch
        ((2026, 11, 25, 15, 0), False),  # closed
        ((2026, 11, 25, 20, 0), False),  # evening
        ((2026, 11, 28, 10, 0), False),  # Saturday
    ],
)
def test_real_hours_mode_refuses_orders_outside_the_sessions_with_minus_61(
    desk: Any, moment: tuple[int, ...], allowed: bool
):
    desk.counter.config.real_hours = True
    desk.counter.clock = lambda: china_moment(*moment)
    code = "162411.SZ"
    order_id = desk.buy(code, 100, desk.quote(code).ask_price[0])
    if allowed:
        desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
        desk.check()
        return
    e = refused(desk, order_id)
    assert e.error_id == -61 == CounterError.TIME_NOT_ALLOWED
    assert e.error_msg == "限价买入 [SZ162411] [COUNTER] [-61][当前时间不允许此类证券交易]"


def test_default_mode_trades_at_any_hour(desk: Any):
    desk.counter.clock = lambda: china_moment(2026, 11, 28, 23, 0)  # Saturday night
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    desk.check()


def test_the_refused_order_error_comes_after_its_order_push(desk: Any):
    mark = desk.recorder.mark()
    order_id = desk.buy("600036.SH", 150, 40.0)
    desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id, after=mark)
    names = desk.recorder.names(after=mark)
    assert names == ["on_stock_order", "on_stock_order", "on_order_error"]
    statuses = [o.order_status for o in desk.recorder.payloads("on_stock_order", after=mark)]
    assert statuses == [xc.ORDER_UNREPORTED, xc.ORDER_JUNK]
