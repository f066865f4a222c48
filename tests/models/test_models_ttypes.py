"""Market-order types per exchange (app.models.ttypes)."""

import re
from pathlib import Path

import pytest
from xtquant import xtconstant

from app.models.codes import CodeError, Exchange
from app.models.ttypes import (
    DEFAULT_TTYPE,
    MARKET_TTYPES,
    TtypeError,
    accepted_price_types,
    is_market_price_type,
    market_price_type,
    ttype_name,
    ttypes_for,
)

SEED_DOC = Path(__file__).resolve().parents[3] / "shared" / "reference" / "easytrader-miniqmt.md"

# A literal copy of the seed doc's lists (easytrader docs, "市价委托类型（ttype）可选值"),
# so the spelling is checked even in a checkout without ../shared.
SEED_SZ = [
    "对手方最优价格委托",
    "本方最优价格委托",
    "即时成交剩余撤销委托",
    "最优五档即时成交剩余撤销",
    "全额成交或撤销委托",
]
SEED_SH = [
    "对手方最优价格委托",
    "最优五档即时成交剩余撤销",
    "最优五档即时成交剩转限价",
    "本方最优价格委托",
]


def _seed_lists(text: str) -> dict[str, list[str]]:
    lists: dict[str, list[str]] = {}
    for market, heading in (("SZ", "深市可选"), ("SH", "沪市可选")):
        block = text.split(heading, 1)[1]
        items: list[str] = []
        for line in block.splitlines()[1:]:
            line = line.strip()
            if not line:
                if items:
                    break
                continue
            if not line.startswith("-"):
                break
            items.append(re.sub(r"（默认）$", "", line.lstrip("- ").strip()))
        lists[market] = items
    return lists


def test_names_match_the_literal_seed_copy():
    assert list(MARKET_TTYPES[Exchange.SZ]) == SEED_SZ
    assert list(MARKET_TTYPES[Exchange.SH]) == SEED_SH
    assert MARKET_TTYPES[Exchange.BJ] == MARKET_TTYPES[Exchange.SH]


@pytest.mark.skipif(not SEED_DOC.is_file(), reason=f"seed doc not in this checkout: {SEED_DOC}")
def test_names_match_the_seed_doc_spelling():
    lists = _seed_lists(SEED_DOC.read_text(encoding="utf-8"))
    assert lists["SZ"] == SEED_SZ, "the seed doc changed: update SEED_SZ and the table"
    assert lists["SH"] == SEED_SH, "the seed doc changed: update SEED_SH and the table"
    assert list(MARKET_TTYPES[Exchange.SZ]) == lists["SZ"]
    assert list(MARKET_TTYPES[Exchange.SH]) == lists["SH"]
    assert "对手方最优价格委托（默认）" in SEED_DOC.read_text(encoding="utf-8")


def test_values_come_from_xtconstant():
    assert dict(MARKET_TTYPES[Exchange.SZ]) == {
        "对手方最优价格委托": 44,
        "本方最优价格委托": 45,
        "即时成交剩余撤销委托": 46,
        "最优五档即时成交剩余撤销": 47,
        "全额成交或撤销委托": 48,
    }
    assert dict(MARKET_TTYPES[Exchange.SH]) == {
        "对手方最优价格委托": 44,
        "本方最优价格委托": 45,
        "最优五档即时成交剩余撤销": 42,
        "最优五档即时成交剩转限价": 43,
    }
    assert MARKET_TTYPES[Exchange.SZ]["全额成交或撤销委托"] == xtconstant.MARKET_SZ_FULL_OR_CANCEL
    assert MARKET_TTYPES[Exchange.SH]["最优五档即时成交剩转限价"] == (
        xtconstant.MARKET_SH_CONVERT_5_LIMIT
    )


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        MARKET_TTYPES[Exchange.SZ]["x"] = 1  # type: ignore[index]


@pytest.mark.parametrize("code", ["600036", "000001.SZ", "430047", "688981", "159919", "920002"])
def test_default_is_peer_best_everywhere(code: str):
    assert DEFAULT_TTYPE == "对手方最优价格委托"
    assert market_price_type(code) == 44
    assert ttypes_for(code)[0] == DEFAULT_TTYPE


@pytest.mark.parametrize(
    ("code", "ttype", "expected"),
    [
        ("600036", "最优五档即时成交剩余撤销", 42),
        ("600036.SH", "最优五档即时成交剩转限价", 43),
        ("sh688981", "本方最优价格委托", 45),
        ("830799", "最优五档即时成交剩余撤销", 42),
        ("920002.BJ", "最优五档即时成交剩转限价", 43),
        ("000001", "最优五档即时成交剩余撤销", 47),
        ("300750", "即时成交剩余撤销委托", 46),
        ("sz162411", "全额成交或撤销委托", 48),
        ("000001", " 本方最优价格委托 ", 45),
    ],
)
def test_market_price_type(code: str, ttype: str, expected: int):
    assert market_price_type(code, ttype) == expected


@pytest.mark.parametrize(
    ("code", "ttype", "exchange"),
    [
        ("600036", "全额成交或撤销委托", Exchange.SH),
        ("600036", "即时成交剩余撤销委托", Exchange.SH),
        ("430047", "全额成交或撤销委托", Exchange.BJ),
        ("000001", "最优五档即时成交剩转限价", Exchange.SZ),
        ("000001", "市价", Exchange.SZ),
        ("000001", "", Exchange.SZ),
    ],
)
def test_wrong_ttype_names_exchange_and_accepted_list(code: str, ttype: str, exchange: Exchange):
    with pytest.raises(TtypeError) as err:
        market_price_type(code, ttype)
    e = err.value
    assert e.exchange is exchange
    assert e.accepted == list(MARKET_TTYPES[exchange])
    assert exchange.value in str(e) and exchange.name_zh in str(e)
    assert all(name in str(e) for name in e.accepted)
    assert repr(ttype) in str(e) and exchange.name_en in e.message_en


def test_non_text_ttype_is_a_ttype_error():
    with pytest.raises(TtypeError):
        market_price_type("600036", 44)  # type: ignore[arg-type]


def test_bad_code_is_a_code_error_not_a_ttype_error():
    with pytest.raises(CodeError):
        market_price_type("abc")


def test_ttype_name_round_trips_per_exchange():
    for ex_code in ("600036", "000001", "430047"):
        for name in ttypes_for(ex_code):
            assert ttype_name(ex_code, market_price_type(ex_code, name)) == name
    assert ttype_name("000001", 47) == "最优五档即时成交剩余撤销"
    assert ttype_name("600036", 42) == "最优五档即时成交剩余撤销"
    assert ttype_name("600036", 47) is None
    assert ttype_name("000001", 42) is None
    assert ttype_name("600036", 11) is None


def test_accepted_price_types():
    assert accepted_price_types("600036") == {5, 11, 42, 43, 44, 45}
    assert accepted_price_types("430047") == {5, 11, 42, 43, 44, 45}
    assert accepted_price_types("000001") == {5, 11, 44, 45, 46, 47, 48}


@pytest.mark.parametrize("pt", [18, 19, 20, 21, 22, 23, 24, 42, 43, 44, 45, 46, 47, 48])
def test_market_price_types(pt: int):
    assert is_market_price_type(pt)


@pytest.mark.parametrize("pt", [5, 11, 0, 12, 41, 49, 50, 51, 255, -1])
def test_not_market_price_types(pt: int):
    assert not is_market_price_type(pt)
