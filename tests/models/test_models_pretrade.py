"""Pre-trade check of an order ticket (app.models.pretrade)."""

import pytest

from app.models.pretrade import Problem, Ticket, TradeContext, check_ticket
from app.models.rules import FeeSchedule

LIMIT, LATEST = 11, 5
CMB = TradeContext(prev_close=35.5, last_price=35.6, cash_available=1_000_000.0,
                   position_volume=1000, sellable_volume=1000)  # fmt: skip


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def fields(problems: list[Problem]) -> list[str]:
    return [p.field for p in problems]


@pytest.mark.parametrize(
    ("ticket", "context"),
    [
        (Ticket("600036", "buy", LIMIT, 35.5, 100), CMB),
        (Ticket("sh600036", "buy", LIMIT, 39.05, 100), CMB),  # exactly limit-up
        (Ticket("600036.SH", "sell", LIMIT, 31.95, 1000), CMB),  # exactly limit-down
        (Ticket("600036", "sell", 44, None, 300), CMB),
        (Ticket("600036", "sell", 42, 0.0, 300), CMB),  # market ignores the price
        (Ticket("600036", "buy", LATEST, None, 100), CMB),
        (Ticket("000001", "buy", 48, None, 100), TradeContext()),
        (Ticket("688981", "buy", LIMIT, 50.0, 201), TradeContext(prev_close=50.0)),
        (Ticket("430047", "buy", LIMIT, 12.99, 101), TradeContext(prev_close=10.0)),
        (Ticket("510300", "buy", LIMIT, 3.888, 100), TradeContext(prev_close=3.9)),
        (Ticket("110059", "buy", LIMIT, 119.999, 10), TradeContext(prev_close=100.0)),
        (Ticket("600036", "sell", LIMIT, 35.5, 350),
         TradeContext(position_volume=350, sellable_volume=350)),  # odd lot, whole position
        (Ticket("600036", "buy", LIMIT, 35.5, 100), TradeContext()),  # nothing known: static only
    ],
)  # fmt: skip
def test_good_tickets_pass(ticket: Ticket, context: TradeContext):
    assert check_ticket(ticket, context) == []


def test_every_problem_is_reported_not_just_the_first():
    problems = check_ticket(Ticket("600036", "buy", LIMIT, 40.005, 150), CMB)
    assert codes(problems) == ["price_off_tick", "price_above_up_limit", "volume_not_lot_multiple"]
    assert fields(problems) == ["price", "price", "volume"]


def test_everything_wrong_at_once():
    problems = check_ticket(Ticket("abc", "hold", 99, None, 0), TradeContext())
    assert codes(problems) == [
        "bad_code",
        "bad_side",
        "price_type_unknown",
        "volume_not_positive",
    ]
    assert problems[0].message_zh.startswith("无法识别的证券代码: 'abc'")


def test_messages_are_chinese_with_english_available():
    (p,) = check_ticket(Ticket("600036", "buy", LIMIT, 35.505, 100), CMB)
    assert p == Problem(
        "price",
        "price_off_tick",
        "委托价格 35.505 不是最小变动价位 0.01 的整数倍",
        "The price 35.505 is not a multiple of the tick size 0.01",
    )
    assert p.message() == p.message_zh and p.message("en") == p.message_en


@pytest.mark.parametrize(
    ("price", "code"),
    [(None, "price_missing"), (float("nan"), "price_missing"), (0.0, "price_not_positive"),
     (-1.0, "price_not_positive"), (float("inf"), "price_invalid")],
)  # fmt: skip
def test_limit_orders_need_a_price(price: float | None, code: str):
    assert codes(check_ticket(Ticket("600036", "buy", LIMIT, price, 100), CMB)) == [code]


def test_limit_order_with_bad_code_still_needs_a_price():
    assert codes(check_ticket(Ticket("xyz", "buy", LIMIT, None, 100))) == [
        "bad_code",
        "price_missing",
    ]


def test_band_from_prev_close():
    up = check_ticket(Ticket("600036", "buy", LIMIT, 39.06, 100), CMB)
    assert codes(up) == ["price_above_up_limit"]
    assert "39.06" in up[0].message_zh and "涨停价 39.05" in up[0].message_zh
    down = check_ticket(Ticket("600036", "sell", LIMIT, 31.94, 100), CMB)
    assert codes(down) == ["price_below_down_limit"]
    assert "跌停价 31.95" in down[0].message_zh


