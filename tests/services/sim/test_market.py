"""The simulated market: determinism, prices on tick and in band, book shape, clock, feed."""

from __future__ import annotations

import itertools
import logging
import threading
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models.codes import CodeError, InstrumentKind, classify, normalize_code
from app.models.quote import InstrumentInfo, Quote
from app.models.rules import is_on_tick, price_limits
from app.services.sim.market import (
    BOOK_DEPTH,
    CHINA_TZ,
    HISTORY_LIMIT,
    STEP_SECONDS,
    STEPS_PER_DAY,
    SimMarket,
    TickPoint,
    UnknownInstrumentError,
)
from app.services.sim.universe import DEFAULT_UNIVERSE, SimInstrument

SEED = 20261125

# A market that moves ~20x faster than a real one, so a few dozen steps reach
# the limits: one instrument per kind of band and tick (and one without a band).
WILD_UNIVERSE = (
    SimInstrument("600036.SH", "招商银行", 42.56, volatility=0.9, level_lots=400),
    SimInstrument("002717.SZ", "ST岭南", 1.62, is_st=True, volatility=0.9, level_lots=2000),
    SimInstrument("300750.SZ", "宁德时代", 251.80, volatility=0.9, level_lots=50),
    SimInstrument("688981.SH", "中芯国际", 91.37, volatility=0.9, level_lots=100),
    SimInstrument("430047.BJ", "诺思兰德", 15.36, volatility=0.9, level_lots=30),
    SimInstrument("162411.SZ", "华宝油气LOF", 0.603, volatility=0.9, level_lots=4000),
    SimInstrument("113052.SH", "兴业转债", 121.472, volatility=0.9, level_lots=300),
)
ST_CODES = frozenset(i.stock_code for i in DEFAULT_UNIVERSE + WILD_UNIVERSE if i.is_st)
# a row's own band (159915.SZ/588000.SH: ±20%), where the code cannot tell it
OWN_BANDS = {i.stock_code: i.price_band for i in DEFAULT_UNIVERSE + WILD_UNIVERSE}


def china_time(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, CHINA_TZ)


def board_lot(code: str) -> int:
    return 10 if classify(code).kind is InstrumentKind.BOND else 100


def assert_quote_is_sane(quote: Quote) -> None:
    """Every invariant a trader relies on when reading a quote."""
    code = quote.stock_code
    prices = [quote.last_price, quote.open, quote.high, quote.low, quote.prev_close]
    assert all(p > 0 and is_on_tick(code, p) for p in prices), quote
    assert quote.low <= quote.last_price <= quote.high, quote
    assert quote.low <= quote.open <= quote.high, quote
    down, up = quote.down_limit, quote.up_limit
    assert (down is None) == (up is None)
    if up is not None:
        assert (down, up) == price_limits(
            code, quote.prev_close, is_st=code in ST_CODES, band=OWN_BANDS.get(code)
        )
        assert down <= quote.low and quote.high <= up, quote
    assert quote.volume > 0 and quote.volume % board_lot(code) == 0
    assert quote.amount > 0

    for side_prices, side_volumes, direction in (
        (quote.bid_price, quote.bid_volume, -1),
        (quote.ask_price, quote.ask_volume, +1),
    ):
        assert len(side_prices) == len(side_volumes) == BOOK_DEPTH
        filled = [p for p in side_prices if p > 0]
        # levels are contiguous from level 1; empty levels are 0.0 / 0
        assert list(side_prices[: len(filled)]) == filled, quote
        assert all(v == 0 for v in side_volumes[len(filled) :]), quote
        assert all(v > 0 and v % board_lot(code) == 0 for v in side_volumes[: len(filled)]), quote
        assert all(is_on_tick(code, p) for p in filled), quote
        assert all(direction * (b - a) > 0 for a, b in itertools.pairwise(filled)), quote
        if up is not None:
            assert all(down <= p <= up for p in filled), quote

    bid1, ask1 = quote.bid_price[0], quote.ask_price[0]
    at_up = up is not None and quote.last_price == up
    at_down = down is not None and quote.last_price == down
    if at_up:
        assert ask1 == 0.0 and bid1 == up, quote
    elif at_down:
        assert bid1 == 0.0 and ask1 == down, quote
    else:
        assert 0 < bid1 < ask1, quote
        assert bid1 <= quote.last_price <= ask1, quote


