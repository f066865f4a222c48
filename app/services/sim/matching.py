"""Pure matching: how much of an order a five-level book can fill, and at what prices.

No state, no I/O: the counter passes the book as it stands (level prices and
the volumes still available to this order, after what others took this
market step) and applies the fills it gets back. The price-type semantics
(which levels an order may walk, what happens to the remainder) live here in
one table, :data:`PRICE_TYPE_PLANS`, so every market ttype reads the same way.

The exchanges' rules, as the counter applies them (``SimCounter._enter``):

- 对手方最优 (44) / 本方最优 (45): a limit at the opposite / own best price;
  with nobody on that side the exchange cancels it at once (自动撤销, 已撤);
- 即时成交剩余撤销 (46, SZ) and 全额成交或撤销 (48, SZ): against the whole
  opposite book, any price inside the band (the sim book has five levels);
  48 fills completely or not at all;
- 最优五档即时成交剩余撤销 (42 SH/BJ, 47 SZ): at most five levels, rest cancelled;
- 最优五档即时成交剩转限价 (43 SH/BJ): five levels, the rest becomes a limit at
  its last fill price; with no fill, at the own side's best price; with no
  own side either, it is cancelled;
- market buys are frozen at the up limit; market orders are refused in the
  closing call auction (14:57-15:00) in real-hours mode.

Not modelled: the protective price (保护限价) BJSE (and STAR) market orders
carry in reality (the price a market order is sent with is ignored), and the
per-order maximum volumes of market orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, auto

from xtquant import xtconstant as xc

from app.models.names import BrokerPriceType

__all__ = [
    "PRICE_TYPE_PLANS",
    "REPORTED_PRICE_TYPE",
    "Plan",
    "Reference",
    "Remainder",
    "crosses",
    "walk_book",
]


class Reference(Enum):
    """Where an order's working price comes from."""

    OWN_LIMIT = auto()  # the trader's price (限价)
    LAST = auto()  # the latest trade (最新价)
    OPPOSITE_BEST = auto()  # 对手方最优: the best price on the other side
    OWN_BEST = auto()  # 本方最优: the best price on the order's own side
    NONE = auto()  # market: any price the book offers, within the daily band


class Remainder(Enum):
    """What happens to the part an order could not fill on entry."""

    REST = auto()  # stays on the book as a limit at the working price
    REST_AT_LAST_FILL = auto()  # 剩转限价: rests at the last fill price; cancelled if none
    CANCEL = auto()  # 即时成交剩余撤销: cancelled at once


@dataclass(frozen=True, slots=True)
class Plan:
    """How one price type matches on entry."""

    reference: Reference
    levels: int | None  # how many opposite levels it may walk (None: the whole book)
    remainder: Remainder
    all_or_nothing: bool = False


PRICE_TYPE_PLANS: dict[int, Plan] = {
    xc.FIX_PRICE: Plan(Reference.OWN_LIMIT, 5, Remainder.REST),
    xc.LATEST_PRICE: Plan(Reference.LAST, 5, Remainder.REST),
    xc.MARKET_PEER_PRICE_FIRST: Plan(Reference.OPPOSITE_BEST, 1, Remainder.REST),
    xc.MARKET_MINE_PRICE_FIRST: Plan(Reference.OWN_BEST, 5, Remainder.REST),
    # 即时成交剩余撤销 and 全额成交或撤销 (SZ) trade against the whole opposite
    # book (深交所交易规则 3.3.4), not only five levels. The sim market's book
    # has five levels (BOOK_DEPTH), so in practice they meet five levels, but
    # the plan says "all" and stays right if the book grows deeper.
    xc.MARKET_SZ_INSTBUSI_RESTCANCEL: Plan(Reference.NONE, None, Remainder.CANCEL),
    xc.MARKET_SH_CONVERT_5_CANCEL: Plan(Reference.NONE, 5, Remainder.CANCEL),
    xc.MARKET_SZ_CONVERT_5_CANCEL: Plan(Reference.NONE, 5, Remainder.CANCEL),
    xc.MARKET_SH_CONVERT_5_LIMIT: Plan(Reference.NONE, 5, Remainder.REST_AT_LAST_FILL),
    xc.MARKET_SZ_FULL_OR_CANCEL: Plan(Reference.NONE, None, Remainder.CANCEL, all_or_nothing=True),
}

#: The price_type a trader sends -> the code the counter reports on the order.
REPORTED_PRICE_TYPE: dict[int, int] = {
    xc.FIX_PRICE: BrokerPriceType.LIMIT,  # 11 -> 50 限价
    xc.LATEST_PRICE: BrokerPriceType.LIMIT,  # 5 -> 50: priced at the latest trade, a limit
    xc.MARKET_PEER_PRICE_FIRST: BrokerPriceType.PEER_PRICE_FIRST,  # 44 -> 84
    xc.MARKET_MINE_PRICE_FIRST: BrokerPriceType.MINE_PRICE_FIRST,  # 45 -> 86
    xc.MARKET_SZ_INSTBUSI_RESTCANCEL: BrokerPriceType.INSTBUSI_RESTCANCEL,  # 46 -> 87
    xc.MARKET_SH_CONVERT_5_CANCEL: BrokerPriceType.L5_FIRST_CANCEL,  # 42 -> 88
    xc.MARKET_SZ_CONVERT_5_CANCEL: BrokerPriceType.L5_FIRST_CANCEL,  # 47 -> 88
    xc.MARKET_SH_CONVERT_5_LIMIT: BrokerPriceType.L5_FIRST_LIMITPX,  # 43 -> 85
    xc.MARKET_SZ_FULL_OR_CANCEL: BrokerPriceType.FULL_REAL_CANCEL,  # 48 -> 89
}


def crosses(is_buy: bool, level_price: float, limit: float | None) -> bool:
    """Whether an order on ``is_buy``'s side accepts ``level_price`` (``limit`` None: any)."""
    if limit is None:
        return True
    return level_price <= limit + 1e-9 if is_buy else level_price >= limit - 1e-9


def _depth(levels: int | None, prices: Sequence[float]) -> int:
    return len(prices) if levels is None else min(levels, len(prices))


def walk_book(
    is_buy: bool,
    want: int,
    prices: Sequence[float],
    volumes: Sequence[int],
    limit: float | None,
    levels: int | None,
    step: int,
) -> list[tuple[int, float, int]]:
    """Take up to ``want`` from the opposite side; returns ``[(level, price, volume)]``.

    ``prices``/``volumes`` are the opposite side best first (asks for a buy,
    bids for a sell), with ``volumes`` already reduced to what this order may
    take. A level is taken only while its price is within ``limit`` (None: any
    price). Partial takes are rounded down to ``step`` shares (the board lot),
    except the last take that completes the order.
    """
    fills: list[tuple[int, float, int]] = []
    for i in range(_depth(levels, prices)):
        if want <= 0:
            break
        price = prices[i]
        if price <= 0 or not crosses(is_buy, price, limit):
            break
        take = min(want, volumes[i])
        if take < want:
            take -= take % step
        if take <= 0:
            continue
        fills.append((i, price, take))
        want -= take
    return fills
