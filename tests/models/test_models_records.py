"""Records built from xtquant objects (app.models.records) and quotes (app.models.quote)."""

import dataclasses
from types import SimpleNamespace

import pytest
from xtquant import xttype

from app.models.quote import InstrumentInfo, Quote
from app.models.records import (
    AccountStatus,
    Asset,
    CancelError,
    CancelOrderResponse,
    Connected,
    Disconnected,
    Order,
    OrderError,
    OrderResponse,
    Position,
    Trade,
)


def xt_samples() -> list[tuple[type, object]]:
    """One real xttype object per record, filled with distinct values."""
    return [
        (Asset, xttype.XtAsset("8800001", 600000.0, 1000.0, 400000.0, 1001000.0, 599000.0)),
        (
            Position,
            xttype.XtPosition(
                "8800001", "162411.SZ", 100, 100, 0.618, 63.8, 0, 0, 100, 0.618, 48,
                0.638, 0.0324, "0899000001", "华宝油气",
            ),
        ),
        (
            Order,
            xttype.XtOrder(
                "8800001", "162411.SZ", 3456, "1111", 1634278451, 23, 100, 50, 0.62, 100,
                0.613, 56, "", "s1", "r1", 48, 48, "0899000001", "华宝油气",
            ),
        ),
        (
            Trade,
            xttype.XtTrade(
                "8800001", "162411.SZ", 23, "0303222200422222", 1634278451, 0.613, 100, 61.3,
                1111, "1111", "s1", "r1", 48, 48, 5.0, "0899000001", "华宝油气",
            ),
        ),
        (OrderError, xttype.XtOrderError("8800001", 10231, -61, "当前时间不允许", "s", "r")),
        (CancelError, xttype.XtCancelError("8800001", 10231, 1, "1111", -1, "撤单失败")),
        (AccountStatus, xttype.XtAccountStatus("8800001", 2, 0)),
        (OrderResponse, xttype.XtOrderResponse("8800001", 10231, "s", "r", "", 7)),
        (CancelOrderResponse, xttype.XtCancelOrderResponse("8800001", 0, 10231, "1111", 8, "")),
    ]  # fmt: skip


@pytest.mark.parametrize(("cls", "xt"), xt_samples(), ids=lambda v: getattr(v, "__name__", ""))
def test_field_names_mirror_xttype_exactly(cls: type, xt: object):
    assert [f.name for f in dataclasses.fields(cls)] == list(vars(xt))


@pytest.mark.parametrize(("cls", "xt"), xt_samples(), ids=lambda v: getattr(v, "__name__", ""))
def test_from_xt_copies_every_field(cls, xt: object):
    record = cls.from_xt(xt)
    assert record.as_dict() == vars(xt)
    assert type(record.as_dict()) is dict


@pytest.mark.parametrize(("cls", "xt"), xt_samples(), ids=lambda v: getattr(v, "__name__", ""))
def test_records_are_frozen_and_hashable(cls, xt: object):
    record = cls.from_xt(xt)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.account_id = "x"
    assert hash(record) == hash(cls.from_xt(xt))
    assert record == cls.from_xt(xt)


def test_seed_doc_example_order():
    order = Order.from_xt(dict(xt_samples())[Order])
    assert order.stock_code == "162411.SZ"
    assert order.price_type == 50 and order.order_status == 56
    assert order.is_final and not order.is_cancelable
    assert order.remaining_volume == 0


def test_missing_attributes_take_defaults():
    # older/newer xtquant versions lack some attributes (e.g. instrument_name, secu_account)
    old = SimpleNamespace(
        account_id="1",
        stock_code="600036.SH",
        order_id=5,
        order_volume=300,
        traded_volume=100,
        order_status=55,
        price=35.5,
    )
    order = Order.from_xt(old)
    assert order.order_id == 5 and order.instrument_name == "" and order.secu_account == ""
    assert order.account_type == 2
    assert order.is_cancelable and not order.is_final
    assert order.remaining_volume == 200
    assert Asset.from_xt(object()) == Asset()


def test_none_values_take_defaults():
    err = OrderError.from_xt(xttype.XtOrderError("1", 9))  # error_id/msg default to None
    assert (err.error_id, err.error_msg, err.strategy_name) == (0, "", "")


def test_values_are_coerced_to_the_field_types():
    raw = SimpleNamespace(
        order_id="12", price=35, order_volume=100.0, order_sysid=1111, status_msg=b"\xe5\xba\x9f"
    )
    order = Order.from_xt(raw)
    assert order.order_id == 12 and isinstance(order.order_id, int)
    assert order.price == 35.0 and isinstance(order.price, float)
    assert order.order_volume == 100 and isinstance(order.order_volume, int)
    assert order.order_sysid == "1111"
    assert order.status_msg == "废"


@pytest.mark.parametrize("bad", [{"order_id": "abc"}, {"order_volume": 100.5}, {"price": "x"}])
def test_uncoercible_values_raise_naming_the_field(bad: dict):
    field = next(iter(bad))
    with pytest.raises(ValueError, match=rf"Order\.{field}"):
        Order.from_xt(SimpleNamespace(**bad))


def test_connection_markers():
    before = Disconnected(time=1.0)
    assert before.time == 1.0 and before.as_dict() == {"time": 1.0}
    assert Connected().time > 1_700_000_000
    assert Disconnected() != Connected()


def test_quote_change():
    q = Quote("600036.SH", "招商银行", 0, last_price=36.21, prev_close=35.5)
    assert q.change == pytest.approx(0.71)
    assert q.change_pct == pytest.approx(2.0)
    assert Quote("600036.SH").change == 0.0 and Quote("600036.SH").change_pct == 0.0
    assert Quote("600036.SH", prev_close=35.5).change_pct == 0.0  # no trade yet
    assert Quote("600036.SH").bid_price == (0.0,) * 5 and Quote("600036.SH").ask_volume == (0,) * 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.last_price = 1.0  # type: ignore[misc]


def test_instrument_info():
    info = InstrumentInfo("600036.SH", "招商银行", 35.5, 39.05, 31.95)
    assert info.is_st is False and info.up_limit == 39.05