def test_band_from_the_quote_wins_over_prev_close():
    ctx = TradeContext(prev_close=35.5, up_limit=38.0, down_limit=33.0)
    assert codes(check_ticket(Ticket("600036", "buy", LIMIT, 38.5, 100), ctx)) == [
        "price_above_up_limit"
    ]
    assert codes(check_ticket(Ticket("600036", "buy", LIMIT, 32.5, 100), ctx)) == [
        "price_below_down_limit"
    ]


@pytest.mark.parametrize(
    ("code", "prev_close", "inside", "outside"),
    [
        ("300750", 200.0, 240.0, 240.01),  # ChiNext ±20%
        ("688981", 50.0, 40.0, 39.99),  # STAR ±20%
        ("830799", 10.0, 13.0, 13.01),  # BJ ±30%
        ("510300", 3.9, 4.29, 4.291),  # ETF ±10%
    ],
)
def test_bands_per_board(code: str, prev_close: float, inside: float, outside: float):
    ctx = TradeContext(prev_close=prev_close)
    assert check_ticket(Ticket(code, "buy", LIMIT, inside, 200), ctx) == []
    assert len(check_ticket(Ticket(code, "buy", LIMIT, outside, 200), ctx)) == 1


def test_convertible_bonds_have_a_twenty_percent_band_new_listings_none():
    context = TradeContext(prev_close=100)
    problems = check_ticket(Ticket("123001", "buy", LIMIT, 120.001, 10), context)
    assert [p.code for p in problems] == ["price_above_up_limit"]
    assert check_ticket(Ticket("123001", "buy", LIMIT, 120.0, 10), context) == []
    new = TradeContext(prev_close=10.0, new_listing=True)
    assert check_ticket(Ticket("688981", "buy", LIMIT, 30.0, 200), new) == []


@pytest.mark.parametrize(
    ("code", "price_type"),
    [("600036", 46), ("600036", 47), ("600036", 48), ("430047", 48), ("000001", 42),
     ("000001", 43), ("600036", 18), ("000001", 24), ("600036", 50), ("600036", 0)],
)  # fmt: skip
def test_price_type_not_accepted_by_the_exchange(code: str, price_type: int):
    problems = check_ticket(Ticket(code, "buy", price_type, None, 100), TradeContext())
    assert codes(problems) == ["price_type_not_accepted"]
    assert "可选" in problems[0].message_zh and "限价" in problems[0].message_zh


def test_market_orders_ignore_the_price():
    ctx = TradeContext(prev_close=35.5)
    for price in (None, 0.0, -1.0, 99.999):
        assert check_ticket(Ticket("600036", "buy", 44, price, 100), ctx) == []
        assert check_ticket(Ticket("600036", "buy", LATEST, price, 100), ctx) == []


@pytest.mark.parametrize(
    ("ticket", "code"),
    [
        (Ticket("600036", "buy", LIMIT, 35.5, 150), "volume_not_lot_multiple"),
        (Ticket("600036", "buy", LIMIT, 35.5, 0), "volume_not_positive"),
        (Ticket("600036", "buy", LIMIT, 35.5, -100), "volume_not_positive"),
        (Ticket("600036", "buy", LIMIT, 35.5, 100.0), "volume_not_integer"),
        (Ticket("688981", "buy", 44, None, 199), "volume_below_minimum"),
        (Ticket("430047", "buy", 44, None, 99), "volume_below_minimum"),
        (Ticket("110059", "buy", 44, None, 15), "volume_not_lot_multiple"),
        (Ticket("600036", "sell", 44, None, 150), "odd_lot_sell"),
    ],
)  # fmt: skip
def test_volume_problems(ticket: Ticket, code: str):
    assert codes(check_ticket(ticket, CMB)) == [code]


def test_sell_more_than_sellable():
    ctx = TradeContext(position_volume=500, sellable_volume=500)
    (p,) = check_ticket(Ticket("600036", "sell", 44, None, 600), ctx)
    assert p.code == "sell_exceeds_sellable" and "可卖 500" in p.message_zh
    assert "今日买入" not in p.message_zh


