"""TradingSession: listeners, the worker thread, validation, refusals, status text."""

from __future__ import annotations

import concurrent.futures
import gc
import itertools
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from xtquant import xtconstant
from xtquant.xttype import XtCancelOrderResponse, XtOrderError, XtOrderResponse

from app.models import records
from app.services.backends import BrokerUnavailableError, make_trader_factory
from app.services.session import (
    CancelResult,
    ConnectionStatus,
    NotConnectedError,
    OrderRejected,
    SessionState,
    TradingSession,
    counter_reason,
    next_session_id,
)
from app.services.sim import SimConfig, SimCounter, SimXtQuantTrader
from tests.services.conftest import ACCOUNT_ID, TIMEOUT, Recorder

pytestmark = pytest.mark.usefixtures("no_leaked_threads")


@pytest.fixture
def session(counter: Any, sim_folder: str, recorder: Recorder) -> Iterator[TradingSession]:
    trading = TradingSession("sim")
    trading.add_listener(recorder)
    assert trading.connect(sim_folder, ACCOUNT_ID, reconnect_interval=0.02)
    yield trading
    trading.disconnect()


def ask(counter: Any, code: str = "600036.SH") -> float:
    return counter.market.quote(code).ask_price[0]


# ------------------------------------------------------------------ construction


def test_unknown_backend_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'miniqmt', 'sim', 'sim-vendor'"):
        make_trader_factory("qmt")


