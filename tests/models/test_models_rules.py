"""A-share rules: lots, ticks, bands, fees, T+1 (app.models.rules)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.codes import SEGMENTS, CodeError, InstrumentKind
from app.models.rules import (
    PRICE_BANDS,
    Fees,
    FeeSchedule,
    LotRule,
    PriceBand,
    Side,
    check_volume,
    fees_for,
    is_on_tick,
    lot_rule,
    max_buy_volume,
    max_lot_volume,
    order_type_of,
    price_band,
    price_decimals,
    price_limits,
    round_to_tick,
    sellable_volume,
    side_of_order_type,
    tick_size,
    to_decimal,
    volume_issue,
)

DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200)

SAMPLE_CODES = [
    "600036.SH", "000001.SZ", "162411.SZ", "300750.SZ", "688981.SH", "510300.SH",
    "110059.SH", "113052.SH", "123001.SZ", "127045.SZ", "204001.SH", "131810.SZ",
    "900901.SH", "200002.SZ", "430047.BJ", "830799.BJ", "920002.BJ",
]  # fmt: skip


# ---------------------------------------------------------------- sides


def test_sides_and_order_types():
    assert side_of_order_type(23) is Side.BUY
    assert side_of_order_type(24) is Side.SELL
    assert order_type_of(Side.BUY) == 23
    assert order_type_of("sell") == 24
    with pytest.raises(ValueError, match="23"):
        side_of_order_type(48)
    with pytest.raises(ValueError):
        order_type_of("short")


# ---------------------------------------------------------------- lots


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("600036", LotRule(100, 100)),
        ("000001", LotRule(100, 100)),
        ("300750", LotRule(100, 100)),
        ("688981", LotRule(200, 1)),
        ("689009", LotRule(200, 1)),
        ("430047", LotRule(100, 1)),
        ("830799", LotRule(100, 1)),
        ("920002", LotRule(100, 1)),
        ("510300", LotRule(100, 100)),
        ("162411", LotRule(100, 100)),
        ("110059", LotRule(10, 10)),
        ("113052", LotRule(10, 10)),
        ("123001", LotRule(10, 10)),
        ("127045", LotRule(10, 10)),
        ("204001", LotRule(10, 10)),
        ("131810", LotRule(10, 10)),
        ("900901", LotRule(1000, 1000)),
        ("200002", LotRule(100, 100)),
    ],
)
def test_lot_rules(code: str, rule: LotRule):
    assert lot_rule(code) == rule


@pytest.mark.parametrize(
    ("code", "side", "volume", "position", "ok"),
    [
        ("600036", "buy", 100, None, True),
        ("600036", "buy", 1000, None, True),
        ("600036", "buy", 150, None, False),
        ("600036", "buy", 50, None, False),
        ("600036", "buy", 0, None, False),
        ("600036", "buy", -100, None, False),
        ("688981", "buy", 200, None, True),
        ("688981", "buy", 201, None, True),
        ("688981", "buy", 199, None, False),
        ("688981", "buy", 100, None, False),
        ("430047", "buy", 100, None, True),
        ("430047", "buy", 101, None, True),
        ("430047", "buy", 99, None, False),
        ("920002", "buy", 137, None, True),
        ("110059", "buy", 10, None, True),
        ("110059", "buy", 15, None, False),
        ("123001", "buy", 100, None, True),
        ("900901", "buy", 500, None, False),
        ("900901", "buy", 2000, None, True),
        # sells: odd lot only when clearing the position
        ("600036", "sell", 100, 350, True),
        ("600036", "sell", 300, 350, True),
        ("600036", "sell", 350, 350, True),
        ("600036", "sell", 50, 50, True),
        ("600036", "sell", 150, 350, False),
        ("600036", "sell", 50, 350, False),
        ("600036", "sell", 400, 350, False),
        ("600036", "sell", 150, None, False),
        ("688981", "sell", 150, 150, True),
        ("688981", "sell", 150, 300, False),
        ("688981", "sell", 250, 300, True),
        ("430047", "sell", 30, 30, True),
        ("430047", "sell", 30, 130, False),
        ("430047", "sell", 101, 130, True),
        ("110059", "sell", 15, 15, True),
        ("110059", "sell", 15, 25, False),
    ],
)
def test_check_volume(code: str, side: str, volume: int, position: int | None, ok: bool):
    reason = check_volume(code, side, volume, position)
    assert (reason is None) == ok, reason
    if reason is not None:
        assert isinstance(reason, str) and reason


def test_check_volume_messages_are_chinese_and_helpful():
    assert check_volume("688981", "buy", 150) == "科创板买入至少 200 股"
    assert "100 股的整数倍" in (check_volume("600036", "buy", 150) or "")
    assert "100 或 200" in (check_volume("600036", "buy", 150) or "")
    assert "10 张" in (check_volume("110059", "buy", 15) or "")
    assert "零股" in (check_volume("600036", "sell", 150, 350) or "")
    assert "可卖数量 350" in (check_volume("600036", "sell", 400, 350) or "")
    assert check_volume("600036", "buy", 100.0) is not None  # type: ignore[arg-type]
    assert check_volume("600036", "buy", True) is not None  # type: ignore[arg-type]


def test_volume_issue_codes():
    def code_of(*args: object) -> str | None:
        issue = volume_issue(*args)  # type: ignore[arg-type]
        return None if issue is None else issue.code

    assert code_of("600036", "buy", 0) == "volume_not_positive"
    assert code_of("600036", "buy", 150) == "volume_not_lot_multiple"
    assert code_of("688981", "buy", 150) == "volume_below_minimum"
    assert code_of("600036", "sell", 150, 350) == "odd_lot_sell"
    assert code_of("688981", "sell", 150, 300) == "odd_lot_sell"
    assert code_of("600036", "sell", 500, 350) == "sell_exceeds_position"
    assert code_of("600036", "buy", 1.5) == "volume_not_integer"
    issue = volume_issue("600036", "buy", 150)
    assert issue is not None and "multiples of 100" in issue.message_en


@pytest.mark.parametrize(
    ("code", "side", "volume", "position", "expected"),
    [
        ("600036", "buy", 1234, None, 1200),
        ("600036", "buy", 99, None, 0),
        ("688981", "buy", 1234, None, 1234),
        ("688981", "buy", 199, None, 0),
        ("430047", "buy", 150, None, 150),
        ("110059", "buy", 37, None, 30),
        ("900901", "buy", 2500, None, 2000),
        ("600036", "sell", 350, 350, 350),  # 全部: whole position incl. odd lot
        ("600036", "sell", 175, 350, 100),  # 1/2
        ("600036", "sell", 400, 350, 350),
        ("688981", "sell", 150, 150, 150),
        ("688981", "sell", 75, 150, 0),
    ],
)
def test_max_lot_volume(code: str, side: str, volume: int, position: int | None, expected: int):
    assert max_lot_volume(code, side, volume, position_volume=position) == expected


@DETERMINISTIC
@given(st.sampled_from(SAMPLE_CODES), st.integers(0, 10_000_000))
def test_lot_round_trip(code: str, volume: int):
    v = max_lot_volume(code, Side.BUY, volume)
    assert 0 <= v <= volume
    assert max_lot_volume(code, Side.BUY, v) == v
    if v:
        assert check_volume(code, Side.BUY, v) is None
    nxt = v + lot_rule(code).step if v else lot_rule(code).min_volume
    assert nxt > volume  # nothing valid was skipped


# ---------------------------------------------------------------- ticks


@pytest.mark.parametrize(
    ("code", "tick", "decimals"),
    [
        ("600036", "0.01", 2),
        ("000001", "0.01", 2),
        ("300750", "0.01", 2),
        ("688981", "0.01", 2),
        ("430047", "0.01", 2),
        ("920002", "0.01", 2),
        ("510300", "0.001", 3),
        ("159919", "0.001", 3),
        ("162411", "0.001", 3),
        ("110059", "0.001", 3),
        ("127045", "0.001", 3),
        ("131810", "0.001", 3),
        ("204001", "0.005", 3),
        ("900901", "0.001", 3),
        ("200002", "0.01", 2),
    ],
)
def test_tick_sizes(code: str, tick: str, decimals: int):
    assert tick_size(code) == Decimal(tick)
    assert price_decimals(code) == decimals


@pytest.mark.parametrize(
    ("code", "price", "on"),
    [
        ("600036", 35.5, True),
        ("600036", 35.50, True),
        ("600036", 35.51, True),
        ("600036", 35.505, False),
        ("600036", 0.1 + 0.2, False),  # 0.30000000000000004 is not a price a trader typed
        ("600036", 0.3, True),
        ("600036", 1000, True),
        ("600036", "35.50", True),
        ("600036", Decimal("35.5"), True),
        ("600036", 1.005, False),
        ("600036", 1.15, True),
        ("600036", 4.35, True),
        ("510300", 3.888, True),
        ("510300", 3.8885, False),
        ("162411", 0.618, True),
        ("110059", 100.001, True),
        ("204001", 1.505, True),
        ("204001", 1.501, False),
        ("600036", float("nan"), False),
        ("600036", float("inf"), False),
        ("600036", "abc", False),
        ("600036", 1e300, False),  # too large to divide into ticks: not a valid price
    ],
)
def test_is_on_tick(code: str, price: object, on: bool):
    assert is_on_tick(code, price) is on  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "price", "mode", "expected"),
    [
        ("600036", 35.505, "nearest", 35.51),  # half up, no float drift
        ("600036", 35.504, "nearest", 35.5),
        ("600036", 35.505, "down", 35.5),
        ("600036", 35.501, "up", 35.51),
        ("600036", 35.5, "up", 35.5),
        ("600036", 1.005, "nearest", 1.01),  # float(1.005) < 1.005, still rounds as typed
        ("600036", 2.675, "nearest", 2.68),
        ("510300", 3.8885, "nearest", 3.889),
        ("510300", 3.8884, "nearest", 3.888),
        ("204001", 1.503, "nearest", 1.505),
        ("204001", 1.502, "nearest", 1.5),
    ],
)
def test_round_to_tick(code: str, price: float, mode: str, expected: float):
    assert round_to_tick(code, price, mode) == expected  # type: ignore[arg-type]


def test_round_to_tick_rejects_bad_mode_and_bad_price():
    with pytest.raises(ValueError, match="mode"):
        round_to_tick("600036", 1.0, "sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        round_to_tick("600036", float("nan"))
    with pytest.raises(CodeError):
        round_to_tick("abc", 1.0)


def test_to_decimal_refuses_values_past_what_decimal_can_price():
    assert to_decimal(999_999_999_999_999) == Decimal(999_999_999_999_999)
    with pytest.raises(ValueError, match="超出"):
        to_decimal(1e15)
    with pytest.raises(ValueError, match="超出"):
        to_decimal(-1e300)


def test_to_decimal_has_no_binary_drift():
    assert to_decimal(35.5) == Decimal("35.5")
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(7) == Decimal(7)
    for bad in (True, None, "x", float("inf")):
        with pytest.raises(ValueError):
            to_decimal(bad)  # type: ignore[arg-type]


_prices = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100000), places=4).map(float)


@DETERMINISTIC
@given(st.sampled_from(SAMPLE_CODES), _prices, st.sampled_from(["nearest", "up", "down"]))
def test_round_to_tick_is_idempotent_and_lands_on_tick(code: str, price: float, mode: str):
    once = round_to_tick(code, price, mode)  # type: ignore[arg-type]
    assert is_on_tick(code, once)
    assert round_to_tick(code, once) == once
    assert round_to_tick(code, once, mode) == once  # type: ignore[arg-type]
    assert abs(Decimal(repr(once)) - Decimal(repr(price))) <= tick_size(code)


@DETERMINISTIC
@given(st.sampled_from(SAMPLE_CODES), st.integers(1, 10_000_000))
def test_on_tick_prices_survive(code: str, ticks: int):
    price = float(ticks * tick_size(code))
    assert is_on_tick(code, price)
    for mode in ("nearest", "up", "down"):
        assert round_to_tick(code, price, mode) == price  # type: ignore[arg-type]


# ---------------------------------------------------------------- bands


def test_band_table():
    assert PRICE_BANDS[InstrumentKind.MAIN_BOARD] == PriceBand(Decimal(10), Decimal(10))
    assert PRICE_BANDS[InstrumentKind.CHINEXT] == PriceBand(Decimal(20), Decimal(20))
    assert PRICE_BANDS[InstrumentKind.STAR] == PriceBand(Decimal(20), Decimal(20))
    assert PRICE_BANDS[InstrumentKind.BJ_STOCK] == PriceBand(Decimal(30), Decimal(30))
    assert PRICE_BANDS[InstrumentKind.FUND] == PriceBand(Decimal(10), Decimal(10))
    assert PRICE_BANDS[InstrumentKind.BOND] == PriceBand(Decimal(20), Decimal(20))
    assert PRICE_BANDS[InstrumentKind.REPO] is None
    assert set(PRICE_BANDS) == set(InstrumentKind)


def test_st_main_board_is_ten_percent_since_july_2025():
    assert price_band("600036", is_st=True) == price_band("600036")
    assert price_band("300750", is_st=True) == PriceBand(Decimal(20), Decimal(20))
    assert price_limits("600000", 10.0, is_st=True) == (9.0, 11.0)


@pytest.mark.parametrize(
    ("code", "prev_close", "expected"),
    [
        ("600036", 35.5, (31.95, 39.05)),
        ("000001", 11.11, (10.0, 12.22)),  # 9.999 -> 10.00, 12.221 -> 12.22
        ("600000", 10.05, (9.05, 11.06)),  # 9.045 and 11.055: exact half, rounded up
        ("600000", 1.15, (1.04, 1.27)),  # 1.035 -> 1.04, 1.265 -> 1.27
        ("300750", 200.01, (160.01, 240.01)),
        ("300750", 10.03, (8.02, 12.04)),  # 8.024 -> 8.02, 12.036 -> 12.04
        ("688981", 50.0, (40.0, 60.0)),
        ("688981", 87.65, (70.12, 105.18)),
        ("430047", 10.0, (7.0, 13.0)),
        ("830799", 23.45, (16.42, 30.49)),  # 16.415 -> 16.42, 30.485 -> 30.49
        ("920002", 5.55, (3.89, 7.22)),  # 3.885 -> 3.89, 7.215 -> 7.22
        ("510300", 3.888, (3.499, 4.277)),
        ("162411", 0.618, (0.556, 0.68)),
        ("159919", 4.005, (3.605, 4.406)),  # 3.6045 -> 3.605, 4.4055 -> 4.406
        ("600036", 0.01, (0.01, 0.01)),  # never below one tick
    ],
)
def test_price_limits(code: str, prev_close: float, expected: tuple[float, float]):
    assert price_limits(code, prev_close) == expected


@pytest.mark.parametrize("code", ["204001", "131810"])
def test_no_band_for_repo(code: str):
    assert price_limits(code, 100.0) is None


@pytest.mark.parametrize("code", ["110059", "113052", "123001", "127045"])
def test_convertible_bonds_move_twenty_percent(code: str):
    assert price_limits(code, 120.5) == (96.4, 144.6)


def test_an_instruments_own_band_wins_over_the_table():
    # 创业板ETF: a fund code (the table says ±10%) tracking a ±20% index
    assert price_limits("159915", 3.214) == (2.893, 3.535)
    twenty = PriceBand(Decimal(20), Decimal(20))
    assert price_limits("159915", 3.214, band=twenty) == (2.571, 3.857)
    assert price_limits("600036", 35.5, is_st=True, band=twenty) == (28.4, 42.6)
    assert price_limits("159915", 3.214, band=twenty, new_listing=True) is None


def test_no_band_for_new_listing():
    assert price_limits("688981", 50.0, new_listing=True) is None


@pytest.mark.parametrize("prev_close", [0, -1.0, 0.0])
def test_price_limits_need_a_positive_prev_close(prev_close: float):
    with pytest.raises(ValueError, match="昨收"):
        price_limits("600036", prev_close)


@DETERMINISTIC
@given(st.sampled_from(SAMPLE_CODES), _prices)
def test_limits_are_on_tick_and_around_prev_close(code: str, prev_close: float):
    limits = price_limits(code, prev_close)
    if limits is None:
        return
    down, up = limits
    assert is_on_tick(code, down) and is_on_tick(code, up)
    assert down <= up
    assert down <= round_to_tick(code, prev_close) <= up or down == float(tick_size(code))


# ---------------------------------------------------------------- fees


def test_default_fee_schedule():
    s = FeeSchedule()
    assert (s.commission_rate, s.commission_min, s.stamp_duty_rate, s.transfer_fee_rate) == (
        0.00025,
        5.0,
        0.0005,
        0.00001,
    )


@pytest.mark.parametrize(
    ("side", "amount", "expected"),
    [
        # 100 x 35.50: commission min 5, transfer 0.0355 -> 0.04
        ("buy", 3550, Fees(5.0, 0.0, 0.04, 5.04)),
        ("sell", 3550, Fees(5.0, 1.78, 0.04, 6.82)),  # stamp 1.775 -> 1.78
        # 1000 x 35.50: commission 8.875 -> 8.88, stamp 17.75, transfer 0.355 -> 0.36
        ("buy", 35500, Fees(8.88, 0.0, 0.36, 9.24)),
        ("sell", 35500, Fees(8.88, 17.75, 0.36, 26.99)),
        ("buy", 20000, Fees(5.0, 0.0, 0.2, 5.2)),  # commission exactly 5
        ("buy", 1_000_000, Fees(250.0, 0.0, 10.0, 260.0)),
        ("sell", 1_000_000, Fees(250.0, 500.0, 10.0, 760.0)),
        ("buy", 0, Fees(0.0, 0.0, 0.0, 0.0)),
    ],
)
def test_fees_for_shares(side: str, amount: float, expected: Fees):
    assert FeeSchedule().fees(side, amount) == expected
    assert FeeSchedule().fees(side, amount, "600036") == expected


@pytest.mark.parametrize("code", ["510300", "162411", "110059", "123001", "204001", "131810"])
def test_funds_bonds_repo_pay_no_stamp_duty_or_transfer_fee(code: str):
    fees = FeeSchedule().fees("sell", 100_000, code)
    assert fees == Fees(25.0, 0.0, 0.0, 25.0)


def test_fees_for_price_and_volume():
    assert fees_for("600036", "sell", 35.5, 1000) == Fees(8.88, 17.75, 0.36, 26.99)
    assert fees_for("510300", "buy", 3.888, 100) == Fees(5.0, 0.0, 0.0, 5.0)


def test_configurable_fee_schedule():
    cheap = FeeSchedule(commission_rate=0.0001, commission_min=0.0, stamp_duty_rate=0.0005)
    assert cheap.fees("buy", 3550) == Fees(0.36, 0.0, 0.04, 0.4)
    assert fees_for("600036", "sell", 35.5, 100, cheap) == Fees(0.36, 1.78, 0.04, 2.18)
    with pytest.raises(ValueError):
        cheap.fees("buy", -1)


def test_total_is_the_sum_of_parts():
    for amount in (1, 999.99, 3550, 12345.67, 9_999_999):
        f = FeeSchedule().fees("sell", amount)
        assert Decimal(repr(f.total)) == sum(
            Decimal(repr(x)) for x in (f.commission, f.stamp_duty, f.transfer_fee)
        )


# ---------------------------------------------------------------- affordability


@pytest.mark.parametrize(
    ("code", "price", "cash", "expected"),
    [
        ("600036", 35.5, 3555.04, 100),  # 3550 + 5.00 + 0.04
        ("600036", 35.5, 3555.03, 0),
        ("600036", 35.5, 7105.07, 200),  # 7100 + 5 + 0.07
        ("600036", 35.5, 7105.06, 100),
        ("600036", 35.5, 1_000_000, 28100),
        ("688981", 50.0, 10_005.10, 200),  # 10000 + 5 + 0.10
        ("688981", 50.0, 10_055.09, 200),  # STAR steps of 1: 201 needs 10050 + 5 + 0.10
        ("688981", 50.0, 10_055.10, 201),
        ("688981", 50.0, 10_005.09, 0),
        ("430047", 10.0, 1_106.01, 110),  # 1100 + 5 + 0.01; 111 would need 1115.01
        ("510300", 3.888, 100_000, 25700),  # 99,921.60 + 24.98; no transfer fee for ETFs
        ("110059", 100.0, 2_005.0, 20),
        ("600036", 0, 1_000_000, 0),
        ("600036", 35.5, 0, 0),
        ("600036", 35.5, -5, 0),
    ],
)
def test_max_buy_volume(code: str, price: float, cash: float, expected: int):
    assert max_buy_volume(code, price, cash) == expected


@DETERMINISTIC
@given(
    st.sampled_from(SAMPLE_CODES),
    st.decimals(min_value=Decimal("0.1"), max_value=Decimal(2000), places=2).map(float),
    st.decimals(min_value=0, max_value=Decimal(5_000_000), places=2).map(float),
)
def test_max_buy_volume_is_the_largest_affordable(code: str, price: float, cash: float):
    schedule = FeeSchedule()
    v = max_buy_volume(code, price, cash, schedule)
    rule = lot_rule(code)
    if v:
        assert rule.is_valid(v)
        assert schedule.buy_cost(code, price, v) <= Decimal(repr(cash))
    nxt = v + rule.step if v else rule.min_volume
    assert schedule.buy_cost(code, price, nxt) > Decimal(repr(cash))


# ---------------------------------------------------------------- T+1


@pytest.mark.parametrize(
    ("held", "sold", "frozen", "expected"),
    [
        (1000, 0, 0, 1000),
        (1000, 300, 0, 700),
        (1000, 300, 200, 500),
        (0, 0, 0, 0),  # all bought today: nothing sellable
        (100, 100, 0, 0),
        (100, 100, 100, 0),  # never negative
    ],
)
def test_sellable_volume(held: int, sold: int, frozen: int, expected: int):
    assert sellable_volume(held, sold, frozen) == expected


@pytest.mark.parametrize("prefix", sorted(SEGMENTS))
def test_every_segment_has_a_lot_tick_and_band_entry(prefix: str):
    code = prefix + "0" * (6 - len(prefix))
    assert lot_rule(code).min_volume > 0
    assert tick_size(code) > 0
    price_band(code)  # no KeyError
    assert fees_for(code, "buy", 10.0, lot_rule(code).min_volume).total >= 0
