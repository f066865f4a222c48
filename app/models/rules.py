"""A-share trading rules as pure functions: lots, ticks, daily limits, fees, T+1.

Everything here answers a question the order ticket asks before an order is
sent ("is 150 shares allowed?", "is 35.505 a valid price?", "what is today's
limit-up?", "how many shares can I afford?"), and the simulated counter asks
the same questions when it decides to accept or reject. Money and prices are
computed with :class:`decimal.Decimal` so that 35.5 is on the 0.01 tick and a
limit price is rounded exactly as the exchanges round it (half up).
Prices cross the boundary as ``float`` CNY, volumes as ``int`` shares/张.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

from xtquant import xtconstant

from app.models.codes import Exchange, InstrumentKind, Security, classify

__all__ = [
    "FEN_FEES_MAX_LI",
    "PRICE_BANDS",
    "ST_PRICE_BANDS",
    "TICK_SIZES",
    "FeeSchedule",
    "Fees",
    "FenFees",
    "LotRule",
    "PriceBand",
    "Side",
    "VolumeIssue",
    "check_volume",
    "fees_for",
    "is_on_tick",
    "lot_rule",
    "max_buy_volume",
    "max_lot_volume",
    "order_type_of",
    "price_band",
    "price_decimals",
    "price_limits",
    "round_to_tick",
    "sellable_volume",
    "side_of_order_type",
    "tick_size",
    "to_decimal",
    "volume_issue",
]

PriceLike = float | int | Decimal | str
RoundMode = Literal["nearest", "up", "down"]

_CENT: Final = Decimal("0.01")


# --------------------------------------------------------------------------- sides


class Side(StrEnum):
    """买入 / 卖出."""

    BUY = "buy"
    SELL = "sell"

    @property
    def name_zh(self) -> str:
        """买入 or 卖出."""
        return "买入" if self is Side.BUY else "卖出"


def side_of_order_type(order_type: int) -> Side:
    """xtquant's order_type (23 买入, 24 卖出) -> :class:`Side`; ValueError otherwise."""
    if order_type == xtconstant.STOCK_BUY:
        return Side.BUY
    if order_type == xtconstant.STOCK_SELL:
        return Side.SELL
    raise ValueError(f"不是股票买卖委托类型: {order_type!r}（应为 23 买入或 24 卖出）")


def order_type_of(side: Side | str) -> int:
    """:class:`Side` -> xtquant's order_type: 23 for a buy, 24 for a sell."""
    return xtconstant.STOCK_BUY if Side(side) is Side.BUY else xtconstant.STOCK_SELL


# --------------------------------------------------------------------------- lots


@dataclass(frozen=True, slots=True)
class LotRule:
    """Valid order volumes: ``min_volume``, then any multiple of ``step`` above it.

    Main board 100/100 (round lots), STAR 200/1, BJ 100/1, bonds 10/10 张.
    """

    min_volume: int
    step: int

    def is_valid(self, volume: int) -> bool:
        """True when ``volume`` is ``min_volume + k * step`` for some k >= 0."""
        return volume >= self.min_volume and (volume - self.min_volume) % self.step == 0

    def floor(self, volume: int) -> int:
        """The largest valid volume not above ``volume`` (0 when below the minimum)."""
        if volume < self.min_volume:
            return 0
        return volume - (volume - self.min_volume) % self.step


_LOT_RULES: Final[Mapping[InstrumentKind, LotRule]] = MappingProxyType(
    {
        InstrumentKind.MAIN_BOARD: LotRule(100, 100),
        InstrumentKind.CHINEXT: LotRule(100, 100),
        InstrumentKind.STAR: LotRule(200, 1),
        InstrumentKind.BJ_STOCK: LotRule(100, 1),
        InstrumentKind.FUND: LotRule(100, 100),
        InstrumentKind.BOND: LotRule(10, 10),
        InstrumentKind.REPO: LotRule(10, 10),
        InstrumentKind.B_SHARE: LotRule(100, 100),
    }
)
# Shanghai B shares trade in lots of 1,000 shares (Shenzhen B: 100).
_SH_B_LOT: Final = LotRule(1000, 1000)


