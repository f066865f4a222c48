"""Order validation before anything is sent (one module, so it can be swapped whole
for `app.models.pretrade`'s request validator).

`validate_order` checks an order with the market rules (`pretrade.check_ticket`,
the order ticket's rules) and the API's argument kinds, and returns what to
send or raises `OrderRejected` naming every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

from xtquant import xtconstant

from app.models.codes import CodeError, Security, classify
from app.models.pretrade import Problem, Ticket, TradeContext, check_ticket
from app.models.rules import Side, side_of_order_type
from app.services.session.state import OrderRejected

__all__ = ["coerce_side", "validate_order"]

#: ``position_lookup(stock_code) -> (volume held, sellable volume)`` or None when unknown.
PositionLookup = Callable[[str], "tuple[int, int] | None"]


def coerce_side(side: Side | str | int) -> Side | None:
    """``Side.BUY``/``SELL`` from a Side, 'buy'/'sell'/'买入'/'卖出' or 23/24; None otherwise."""
    if isinstance(side, Side):
        return side
    if isinstance(side, int) and not isinstance(side, bool):
        try:
            return side_of_order_type(side)
        except ValueError:
            return None
    if isinstance(side, str):
        text = side.strip().lower()
        if text in ("buy", "买", "买入"):
            return Side.BUY
        if text in ("sell", "卖", "卖出"):
            return Side.SELL
    return None


#: The order in which an order's problems are reported (as on the order ticket).
_FIELD_ORDER: Final = ("stock_code", "side", "price_type", "price", "volume")


def _input_problems(side: Any, price_type: Any, price: Any) -> list[Problem]:
    """What `check_ticket` cannot judge: API arguments of the wrong kind."""
    problems: list[Problem] = []
    if coerce_side(side) is None:
        problems.append(
            Problem(
                "side",
                "bad_side",
                f"买卖方向无效: {side!r}（应为 'buy' 或 'sell'）",
                f"Invalid side: {side!r} (use 'buy' or 'sell')",
            )
        )
    if isinstance(price_type, bool) or not isinstance(price_type, int):
        problems.append(
            Problem(
                "price_type",
                "price_type_unknown",
                f"报价类型无效: {price_type!r}",
                f"Invalid price type: {price_type!r}",
            )
        )
    if isinstance(price, bool) or not isinstance(price, int | float):
        problems.append(
            Problem(
                "price",
                "price_invalid",
                f"委托价格必须是数字: {price!r}",
                f"The price must be a number: {price!r}",
            )
        )
    elif not math.isfinite(price) or price < 0:
        problems.append(
            Problem(
                "price",
                "price_invalid",
                f"委托价格无效: {price!r}",
                f"Invalid price: {price!r}",
            )
        )
    return problems


def _coerce_volume(volume: Any) -> Any:
    if isinstance(volume, float) and volume.is_integer():
        return int(volume)
    return volume


def validate_order(
    stock_code: str,
    side: Side | str | int,
    volume: int,
    price_type: int,
    price: float = 0.0,
    *,
    position_lookup: PositionLookup | None = None,
) -> tuple[Security, Side, int, float]:
    """Check an order with the market rules; return what to send or raise `OrderRejected`.

    The code is tradable (any accepted spelling), the price type is one the
    code's exchange takes, a limit price is positive and on the tick, the
    volume follows the lot rule (an odd-lot sell only for the whole sellable
    position, looked up with ``position_lookup`` when given). Every problem is
    reported in the one `OrderRejected`, not just the first.
    """
    volume = _coerce_volume(volume)
    problems = _input_problems(side, price_type, price)
    bad_fields = {p.field for p in problems}
    coerced = coerce_side(side)
    ticket = Ticket(
        stock_code=stock_code,
        side=coerced if coerced is not None else str(side),  # bad: no lot rule to apply
        price_type=price_type if "price_type" not in bad_fields else xtconstant.LATEST_PRICE,
        price=float(price) if "price" not in bad_fields else None,
        volume=volume,
    )
    found = [p for p in check_ticket(ticket) if p.field not in bad_fields]
    if (
        coerced is Side.SELL
        and any(p.field == "volume" for p in found)
        and isinstance(volume, int)
        and volume > 0
        and position_lookup is not None
    ):
        # An odd lot is fine when it sells the whole position: look the position up.
        held, sellable = position_lookup(stock_code) or (0, 0)
        context = TradeContext(position_volume=held, sellable_volume=sellable)
        found = [p for p in check_ticket(ticket, context) if p.field not in bad_fields]
    problems.extend(found)
    if problems:
        problems.sort(key=lambda p: _FIELD_ORDER.index(p.field))
        reasons = "；".join(p.message_zh for p in problems)
        try:
            reasons = f"{classify(stock_code).stock_code}: {reasons}"
        except CodeError:
            pass  # the first reason already names the input
        raise OrderRejected(reasons, field=problems[0].field, problems=tuple(problems))
    assert coerced is not None
    return classify(stock_code), coerced, volume, float(price)
