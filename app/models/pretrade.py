"""Pre-trade check: every reason an order ticket would be refused, before it is sent.

The ticket calls :func:`check_ticket` on each edit and shows the problems inline
under the field they belong to; an empty list means the order may be sent.
Every problem is reported at once (not just the first), in plain Chinese with
English available, and carries a machine-readable ``code`` for tests and for
the simulator. What the terminal knows about the market and the account goes in
a :class:`TradeContext`; a check whose facts are unknown (``None``) is skipped,
never guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal

from xtquant import xtconstant

from app.models.codes import CodeError, InstrumentKind, Security, classify
from app.models.names import PRICE_TYPE, name_of
from app.models.rules import (
    FeeSchedule,
    Side,
    is_on_tick,
    price_decimals,
    price_limits,
    tick_size,
    to_decimal,
    volume_issue,
)
from app.models.ttypes import MARKET_TTYPES

__all__ = ["Problem", "Ticket", "TradeContext", "check_ticket"]

Field = Literal["stock_code", "price", "volume", "price_type", "side"]

# Price types a trader can send: 11 限价, 5 最新价 and the stock market types.
_SENDABLE_NON_MARKET: Final = frozenset({xtconstant.FIX_PRICE, xtconstant.LATEST_PRICE})
_STOCK_MARKET_TYPES: Final = frozenset(v for t in MARKET_TTYPES.values() for v in t.values())


@dataclass(frozen=True, slots=True)
class Ticket:
    """What the trader filled in: code, 买/卖, price type (xtconstant), price, volume.

    ``price`` is only read for limit orders (price_type 11); market types ignore it.
    """

    stock_code: str
    side: Side | str
    price_type: int
    price: float | None
    volume: int


@dataclass(frozen=True, slots=True)
class TradeContext:
    """What the terminal knows right now; leave a field None when it is not known.

    ``up_limit``/``down_limit`` win over limits computed from ``prev_close``.
    ``sellable_volume`` is ``can_use_volume`` (T+1); ``position_volume`` the
    whole holding. ``cash_available`` is the asset's ``cash``.
    """

    last_price: float | None = None
    prev_close: float | None = None
    up_limit: float | None = None
    down_limit: float | None = None
    cash_available: float | None = None
    position_volume: int | None = None
    sellable_volume: int | None = None
    fee_schedule: FeeSchedule = field(default_factory=FeeSchedule)
    is_st: bool = False
    new_listing: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason the ticket cannot be sent, attached to the ticket ``field`` it concerns.

    ``code`` is stable and machine-readable (e.g. ``price_off_tick``).
    """

    field: Field
    code: str
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        """The sentence in the trader's language ('zh' or 'en')."""
        return self.message_en if lang == "en" else self.message_zh