def _security(code: str | Security) -> Security:
    return code if isinstance(code, Security) else classify(code)


def lot_rule(code: str | Security) -> LotRule:
    """The lot rule for a code (``lot_rule('688981').min_volume == 200``)."""
    sec = _security(code)
    if sec.kind is InstrumentKind.B_SHARE and sec.exchange is Exchange.SH:
        return _SH_B_LOT
    return _LOT_RULES[sec.kind]


def _unit(sec: Security) -> str:
    return "张" if sec.kind in (InstrumentKind.BOND, InstrumentKind.REPO) else "股"


@dataclass(frozen=True, slots=True)
class VolumeIssue:
    """Why a volume cannot be ordered: a machine-readable ``code`` and both sentences."""

    code: str
    message_zh: str
    message_en: str


def volume_issue(
    code: str | Security, side: Side | str, volume: int, position_volume: int | None = None
) -> VolumeIssue | None:
    """The structured form of :func:`check_volume` (used by the pre-trade check).

    ``code`` is one of ``volume_not_integer``, ``volume_not_positive``,
    ``sell_exceeds_position``, ``volume_below_minimum``, ``volume_not_lot_multiple``,
    ``odd_lot_sell``.
    """
    sec = _security(code)
    side = Side(side)
    rule = lot_rule(sec)
    unit, unit_en = ("张", "units") if _unit(sec) == "张" else ("股", "shares")
    if isinstance(volume, bool) or not isinstance(volume, int):
        return VolumeIssue(
            "volume_not_integer",
            f"委托数量必须是整数: {volume!r}",
            f"Volume must be a whole number: {volume!r}",
        )
    if volume <= 0:
        return VolumeIssue(
            "volume_not_positive", "委托数量必须大于 0", "Volume must be greater than 0"
        )
    if side is Side.SELL and position_volume is not None:
        if volume > position_volume:
            return VolumeIssue(
                "sell_exceeds_position",
                f"卖出数量 {volume:,} 超过可卖数量 {position_volume:,}",
                f"Sell volume {volume:,} exceeds the sellable {position_volume:,}",
            )
        if volume == position_volume:
            return None  # clearing the position may include an odd lot
    if rule.is_valid(volume):
        return None
    board = sec.kind.name_zh
    if volume < rule.min_volume and rule.step == 1:
        if side is Side.SELL:
            return VolumeIssue(
                "odd_lot_sell",
                f"{board}卖出至少 {rule.min_volume} {unit}，不足 {rule.min_volume} {unit}"
                "须一次全部卖出",
                f"Sell at least {rule.min_volume} {unit_en}; a smaller remainder must be "
                "sold all at once",
            )
        return VolumeIssue(
            "volume_below_minimum",
            f"{board}买入至少 {rule.min_volume} {unit}",
            f"Buy at least {rule.min_volume} {unit_en} on this board",
        )
    if side is Side.SELL:
        return VolumeIssue(
            "odd_lot_sell",
            f"卖出数量须为 {rule.step} {unit}的整数倍{_hint_zh(rule, volume)}，"
            "零股须与全部剩余持仓一次卖出",
            f"Sell in multiples of {rule.step} {unit_en}{_hint_en(rule, volume)}; "
            "an odd lot can only be sold with the whole remaining position",
        )
    return VolumeIssue(
        "volume_not_lot_multiple",
        f"买入数量须为 {rule.step} {unit}的整数倍{_hint_zh(rule, volume)}",
        f"Buy in multiples of {rule.step} {unit_en}{_hint_en(rule, volume)}",
    )


def _hint_zh(rule: LotRule, volume: int) -> str:
    lower = rule.floor(volume)
    if not lower:
        return f"（至少 {rule.min_volume:,}）"
    return f"（如 {lower:,} 或 {lower + rule.step:,}）"


def _hint_en(rule: LotRule, volume: int) -> str:
    lower = rule.floor(volume)
    if not lower:
        return f" (at least {rule.min_volume:,})"
    return f" (e.g. {lower:,} or {lower + rule.step:,})"


