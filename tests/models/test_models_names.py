"""Display-name tables (app.models.names)."""

import pytest

from app.models.names import (
    ACCOUNT_STATUS,
    ACCOUNT_TYPE,
    CANCELABLE_STATUSES,
    DIRECTION,
    FINAL_STATUSES,
    OFFSET_FLAG,
    ORDER_STATUS,
    ORDER_TYPE,
    PRICE_TYPE,
    BrokerPriceType,
    name_of,
)

ALL_TABLES = [
    ORDER_STATUS,
    ORDER_TYPE,
    OFFSET_FLAG,
    DIRECTION,
    PRICE_TYPE,
    ACCOUNT_STATUS,
    ACCOUNT_TYPE,
]


def test_order_status_names_as_in_the_design():
    assert {code: zh for code, (zh, _) in ORDER_STATUS.items()} == {
        48: "未报",
        49: "待报",
        50: "已报",
        51: "已报待撤",
        52: "部成待撤",
        53: "部撤",
        54: "已撤",
        55: "部成",
        56: "已成",
        57: "废单",
        255: "未知",
    }


@pytest.mark.parametrize(
    ("table", "code", "zh", "en"),
    [
        (ORDER_TYPE, 23, "买入", "Buy"),
        (ORDER_TYPE, 24, "卖出", "Sell"),
        (OFFSET_FLAG, 48, "买入", "Buy"),
        (OFFSET_FLAG, 49, "卖出", "Sell"),
        (DIRECTION, 48, "多", "Long"),
        (DIRECTION, 49, "空", "Short"),
        (ACCOUNT_TYPE, 2, "股票", "Stock"),
        (ACCOUNT_STATUS, 0, "正常", "OK"),
        (ACCOUNT_STATUS, -1, "无效", "Invalid"),
        (ORDER_STATUS, 56, "已成", "Filled"),
        (ORDER_STATUS, 57, "废单", "Rejected"),
        (PRICE_TYPE, 11, "限价", "Limit"),
        (PRICE_TYPE, 5, "最新价", "Latest price"),
        (PRICE_TYPE, 44, "对手方最优价格委托", "Counterparty best price"),
        (PRICE_TYPE, 48, "全额成交或撤销委托", "Fill or kill"),
        (PRICE_TYPE, 42, "最优五档即时成交剩余撤销", "Best 5 levels, rest cancelled"),
        (PRICE_TYPE, 49, "市价", "Market"),
        (PRICE_TYPE, 50, "限价", "Limit"),
        (PRICE_TYPE, 51, "最优价", "Best price"),
    ],
)
def test_names(table, code: int, zh: str, en: str):
    assert name_of(table, code) == zh
    assert name_of(table, code, "zh") == zh
    assert name_of(table, code, lang="en") == en


def test_price_type_covers_codes_sent_and_codes_reported_back():
    sent = {5, 11, *range(18, 25), *range(42, 49)}
    reported = {49, 50, 51, *range(84, 90)}
    assert sent | reported <= set(PRICE_TYPE)
    assert not sent & reported
    assert BrokerPriceType.LIMIT == 50 and BrokerPriceType.ANY == 49 and BrokerPriceType.BEST == 51


def test_account_status_covers_xtconstant():
    assert set(ACCOUNT_STATUS) == set(range(-1, 10))


@pytest.mark.parametrize("table", ALL_TABLES)
def test_every_entry_has_chinese_and_english(table):
    for code, (zh, en) in table.items():
        assert isinstance(code, int)
        assert zh and en and zh != en
        assert en.isascii()


def test_unknown_codes_show_the_code():
    assert name_of(ORDER_STATUS, 99) == "未知(99)"
    assert name_of(ORDER_STATUS, 99, "en") == "Unknown(99)"
    assert name_of(PRICE_TYPE, -7) == "未知(-7)"
    assert name_of(ORDER_TYPE, None) == "未知(None)"  # type: ignore[arg-type]


def test_cancelable_and_final_statuses():
    assert {48, 49, 50, 55} == CANCELABLE_STATUSES
    assert {53, 54, 56, 57} == FINAL_STATUSES
    assert not CANCELABLE_STATUSES & FINAL_STATUSES
    # 51/52 are waiting for a cancel already; 255 is unknown: neither cancelable nor final.
    assert set(ORDER_STATUS) - CANCELABLE_STATUSES - FINAL_STATUSES == {51, 52, 255}


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        ORDER_STATUS[1] = ("x", "y")  # type: ignore[index]