# ------------------------------------------------------------------ universe


def test_universe_has_the_instruments_the_issue_names():
    names = {i.stock_code: i.instrument_name for i in DEFAULT_UNIVERSE}
    assert names["600036.SH"] == "招商银行"
    assert names["000001.SZ"] == "平安银行"
    assert names["600519.SH"] == "贵州茅台"
    assert names["300750.SZ"] == "宁德时代"
    assert names["688981.SH"] == "中芯国际"
    assert names["510300.SH"] == "沪深300ETF"
    for code in (
        "162411.SZ",
        "159915.SZ",
        "601318.SH",
        "000858.SZ",
        "002594.SZ",
        "300059.SZ",
        "688111.SH",
        "688041.SH",
        "512880.SH",
        "588000.SH",
        "430047.BJ",
        "830799.BJ",
    ):
        assert code in names


def test_universe_rows_are_valid_and_cover_every_board():
    codes = [i.stock_code for i in DEFAULT_UNIVERSE]
    assert 35 <= len(codes) <= 50
    assert len(set(codes)) == len(codes)
    assert all(normalize_code(code) == code for code in codes)
    assert all(is_on_tick(i.stock_code, i.prev_close) for i in DEFAULT_UNIVERSE)
    kinds = {classify(code).kind for code in codes}
    assert kinds >= {
        InstrumentKind.MAIN_BOARD,
        InstrumentKind.STAR,
        InstrumentKind.CHINEXT,
        InstrumentKind.BJ_STOCK,
        InstrumentKind.FUND,
        InstrumentKind.BOND,
    }
    bj = [code for code in codes if code.endswith(".BJ")]
    assert len(bj) >= 4 and any(code.startswith("920") for code in bj)
    st_rows = [i for i in DEFAULT_UNIVERSE if i.is_st]
    assert st_rows and all(i.instrument_name.startswith(("ST", "*ST")) for i in st_rows)
    assert all(classify(i.stock_code).kind is InstrumentKind.MAIN_BOARD for i in st_rows)


@pytest.mark.parametrize(
    ("code", "low", "high"),
    [
        ("600036.SH", 30, 60),
        ("000001.SZ", 8, 15),
        ("162411.SZ", 0.3, 1.2),
        ("300750.SZ", 150, 450),
        ("688981.SH", 50, 150),
        ("510300.SH", 3, 6),
        ("600519.SH", 1000, 2500),
    ],
)
def test_universe_prices_are_plausible(code, low, high):
    row = next(i for i in DEFAULT_UNIVERSE if i.stock_code == code)
    assert low <= row.prev_close <= high


def test_sim_instrument_rejects_nonsense():
    with pytest.raises(ValueError, match="昨收"):
        SimInstrument("600036.SH", "招商银行", 0.0)
    with pytest.raises(ValueError, match="波动率"):
        SimInstrument("600036.SH", "招商银行", 40.0, volatility=1.5)


def test_market_rejects_bad_instrument_lists():
    row = DEFAULT_UNIVERSE[0]
    with pytest.raises(ValueError, match="重复"):
        SimMarket(1, [row, SimInstrument("sh600036", "招商银行", 40.0)])
    with pytest.raises(ValueError, match="最小价位"):
        SimMarket(1, [SimInstrument("600036.SH", "招商银行", 40.005)])
    with pytest.raises(ValueError, match="至少"):
        SimMarket(1, [])


# --------------------------------------------------------------- determinism


def run(market: SimMarket, steps: int) -> list[Quote]:
    quotes = market.quotes()
    for _ in range(steps):
        quotes.extend(market.step())
    return quotes


