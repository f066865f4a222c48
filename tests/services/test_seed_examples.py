"""The seed documentation's examples (easytrader's miniqmt), end to end, against use('sim').

Every example of ``../shared/reference/easytrader-miniqmt.md`` runs here with
exact keys, types and values; the ones where the vendor's threads matter
(connect, order, fill, callbacks) run a second time through xtquant's own
``XtQuantTrader`` over the simulator's stand-in (``use('sim-vendor')``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from xtquant import xtconstant

from app.models.rules import round_to_tick
from app.models.ttypes import ttypes_for
from app.services.miniqmt import (
    BALANCE_KEYS,
    ENTRUST_KEYS,
    POSITION_KEYS,
    TRADE_KEYS,
    BrokerUnavailableError,
    MiniqmtTrader,
    NotConnectedError,
    use,
)
from app.services.sim.config import DEFAULT_HOLDINGS
from tests.services.conftest import ACCOUNT_ID, SEED_ENTRUST, TIMEOUT

pytestmark = [
    pytest.mark.usefixtures("no_leaked_threads"),
    pytest.mark.filterwarnings("ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"),
]

BACKENDS_THAT_MATTER = ["sim", "sim-vendor"]

# The broker's price-type codes for what we send (a limit order comes back as 50 限价).
REPORTED = {
    xtconstant.FIX_PRICE: (50, "限价"),
    xtconstant.MARKET_PEER_PRICE_FIRST: (84, "对手方最优价格"),
    xtconstant.MARKET_MINE_PRICE_FIRST: (86, "本方最优价格"),
    xtconstant.MARKET_SZ_INSTBUSI_RESTCANCEL: (87, "即时成交剩余撤销"),
    xtconstant.MARKET_SH_CONVERT_5_CANCEL: (88, "最优五档即时成交剩余撤销"),
    xtconstant.MARKET_SZ_CONVERT_5_CANCEL: (88, "最优五档即时成交剩余撤销"),
    xtconstant.MARKET_SH_CONVERT_5_LIMIT: (85, "最优五档即时成交剩余转限价"),
    xtconstant.MARKET_SZ_FULL_OR_CANCEL: (89, "全额成交并撤单"),
}
SEED_TTYPES = {
    "SZ": [
        "对手方最优价格委托",
        "本方最优价格委托",
        "即时成交剩余撤销委托",
        "最优五档即时成交剩余撤销",
        "全额成交或撤销委托",
    ],
    "SH": [
        "对手方最优价格委托",
        "最优五档即时成交剩余撤销",
        "最优五档即时成交剩转限价",
        "本方最优价格委托",
    ],
}
TTYPE_CODE = {
    ("SH", "对手方最优价格委托"): 44,
    ("SH", "本方最优价格委托"): 45,
    ("SH", "最优五档即时成交剩余撤销"): 42,
    ("SH", "最优五档即时成交剩转限价"): 43,
    ("SZ", "对手方最优价格委托"): 44,
    ("SZ", "本方最优价格委托"): 45,
    ("SZ", "即时成交剩余撤销委托"): 46,
    ("SZ", "最优五档即时成交剩余撤销"): 47,
    ("SZ", "全额成交或撤销委托"): 48,
}


@pytest.fixture(params=BACKENDS_THAT_MATTER)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def user(counter: Any, sim_folder: str) -> Iterator[MiniqmtTrader]:
    """``use('sim')`` connected as in the doc's first example."""
    trader = use("sim")
    assert trader.connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID) is True
    yield trader
    trader.disconnect()


@pytest.fixture
def any_user(counter: Any, sim_folder: str, backend: str) -> Iterator[MiniqmtTrader]:
    """Connected through ``use('sim')`` and through the vendor class (``use('sim-vendor')``)."""
    trader = use(backend)
    assert trader.connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID) is True
    yield trader
    trader.disconnect()


def ask(counter: Any, code: str) -> float:
    return counter.market.quote(code).ask_price[0]


def bid(counter: Any, code: str) -> float:
    return counter.market.quote(code).bid_price[0]


def entrust(user: MiniqmtTrader, order_id: int) -> dict[str, Any]:
    (row,) = [row for row in user.today_entrusts if row["order_id"] == order_id]
    return row


# ------------------------------------------------------------------ use()