def check_volume(
    code: str | Security, side: Side | str, volume: int, position_volume: int | None = None
) -> str | None:
    """Why ``volume`` cannot be ordered (a Chinese sentence), or None when it can.

    Buys must follow the lot rule (100-share lots; STAR at least 200 then any
    number; BJ at least 100 then any number; bonds 10 张). Sells follow it too,
    except that an odd volume is accepted when it sells the whole remaining
    position (``position_volume``: pass what can be sold now, i.e.
    ``can_use_volume``). A sell above ``position_volume`` is refused.
    """
    issue = volume_issue(code, side, volume, position_volume)
    return None if issue is None else issue.message_zh


def max_lot_volume(
    code: str | Security, side: Side | str, volume: int, *, position_volume: int | None = None
) -> int:
    """Round ``volume`` down to what the lot rule allows (0 when below the minimum).

    Used by the ticket's 全部/1/2/1/3/1/4 buttons. For a sell, when
    ``position_volume`` is given and ``volume`` reaches it, the whole position
    (odd lot included) is returned.
    """
    side = Side(side)
    if side is Side.SELL and position_volume is not None and volume >= position_volume:
        return max(position_volume, 0)
    return lot_rule(code).floor(volume)


# --------------------------------------------------------------------------- ticks


def _tick_key(sec: Security) -> tuple[Exchange, InstrumentKind]:
    return sec.exchange, sec.kind


_STOCK_TICK: Final = Decimal("0.01")
_FUND_TICK: Final = Decimal("0.001")

# Tick per (exchange, kind). Stocks 0.01 CNY; funds, bonds and SZ repo 0.001;
# SH repo (204xxx, quoted as an annual rate) 0.005; SH B shares 0.001 USD,
# SZ B shares 0.01 HKD.
TICK_SIZES: Final[Mapping[tuple[Exchange, InstrumentKind], Decimal]] = MappingProxyType(
    {
        (Exchange.SH, InstrumentKind.MAIN_BOARD): _STOCK_TICK,
        (Exchange.SH, InstrumentKind.STAR): _STOCK_TICK,
        (Exchange.SH, InstrumentKind.FUND): _FUND_TICK,
        (Exchange.SH, InstrumentKind.BOND): _FUND_TICK,
        (Exchange.SH, InstrumentKind.REPO): Decimal("0.005"),
        (Exchange.SH, InstrumentKind.B_SHARE): Decimal("0.001"),
        (Exchange.SZ, InstrumentKind.MAIN_BOARD): _STOCK_TICK,
        (Exchange.SZ, InstrumentKind.CHINEXT): _STOCK_TICK,
        (Exchange.SZ, InstrumentKind.FUND): _FUND_TICK,
        (Exchange.SZ, InstrumentKind.BOND): _FUND_TICK,
        (Exchange.SZ, InstrumentKind.REPO): _FUND_TICK,
        (Exchange.SZ, InstrumentKind.B_SHARE): _STOCK_TICK,
        (Exchange.BJ, InstrumentKind.BJ_STOCK): _STOCK_TICK,
    }
)


# Past this, ticks, amounts and fees no longer fit Decimal's 28 significant
# digits (1e15 CNY x 1e9 shares, to the 厘, is 27); no real price or cash comes near.
MAX_DECIMAL_VALUE: Final = Decimal(10) ** 15


def to_decimal(value: PriceLike) -> Decimal:
    """A price as the trader meant it: ``35.5`` -> ``Decimal('35.5')`` (no binary drift).

    Floats go through ``repr`` (shortest round-trip form). ValueError for
    NaN, infinities, booleans and text that is not a number.
    """
    if isinstance(value, bool):
        raise ValueError(f"价格不是数字: {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"价格不是有限数字: {value!r}")
        d = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"价格不是数字: {value!r}") from None
    else:
        raise ValueError(f"价格不是数字: {value!r}")
    if not d.is_finite():
        raise ValueError(f"价格不是有限数字: {value!r}")
    if abs(d) >= MAX_DECIMAL_VALUE:
        raise ValueError(f"数值超出可处理范围: {value!r}")
    return d