def test_same_seed_gives_identical_quotes_and_times():
    assert run(SimMarket(SEED), 40) == run(SimMarket(SEED), 40)


def test_different_seeds_differ():
    a, b = run(SimMarket(1), 20), run(SimMarket(2), 20)
    assert [q.last_price for q in a] != [q.last_price for q in b]


def test_an_instruments_path_does_not_depend_on_the_others():
    full = SimMarket(SEED)
    alone = SimMarket(SEED, [r for r in DEFAULT_UNIVERSE if r.stock_code == "600036.SH"])
    for _ in range(20):
        full.step()
        alone.step()
    assert full.quote("600036.SH") == alone.quote("600036.SH")


def test_quotes_carry_the_simulated_clock_not_the_wall_clock():
    market = SimMarket(SEED)
    start = china_time(market.now())
    assert (start.hour, start.minute, start.second) == (9, 30, 0)
    assert start.weekday() < 5 and start.date() == market.trading_day
    assert market.quote("600036").time == market.now()
    quotes = market.step()
    assert {q.time for q in quotes} == {market.now()}
    assert market.now() - int(start.timestamp()) == STEP_SECONDS


# ----------------------------------------------------------------- invariants


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), steps=st.integers(0, 12))
def test_default_market_quotes_are_sane(seed, steps):
    market = SimMarket(seed)
    for _ in range(steps):
        market.step()
    for quote in market.quotes():
        assert_quote_is_sane(quote)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), steps=st.integers(1, 80))
def test_wild_market_stays_in_band_and_keeps_its_book_in_order(seed, steps):
    market = SimMarket(seed, WILD_UNIVERSE)
    previous = {q.stock_code: q for q in market.quotes()}
    for _ in range(steps):
        for quote in market.step():
            assert_quote_is_sane(quote)
            before = previous[quote.stock_code]
            assert quote.volume >= before.volume and quote.amount >= before.amount
            assert quote.high >= before.high and quote.low <= before.low
            if quote.last_price != before.last_price:
                assert quote.volume > before.volume  # a new price comes with a trade
            previous[quote.stock_code] = quote


def test_wild_market_reaches_both_limits_and_stays_within_them():
    market = SimMarket(SEED, WILD_UNIVERSE)
    touched = set()
    for _ in range(400):
        for quote in market.step():
            assert_quote_is_sane(quote)
            if quote.last_price == quote.up_limit:
                touched.add("up")
            if quote.last_price == quote.down_limit:
                touched.add("down")
    assert touched == {"up", "down"}


# ---------------------------------------------------------------- the limits


def test_at_the_up_limit_the_ask_side_is_empty():
    market = SimMarket(SEED)
    info = market.instrument("600036.SH")
    quote = market.set_last_price("600036.SH", info.up_limit)
    assert quote.last_price == info.up_limit == 46.82  # 42.56 * 1.1, rounded to the tick
    assert quote.ask_price == (0.0,) * 5 and quote.ask_volume == (0,) * 5
    assert quote.bid_price[0] == info.up_limit
    assert quote.bid_volume[0] >= 20 * 400 * 100  # the sealed queue (封单) dwarfs a normal level
    assert quote.change_pct == pytest.approx(10.0, abs=0.01)
    assert quote.high == info.up_limit
    assert_quote_is_sane(quote)


def test_at_the_down_limit_the_bid_side_is_empty():
    market = SimMarket(SEED)
    info = market.instrument("300750")
    quote = market.set_last_price("300750", info.down_limit)
    assert quote.bid_price == (0.0,) * 5 and quote.bid_volume == (0,) * 5
    assert quote.ask_price[0] == info.down_limit
    assert quote.change_pct == pytest.approx(-20.0, abs=0.01)  # ChiNext: ±20%
    assert_quote_is_sane(quote)