def test_sell_blocked_by_t_plus_1_says_so():
    ctx = TradeContext(position_volume=500, sellable_volume=300)  # 200 bought today
    (p,) = check_ticket(Ticket("600036", "sell", 44, None, 400), ctx)
    assert p.code == "sell_exceeds_sellable"
    assert "今日买入的部分下一交易日才能卖出" in p.message_zh and "next trading day" in p.message_en


def test_odd_lot_sell_is_measured_against_what_can_be_sold_now():
    ctx = TradeContext(position_volume=450, sellable_volume=350)
    assert check_ticket(Ticket("600036", "sell", 44, None, 350), ctx) == []
    assert codes(check_ticket(Ticket("600036", "sell", 44, None, 150), ctx)) == ["odd_lot_sell"]
    assert check_ticket(Ticket("688981", "sell", 44, None, 150),
                        TradeContext(sellable_volume=150)) == []  # fmt: skip
    only_position = TradeContext(position_volume=350)
    assert check_ticket(Ticket("600036", "sell", 44, None, 350), only_position) == []


def test_buy_needs_cash_including_fees():
    ok = TradeContext(cash_available=3555.04)
    short = TradeContext(cash_available=3555.03)
    assert check_ticket(Ticket("600036", "buy", LIMIT, 35.5, 100), ok) == []
    (p,) = check_ticket(Ticket("600036", "buy", LIMIT, 35.5, 100), short)
    assert p.code == "insufficient_cash" and p.field == "volume"
    assert p.message_zh.startswith("可用资金不足")
    assert "3,555.04" in p.message_zh and "3,555.03" in p.message_zh


def test_cash_check_uses_the_fee_schedule():
    free = TradeContext(cash_available=3550.0, fee_schedule=FeeSchedule(0, 0, 0, 0))
    assert check_ticket(Ticket("600036", "buy", LIMIT, 35.5, 100), free) == []


def test_market_buy_is_costed_at_limit_up_then_last_price():
    at_up = TradeContext(up_limit=39.05, last_price=35.5, cash_available=3600.0)
    (p,) = check_ticket(Ticket("600036", "buy", 44, None, 100), at_up)
    assert p.code == "insufficient_cash" and "39.05" in p.message_zh
    at_last = TradeContext(last_price=35.5, cash_available=3600.0)
    assert check_ticket(Ticket("600036", "buy", 44, None, 100), at_last) == []
    latest = TradeContext(up_limit=39.05, last_price=35.5, cash_available=3600.0)
    assert check_ticket(Ticket("600036", "buy", LATEST, None, 100), latest) == []
    unknown = TradeContext(cash_available=1.0)
    assert check_ticket(Ticket("600036", "buy", 44, None, 100), unknown) == []


def test_sells_do_not_need_cash():
    ctx = TradeContext(cash_available=0.0, sellable_volume=100)
    assert check_ticket(Ticket("600036", "sell", LIMIT, 35.5, 100), ctx) == []


def test_no_cash_problem_on_top_of_a_volume_problem():
    ctx = TradeContext(cash_available=0.0)
    assert codes(check_ticket(Ticket("600036", "buy", LIMIT, 35.5, 150), ctx)) == [
        "volume_not_lot_multiple"
    ]


def test_side_accepts_enum_or_text_and_context_is_optional():
    from app.models.rules import Side

    assert check_ticket(Ticket("600036", Side.BUY, LIMIT, 35.5, 100)) == []
    assert codes(check_ticket(Ticket("600036", "BUY", LIMIT, 35.5, 100))) == ["bad_side"]


def test_every_problem_has_a_known_field_and_both_languages():
    tickets = [
        Ticket("abc", "x", 99, None, 0),
        Ticket("600036", "buy", LIMIT, 40.005, 150),
        Ticket("600036", "sell", 48, None, 150),
        Ticket("688981", "buy", 44, None, 1),
    ]
    for t in tickets:
        for p in check_ticket(t, CMB):
            assert p.field in {"stock_code", "price", "volume", "price_type", "side"}
            assert p.message_zh and p.message_en and p.message_zh != p.message_en
            assert p.code.isascii() and p.code.islower()


def test_an_absurdly_large_price_is_a_problem_not_a_crash():
    ticket = Ticket("600036", "buy", LIMIT, 1e300, 100)
    problems = check_ticket(ticket, TradeContext(cash_available=1e6))
    assert [p.code for p in problems] == ["price_invalid"]