def test_use_names_the_valid_backends_for_an_unknown_one() -> None:
    with pytest.raises(ValueError, match=r"'miniqmt', 'sim', 'sim-vendor'"):
        use("ths")


def test_use_returns_the_same_class_for_every_backend() -> None:
    assert {type(use(name)) for name in ("miniqmt", "sim", "SIM ", "sim-vendor")} == {MiniqmtTrader}


def test_miniqmt_without_the_native_module_fails_in_one_sentence(sim_folder: str) -> None:
    from app.services.sim.standin import native_xtquant_available

    if native_xtquant_available():
        pytest.skip("xtquant's native module loads here: use('miniqmt') would reach a real QMT")
    with pytest.raises(BrokerUnavailableError) as info:
        use("miniqmt").connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID)
    message = str(info.value)
    assert "Windows" in message and "极简模式/独立交易模式" in message and "use('sim')" in message
    assert message.count("。") == 1 and message.endswith("。")


def test_the_doc_callback_import_works_after_importing_the_api() -> None:
    from xtquant.xttrader import XtQuantTraderCallback

    import app.services.miniqmt  # noqa: F401

    assert callable(XtQuantTraderCallback().on_stock_order)


# ------------------------------------------------------------------ connect


def test_connect_logs_the_seed_lines(
    counter: Any, sim_folder: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = use("sim")
    try:
        user.connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID)
    finally:
        user.disconnect()
    lines = [
        (r.levelname, r.getMessage()) for r in caplog.records if r.name == "app.services.session"
    ]
    expected = [
        ("INFO", "正在连接到 MiniQMT..."),
        ("INFO", f"MiniQMT 路径: {sim_folder}"),
        ("INFO", f"资金账号: {ACCOUNT_ID}"),
        ("INFO", "自动重连: 启用"),
        ("INFO", "重连间隔: 5 秒"),
        ("INFO", "最大重连次数: 无限"),
        ("INFO", "<session id>"),
        ("INFO", "正在尝试连接..."),
        ("INFO", f"✓ 成功连接到 MiniQMT, 账号: {ACCOUNT_ID}"),
        ("INFO", f"✓ 已订阅账户: {ACCOUNT_ID}"),
    ]
    assert re.fullmatch(r"创建 XtQuantTrader 实例，会话ID: \d{6}", lines[6][1])
    lines[6] = ("INFO", "<session id>")
    assert lines[: len(expected)] == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"reconnect_enabled": True, "reconnect_interval": 10, "max_reconnect_attempts": 10},
            ["自动重连: 启用", "重连间隔: 10 秒", "最大重连次数: 10"],
        ),
        ({"reconnect_enabled": False}, ["自动重连: 禁用", "重连间隔: 5 秒", "最大重连次数: 无限"]),
    ],
)
def test_connect_logs_the_reconnect_options(
    counter: Any,
    sim_folder: str,
    caplog: pytest.LogCaptureFixture,
    options: dict[str, Any],
    expected: list[str],
) -> None:
    caplog.set_level(logging.INFO)
    user = use("sim")
    try:
        assert user.connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID, **options)
    finally:
        user.disconnect()
    messages = [r.getMessage() for r in caplog.records if r.name == "app.services.session"]
    assert messages[3:6] == expected


def test_trader_and_account_are_the_raw_xtquant_objects(any_user: MiniqmtTrader) -> None:
    assert any_user.account.account_id == ACCOUNT_ID
    assert any_user.account.account_type == xtconstant.SECURITY_ACCOUNT
    asset = any_user.trader.query_stock_asset(any_user.account)
    assert asset.account_id == ACCOUNT_ID


# ------------------------------------------------------------------ balance, position


def test_balance_is_one_dict_with_the_six_seed_keys(user: MiniqmtTrader) -> None:
    balance = user.balance
    assert isinstance(balance, list) and len(balance) == 1
    (row,) = balance
    assert tuple(row) == BALANCE_KEYS
    assert row["cash"] == 1_000_000.0
    assert row["frozen_cash"] == 0.0
    assert row["account_type"] == 2
    assert row["account_id"] == ACCOUNT_ID
    market_value = sum(p["market_value"] for p in user.position)
    assert row["market_value"] == pytest.approx(market_value, abs=0.005)
    assert row["total_asset"] == pytest.approx(row["cash"] + row["market_value"], abs=0.005)
    assert all(isinstance(row[k], float) for k in ("total_asset", "market_value", "cash"))