def tick_size(code: str | Security) -> Decimal:
    """The minimum price step: ``Decimal('0.01')`` for stocks, ``0.001`` for ETFs/bonds."""
    return TICK_SIZES[_tick_key(_security(code))]


def price_decimals(code: str | Security) -> int:
    """How many decimals a price of this code shows (2 for stocks, 3 for ETFs)."""
    exponent = tick_size(code).normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def is_on_tick(code: str | Security, price: PriceLike) -> bool:
    """True when ``price`` is a whole number of ticks (35.5 yes, 35.505 no for stocks)."""
    try:
        return to_decimal(price) % tick_size(code) == 0
    except ValueError:
        return False


_ROUNDINGS: Final = {"nearest": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}


def _quantize(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    ticks = (value / tick).to_integral_value(rounding=rounding)
    return (ticks * tick).quantize(tick.normalize() if tick < 1 else Decimal(1))


def round_to_tick(code: str | Security, price: PriceLike, mode: RoundMode = "nearest") -> float:
    """``price`` moved onto the code's tick: nearest (half up), up, or down.

    ``round_to_tick('600036', 35.505) == 35.51``; on-tick prices come back unchanged.
    """
    try:
        rounding = _ROUNDINGS[mode]
    except KeyError:
        raise ValueError(f"mode must be 'nearest', 'up' or 'down', not {mode!r}") from None
    return float(_quantize(to_decimal(price), tick_size(code), rounding))


# --------------------------------------------------------------------------- bands


@dataclass(frozen=True, slots=True)
class PriceBand:
    """A daily price-limit band in percent of the previous close (10 means ±10%)."""

    down_pct: Decimal
    up_pct: Decimal


_TEN: Final = PriceBand(Decimal(10), Decimal(10))
_TWENTY: Final = PriceBand(Decimal(20), Decimal(20))
_THIRTY: Final = PriceBand(Decimal(30), Decimal(30))

# Daily limit per instrument kind; None = no daily limit applied here.
PRICE_BANDS: Final[Mapping[InstrumentKind, PriceBand | None]] = MappingProxyType(
    {
        InstrumentKind.MAIN_BOARD: _TEN,
        InstrumentKind.CHINEXT: _TWENTY,
        InstrumentKind.STAR: _TWENTY,
        InstrumentKind.BJ_STOCK: _THIRTY,
        InstrumentKind.FUND: _TEN,
        InstrumentKind.B_SHARE: _TEN,
        # Convertible bonds (the bonds traders buy here) move ±20% since 2022-08.
        InstrumentKind.BOND: _TWENTY,
        InstrumentKind.REPO: None,
    }
)
# ST overrides. Since July 2025 main-board ST stocks also move ±10% (was ±5%);
# ChiNext/STAR/BJ ST stocks keep their board's band. Kept as data so a future
# rule change is one line.
ST_PRICE_BANDS: Final[Mapping[InstrumentKind, PriceBand | None]] = MappingProxyType(
    {InstrumentKind.MAIN_BOARD: _TEN, InstrumentKind.B_SHARE: _TEN}
)


def price_band(code: str | Security, *, is_st: bool = False) -> PriceBand | None:
    """The daily band for a code (None when it has no daily limit here)."""
    kind = _security(code).kind
    if is_st and kind in ST_PRICE_BANDS:
        return ST_PRICE_BANDS[kind]
    return PRICE_BANDS[kind]


def price_limits(
    code: str | Security,
    prev_close: PriceLike,
    *,
    is_st: bool = False,
    new_listing: bool = False,
    band: PriceBand | None = None,
) -> tuple[float, float] | None:
    """Today's ``(down_limit, up_limit)`` from the previous close, as the exchange computes it.

    ``prev_close * (1 ± pct)`` rounded half up to the tick; e.g. 600036 at
    35.50 -> ``(31.95, 39.05)``. None for a new listing's first days or a kind
    without a daily band. ValueError when ``prev_close`` is not positive.

    ``band`` is the instrument's own band where the code alone cannot tell it
    (an ETF tracking a ChiNext or STAR index moves ±20%, not the ±10% the
    table gives every fund); it wins over the table and over ``is_st``.
    """
    sec = _security(code)
    if band is None:
        band = price_band(sec, is_st=is_st)
    if new_listing or band is None:
        return None
    base = to_decimal(prev_close)
    if base <= 0:
        raise ValueError(f"昨收价必须大于 0: {prev_close!r}")
    tick = tick_size(sec)
    hundred = Decimal(100)
    up = _quantize(base * (hundred + band.up_pct) / hundred, tick, ROUND_HALF_UP)
    down = _quantize(base * (hundred - band.down_pct) / hundred, tick, ROUND_HALF_UP)
    return float(max(down, tick)), float(max(up, tick))


# --------------------------------------------------------------------------- fees


@dataclass(frozen=True, slots=True)
class Fees:
    """What one order side costs, each part rounded to 0.01 CNY."""

    commission: float
    stamp_duty: float
    transfer_fee: float
    total: float


def _money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """The counter's fee rates (simulator defaults; configurable).

    Commission 0.025% with a 5 CNY minimum per order side, stamp duty 0.05% on
    sells of shares, transfer fee 0.001% on both sides of shares. Funds/ETFs,
    bonds and repo pay neither stamp duty nor transfer fee.
    """

    commission_rate: float = 0.00025
    commission_min: float = 5.0
    stamp_duty_rate: float = 0.0005
    transfer_fee_rate: float = 0.00001

    def fees(self, side: Side | str, amount: PriceLike, code: str | None = None) -> Fees:
        """Fees for one order side of ``amount`` CNY (price x volume).

        Without ``code`` the amount is taken to be shares. Zero amount costs nothing.
        """
        return self._fees(Side(side), to_decimal(amount), code)

    def _fees(self, side: Side, amount: Decimal, code: str | Security | None) -> Fees:
        if amount < 0:
            raise ValueError(f"成交金额不能为负: {amount}")
        if amount == 0:
            return Fees(0.0, 0.0, 0.0, 0.0)
        is_stock = True if code is None else _security(code).is_stock
        commission = _money(
            max(amount * to_decimal(self.commission_rate), to_decimal(self.commission_min))
        )
        stamp = (
            _money(amount * to_decimal(self.stamp_duty_rate))
            if is_stock and side is Side.SELL
            else Decimal(0)
        )
        transfer = _money(amount * to_decimal(self.transfer_fee_rate)) if is_stock else Decimal(0)
        total = commission + stamp + transfer
        return Fees(float(commission), float(stamp), float(transfer), float(total))

    def buy_cost(self, code: str | Security, price: PriceLike, volume: int) -> Decimal:
        """Cash a buy of ``volume`` at ``price`` needs: amount plus fees (Decimal CNY)."""
        amount = to_decimal(price) * volume
        return _money(amount) + to_decimal(self._fees(Side.BUY, amount, code).total)


def _half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up to a whole number (both >= 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _fraction(value: float, name: str) -> tuple[int, int]:
    """A rate as the exact fraction of its decimal value (``0.00025`` -> ``(1, 4000)``)."""
    d = to_decimal(value)
    digits = d.as_tuple().digits
    if d < 0 or len(digits) > _FEN_RATE_DIGITS:
        raise ValueError(f"{name} 不适合整数计算: {value!r}")
    return d.as_integer_ratio()


#: Rates with more significant digits than this stay on the Decimal path, so
#: that amount x rate (amounts below 10**15 li) is exact within Decimal's 28 digits.
_FEN_RATE_DIGITS: Final = 10
#: The largest amount, in li, :class:`FenFees` takes (10**12 CNY).
FEN_FEES_MAX_LI: Final = 10**15


@dataclass(frozen=True, slots=True)
class FenFees:
    """:meth:`FeeSchedule.fees` in integer arithmetic, for hot loops (the simulated counter).

    Amounts are whole li (厘, 0.001 CNY: a price on a 0.01 or 0.001 tick times
    a volume is a whole number of li); fees come back in whole fen (分, 0.01
    CNY). Each rate is held as the exact fraction of its decimal value and
    each part is rounded half up to the fen, as :meth:`FeeSchedule.fees`
    rounds it, so ``total(side, a, is_stock) / 100`` equals
    ``schedule.fees(side, a / 1000, code).total`` for every amount from 0 to
    :data:`FEN_FEES_MAX_LI` (a property test compares the two). About ten
    times faster than the Decimal path.

    ``FenFees.of(schedule)`` raises ValueError for a schedule it cannot
    reproduce exactly (a negative rate, a rate with more than ten significant
    digits); use the schedule itself then.
    """

    commission: tuple[int, int]  # rate as (numerator, denominator)
    commission_min_fen: int
    stamp_duty: tuple[int, int]
    transfer_fee: tuple[int, int]

    @classmethod
    def of(cls, schedule: FeeSchedule) -> FenFees:
        """The integer form of ``schedule`` (ValueError when it has none, see the class doc)."""
        n, d = _fraction(schedule.commission_min, "commission_min")
        return cls(
            _fraction(schedule.commission_rate, "commission_rate"),
            _half_up(n * 100, d),
            _fraction(schedule.stamp_duty_rate, "stamp_duty_rate"),
            _fraction(schedule.transfer_fee_rate, "transfer_fee_rate"),
        )

    def total(self, side: Side, amount_li: int, is_stock: bool) -> int:
        """All fees, in fen, of one order side of ``amount_li`` (``Fees.total`` x 100)."""
        if not 0 <= amount_li <= FEN_FEES_MAX_LI:
            raise ValueError(f"成交金额超出整数计算范围: {amount_li} 厘")
        if amount_li == 0:
            return 0
        # amount x rate in fen = amount_li x n / (10 x d); each part rounded half up.
        n, d = self.commission
        total = max(_half_up(amount_li * n, 10 * d), self.commission_min_fen)
        if is_stock:
            n, d = self.transfer_fee
            total += _half_up(amount_li * n, 10 * d)
            if side == Side.SELL:  # (a Side, or its value "sell")
                n, d = self.stamp_duty
                total += _half_up(amount_li * n, 10 * d)
        return total

    def buy_cost(self, amount_li: int, is_stock: bool) -> int:
        """:meth:`FeeSchedule.buy_cost` in fen: the amount rounded half up to the fen, plus fees."""
        return _half_up(amount_li, 10) + self.total(Side.BUY, amount_li, is_stock)


def fees_for(
    code: str | Security,
    side: Side | str,
    price: PriceLike,
    volume: int,
    schedule: FeeSchedule | None = None,
) -> Fees:
    """Fees for ``volume`` of ``code`` at ``price`` on ``side`` under ``schedule``."""
    schedule = schedule or FeeSchedule()
    return schedule._fees(Side(side), to_decimal(price) * volume, code)


def max_buy_volume(
    code: str | Security,
    price: PriceLike,
    cash: PriceLike,
    schedule: FeeSchedule | None = None,
) -> int:
    """The largest lot-valid buy volume whose amount plus fees fits in ``cash``.

    What the ticket shows as 可买 and uses for its 全部 button. 0 when not even
    the minimum lot is affordable or the price is not positive.
    """
    schedule = schedule or FeeSchedule()
    sec = _security(code)
    p = to_decimal(price)
    budget = to_decimal(cash)
    if p <= 0 or budget <= 0:
        return 0
    rule = lot_rule(sec)
    # Cost is increasing in volume: binary search over k in volume = min + k*step.
    upper = int(budget / p)
    if upper < rule.min_volume:
        return 0
    hi = (upper - rule.min_volume) // rule.step
    lo = -1  # volume(-1) stands for "nothing affordable"
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if schedule.buy_cost(sec, p, rule.min_volume + mid * rule.step) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return 0 if lo < 0 else rule.min_volume + lo * rule.step


# --------------------------------------------------------------------------- T+1


def sellable_volume(volume_held_before_today: int, sold_today: int, frozen: int) -> int:
    """Shares that can be sold now under T+1 (xtquant's ``can_use_volume``).

    Shares bought today are not in ``volume_held_before_today`` and so are not
    sellable; what was already sold today and what sits in pending sell orders
    (``frozen``) is subtracted. Never negative.
    """
    return max(0, volume_held_before_today - sold_today - frozen)
