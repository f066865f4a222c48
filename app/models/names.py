"""Display names for xtquant's enum codes, one table per enum, Chinese and English.

Every table maps ``code -> (中文, English)``. :func:`name_of` is what the tables
in the terminal call: ``name_of(ORDER_STATUS, 56) == '已成'``; a code the table
does not know shows as ``未知(<code>)`` rather than disappearing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from xtquant import xtconstant as xc

__all__ = [
    "ACCOUNT_STATUS",
    "ACCOUNT_TYPE",
    "CANCELABLE_STATUSES",
    "DIRECTION",
    "FINAL_STATUSES",
    "OFFSET_FLAG",
    "ORDER_STATUS",
    "ORDER_TYPE",
    "PRICE_TYPE",
    "BrokerPriceType",
    "NameTable",
    "name_of",
]

NameTable = Mapping[int, tuple[str, str]]
Lang = Literal["zh", "en"]


def _table(entries: dict[int, tuple[str, str]]) -> NameTable:
    return MappingProxyType(entries)


ORDER_STATUS: Final = _table(
    {
        xc.ORDER_UNREPORTED: ("未报", "Not reported"),  # 48
        xc.ORDER_WAIT_REPORTING: ("待报", "Pending report"),  # 49
        xc.ORDER_REPORTED: ("已报", "Reported"),  # 50
        xc.ORDER_REPORTED_CANCEL: ("已报待撤", "Cancel pending"),  # 51
        xc.ORDER_PARTSUCC_CANCEL: ("部成待撤", "Partly filled, cancel pending"),  # 52
        xc.ORDER_PART_CANCEL: ("部撤", "Partly cancelled"),  # 53
        xc.ORDER_CANCELED: ("已撤", "Cancelled"),  # 54
        xc.ORDER_PART_SUCC: ("部成", "Partly filled"),  # 55
        xc.ORDER_SUCCEEDED: ("已成", "Filled"),  # 56
        xc.ORDER_JUNK: ("废单", "Rejected"),  # 57
        xc.ORDER_UNKNOWN: ("未知", "Unknown"),  # 255
    }
)

ORDER_TYPE: Final = _table(
    {xc.STOCK_BUY: ("买入", "Buy"), xc.STOCK_SELL: ("卖出", "Sell")}  # 23, 24
)

# For stocks the counter reports 48 for buys and 49 for sells.
OFFSET_FLAG: Final = _table(
    {xc.OFFSET_FLAG_OPEN: ("买入", "Buy"), xc.OFFSET_FLAG_CLOSE: ("卖出", "Sell")}
)

DIRECTION: Final = _table(
    {xc.DIRECTION_FLAG_LONG: ("多", "Long"), xc.DIRECTION_FLAG_SHORT: ("空", "Short")}
)


class BrokerPriceType:
    """Price-type codes a counter reports back on orders (QMT's EBrokerPriceType).

    A limit order sent as 11 comes back as 50, a market order as 49 or as the
    specific market type (84-89).
    """

    ANY = 49  # 市价
    LIMIT = 50  # 限价
    BEST = 51  # 最优价
    PEER_PRICE_FIRST = 84  # 对手方最优价格
    L5_FIRST_LIMITPX = 85  # 最优五档即时成交剩余转限价
    MINE_PRICE_FIRST = 86  # 本方最优价格
    INSTBUSI_RESTCANCEL = 87  # 即时成交剩余撤销
    L5_FIRST_CANCEL = 88  # 最优五档即时成交剩余撤销
    FULL_REAL_CANCEL = 89  # 全额成交并撤单


# Both code sets in one table: what we send (5, 11, 18-24, 42-48) and what the
# counter reports back (49-51, 84-89). The two sets do not overlap.
PRICE_TYPE: Final = _table(
    {
        # sent
        xc.LATEST_PRICE: ("最新价", "Latest price"),  # 5
        xc.FIX_PRICE: ("限价", "Limit"),  # 11
        xc.MARKET_BEST: ("市价最优价", "Market, best price"),  # 18
        xc.MARKET_CANCEL: ("市价即成剩撤", "Market, IOC"),  # 19
        xc.MARKET_CANCEL_ALL: ("市价全额成交或撤", "Market, FOK"),  # 20
        xc.MARKET_CANCEL_1: ("市价最优一档即成剩撤", "Market, best 1 level, IOC"),  # 21
        xc.MARKET_CANCEL_5: ("市价最优五档即成剩撤", "Market, best 5 levels, IOC"),  # 22
        xc.MARKET_CONVERT_1: ("市价最优一档即成剩转", "Market, best 1 level, rest to limit"),
        xc.MARKET_CONVERT_5: ("市价最优五档即成剩转", "Market, best 5 levels, rest to limit"),
        xc.MARKET_SH_CONVERT_5_CANCEL: (
            "最优五档即时成交剩余撤销",
            "Best 5 levels, rest cancelled",
        ),  # 42
        xc.MARKET_SH_CONVERT_5_LIMIT: (
            "最优五档即时成交剩转限价",
            "Best 5 levels, rest to limit",
        ),  # 43
        xc.MARKET_PEER_PRICE_FIRST: ("对手方最优价格委托", "Counterparty best price"),  # 44
        xc.MARKET_MINE_PRICE_FIRST: ("本方最优价格委托", "Own-side best price"),  # 45
        xc.MARKET_SZ_INSTBUSI_RESTCANCEL: (
            "即时成交剩余撤销委托",
            "Immediate or cancel",
        ),  # 46
        xc.MARKET_SZ_CONVERT_5_CANCEL: (
            "最优五档即时成交剩余撤销",
            "Best 5 levels, rest cancelled",
        ),  # 47
        xc.MARKET_SZ_FULL_OR_CANCEL: ("全额成交或撤销委托", "Fill or kill"),  # 48
        # reported back by the counter
        BrokerPriceType.ANY: ("市价", "Market"),
        BrokerPriceType.LIMIT: ("限价", "Limit"),
        BrokerPriceType.BEST: ("最优价", "Best price"),
        BrokerPriceType.PEER_PRICE_FIRST: ("对手方最优价格", "Counterparty best price"),
        BrokerPriceType.L5_FIRST_LIMITPX: (
            "最优五档即时成交剩余转限价",
            "Best 5 levels, rest to limit",
        ),
        BrokerPriceType.MINE_PRICE_FIRST: ("本方最优价格", "Own-side best price"),
        BrokerPriceType.INSTBUSI_RESTCANCEL: ("即时成交剩余撤销", "Immediate or cancel"),
        BrokerPriceType.L5_FIRST_CANCEL: (
            "最优五档即时成交剩余撤销",
            "Best 5 levels, rest cancelled",
        ),
        BrokerPriceType.FULL_REAL_CANCEL: ("全额成交并撤单", "Fill or kill"),
    }
)

ACCOUNT_STATUS: Final = _table(
    {
        xc.ACCOUNT_STATUS_INVALID: ("无效", "Invalid"),  # -1
        xc.ACCOUNT_STATUS_OK: ("正常", "OK"),  # 0
        xc.ACCOUNT_STATUS_WAITING_LOGIN: ("连接中", "Connecting"),  # 1
        xc.ACCOUNT_STATUSING: ("登录中", "Logging in"),  # 2
        xc.ACCOUNT_STATUS_FAIL: ("失败", "Failed"),  # 3
        xc.ACCOUNT_STATUS_INITING: ("初始化中", "Initialising"),  # 4
        xc.ACCOUNT_STATUS_CORRECTING: ("数据刷新校正中", "Refreshing data"),  # 5
        xc.ACCOUNT_STATUS_CLOSED: ("收盘后", "After close"),  # 6
        xc.ACCOUNT_STATUS_ASSIS_FAIL: ("穿透副链接断开", "Auxiliary link down"),  # 7
        xc.ACCOUNT_STATUS_DISABLEBYSYS: ("系统停用", "Disabled by system"),  # 8
        xc.ACCOUNT_STATUS_DISABLEBYUSER: ("用户停用", "Disabled by user"),  # 9
    }
)

ACCOUNT_TYPE: Final = _table(
    {
        xc.FUTURE_ACCOUNT: ("期货", "Futures"),  # 1
        xc.SECURITY_ACCOUNT: ("股票", "Stock"),  # 2
        xc.CREDIT_ACCOUNT: ("信用", "Credit"),  # 3
        xc.FUTURE_OPTION_ACCOUNT: ("期货期权", "Futures options"),  # 5
        xc.STOCK_OPTION_ACCOUNT: ("股票期权", "Stock options"),  # 6
        xc.HUGANGTONG_ACCOUNT: ("沪港通", "Shanghai-HK Connect"),  # 7
        xc.INCOME_SWAP_ACCOUNT: ("收益互换", "Income swap"),  # 8
        xc.SHENGANGTONG_ACCOUNT: ("深港通", "Shenzhen-HK Connect"),  # 11
    }
)

# Orders that can still be cancelled: 未报, 待报, 已报, 部成.
CANCELABLE_STATUSES: Final = frozenset(
    {xc.ORDER_UNREPORTED, xc.ORDER_WAIT_REPORTING, xc.ORDER_REPORTED, xc.ORDER_PART_SUCC}
)
# Orders that will not change any more: 部撤, 已撤, 已成, 废单.
FINAL_STATUSES: Final = frozenset(
    {xc.ORDER_PART_CANCEL, xc.ORDER_CANCELED, xc.ORDER_SUCCEEDED, xc.ORDER_JUNK}
)


def name_of(table: NameTable, code: int, lang: Lang = "zh") -> str:
    """The display name of ``code`` in ``table``; ``未知(<code>)``/``Unknown(<code>)`` if absent."""
    try:
        zh, en = table[code]
    except (KeyError, TypeError):
        return f"未知({code})" if lang == "zh" else f"Unknown({code})"
    return en if lang == "en" else zh