def test_one_tick_below_the_limit_the_ask_side_stops_at_the_limit():
    market = SimMarket(SEED)
    info = market.instrument("600036.SH")
    quote = market.set_last_price("600036.SH", round(info.up_limit - 0.01, 2))
    assert 0 < max(quote.ask_price) <= info.up_limit
    assert_quote_is_sane(quote)


def test_the_walk_continues_inside_the_band_from_a_forced_limit():
    market = SimMarket(SEED)
    up = market.instrument("430047.BJ").up_limit
    market.set_last_price("430047.BJ", up)
    for _ in range(50):
        market.step()
        quote = market.quote("430047.BJ")
        assert quote.last_price <= up
        assert_quote_is_sane(quote)


def test_set_last_price_refuses_prices_off_tick_or_out_of_band():
    market = SimMarket(SEED)
    up = market.instrument("600036").up_limit
    with pytest.raises(ValueError, match="最小价位"):
        market.set_last_price("600036", 42.555)
    with pytest.raises(ValueError, match="涨跌停"):
        market.set_last_price("600036", round(up + 0.01, 2))


def test_st_main_board_stock_moves_ten_percent_and_bonds_twenty():
    market = SimMarket(SEED)
    st_info = market.instrument("002717.SZ")
    assert st_info.is_st
    assert (st_info.down_limit, st_info.up_limit) == (1.46, 1.78)  # 1.62 ± 10%
    bond = market.quote("113052.SH")
    assert (bond.down_limit, bond.up_limit) == price_limits("113052.SH", bond.prev_close)
    assert bond.up_limit == round(bond.prev_close * 1.2, 3)
    assert all(v % 10 == 0 for v in bond.bid_volume + bond.ask_volume)
    assert is_on_tick("113052.SH", bond.last_price)


def test_etf_prices_have_three_decimals():
    market = SimMarket(SEED)
    for _ in range(10):
        market.step()
    quote = market.quote("162411.SZ")
    assert all(round(p, 3) == p for p in (quote.last_price, *quote.bid_price, *quote.ask_price))
    assert (quote.down_limit, quote.up_limit) == (0.543, 0.663)


# -------------------------------------------------------------- code lookups


@pytest.mark.parametrize(
    "spelling", ["600036", "600036.SH", "600036.sh", "sh600036", "SH600036", " 600036.SH "]
)
def test_every_code_spelling_finds_the_instrument(spelling):
    market = SimMarket(SEED)
    assert market.quote(spelling) is market.quote("600036.SH")
    assert market.instrument(spelling).instrument_name == "招商银行"
    assert market.history(spelling) == market.history("600036.SH")
    assert spelling in market


@pytest.mark.parametrize("spelling", ["600999", "sh600999", "600999.SH"])
def test_an_unknown_code_is_a_key_error_with_a_clear_chinese_message(spelling):
    market = SimMarket(SEED)
    with pytest.raises(UnknownInstrumentError) as caught:
        market.quote(spelling)
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "模拟行情中没有该证券: 600999.SH"
    assert caught.value.stock_code == "600999.SH"
    with pytest.raises(KeyError, match=r"模拟行情中没有该证券: 600999\.SH"):
        market.instrument(spelling)
    assert spelling not in market


def test_text_that_is_no_code_is_a_code_error():
    market = SimMarket(SEED)
    with pytest.raises(CodeError):
        market.quote("abc")
    with pytest.raises(CodeError):
        market.subscribe_quotes(["600036", "abc"], lambda q: None)
    assert "abc" not in market and 600036 not in market


def test_instruments_lists_todays_facts_in_universe_order():
    market = SimMarket(SEED)
    infos = market.instruments()
    assert [i.stock_code for i in infos] == [r.stock_code for r in DEFAULT_UNIVERSE]
    assert all(isinstance(i, InstrumentInfo) for i in infos)
    first = infos[0]
    assert first == InstrumentInfo("600036.SH", "招商银行", 42.56, 46.82, 38.30, False)


# ----------------------------------------------------------------- subscribers


