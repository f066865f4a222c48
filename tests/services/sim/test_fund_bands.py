"""ETFs tracking ChiNext/STAR indices move ±20%; their row in the universe says so.

The code alone cannot tell (every fund code gets the table's ±10%), so an
instrument row carries its band (``band_pct``) and the market's quotes, the
instrument facts, the counter's 委托价格超出涨跌停范围 check and the order
ticket (which takes its limits from the quote) all follow that one source.
"""

from __future__ import annotations

from typing import Any

import pytest
from xtquant import xtconstant as xc

from app.models.rules import PriceBand, price_limits, round_to_tick
from app.services.sim.errors import CounterError
from app.services.sim.market import SimMarket
from app.services.sim.universe import DEFAULT_UNIVERSE, SimInstrument

CHINEXT_ETF = "159915.SZ"  # 创业板ETF: ±20%
STAR_ETF = "588000.SH"  # 科创50ETF: ±20%
MAIN_ETF = "510300.SH"  # 沪深300ETF: ±10%


def test_the_universe_marks_the_chinext_and_star_etfs_with_their_band():
    bands = {row.stock_code: row.band_pct for row in DEFAULT_UNIVERSE}
    assert bands[CHINEXT_ETF] == 20 and bands[STAR_ETF] == 20
    assert bands[MAIN_ETF] is None
    assert SimInstrument(CHINEXT_ETF, "x", 1.0, band_pct=20).price_band == PriceBand(20, 20)
    with pytest.raises(ValueError, match="涨跌幅限制"):
        SimInstrument(CHINEXT_ETF, "x", 1.0, band_pct=0)


@pytest.mark.parametrize(("code", "pct"), [(CHINEXT_ETF, 20), (STAR_ETF, 20), (MAIN_ETF, 10)])
def test_quote_and_instrument_facts_show_the_rows_band(code: str, pct: int):
    market = SimMarket(seed=7)
    quote, info = market.quote(code), market.instrument(code)
    band = PriceBand(pct, pct)
    assert (quote.down_limit, quote.up_limit) == price_limits(code, quote.prev_close, band=band)
    assert (info.down_limit, info.up_limit) == (quote.down_limit, quote.up_limit)
    assert quote.up_limit == pytest.approx(quote.prev_close * (1 + pct / 100), abs=0.001)
    # the limits hold across a day roll too
    market.roll_day()
    quote = market.quote(code)
    assert (quote.down_limit, quote.up_limit) == price_limits(code, quote.prev_close, band=band)


def _price_at(desk: Any, code: str, pct: float) -> float:
    return round_to_tick(code, desk.quote(code).prev_close * (1 + pct / 100))


def test_chinext_etf_trades_at_plus_15_percent(desk: Any):
    price = _price_at(desk, CHINEXT_ETF, 15)
    desk.counter.market.set_last_price(CHINEXT_ETF, price)  # inside ±20%: allowed
    order_id = desk.buy(CHINEXT_ETF, 1000, price)
    desk.wait_status(order_id, xc.ORDER_REPORTED, xc.ORDER_PART_SUCC, xc.ORDER_SUCCEEDED)
    assert not [e for e in desk.recorder.payloads("on_order_error") if e.order_id == order_id]
    desk.counter.advance(3)
    desk.check()


def test_main_board_etf_keeps_plus_minus_10_percent(desk: Any):
    price = _price_at(desk, MAIN_ETF, 15)
    with pytest.raises(ValueError, match="涨跌停范围"):
        desk.counter.market.set_last_price(MAIN_ETF, price)
    order_id = desk.buy(MAIN_ETF, 1000, price)
    error = desk.recorder.wait("on_order_error", lambda e: e.order_id == order_id)
    assert error.error_id == CounterError.PRICE_OUT_OF_BAND
    desk.check()


@pytest.mark.parametrize(
    ("code", "pct"),
    [
        (CHINEXT_ETF, 15),
        (CHINEXT_ETF, 21),
        (CHINEXT_ETF, -19),
        (STAR_ETF, 19),
        (MAIN_ETF, 9),
        (MAIN_ETF, 15),
        (MAIN_ETF, -15),
    ],
)
def test_the_tickets_check_agrees_with_the_counter(desk: Any, qapp: Any, code: str, pct: float):
    from app.services.market import MarketData
    from app.viewmodels.order_ticket_view_model import OrderTicketViewModel

    ticket = OrderTicketViewModel(None, MarketData.for_simulator(desk.counter.market))
    ticket.set_code(code)
    assert ticket.limits == (desk.quote(code).down_limit, desk.quote(code).up_limit)
    price = _price_at(desk, code, pct)
    ticket.set_price(price)
    ticket.set_volume(1000)
    band_problems = {
        p.code for p in ticket.problems
    } & {"price_above_up_limit", "price_below_down_limit"}

    order_id = desk.buy(code, 1000, price)
    desk.wait_status(
        order_id, xc.ORDER_JUNK, xc.ORDER_REPORTED, xc.ORDER_PART_SUCC, xc.ORDER_SUCCEEDED
    )
    errors = [e for e in desk.recorder.payloads("on_order_error") if e.order_id == order_id]
    counter_refused = any(e.error_id == CounterError.PRICE_OUT_OF_BAND for e in errors)
    assert bool(band_problems) == counter_refused == (abs(pct) > (10 if code == MAIN_ETF else 20))
    desk.check()
