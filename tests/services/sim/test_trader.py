"""SimXtQuantTrader's life cycle, async calls and return conventions."""

from __future__ import annotations

import queue
import threading
from typing import Any

from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount, XtAccountStatus, XtAsset, XtOrderResponse

from app.services.sim.trader import SimXtQuantTrader


def test_connect_before_start_fails_and_stop_is_idempotent(counter: Any, sim_folder: str):
    trader = SimXtQuantTrader(sim_folder, 42)
    assert trader.connect() != 0
    trader.start()
    assert trader.connect() == 0 and trader.connected
    trader.stop()
    trader.stop()
    assert not trader.connected
    assert trader.query_stock_asset(StockAccount("x")) is None


def test_connect_on_pending_callback_session(desk: Any):
    names = desk.recorder.names()
    assert names[:2] == ["on_connected", "on_account_status"]
    status = desk.recorder.payloads("on_account_status")[0]
    assert isinstance(status, XtAccountStatus) and status.status == xc.ACCOUNT_STATUS_OK


def test_async_order_answers_with_the_order_id_before_the_pushes(desk: Any):
    mark = desk.recorder.mark()
    seq = desk.trader.order_stock_async(
        desk.account, "600036.SH", xc.STOCK_BUY, 100, xc.FIX_PRICE,
        desk.quote("600036.SH").ask_price[0], "策略A", "备注",
    )  # fmt: skip
    assert seq > 0
    response = desk.recorder.wait("on_order_stock_async_response", after=mark)
    assert isinstance(response, XtOrderResponse)
    assert response.seq == seq and response.order_id > 0
    assert (response.strategy_name, response.order_remark) == ("策略A", "备注")
    done = desk.wait_status(response.order_id, xc.ORDER_SUCCEEDED, after=mark)
    assert (done.strategy_name, done.order_remark) == ("策略A", "备注")
    assert desk.recorder.names(after=mark)[0] == "on_order_stock_async_response"
    second = desk.trader.order_stock_async(desk.account, "600036.SH", xc.STOCK_BUY, 100, 11, 40.0)
    assert second > seq
    desk.check()


def test_async_refused_order_answers_then_reports_the_error(desk: Any):
    mark = desk.recorder.mark()
    seq = desk.trader.order_stock_async(desk.account, "600036.SH", xc.STOCK_BUY, 150, 11, 40.0)
    error = desk.recorder.wait("on_order_error", after=mark)
    response = desk.recorder.payloads("on_order_stock_async_response", after=mark)[0]
    assert response.seq == seq and error.order_id == response.order_id
    assert error.seq == seq  # as the native object carries it
    desk.check()


def test_async_queries_call_back_on_the_session_thread(desk: Any):
    caller = threading.get_ident()
    answers: queue.Queue[tuple[str, Any, int]] = queue.Queue()

    def catch(name: str):
        return lambda result: answers.put((name, result, threading.get_ident()))

    t, account = desk.trader, desk.account
    assert t.query_stock_asset_async(account, catch("asset")) is None
    t.query_stock_orders_async(account, catch("orders"), cancelable_only=True)
    t.query_stock_trades_async(account, catch("trades"))
    t.query_stock_positions_async(account, catch("positions"))
    t.query_account_status_async(catch("status"))
    t.query_account_infos_async(catch("infos"))
    got = {}
    for _ in range(6):
        name, result, thread = answers.get(timeout=5)
        assert thread != caller
        got[name] = result
    assert isinstance(got["asset"], XtAsset)
    assert got["orders"] == [] and got["trades"] == []
    assert {p.stock_code for p in got["positions"]} >= {"600036.SH", "000001.SZ"}
    assert [s.account_id for s in got["status"]] == [desk.account.account_id]
    assert got["infos"][0].account_id == desk.account.account_id


def test_sync_account_queries(desk: Any):
    statuses = desk.trader.query_account_status()
    assert [(s.account_id, s.status) for s in statuses] == [
        (desk.account.account_id, xc.ACCOUNT_STATUS_OK)
    ]
    infos = desk.trader.query_account_infos()
    assert infos[0].account_type == xc.SECURITY_ACCOUNT
    assert desk.trader.query_account_info()[0].account_id == desk.account.account_id


def test_a_new_account_starts_with_cash_and_sellable_holdings(desk: Any):
    asset = desk.asset()
    assert asset.cash == 1_000_000.0 and asset.frozen_cash == 0
    positions = {p.stock_code: p for p in desk.trader.query_stock_positions(desk.account)}
    assert {code: p.volume for code, p in positions.items()} == {
        "600036.SH": 1000,
        "000001.SZ": 2000,
        "510300.SH": 5000,
        "162411.SZ": 1000,
    }
    assert all(p.can_use_volume == p.volume for p in positions.values())
    assert positions["600036.SH"].instrument_name == "招商银行"
    desk.check()


def test_malformed_calls_return_minus_one(desk: Any):
    t = desk.trader
    credit = StockAccount("x", "CREDIT")
    assert t.order_stock(credit, "600036.SH", 23, 100, 11, 40.0) == -1
    assert t.order_stock(desk.account, 600036, 23, 100, 11, 40.0) == -1
    assert t.order_stock(desk.account, "600036.SH", 23, "lots", 11, 40.0) == -1
    assert t.cancel_order_stock(desk.account, "abc") == -1
    assert t.cancel_order_stock_async(desk.account, "abc") == -1
    assert t.subscribe(credit) == -1
    assert t.query_stock_orders(credit) == []


def test_codes_in_other_spellings_are_normalised(desk: Any):
    order_id = desk.buy("sh600036", 100, desk.quote("600036.SH").ask_price[0])
    assert desk.order(order_id).stock_code == "600036.SH"
    assert desk.trader.query_stock_position(desk.account, "600036").stock_code == "600036.SH"
    desk.check()


def test_run_forever_returns_once_stopped(counter: Any, sim_folder: str):
    trader = SimXtQuantTrader(sim_folder, 77)
    trader.start()
    trader.connect()
    done = threading.Event()
    runner = threading.Thread(target=lambda: (trader.run_forever(), done.set()))
    runner.start()
    assert not done.wait(0.05)
    trader.stop()
    runner.join(5)
    assert done.is_set()


def test_compatibility_knobs(desk: Any):
    desk.trader.set_timeout(3000)
    desk.trader.set_relaxed_response_order_enabled(True)
    desk.trader.sleep(0)
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    desk.wait_status(order_id, xc.ORDER_SUCCEEDED)


def test_register_callback_switches_the_receiver(desk: Any):
    class Orders:
        def __init__(self) -> None:
            self.seen: queue.Queue[Any] = queue.Queue()

        def on_stock_order(self, order: Any) -> None:
            self.seen.put(order)

    other = Orders()
    desk.trader.register_callback(other)
    order_id = desk.buy("600036.SH", 100, desk.quote("600036.SH").ask_price[0])
    assert other.seen.get(timeout=5).order_id == order_id
    assert desk.recorder.payloads("on_stock_order") == []