def test_subscribers_get_their_codes_on_the_stepping_thread():
    market = SimMarket(SEED)
    got: list[tuple[str, int]] = []
    token = market.subscribe_quotes(
        ["sh600036", "000001"], lambda q: got.append((q.stock_code, threading.get_ident()))
    )
    market.step()
    assert got == [("600036.SH", threading.get_ident()), ("000001.SZ", threading.get_ident())]
    market.unsubscribe_quotes(token)
    market.unsubscribe_quotes(token)  # twice is harmless
    market.step()
    assert len(got) == 2


def test_a_single_code_string_is_one_code_not_six_characters():
    market = SimMarket(SEED)
    got: list[Quote] = []
    market.subscribe_quotes("600036.SH", got.append)
    quotes = market.step()
    assert got == [q for q in quotes if q.stock_code == "600036.SH"]


def test_a_failing_subscriber_is_logged_and_stops_neither_the_others_nor_the_market(caplog):
    market = SimMarket(SEED)
    received: list[str] = []

    def broken(quote: Quote) -> None:
        raise RuntimeError("界面已关闭")

    market.subscribe_quotes(["600036", "000001"], broken)
    market.subscribe_quotes(["600036", "000001"], lambda q: received.append(q.stock_code))
    with caplog.at_level(logging.ERROR, logger="app.services.sim.market"):
        quotes = market.step()
        market.step()
    assert len(quotes) == len(DEFAULT_UNIVERSE)
    assert received == ["600036.SH", "000001.SZ"] * 2
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 4
    assert all(r.exc_info and r.exc_info[0] is RuntimeError for r in errors)
    assert "行情订阅回调出错" in errors[0].getMessage() and "600036.SH" in errors[0].getMessage()
    assert "Traceback" in caplog.text and "界面已关闭" in caplog.text


def test_a_subscriber_may_unsubscribe_and_read_from_its_callback():
    market = SimMarket(SEED)
    seen: list[Quote] = []
    tokens: list[int] = []

    def once(quote: Quote) -> None:
        seen.append(market.quote(quote.stock_code))  # no deadlock: called outside the lock
        market.unsubscribe_quotes(tokens[0])

    tokens.append(market.subscribe_quotes(["600036", "000001"], once))
    market.step()
    assert [q.stock_code for q in seen] == ["600036.SH"]  # the 000001 call was skipped


def test_subscribing_an_unknown_code_subscribes_nothing():
    market = SimMarket(SEED)
    got: list[Quote] = []
    with pytest.raises(UnknownInstrumentError):
        market.subscribe_quotes(["600036", "600999"], got.append)
    market.step()
    assert got == []


# -------------------------------------------------------------------- history


def test_history_follows_the_quotes_of_the_day():
    market = SimMarket(SEED)
    quotes = [market.quote("000001")] + [market.step()[14] for _ in range(5)]
    assert all(q.stock_code == "000001.SZ" for q in quotes)
    assert market.history("000001") == [
        TickPoint(q.time, q.last_price, q.volume, q.amount) for q in quotes
    ]


def test_history_is_a_bounded_ring_of_the_newest_points():
    market = SimMarket(SEED, history_limit=10)
    for _ in range(25):
        market.step()
    points = market.history("600036")
    assert len(points) == 10
    assert points[-1].time == market.now()
    assert all(b.time - a.time == STEP_SECONDS for a, b in itertools.pairwise(points))
    assert HISTORY_LIMIT == STEPS_PER_DAY + 1  # by default a whole day fits


def test_history_is_a_copy():
    market = SimMarket(SEED)
    points = market.history("600036")
    points.clear()
    assert len(market.history("600036")) == 1


# ---------------------------------------------------------------------- clock


def test_the_clock_skips_the_lunch_break():
    market = SimMarket(SEED, start_time=datetime(2026, 11, 25, 11, 29, 54))
    assert china_time(market.now()).time().isoformat() == "11:29:54"
    times = [china_time(market.step()[0].time).time().isoformat() for _ in range(3)]
    assert times == ["11:29:57", "11:30:00", "13:00:03"]