def _fmt(value: Decimal | float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _price_problems(sec: Security, price: float | None, ctx: TradeContext) -> list[Problem]:
    if price is None or (isinstance(price, float) and math.isnan(price)):
        return [Problem("price", "price_missing", "请输入委托价格", "Enter a limit price")]
    try:
        p = to_decimal(price)
    except ValueError:
        return [
            Problem(
                "price",
                "price_invalid",
                f"委托价格不是有效数字: {price!r}",
                f"The price is not a valid number: {price!r}",
            )
        ]
    if p <= 0:
        return [
            Problem(
                "price", "price_not_positive", "委托价格必须大于 0", "The price must be above 0"
            )
        ]
    out: list[Problem] = []
    dec = price_decimals(sec)
    tick = tick_size(sec)
    if not is_on_tick(sec, p):
        out.append(
            Problem(
                "price",
                "price_off_tick",
                f"委托价格 {p} 不是最小变动价位 {tick} 的整数倍",
                f"The price {p} is not a multiple of the tick size {tick}",
            )
        )
    down, up = ctx.down_limit, ctx.up_limit
    if (down is None or up is None) and ctx.prev_close is not None and ctx.prev_close > 0:
        limits = price_limits(sec, ctx.prev_close, is_st=ctx.is_st, new_listing=ctx.new_listing)
        if limits is not None:
            down = limits[0] if down is None else down
            up = limits[1] if up is None else up
    if up is not None and up > 0 and p > to_decimal(up):
        out.append(
            Problem(
                "price",
                "price_above_up_limit",
                f"委托价格 {_fmt(p, dec)} 高于涨停价 {_fmt(up, dec)}，委托将被拒绝",
                f"The price {_fmt(p, dec)} is above today's limit-up {_fmt(up, dec)}",
            )
        )
    if down is not None and down > 0 and p < to_decimal(down):
        out.append(
            Problem(
                "price",
                "price_below_down_limit",
                f"委托价格 {_fmt(p, dec)} 低于跌停价 {_fmt(down, dec)}，委托将被拒绝",
                f"The price {_fmt(p, dec)} is below today's limit-down {_fmt(down, dec)}",
            )
        )
    return out


def _price_type_problem(sec: Security | None, price_type: int) -> Problem | None:
    label = name_of(PRICE_TYPE, price_type)
    label_en = name_of(PRICE_TYPE, price_type, "en")
    if sec is None:
        if price_type in _SENDABLE_NON_MARKET or price_type in _STOCK_MARKET_TYPES:
            return None
        return Problem(
            "price_type",
            "price_type_unknown",
            f"不支持的报价类型: {label}",
            f"Unsupported price type: {label_en}",
        )
    table = MARKET_TTYPES[sec.exchange]
    if price_type in _SENDABLE_NON_MARKET or price_type in table.values():
        return None
    accepted = "、".join(["限价", "最新价", *table])
    return Problem(
        "price_type",
        "price_type_not_accepted",
        f"{sec.exchange.name_zh}({sec.exchange.value})不支持报价类型「{label}」，可选: {accepted}",
        f"{sec.exchange.name_en} ({sec.exchange.value}) does not accept the price type "
        f"'{label_en}'; accepted: limit, latest price, {', '.join(table)}",
    )


def check_ticket(ticket: Ticket, context: TradeContext | None = None) -> list[Problem]:
    """Every problem with ``ticket`` given ``context``; an empty list means it may be sent.

    Checks: the code; the side; the price type for the code's exchange; for
    limit orders the price (present, > 0, on the tick, inside today's band);
    the volume (> 0, lot rule, STAR/BJ minimum, odd lots only when clearing
    the position); sells against what is sellable today (T+1); buys against
    available cash including fees (market buys are costed at the limit-up,
    as counters freeze them, or at the last price).
    """
    ctx = context or TradeContext()
    problems: list[Problem] = []

    sec: Security | None
    try:
        sec = classify(ticket.stock_code)
    except CodeError as exc:
        sec = None
        problems.append(Problem("stock_code", "bad_code", exc.message_zh, exc.message_en))

    side: Side | None
    try:
        side = Side(ticket.side)
    except ValueError:
        side = None
        problems.append(
            Problem(
                "side",
                "bad_side",
                f"请选择买入或卖出（收到 {ticket.side!r}）",
                f"Choose buy or sell (got {ticket.side!r})",
            )
        )

    pt_problem = _price_type_problem(sec, ticket.price_type)
    if pt_problem is not None:
        problems.append(pt_problem)
    is_limit = ticket.price_type == xtconstant.FIX_PRICE

    if is_limit:
        if sec is not None:
            problems.extend(_price_problems(sec, ticket.price, ctx))
        elif ticket.price is None or not (
            isinstance(ticket.price, int | float) and ticket.price > 0
        ):
            problems.append(
                Problem("price", "price_missing", "请输入委托价格", "Enter a limit price")
            )

    volume = ticket.volume
    volume_ok = False
    if isinstance(volume, bool) or not isinstance(volume, int):
        problems.append(
            Problem(
                "volume",
                "volume_not_integer",
                f"委托数量必须是整数: {volume!r}",
                f"Volume must be a whole number: {volume!r}",
            )
        )
    elif volume <= 0:
        problems.append(
            Problem("volume", "volume_not_positive", "委托数量必须大于 0", "Volume must be above 0")
        )
    elif sec is not None and side is not None:
        problems.extend(_volume_problems(sec, side, volume, ctx))
        volume_ok = not any(p.field == "volume" for p in problems)

    if side is Side.BUY and sec is not None and volume_ok and ctx.cash_available is not None:
        cash_problem = _cash_problem(sec, ticket, is_limit, ctx)
        if cash_problem is not None:
            problems.append(cash_problem)
    return problems


def _volume_problems(sec: Security, side: Side, volume: int, ctx: TradeContext) -> list[Problem]:
    out: list[Problem] = []
    unit = "张" if sec.kind in (InstrumentKind.BOND, InstrumentKind.REPO) else "股"
    # What "the whole remaining position" means for an odd-lot sell: what can be sold now.
    whole = ctx.sellable_volume if ctx.sellable_volume is not None else ctx.position_volume
    if side is Side.SELL and whole is not None and volume > whole:
        if (
            ctx.sellable_volume is not None
            and ctx.position_volume is not None
            and volume <= ctx.position_volume
        ):
            zh = (
                f"可卖数量不足: 委托 {volume:,} {unit}，可卖 {ctx.sellable_volume:,} {unit}"
                "（今日买入的部分下一交易日才能卖出）"
            )
            en = (
                f"Not enough sellable: {volume:,} ordered, {ctx.sellable_volume:,} sellable "
                "(shares bought today can be sold from the next trading day)"
            )
        else:
            zh = f"可卖数量不足: 委托 {volume:,} {unit}，可卖 {whole:,} {unit}"
            en = f"Not enough sellable: {volume:,} ordered, {whole:,} sellable"
        out.append(Problem("volume", "sell_exceeds_sellable", zh, en))
        return out
    issue = volume_issue(sec, side, volume, whole if side is Side.SELL else None)
    if issue is not None:
        out.append(Problem("volume", issue.code, issue.message_zh, issue.message_en))
    return out


def _cash_problem(
    sec: Security, ticket: Ticket, is_limit: bool, ctx: TradeContext
) -> Problem | None:
    price: float | None
    if is_limit:
        price = ticket.price
    elif ticket.price_type == xtconstant.LATEST_PRICE and ctx.last_price:
        price = ctx.last_price  # 最新价: the counter prices it at the last trade
    elif ctx.up_limit is not None and ctx.up_limit > 0:
        price = ctx.up_limit  # market buys are frozen at the limit-up
    else:
        price = ctx.last_price
    if price is None or not isinstance(price, int | float) or not price > 0:
        return None
    try:
        cost = ctx.fee_schedule.buy_cost(sec, price, ticket.volume)
        cash = to_decimal(ctx.cash_available or 0.0)
    except ValueError:
        return None
    if cost <= cash:
        return None
    estimate_zh = "" if is_limit else f"（按 {price:,.{price_decimals(sec)}f} 估算）"
    estimate_en = "" if is_limit else f" (estimated at {price:,.{price_decimals(sec)}f})"
    return Problem(
        "volume",
        "insufficient_cash",
        f"可用资金不足: 需要 {cost:,.2f} 元（含费用），可用 {cash:,.2f} 元{estimate_zh}",
        f"Not enough cash: {cost:,.2f} CNY needed incl. fees, {cash:,.2f} available{estimate_en}",
    )
