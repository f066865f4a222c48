"""The counter's integer fee path equals the Decimal one (``FeeSchedule.fees``), to the fen.

The counter charges fees through :class:`app.models.rules.FenFees` (integers)
instead of :meth:`FeeSchedule.fees` (Decimal) because it is about ten times
faster; these properties make sure no amount, side, kind of security or
schedule ever gives a different fen.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.rules import FEN_FEES_MAX_LI, FeeSchedule, FenFees, Side

STOCK = "600036.SH"  # pays stamp duty (sells) and transfer fee
FUND = "510300.SH"  # pays neither

DEFAULT = FeeSchedule()
DEFAULT_FAST = FenFees.of(DEFAULT)

sides = st.sampled_from([Side.BUY, Side.SELL])
codes = st.sampled_from([STOCK, FUND])
# Amounts in li (0.001 CNY): small ones (around the 5 CNY minimum), large ones
# up to the fast path's limit, and those where a default rate lands exactly on
# half a fen (commission 1/4000: 40,000m + 20,000 li; stamp duty 1/2000:
# 20,000m + 10,000; transfer fee 1/100,000: 1,000,000m + 500,000) and next to it.
_half_fen = st.one_of(
    st.integers(0, 10**9).map(lambda m: m * 40_000 + 20_000),
    st.integers(0, 10**9).map(lambda m: m * 20_000 + 10_000),
    st.integers(0, 10**8).map(lambda m: m * 1_000_000 + 500_000),
)
amounts = st.one_of(
    st.integers(0, 100_000_000),
    st.integers(0, FEN_FEES_MAX_LI),
    _half_fen,
    st.tuples(_half_fen, st.sampled_from([-1, 1])).map(lambda t: t[0] + t[1]),
)
rates = st.decimals(min_value=Decimal(0), max_value=Decimal("0.01"), places=7, allow_nan=False).map(
    float
)
schedules = st.builds(
    FeeSchedule,
    commission_rate=rates,
    commission_min=st.decimals(min_value=0, max_value=20, places=3).map(float),
    stamp_duty_rate=rates,
    transfer_fee_rate=rates,
)


def _decimal_total(schedule: FeeSchedule, side: Side, amount_li: int, code: str) -> float:
    return schedule.fees(side, Decimal(amount_li) / 1000, code).total


@settings(max_examples=1500, deadline=None)
@given(side=sides, amount_li=amounts, code=codes)
def test_default_schedule_matches_decimal(side: Side, amount_li: int, code: str):
    fast = DEFAULT_FAST.total(side, amount_li, code == STOCK)
    assert fast / 100 == _decimal_total(DEFAULT, side, amount_li, code)


@settings(max_examples=600, deadline=None)
@given(schedule=schedules, side=sides, amount_li=amounts, code=codes)
def test_any_schedule_matches_decimal(schedule: FeeSchedule, side: Side, amount_li: int, code: str):
    fast = FenFees.of(schedule).total(side, amount_li, code == STOCK)
    assert fast / 100 == _decimal_total(schedule, side, amount_li, code)


@settings(max_examples=600, deadline=None)
@given(
    price_li=st.integers(1, 5_000_000),  # 0.001 .. 5,000 CNY
    volume=st.integers(1, 10_000_000),
    code=codes,
)
def test_buy_cost_matches_decimal(price_li: int, volume: int, code: str):
    price = price_li / 1000  # a float on the 0.001 tick, as the counter has it
    fast = DEFAULT_FAST.buy_cost(price_li * volume, code == STOCK)
    assert Decimal(fast) / 100 == DEFAULT.buy_cost(code, price, volume)


def test_known_values():
    # 100 shares at 38.50 (3,850 CNY): commission at the 5 CNY minimum, transfer 0.04 (0.0385 up).
    assert DEFAULT_FAST.total(Side.BUY, 3_850_000, True) == 504
    # a sell adds stamp duty 1.93 (1.925 rounds half up)
    assert DEFAULT_FAST.total(Side.SELL, 3_850_000, True) == 697
    assert DEFAULT_FAST.total(Side.SELL, 3_850_000, False) == 500
    assert DEFAULT_FAST.total(Side.BUY, 0, True) == 0
    assert DEFAULT_FAST.buy_cost(3_850_000, True) == 385_504


def test_schedules_it_cannot_reproduce_exactly_are_refused():
    with pytest.raises(ValueError):
        FenFees.of(FeeSchedule(commission_rate=-0.0001))
    with pytest.raises(ValueError):
        FenFees.of(FeeSchedule(commission_rate=1 / 3))
    with pytest.raises(ValueError):
        DEFAULT_FAST.total(Side.BUY, FEN_FEES_MAX_LI + 1, True)
    with pytest.raises(ValueError):
        DEFAULT_FAST.total(Side.BUY, -1, True)