def test_position_has_the_thirteen_seed_keys_and_bare_security(user: MiniqmtTrader) -> None:
    positions = user.position
    assert {p["stock_code"] for p in positions} == set(DEFAULT_HOLDINGS)
    for row in positions:
        assert tuple(row) == POSITION_KEYS
        volume, cost = DEFAULT_HOLDINGS[row["stock_code"]]
        assert row["security"] == row["stock_code"][:6]
        assert (row["volume"], row["can_use_volume"], row["yesterday_volume"]) == (volume,) * 3
        assert (row["frozen_volume"], row["on_road_volume"]) == (0, 0)
        assert row["avg_price"] == pytest.approx(cost)
        assert row["open_price"] == pytest.approx(cost)
        assert row["market_value"] > 0
        assert (row["direction"], row["account_type"], row["account_id"]) == (48, 2, ACCOUNT_ID)


# ------------------------------------------------------------------ orders


def test_limit_buy_returns_the_entrust_no_and_shows_in_today_entrusts(
    any_user: MiniqmtTrader, counter: Any
) -> None:
    price = ask(counter, "600036.SH")
    result = any_user.buy("600036", price=price, amount=100)
    assert list(result) == ["entrust_no"]
    order_id = result["entrust_no"]
    assert isinstance(order_id, int) and order_id > 0

    row = entrust(any_user, order_id)
    assert tuple(row) == ENTRUST_KEYS
    # The doc's example (a filled limit buy) with this order's own code, ids, price and account.
    assert row == SEED_ENTRUST | {
        "security": "600036",
        "stock_code": "600036.SH",
        "order_id": order_id,
        "order_sysid": row["order_sysid"],
        "order_time": row["order_time"],
        "price": price,
        "traded_price": price,
        "status_msg": row["status_msg"],
        "account_id": ACCOUNT_ID,
    }
    assert isinstance(row["order_sysid"], str) and row["order_sysid"]
    assert isinstance(row["order_time"], int) and row["order_time"] > 0


def test_today_trades_has_the_seed_keys(any_user: MiniqmtTrader, counter: Any) -> None:
    price = ask(counter, "600036.SH")
    order_id = any_user.buy("600036", price=price, amount=100)["entrust_no"]
    (trade,) = [t for t in any_user.today_trades if t["order_id"] == order_id]
    assert tuple(trade) == TRADE_KEYS
    assert trade["security"] == "600036" and trade["stock_code"] == "600036.SH"
    assert (trade["traded_price"], trade["traded_volume"]) == (price, 100)
    assert trade["traded_amount"] == pytest.approx(price * 100)
    assert (trade["order_type"], trade["order_type_name"]) == (23, "买入")
    assert (trade["offset_flag"], trade["offset_flag_name"]) == (48, "买入")
    assert (trade["account_id"], trade["account_type"]) == (ACCOUNT_ID, 2)
    assert trade["order_sysid"] == entrust(any_user, order_id)["order_sysid"]
    assert isinstance(trade["traded_id"], str) and trade["traded_id"]
    assert isinstance(trade["traded_time"], int) and trade["traded_time"] > 0


def test_limit_sell_of_a_holding(user: MiniqmtTrader, counter: Any) -> None:
    price = bid(counter, "600036.SH")
    order_id = user.sell("600036", price=price, amount=100)["entrust_no"]
    row = entrust(user, order_id)
    assert (row["order_type"], row["order_type_name"]) == (24, "卖出")
    assert (row["offset_flag"], row["offset_flag_name"]) == (49, "卖出")
    assert (row["order_status"], row["traded_volume"]) == (56, 100)
    holding = {p["stock_code"]: p for p in user.position}["600036.SH"]
    assert holding["volume"] == 900


@pytest.mark.parametrize("spelling", ["600036", "600036.SH", "sh600036", "SH600036", " 600036.sh "])
def test_any_accepted_code_spelling_places_the_same_order(
    user: MiniqmtTrader, counter: Any, spelling: str
) -> None:
    order_id = user.buy(spelling, price=ask(counter, "600036.SH"), amount=100)["entrust_no"]
    assert entrust(user, order_id)["stock_code"] == "600036.SH"


