"""The seed API's dict shapes and plumbing, without a counter."""

from __future__ import annotations

from typing import Any

import pytest

from app.models.records import Order, Position, Trade
from app.services.miniqmt import (
    ENTRUST_KEYS,
    POSITION_KEYS,
    TRADE_KEYS,
    MiniqmtTrader,
    entrust_dict,
    position_dict,
    trade_dict,
    use,
)
from app.services.session import SessionState, TradingSession


def test_the_seed_doc_entrust_example_round_trips() -> None:
    """The doc's today_entrusts example, rebuilt from the record it came from."""
    order = Order(
        account_id="1111111111",
        stock_code="162411.SZ",
        order_id=3456,
        order_sysid="1111",
        order_time=1634278451,
        order_type=23,
        order_volume=100,
        price_type=50,
        price=0.62,
        traded_volume=100,
        traded_price=0.613,
        order_status=56,
        status_msg="",
        strategy_name="",
        order_remark="",
        direction=48,
        offset_flag=48,
    )
    assert entrust_dict(order) == {
        "security": "162411",
        "stock_code": "162411.SZ",
        "order_id": 3456,
        "order_sysid": "1111",
        "order_time": 1634278451,
        "order_type": 23,
        "order_type_name": "买入",
        "order_volume": 100,
        "price_type": 50,
        "price_type_name": "限价",
        "price": 0.62,
        "traded_volume": 100,
        "traded_price": 0.613,
        "order_status": 56,
        "order_status_name": "已成",
        "status_msg": "",
        "offset_flag": 48,
        "offset_flag_name": "买入",
        "strategy_name": "",
        "order_remark": "",
        "direction": 48,
        "direction_name": "多",
        "account_type": 2,
        "account_id": "1111111111",
    }
    assert tuple(entrust_dict(order)) == ENTRUST_KEYS


def test_the_seed_doc_position_and_trade_examples_round_trip() -> None:
    position = Position(
        account_id="1111111111",
        stock_code="162411.SZ",
        volume=100,
        can_use_volume=100,
        open_price=0.618,
        market_value=63.8,
        yesterday_volume=100,
        avg_price=0.618,
    )
    assert position_dict(position) == {
        "security": "162411",
        "stock_code": "162411.SZ",
        "volume": 100,
        "can_use_volume": 100,
        "open_price": 0.618,
        "market_value": 63.8,
        "frozen_volume": 0,
        "on_road_volume": 0,
        "yesterday_volume": 100,
        "avg_price": 0.618,
        "direction": 48,
        "account_type": 2,
        "account_id": "1111111111",
    }
    assert tuple(position_dict(position)) == POSITION_KEYS
    trade = Trade(
        account_id="1111111111",
        stock_code="162411.SZ",
        traded_id="0303222200422222",
        traded_time=1634278451,
        traded_price=0.613,
        traded_volume=100,
        traded_amount=61.3,
        order_id=1111,
        order_type=23,
        offset_flag=48,
        order_sysid="1111",
    )
    row = trade_dict(trade)
    assert tuple(row) == TRADE_KEYS
    assert row["order_type_name"] == row["offset_flag_name"] == "买入"
    assert row["security"] == "162411" and row["traded_amount"] == 61.3


def test_unknown_codes_show_as_unknown_not_as_numbers() -> None:
    row = entrust_dict(Order(stock_code="600036.SH", price_type=999, order_status=77))
    assert row["price_type_name"] == "未知(999)"
    assert row["order_status_name"] == "未知(77)"


def test_a_code_outside_the_rules_keeps_its_digits_as_security() -> None:
    assert position_dict(Position(stock_code="399001.SZ"))["security"] == "399001"


def test_use_passes_options_to_the_trader() -> None:
    session = TradingSession("sim")
    trader = use("sim", session=session)
    assert trader.session is session and trader.backend == "sim"
    assert repr(trader) == "MiniqmtTrader(backend='sim', state=disconnected)"
    assert trader.trader is None and trader.account is None


def test_prepare_connects_with_the_remote_clients_kwargs(monkeypatch: Any) -> None:
    seen: dict[str, Any] = {}
    trader = MiniqmtTrader("sim")
    monkeypatch.setattr(trader, "connect", lambda **kwargs: seen.update(kwargs) or True)
    assert trader.prepare(kwargs={"miniqmt_path": "p", "stock_account": "a"}) is True
    assert seen == {"miniqmt_path": "p", "stock_account": "a"}


def test_context_manager_disconnects() -> None:
    with use("sim") as trader:
        assert trader.session.state is SessionState.DISCONNECTED
    assert trader.session.state is SessionState.DISCONNECTED


@pytest.mark.parametrize("name", ["", "MINIQMT2", "xq", None])
def test_use_rejects_unknown_names(name: Any) -> None:
    with pytest.raises(ValueError, match="可选"):
        use(name)