def test_the_close_opens_the_next_trading_day():
    friday = date(2026, 11, 27)
    market = SimMarket(SEED, start_time=datetime(2026, 11, 27, 14, 59, 54, tzinfo=CHINA_TZ))
    market.step()
    closing = market.step()
    assert china_time(closing[0].time).time().isoformat() == "15:00:00"
    assert market.is_closed and market.trading_day == friday
    opening = market.step()
    assert market.trading_day == friday + timedelta(days=3)  # Monday
    assert china_time(market.now()) == datetime(2026, 11, 30, 9, 30, tzinfo=CHINA_TZ)
    assert not market.is_closed
    assert [q.prev_close for q in opening] == [q.last_price for q in closing]


def test_without_roll_at_close_the_market_waits_for_roll_day():
    market = SimMarket(SEED, start_time=datetime(2026, 11, 25, 15, 0), roll_at_close=False)
    before = market.quotes()
    assert market.is_closed
    assert market.step() == []
    assert market.quotes() == before
    market.roll_day()
    assert market.trading_day == date(2026, 11, 26) and len(market.step()) == len(before)


def test_a_weekend_start_moves_to_monday():
    market = SimMarket(SEED, start_time=date(2026, 11, 28))  # Saturday
    assert market.trading_day == date(2026, 11, 30)
    assert china_time(market.now()).time().isoformat() == "09:30:00"


def test_the_default_first_day_is_a_weekday_drawn_from_the_seed():
    days = {SimMarket(seed, DEFAULT_UNIVERSE[:1]).trading_day for seed in range(12)}
    assert len(days) > 1 and all(day.weekday() < 5 for day in days)
    assert (
        SimMarket(7, DEFAULT_UNIVERSE[:1]).trading_day
        == SimMarket(7, DEFAULT_UNIVERSE[:1]).trading_day
    )


# -------------------------------------------------------------------- roll_day


def test_roll_day_makes_the_last_price_the_previous_close():
    market = SimMarket(SEED)
    for _ in range(30):
        market.step()
    closing = {q.stock_code: q for q in market.quotes()}
    day = market.trading_day
    got: list[Quote] = []
    market.subscribe_quotes("600036", got.append)

    opening = market.roll_day()

    assert market.trading_day > day
    assert china_time(market.now()).time().isoformat() == "09:30:00"
    assert got == [q for q in opening if q.stock_code == "600036.SH"]
    for quote in opening:
        before = closing[quote.stock_code]
        assert quote.prev_close == before.last_price
        info = market.instrument(quote.stock_code)
        assert info.prev_close == before.last_price
        expected = price_limits(
            quote.stock_code, before.last_price, is_st=info.is_st,
            band=OWN_BANDS.get(quote.stock_code),
        )
        assert (info.down_limit, info.up_limit) == (expected or (None, None))
        assert (quote.down_limit, quote.up_limit) == (info.down_limit, info.up_limit)
        assert quote.open == quote.high == quote.low == quote.last_price
        assert 0 < quote.volume < before.volume  # only the opening auction so far
        assert market.history(quote.stock_code) == [
            TickPoint(quote.time, quote.last_price, quote.volume, quote.amount)
        ]
        assert_quote_is_sane(quote)


# ------------------------------------------------------------------- threading


def test_readers_on_other_threads_see_whole_quotes_while_the_market_moves():
    market = SimMarket(SEED)
    problems: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                quote = market.quote("600036")
                assert quote.bid_price[0] < quote.ask_price[0] or quote.ask_price[0] == 0.0
                points = market.history("600036")
                assert points[-1].time >= points[0].time
        except BaseException as exc:  # pragma: no cover - reported below
            problems.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for _ in range(60):
        market.step()
    done.set()
    for reader in readers:
        reader.join()
    assert problems == []