def test_the_seed_lists_the_market_ttypes_we_accept() -> None:
    assert ttypes_for("000001") == SEED_TTYPES["SZ"]
    assert set(ttypes_for("600036")) == set(SEED_TTYPES["SH"])
    assert ttypes_for("600036")[0] == "对手方最优价格委托"
    assert set(ttypes_for("430047")) == set(SEED_TTYPES["SH"])


@pytest.mark.parametrize(
    ("code", "exchange"), [("600036", "SH"), ("000001", "SZ"), ("430047", "BJ")]
)
def test_every_market_ttype_is_sent_with_its_price_type(
    user: MiniqmtTrader, code: str, exchange: str
) -> None:
    table = "SZ" if exchange == "SZ" else "SH"
    for ttype in SEED_TTYPES[table]:
        sent = TTYPE_CODE[(table, ttype)]
        order_id = user.market_buy(code, amount=100, ttype=ttype)["entrust_no"]
        assert order_id > 0
        row = entrust(user, order_id)
        assert (row["price_type"], row["price_type_name"]) == REPORTED[sent], ttype
        assert row["order_type_name"] == "买入"


@pytest.mark.parametrize("code", ["600036", "000001"])
def test_every_market_ttype_sells_too(user: MiniqmtTrader, code: str) -> None:
    table = "SZ" if code.startswith("0") else "SH"
    for ttype in SEED_TTYPES[table]:
        order_id = user.market_sell(code, amount=100, ttype=ttype)["entrust_no"]
        row = entrust(user, order_id)
        assert row["order_type_name"] == "卖出"
        assert row["price_type"] == REPORTED[TTYPE_CODE[(table, ttype)]][0]


def test_market_order_default_ttype_is_the_counterparty_best(user: MiniqmtTrader) -> None:
    order_id = user.market_buy("600036", amount=100)["entrust_no"]
    assert entrust(user, order_id)["price_type"] == 84
    order_id = user.market_sell("000001", amount=100, ttype=None)["entrust_no"]
    assert entrust(user, order_id)["price_type"] == 84


@pytest.mark.parametrize(
    ("code", "ttype"),
    [
        ("600036", "全额成交或撤销委托"),  # SZ only
        ("600036", "即时成交剩余撤销委托"),  # SZ only
        ("000001", "最优五档即时成交剩转限价"),  # SH/BJ only
        ("430047", "全额成交或撤销委托"),  # SZ only
        ("000001", "市价"),  # no such ttype anywhere
    ],
)
def test_a_ttype_the_exchange_does_not_take_is_refused_before_sending(
    user: MiniqmtTrader, code: str, ttype: str
) -> None:
    before = len(user.today_entrusts)
    with pytest.raises(ValueError, match=re.escape(ttype)) as info:
        user.market_buy(code, amount=100, ttype=ttype)
    assert "可选" in str(info.value)
    assert len(user.today_entrusts) == before


# ------------------------------------------------------------------ cancel


def test_cancel_entrust_success_and_the_reasons_it_fails(user: MiniqmtTrader, counter: Any) -> None:
    resting_price = round_to_tick("600036.SH", bid(counter, "600036.SH") * 0.97, "down")
    resting = user.buy("600036", price=resting_price, amount=100)["entrust_no"]
    assert entrust(user, resting)["order_status_name"] == "已报"

    assert user.cancel_entrust(resting) == {"success": True, "message": "success"}
    assert entrust(user, resting)["order_status_name"] == "已撤"

    again = user.cancel_entrust(resting)
    assert again["success"] is False
    assert again["message"].startswith(f"委托 {resting} ") and "撤销" in again["message"]

    filled = user.buy("600036", price=ask(counter, "600036.SH"), amount=100)["entrust_no"]
    result = user.cancel_entrust(filled)
    assert result["success"] is False
    assert result["message"] == f"委托 {filled} 撤单失败: 已成交的委托不能撤单"

    missing = user.cancel_entrust(987654)
    assert missing == {"success": False, "message": "委托 987654 撤单失败: 委托不存在，不能撤单"}

    assert user.cancel_entrust(-1) == {
        "success": False,
        "message": "委托编号无效: -1（应为下单返回的正整数）",
    }


# ------------------------------------------------------------------ callbacks


