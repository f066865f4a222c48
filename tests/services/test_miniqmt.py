"""The seed API's dict shapes and plumbing, without a counter."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from app.models.records import Asset, Order, Position, Trade
from app.services.miniqmt import (
    BALANCE_KEYS,
    ENTRUST_KEYS,
    POSITION_KEYS,
    TRADE_KEYS,
    MiniqmtTrader,
    balance_dict,
    entrust_dict,
    position_dict,
    trade_dict,
    use,
)
from app.services.session import SessionState, TradingSession
from tests.services.conftest import SEED_ENTRUST, SEED_POSITION, SEED_TRADE


def record_of(kind: type, seed: dict[str, Any]) -> Any:
    """The record a seed example was made from: its fields, without ``security``/``*_name``."""
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in seed.items() if k in names})


@pytest.mark.parametrize(
    ("kind", "to_dict", "seed", "keys"),
    [
        (Order, entrust_dict, SEED_ENTRUST, ENTRUST_KEYS),
        (Position, position_dict, SEED_POSITION, POSITION_KEYS),
        (Trade, trade_dict, SEED_TRADE, TRADE_KEYS),
    ],
    ids=["today_entrusts", "position", "today_trades"],
)
def test_the_seed_doc_examples_round_trip(
    kind: type, to_dict: Any, seed: dict[str, Any], keys: tuple[str, ...]
) -> None:
    """Each doc example, rebuilt from the record it came from: every key, value, type, order."""
    row = to_dict(record_of(kind, seed))
    assert row == seed
    assert tuple(row) == tuple(seed) == keys
    assert [type(v) for v in row.values()] == [type(v) for v in seed.values()]


def test_the_seed_doc_balance_example_round_trips() -> None:
    seed = {
        "total_asset": 1000000.0,
        "market_value": 400000.0,
        "cash": 600000.0,
        "frozen_cash": 0.0,
        "account_type": 2,
        "account_id": "你的资金账号",
    }
    row = balance_dict(record_of(Asset, seed))
    assert row == seed and tuple(row) == BALANCE_KEYS
    assert [type(v) for v in row.values()] == [type(v) for v in seed.values()]


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
