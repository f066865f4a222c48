"""Market-order types (ttype): the names a trader picks, the price_type xtquant sends.

Names are spelled exactly as in easytrader's miniqmt documentation (the seed
API), values come from ``xtquant.xtconstant``. Shanghai and Beijing share one
table; Shenzhen has its own. Choosing a type the code's exchange does not
accept (e.g. 全额成交或撤销委托 for a Shanghai stock) is a :class:`TtypeError`
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from xtquant import xtconstant

from app.models.codes import Exchange, exchange_of

__all__ = [
    "DEFAULT_TTYPE",
    "LIMIT_PRICE_TYPES",
    "MARKET_TTYPES",
    "TtypeError",
    "accepted_price_types",
    "is_market_price_type",
    "market_price_type",
    "ttype_name",
    "ttypes_for",
]

DEFAULT_TTYPE: Final = "对手方最优价格委托"

# Order matters: default first, then the seed doc's order for that market.
_SZ: Final[Mapping[str, int]] = MappingProxyType(
    {
        "对手方最优价格委托": xtconstant.MARKET_PEER_PRICE_FIRST,  # 44
        "本方最优价格委托": xtconstant.MARKET_MINE_PRICE_FIRST,  # 45
        "即时成交剩余撤销委托": xtconstant.MARKET_SZ_INSTBUSI_RESTCANCEL,  # 46
        "最优五档即时成交剩余撤销": xtconstant.MARKET_SZ_CONVERT_5_CANCEL,  # 47
        "全额成交或撤销委托": xtconstant.MARKET_SZ_FULL_OR_CANCEL,  # 48
    }
)
_SH_BJ: Final[Mapping[str, int]] = MappingProxyType(
    {
        "对手方最优价格委托": xtconstant.MARKET_PEER_PRICE_FIRST,  # 44
        "最优五档即时成交剩余撤销": xtconstant.MARKET_SH_CONVERT_5_CANCEL,  # 42
        "最优五档即时成交剩转限价": xtconstant.MARKET_SH_CONVERT_5_LIMIT,  # 43
        "本方最优价格委托": xtconstant.MARKET_MINE_PRICE_FIRST,  # 45
    }
)

MARKET_TTYPES: Final[Mapping[Exchange, Mapping[str, int]]] = MappingProxyType(
    {Exchange.SH: _SH_BJ, Exchange.SZ: _SZ, Exchange.BJ: _SH_BJ}
)

# Non-market price types every exchange accepts: 11 限价 (the trader's price)
# and 5 最新价 (the counter prices the order at the latest trade).
LIMIT_PRICE_TYPES: Final = frozenset({xtconstant.FIX_PRICE, xtconstant.LATEST_PRICE})

# Every market (no-price) type xtconstant defines: stock types 42-48 and the
# futures market types 18-24 (which no stock exchange accepts).
_MARKET_CODES: Final = frozenset(
    {
        xtconstant.MARKET_BEST,
        xtconstant.MARKET_CANCEL,
        xtconstant.MARKET_CANCEL_ALL,
        xtconstant.MARKET_CANCEL_1,
        xtconstant.MARKET_CANCEL_5,
        xtconstant.MARKET_CONVERT_1,
        xtconstant.MARKET_CONVERT_5,
        *_SH_BJ.values(),
        *_SZ.values(),
    }
)


class TtypeError(ValueError):
    """A ttype/price_type the code's exchange does not accept.

    ``str(err)`` is the Chinese sentence; ``message_en`` the English one;
    ``exchange`` and ``accepted`` say what would have worked.
    """

    def __init__(
        self, message_zh: str, message_en: str, exchange: Exchange, accepted: list[str]
    ) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en
        self.exchange = exchange
        self.accepted = accepted


def ttypes_for(code: str) -> list[str]:
    """The market-order names the code's exchange accepts, default first."""
    return list(MARKET_TTYPES[exchange_of(code)])


def market_price_type(code: str, ttype: str = DEFAULT_TTYPE) -> int:
    """The xtconstant price_type for a market order in ``code`` with ``ttype``.

    ``market_price_type('600036', '最优五档即时成交剩余撤销') == 42``; the same name
    on ``000001`` gives 47. Raises :class:`TtypeError` naming the exchange and
    listing the accepted names; raises ``CodeError`` for a bad code.
    """
    exchange = exchange_of(code)
    table = MARKET_TTYPES[exchange]
    key = ttype.strip() if isinstance(ttype, str) else ttype
    if isinstance(key, str) and key in table:
        return table[key]
    accepted = list(table)
    raise TtypeError(
        f"{exchange.name_zh}({exchange.value})不支持市价委托类型 {ttype!r}，"
        f"可选: {'、'.join(accepted)}",
        f"{exchange.name_en} ({exchange.value}) does not accept market order type "
        f"{ttype!r}; accepted: {', '.join(accepted)}",
        exchange,
        accepted,
    )


def ttype_name(code: str, price_type: int) -> str | None:
    """The ttype name of a market ``price_type`` on the code's exchange, else None.

    ``ttype_name('000001', 47) == '最优五档即时成交剩余撤销'``;
    ``ttype_name('600036', 47) is None`` (47 is a Shenzhen-only code).
    """
    for name, value in MARKET_TTYPES[exchange_of(code)].items():
        if value == price_type:
            return name
    return None


def accepted_price_types(code: str) -> frozenset[int]:
    """Every price_type the code's exchange accepts: 11, 5 and its market types."""
    return LIMIT_PRICE_TYPES | frozenset(MARKET_TTYPES[exchange_of(code)].values())


def is_market_price_type(price_type: int) -> bool:
    """True for a market (no-price) type as sent: 42-48 (stocks) or 18-24 (futures)."""
    return price_type in _MARKET_CODES
