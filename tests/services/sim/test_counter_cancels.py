"""Cancels: 已报待撤 -> 已撤, 部成待撤 -> 部撤, and on_cancel_error for what cannot be cancelled."""

from __future__ import annotations

from typing import Any

from xtquant import xtconstant as xc

from app.services.sim.errors import CounterError


def resting_buy(desk: Any, code: str = "600036.SH", volume: int = 100) -> int:
    order_id = desk.buy(code, volume, desk.quote(code).bid_price[2])
    desk.wait_status(order_id, xc.ORDER_REPORTED)
    return order_id


def test_cancel_a_resting_buy_releases_the_cash(desk: Any):
    cash = desk.asset().cash
    order_id = resting_buy(desk)
    assert desk.asset().frozen_cash > 0
    mark = desk.recorder.mark()
    assert desk.trader.cancel_order_stock(desk.account, order_id) == 0
    desk.wait_status(order_id, xc.ORDER_CANCELED, after=mark)
    statuses = [o.order_status for o in desk.recorder.payloads("on_stock_order", after=mark)]
    assert statuses == [xc.ORDER_REPORTED_CANCEL, xc.ORDER_CANCELED]
    asset = desk.asset()
    assert asset.frozen_cash == 0 and asset.cash == cash
    desk.check()


def test_cancel_a_partly_filled_order_is_a_partial_cancel(desk: Any):
    code = "162411.SZ"
    q = desk.quote(code)
    order_id = desk.buy(code, q.ask_volume[0] + 50_000, q.ask_price[0])
    desk.wait_status(order_id, xc.ORDER_PART_SUCC)
    mark = desk.recorder.mark()
    assert desk.trader.cancel_order_stock(desk.account, order_id) == 0
    done = desk.wait_status(order_id, xc.ORDER_PART_CANCEL, after=mark)
    assert done.traded_volume == q.ask_volume[0]
    statuses = [o.order_status for o in desk.recorder.payloads("on_stock_order", after=mark)]
    assert statuses == [xc.ORDER_PARTSUCC_CANCEL, xc.ORDER_PART_CANCEL]
    assert desk.asset().frozen_cash == 0
    desk.check()


def test_cancel_a_resting_sell_unfreezes_the_shares(desk: Any):
    code = "000001.SZ"
    before = desk.position(code).can_use_volume
    order_id = desk.sell(code, 500, desk.quote(code).ask_price[3])
    desk.wait_status(order_id, xc.ORDER_REPORTED)
    assert desk.position(code).can_use_volume == before - 500
    assert desk.trader.cancel_order_stock(desk.account, order_id) == 0
    desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert desk.position(code).can_use_volume == before
    assert desk.position(code).frozen_volume == 0
    desk.check()


def cancel_refused(desk: Any, order_id: int, error: CounterError) -> None:
    mark = desk.recorder.mark()
    assert desk.trader.cancel_order_stock(desk.account, order_id) == -1
    e = desk.recorder.wait("on_cancel_error", lambda e: e.order_id == order_id, after=mark)
    assert e.error_id == error
    assert e.error_msg.endswith(f"[{int(error)}][{error.reason}]")
    desk.check()


def test_cancel_a_filled_order_is_refused(desk: Any):
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    cancel_refused(desk, order_id, CounterError.CANCEL_ALREADY_FILLED)
    assert CounterError.CANCEL_ALREADY_FILLED.reason == "已成交的委托不能撤单"


def test_cancel_twice_is_refused_the_second_time(desk: Any):
    order_id = resting_buy(desk)
    assert desk.trader.cancel_order_stock(desk.account, order_id) == 0
    cancel_refused(desk, order_id, CounterError.CANCEL_ALREADY_CANCELLED)


def test_cancel_a_rejected_or_unknown_order_is_refused(desk: Any):
    rejected = desk.buy("600036.SH", 150, 40.0)
    desk.recorder.wait("on_order_error")
    cancel_refused(desk, rejected, CounterError.CANCEL_ALREADY_REJECTED)
    cancel_refused(desk, 987_654, CounterError.CANCEL_ORDER_NOT_FOUND)


def test_cancel_another_accounts_order_is_not_found(open_desk):
    mine = open_desk()
    theirs = open_desk("someone-else")
    order_id = resting_buy(theirs)
    cancel_refused(mine, order_id, CounterError.CANCEL_ORDER_NOT_FOUND)
    assert theirs.order(order_id).order_status == xc.ORDER_REPORTED


def test_cancel_by_counter_number(desk: Any):
    order_id = resting_buy(desk)
    sysid = desk.order(order_id).order_sysid
    assert desk.trader.cancel_order_stock_sysid(desk.account, "SH", sysid) == 0
    desk.wait_status(order_id, xc.ORDER_CANCELED)
    assert desk.trader.cancel_order_stock_sysid(desk.account, xc.SH_MARKET, "no-such") == -1
    desk.check()


def test_async_cancel_answers_first_then_pushes(desk: Any):
    order_id = resting_buy(desk)
    mark = desk.recorder.mark()
    seq = desk.trader.cancel_order_stock_async(desk.account, order_id)
    assert seq > 0
    response = desk.recorder.wait("on_cancel_order_stock_async_response", after=mark)
    assert (response.seq, response.order_id, response.cancel_result) == (seq, order_id, 0)
    desk.wait_status(order_id, xc.ORDER_CANCELED, after=mark)
    assert desk.recorder.names(after=mark)[0] == "on_cancel_order_stock_async_response"
    desk.check()


def test_async_cancel_of_a_filled_order_answers_then_reports_the_error(desk: Any):
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)
    mark = desk.recorder.mark()
    seq = desk.trader.cancel_order_stock_sysid_async(
        desk.account, xc.SH_MARKET, desk.order(order_id).order_sysid
    )
    desk.recorder.wait("on_cancel_error", after=mark)
    assert desk.recorder.names(after=mark) == [
        "on_cancel_order_stock_async_response",
        "on_cancel_error",
    ]
    response = desk.recorder.payloads("on_cancel_order_stock_async_response", after=mark)[0]
    assert response.seq == seq and response.cancel_result == -1 and response.error_msg
    desk.check()