def test_miniqmt_backend_refuses_without_the_native_module() -> None:
    from app.services.sim.standin import native_xtquant_available

    if native_xtquant_available():
        pytest.skip("native xtquant loads here")
    with pytest.raises(BrokerUnavailableError, match="Windows"):
        make_trader_factory("miniqmt")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", ACCOUNT_ID), "miniqmt_path 不能为空"),
        (("  ", ACCOUNT_ID), "miniqmt_path 不能为空"),
        (("x", ""), "stock_account 不能为空"),
        (("x", 1234567890), "stock_account 不能为空"),
        (("x", ACCOUNT_ID, True, 0), "重连间隔必须大于 0 秒"),
        (("x", ACCOUNT_ID, True, 5, -1), "最大重连次数不能为负数"),
    ],
)
def test_connect_arguments_are_validated(counter: Any, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TradingSession("sim").connect(*args)


def test_session_ids_are_never_reused() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        ids = [next_session_id() for _ in range(500)]
        with lock:
            seen.extend(ids)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == len(seen) == 4000
    assert all(100_000 <= i < 1_000_000 for i in seen)


# ------------------------------------------------------------------ status


def test_status_text_for_the_status_bar() -> None:
    now = 500.0
    status = ConnectionStatus(SessionState.RECONNECTING, ACCOUNT_ID, "p", 3, 10, now + 3.2)
    assert status.describe(now) == "重连中 第 3/10 次，4 秒后重试"
    assert status.seconds_to_retry(now) == pytest.approx(3.2)
    assert status.seconds_to_retry(now + 10) == 0.0
    forever = ConnectionStatus(SessionState.RECONNECTING, ACCOUNT_ID, "p", 7, 0, now + 5)
    assert forever.describe(now) == "重连中 第 7 次，5 秒后重试"
    trying = ConnectionStatus(SessionState.RECONNECTING, ACCOUNT_ID, "p", 2, 5, None)
    assert trying.describe(now) == "重连中 第 2/5 次，正在连接…"
    assert ConnectionStatus(SessionState.CONNECTED, ACCOUNT_ID).describe() == f"已连接 {ACCOUNT_ID}"
    assert ConnectionStatus().describe() == "未连接"
    assert ConnectionStatus().seconds_to_retry() is None


def test_connect_publishes_connecting_then_connected(
    session: TradingSession, recorder: Recorder
) -> None:
    states = [e.state for e in recorder.of(ConnectionStatus)]
    assert states == [SessionState.CONNECTING, SessionState.CONNECTED]
    assert session.status.state is SessionState.CONNECTED
    assert session.status.account_id == ACCOUNT_ID
    # The initial sync publishes the account as ONE snapshot, before CONNECTED.
    kinds = [type(e) for e in recorder.events]
    assert kinds.count(records.AccountSnapshot) == 1
    assert kinds.index(records.AccountSnapshot) < kinds.index(ConnectionStatus, 1)
    assert not {records.Asset, records.Position, records.Order, records.Trade} & set(kinds)
    (snapshot,) = recorder.of(records.AccountSnapshot)
    assert snapshot.asset is not None and snapshot.asset.account_id == ACCOUNT_ID
    assert snapshot.asset == session.query_asset()
    assert snapshot.positions == tuple(session.query_positions())
    assert snapshot.orders == () and snapshot.trades == ()
    assert records.Connected in kinds


# ------------------------------------------------------------------ listeners and worker


def test_a_failing_listener_is_logged_with_traceback_and_others_still_run(
    session: TradingSession, counter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: Any) -> None:
        raise RuntimeError("listener bug")

    got: list[Any] = []
    arrived = threading.Event()

    def good(event: Any) -> None:
        got.append(event)
        if isinstance(event, records.Trade):
            arrived.set()

    session.add_listener(broken)
    session.add_listener(good)
    session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    assert arrived.wait(TIMEOUT)
    failures = [r for r in caplog.records if r.getMessage().startswith("事件监听器 ")]
    assert failures and all(r.exc_info and r.levelno == logging.ERROR for r in failures)
    assert "listener bug" in caplog.text
    session.remove_listener(broken)


def test_a_failing_user_callback_is_logged_and_delivery_goes_on(
    session: TradingSession, counter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    trades = threading.Event()

    class Broken:
        def on_stock_order(self, order: Any) -> None:
            raise ValueError("user bug")

        def on_stock_trade(self, trade: Any) -> None:
            trades.set()

    session.add_xt_callback(Broken())
    session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    assert trades.wait(TIMEOUT)
    (record, *_) = [r for r in caplog.records if "Broken.on_stock_order" in r.getMessage()]
    assert record.exc_info is not None


def test_submit_runs_calls_in_order_on_one_worker_thread(session: TradingSession) -> None:
    order: list[int] = []
    names: set[str] = set()

    def step(i: int) -> int:
        order.append(i)
        names.add(threading.current_thread().name)
        return i

    futures = [session.submit(step, i) for i in range(50)]
    assert [f.result(TIMEOUT) for f in futures] == list(range(50))
    assert order == list(range(50))
    assert len(names) == 1 and names.pop().startswith("qmtdesk-session")
    assert session.submit(session.query_asset).result(TIMEOUT).account_id == ACCOUNT_ID


def test_a_failure_of_submit_that_nobody_reads_is_logged_with_traceback(
    session: TradingSession, caplog: pytest.LogCaptureFixture
) -> None:
    def boom() -> None:
        raise RuntimeError("nobody reads me")

    def read_me() -> None:
        raise RuntimeError("this one is read")

    read = session.submit(read_me)
    with pytest.raises(RuntimeError, match="this one is read"):
        read.result(TIMEOUT)
    del read
    unread = session.submit(boom)
    concurrent.futures.wait([unread], TIMEOUT)
    assert unread.done()
    del unread
    deadline = time.monotonic() + TIMEOUT
    while not any(r.exc_info for r in caplog.records):
        assert time.monotonic() < deadline, "the unread failure was never logged"
        gc.collect()
        time.sleep(0.01)
    (record,) = [r for r in caplog.records if r.name == "app.services.session" and r.exc_info]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (
        "后台调用 test_a_failure_of_submit_that_nobody_reads_is_logged_with_traceback"
        ".<locals>.boom 出错，其结果无人读取"
    )
    assert "nobody reads me" in caplog.text and "this one is read" not in caplog.text


def test_disconnect_from_the_worker_thread_does_not_deadlock(session: TradingSession) -> None:
    session.submit(session.disconnect).result(TIMEOUT)
    assert session.state is SessionState.DISCONNECTED


# ------------------------------------------------------------------ queries


def test_queries_return_records(session: TradingSession, counter: Any) -> None:
    order_id = session.place_order("sh600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    assert session.query_asset().account_id == ACCOUNT_ID
    assert {p.stock_code for p in session.query_positions()} >= {"600036.SH"}
    assert [o.order_id for o in session.query_orders()] == [order_id]
    assert session.query_orders(cancelable_only=True) == []
    assert session.query_order(order_id).order_status == xtconstant.ORDER_SUCCEEDED
    assert session.query_order(999_999) is None
    assert [t.order_id for t in session.query_trades()] == [order_id]
    assert session.query_position("600036").volume == 1100


def test_queries_while_reconnecting_say_so(
    session: TradingSession, counter: Any, recorder: Recorder
) -> None:
    counter.faults.refuse_connections(3600)
    counter.faults.drop_connections()
    recorder.wait_for(
        lambda e: isinstance(e, ConnectionStatus) and e.state is SessionState.RECONNECTING
    )
    with pytest.raises(NotConnectedError, match="正在自动重连"):
        session.query_positions()
    session.stop_reconnect()


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (
            ("600036", "buy", 100, xtconstant.MARKET_SZ_FULL_OR_CANCEL),
            "price_type",
            "沪市(SH)不支持报价类型「全额成交或撤销委托」",
        ),
        (
            ("000001", "buy", 100, xtconstant.MARKET_SH_CONVERT_5_LIMIT),
            "price_type",
            "深市(SZ)不支持报价类型「最优五档即时成交剩转限价」",
        ),
        (("600036", "buy", 100, "11"), "price_type", "报价类型无效"),
        (("600036", "hold", 100, 11, 35.5), "side", "买卖方向无效"),
        (("600036", "buy", 100.5, 11, 35.5), "volume", "整数"),
        (("600036", "buy", 100, 11, "35.5"), "price", "必须是数字"),
        (("600036", "buy", 100, 11, float("inf")), "price", "委托价格无效"),
        (("510300", "buy", 100, 11, 3.9005), "price", "0.001"),
        (("123", "buy", 100, 11, 3.9), "stock_code", "无法识别的证券代码"),
    ],
)
def test_orders_are_validated_before_sending(
    session: TradingSession, args: tuple[Any, ...], field: str, message: str
) -> None:
    with pytest.raises(OrderRejected, match=re.escape(message)) as info:
        session.place_order(*args)
    assert info.value.field == field and info.value.error_id is None
    assert session.query_orders() == []


@pytest.mark.parametrize("side", ["buy", "BUY", "买入", 23])
def test_side_spellings(session: TradingSession, counter: Any, side: Any) -> None:
    order_id = session.place_order("600036", side, 100.0, xtconstant.FIX_PRICE, ask(counter))
    assert session.query_order(order_id).order_type == xtconstant.STOCK_BUY


def test_an_odd_lot_sells_only_with_the_whole_position(tmp_path: Any) -> None:
    folder = str(tmp_path / "odd")
    config = SimConfig(auto_run=False, initial_holdings={"600036.SH": (150, 38.5)})
    counter = SimCounter.open(folder, config)
    session = TradingSession("sim")
    try:
        assert session.connect(folder, ACCOUNT_ID)
        with pytest.raises(OrderRejected, match="零股"):
            session.place_order("600036", "sell", 50, xtconstant.FIX_PRICE, 40.0)
        bid = counter.market.quote("600036.SH").bid_price[0]
        order_id = session.place_order("600036", "sell", 150, xtconstant.FIX_PRICE, bid)
        assert session.query_order(order_id).traded_volume == 150
    finally:
        session.disconnect()
        counter.close()


# ------------------------------------------------------------------ refusals (-1)


class MisbehavingTrader(SimXtQuantTrader):
    """The simulator's trader, told to answer -1 the way a real counter sometimes does:
    the async answer carries order id -1 and ``on_order_error`` follows with the reason,
    on the trader's side (another thread), as xtquant delivers them."""

    refuse_orders = False
    silent_cancel = False
    helpers: ClassVar[list[threading.Thread]] = []
    _seqs = itertools.count(900_000)

    def _later(self, *calls: tuple[Any, Any]) -> None:
        def deliver() -> None:
            for method, arg in calls:
                method(arg)

        helper = threading.Thread(target=deliver)
        self.helpers.append(helper)
        helper.start()

    def order_stock_async(self, account, stock_code, *args: Any, **kwargs: Any):  # type: ignore[override]
        if not self.refuse_orders:
            return super().order_stock_async(account, stock_code, *args, **kwargs)
        seq = next(self._seqs)
        response = XtOrderResponse(account.account_id, -1, "", "", "", seq)
        error = XtOrderError(
            account.account_id,
            -1,
            -57,
            "限价买入 [SH600036] [COUNTER] [-57][营业部禁止交易]",
            "",
            "",
        )
        self._later(
            (self.callback.on_order_stock_async_response, response),
            (self.callback.on_order_error, error),
        )
        return seq

    def cancel_order_stock_async(self, account, order_id):  # type: ignore[override]
        if not self.silent_cancel:
            return super().cancel_order_stock_async(account, order_id)
        seq = next(self._seqs)
        response = XtCancelOrderResponse(account.account_id, -1, order_id, "", seq, "")
        self._later((self.callback.on_cancel_order_stock_async_response, response))
        return seq


@pytest.fixture
def misbehaving(counter: Any, sim_folder: str) -> Iterator[tuple[TradingSession, type]]:
    trader_class = type("Trader", (MisbehavingTrader,), {"helpers": []})
    session = TradingSession("sim", trader_factory=trader_class, reply_timeout=0.2)
    assert session.connect(sim_folder, ACCOUNT_ID)
    yield session, trader_class
    session.disconnect()
    for helper in trader_class.helpers:
        helper.join(TIMEOUT)


def test_an_order_answered_with_minus_one_raises_with_the_counter_reason(
    misbehaving: tuple[TradingSession, type], counter: Any
) -> None:
    session, trader_class = misbehaving
    trader_class.refuse_orders = True
    with pytest.raises(OrderRejected) as info:
        session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    assert (
        str(info.value) == "委托失败: 600036.SH 买入 100 股，柜台拒绝: 营业部禁止交易（错误码 -57）"
    )
    assert info.value.error_id == -57


def test_a_silent_minus_one_cancel_is_explained_from_the_order_state(
    misbehaving: tuple[TradingSession, type], counter: Any
) -> None:
    session, trader_class = misbehaving
    filled = session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    trader_class.silent_cancel = True
    assert session.cancel_order(filled) == CancelResult(
        False, f"委托 {filled} 已成交，不能撤单", filled
    )
    assert session.cancel_order(424242) == CancelResult(False, "委托 424242 不存在", 424242)


def test_the_seed_api_raises_on_minus_one_and_logs_the_seed_error_line(
    counter: Any, sim_folder: str, caplog: pytest.LogCaptureFixture
) -> None:
    from app.services.miniqmt import MiniqmtTrader

    trader_class = type("Trader", (MisbehavingTrader,), {"helpers": [], "refuse_orders": True})
    session = TradingSession("sim", trader_factory=trader_class, reply_timeout=0.2)
    user = MiniqmtTrader("sim", session=session)
    try:
        user.connect(sim_folder, ACCOUNT_ID)
        with pytest.raises(ValueError, match="营业部禁止交易"):
            user.buy("600036", price=ask(counter), amount=100)
    finally:
        user.disconnect()
        for helper in trader_class.helpers:
            helper.join(TIMEOUT)
    (line,) = [r for r in caplog.records if r.getMessage().startswith("限价买入委托失败")]
    assert line.levelno == logging.ERROR
    # easytrader's line, word for word (the reason is in the exception and 下单失败回调).
    assert line.getMessage() == "限价买入委托失败: 股票代码=600036, 错误码=-1"


def test_a_silent_minus_one_says_no_reason_came(
    misbehaving: tuple[TradingSession, type], counter: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, trader_class = misbehaving
    monkeypatch.setattr(trader_class, "order_stock_async", lambda self, *args, **kwargs: -1)
    with pytest.raises(OrderRejected) as info:
        session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, ask(counter))
    assert str(info.value) == (
        "委托失败: 600036.SH 买入 100 股，柜台返回 -1，0.2 秒内未收到 on_order_error 说明原因"
    )
    assert (info.value.result, info.value.error_id, info.value.field) == (-1, None, None)


def test_several_wrong_arguments_are_reported_together(session: TradingSession) -> None:
    with pytest.raises(OrderRejected) as info:
        session.place_order("600036", "hold", 0, xtconstant.FIX_PRICE, "35.5")
    assert [p.field for p in info.value.problems] == ["side", "price", "volume"]
    assert str(info.value) == (
        "600036.SH: 买卖方向无效: 'hold'（应为 'buy' 或 'sell'）；委托价格必须是数字: '35.5'；"
        "委托数量必须大于 0"
    )
    assert info.value.field == "side"
    with pytest.raises(OrderRejected) as info:
        session.place_order("600036", "sell", 150, xtconstant.FIX_PRICE, 35.555)
    assert [p.code for p in info.value.problems] == ["price_off_tick", "odd_lot_sell"]
    assert session.query_orders() == []


def test_an_absurd_price_is_refused_before_sending_not_a_decimal_crash(
    session: TradingSession,
) -> None:
    with pytest.raises(OrderRejected) as info:
        session.place_order("600036", "buy", 100, xtconstant.FIX_PRICE, 1e300)
    assert [p.code for p in info.value.problems] == ["price_invalid"]
    assert session.query_orders() == []


def test_counter_reason_extracts_the_bracketed_reason() -> None:
    assert (
        counter_reason("撤单 [12] [COUNTER] [-72][已成交的委托不能撤单]") == "已成交的委托不能撤单"
    )
    assert counter_reason("限价买入 [SZ162411] [COUNTER] [12313][当前时间不允许此类证券交易]") == (
        "当前时间不允许此类证券交易"
    )
    assert counter_reason(" plain ") == "plain"
    assert counter_reason("") == ""


def test_market_data_follows_the_session_folder(session: TradingSession, counter: Any) -> None:
    market = session.market
    assert market is session.market
    assert market.quote("600036").last_price == counter.market.quote("600036.SH").last_price


def test_market_data_of_a_simulator_needs_a_folder() -> None:
    assert TradingSession("sim").market is None