class Recording:
    """Mixed into the doc's MyTraderCallback: remembers each event, lets a test wait."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, str]] = []
        self._changed = threading.Condition()

    def _note(self, name: str, obj: Any = None) -> None:
        with self._changed:
            self.seen.append((name, obj, threading.current_thread().name))
            self._changed.notify_all()

    def wait(self, name: str, predicate: Any = lambda obj: True) -> Any:
        with self._changed:
            ok = self._changed.wait_for(
                lambda: any(n == name and predicate(o) for n, o, _ in self.seen), TIMEOUT
            )
            assert ok, f"no {name} within {TIMEOUT} s; saw {[n for n, _, _ in self.seen]}"
            return next(o for n, o, _ in self.seen if n == name and predicate(o))


def make_doc_callback() -> Any:
    """The seed doc's MyTraderCallback, verbatim, plus recording."""
    from xtquant.xttrader import XtQuantTraderCallback

    class MyTraderCallback(XtQuantTraderCallback):
        def on_disconnected(self):
            print("连接断开")

        def on_account_status(self, status):
            print(f"账户状态: {status.account_id}, 状态: {status.status}")

        def on_stock_order(self, order):
            print(f"委托回调: {order.stock_code}, 状态: {order.order_status}")

        def on_stock_trade(self, trade):
            print(f"成交回调: {trade.stock_code}, 价格: {trade.traded_price}")

        def on_order_error(self, order_error):
            print(f"下单失败: {order_error.order_id}, 错误: {order_error.error_msg}")

        def on_cancel_error(self, cancel_error):
            print(f"撤单失败: {cancel_error.order_id}, 错误: {cancel_error.error_msg}")

    class RecordingCallback(Recording, MyTraderCallback):
        def __init__(self) -> None:
            Recording.__init__(self)

        def on_disconnected(self):
            super().on_disconnected()
            self._note("on_disconnected")

        def on_connected(self):
            self._note("on_connected")

        def on_account_status(self, status):
            super().on_account_status(status)
            self._note("on_account_status", status)

        def on_stock_order(self, order):
            super().on_stock_order(order)
            self._note("on_stock_order", order)

        def on_stock_trade(self, trade):
            super().on_stock_trade(trade)
            self._note("on_stock_trade", trade)

        def on_order_error(self, order_error):
            super().on_order_error(order_error)
            self._note("on_order_error", order_error)

        def on_cancel_error(self, cancel_error):
            super().on_cancel_error(cancel_error)
            self._note("on_cancel_error", cancel_error)

    return RecordingCallback()


def test_the_doc_custom_callback_receives_every_event(
    counter: Any, sim_folder: str, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    callback = make_doc_callback()
    user = use(backend)
    try:
        user.connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID, trader_callback=callback)
        callback.wait("on_account_status")
        price = ask(counter, "600036.SH")
        filled = user.buy("600036", price=price, amount=100)["entrust_no"]
        trade = callback.wait("on_stock_trade", lambda t: t.order_id == filled)
        callback.wait("on_stock_order", lambda o: o.order_id == filled and o.order_status == 56)

        counter.faults.reject_next_order(-150, "资金账户已冻结")
        refused = user.buy("600036", price=price, amount=100)["entrust_no"]
        error = callback.wait("on_order_error", lambda e: e.order_id == refused)

        user.cancel_entrust(filled)
        cancel_error = callback.wait("on_cancel_error", lambda e: e.order_id == filled)
    finally:
        user.disconnect()

    assert trade.traded_price == price and trade.stock_code == "600036.SH"
    assert error.error_id == -150 and "资金账户已冻结" in error.error_msg
    assert cancel_error.error_msg.endswith("[已成交的委托不能撤单]")
    # Raw xtquant objects on the trader's callback thread, never the caller's.
    pushed = [(name, thread) for name, _, thread in callback.seen if name != "on_connected"]
    assert pushed and all(thread != "MainThread" for _, thread in pushed)
    # on_connected (which xtquant never calls) follows each successful connect.
    assert [name for name, _, _ in callback.seen].count("on_connected") == 1
    printed = capsys.readouterr().out.splitlines()
    assert f"账户状态: {ACCOUNT_ID}, 状态: 0" in printed
    assert "委托回调: 600036.SH, 状态: 56" in printed
    assert f"成交回调: 600036.SH, 价格: {price}" in printed
    assert f"下单失败: {refused}, 错误: {error.error_msg}" in printed
    assert f"撤单失败: {filled}, 错误: {cancel_error.error_msg}" in printed


def test_the_default_callback_logs_every_event_in_chinese(
    counter: Any, sim_folder: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seen = threading.Event()
    user = use(backend)
    user.session.add_listener(lambda e: type(e).__name__ == "OrderError" and seen.set())
    try:
        user.connect(miniqmt_path=sim_folder, stock_account=ACCOUNT_ID)
        user.buy("600036", price=ask(counter, "600036.SH"), amount=100)
        counter.faults.reject_next_order(-150, "资金账户已冻结")
        refused = user.buy("600036", price=ask(counter, "600036.SH"), amount=100)["entrust_no"]
        assert seen.wait(TIMEOUT)
    finally:
        user.disconnect()
    messages = [r.getMessage() for r in caplog.records if r.name == "app.services.miniqmt"]
    for prefix in ("账户状态信息: ", "委托回调: ", "成交回调: ", "持仓回调: ", "资金回调: "):
        assert any(m.startswith(prefix) for m in messages), prefix
    # easytrader's own line is the prefix, word for word; the details follow.
    assert any(
        re.match(r"委托回调: stock_code=600036\.SH, order_status=56, order_sysid=\w+, 已成, ", m)
        for m in messages
    )
    assert any(
        re.match(rf"成交回调: account_id={ACCOUNT_ID}, stock_code=600036\.SH, order_id=\d+, ", m)
        for m in messages
    )
    (line,) = [m for m in messages if m.startswith("下单失败回调: ")]
    assert re.fullmatch(
        rf"下单失败回调: order_id={refused}, error_id=-150, error_msg=.*资金账户已冻结.*", line
    )


# ------------------------------------------------------------------ error paths


@pytest.mark.parametrize(
    "call",
    [
        lambda u: u.balance,
        lambda u: u.position,
        lambda u: u.today_entrusts,
        lambda u: u.today_trades,
        lambda u: u.buy("600036", 35.5, 100),
        lambda u: u.market_sell("600036", 100),
        lambda u: u.cancel_entrust(1),
    ],
    ids=["balance", "position", "today_entrusts", "today_trades", "buy", "market_sell", "cancel"],
)
def test_not_connected_is_a_clear_error(call: Any) -> None:
    with pytest.raises(NotConnectedError, match=r"未连接到 MiniQMT：请先调用 connect"):
        call(use("sim"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("abc", 35.5, 100), "无法识别的证券代码"),
        (("sz600036", 35.5, 100), "证券代码与市场不符"),
        (("600036", 35.5, 150), "100 股的整数倍"),
        (("600036", 35.5, 0), "大于 0"),
        (("600036", 35.555, 100), "委托价格 35.555 不是最小变动价位 0.01 的整数倍"),
        (("600036", -1.0, 100), "委托价格无效"),
        (("600036", 0, 100), "必须大于 0"),
        (("688981", 50.0, 100), "至少 200"),
    ],
)
def test_invalid_orders_are_refused_before_sending(
    user: MiniqmtTrader, args: tuple[Any, ...], message: str
) -> None:
    before = len(user.today_entrusts)
    with pytest.raises(ValueError, match=re.escape(message)):
        user.buy(*args)
    assert len(user.today_entrusts) == before


def test_every_problem_of_one_order_is_reported_together(
    user: MiniqmtTrader, caplog: pytest.LogCaptureFixture
) -> None:
    """Off the tick AND not a lot: one ValueError naming both, one ERROR line, nothing sent."""
    caplog.set_level(logging.INFO)
    before = len(user.today_entrusts)
    with pytest.raises(ValueError) as info:
        user.buy("600036", price=35.555, amount=150)
    assert str(info.value) == (
        "600036.SH: 委托价格 35.555 不是最小变动价位 0.01 的整数倍；"
        "买入数量须为 100 股的整数倍（如 100 或 200）"
    )
    assert [p.code for p in info.value.problems] == ["price_off_tick", "volume_not_lot_multiple"]
    assert info.value.field == "price" and info.value.result is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"限价买入委托未发送: 股票代码=600036, {info.value}"]
    assert len(user.today_entrusts) == before


def test_counter_refusal_after_the_id_is_an_order_error(user: MiniqmtTrader, counter: Any) -> None:
    counter.faults.reject_next_order(-150, "资金账户已冻结")
    order_id = user.buy("600036", price=ask(counter, "600036.SH"), amount=100)["entrust_no"]
    assert order_id > 0
    row = entrust(user, order_id)
    assert (row["order_status"], row["order_status_name"]) == (57, "废单")
