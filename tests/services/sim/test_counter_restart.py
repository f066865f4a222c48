"""A reopened counter continues its day: ids, counter numbers, prices, clock, previous close."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from xtquant import xtconstant as xc

from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.ledger import LEDGER_FILENAME
from app.services.sim.universe import DEFAULT_UNIVERSE

ACCOUNT = "restart01"
CODE = "600036.SH"


def test_reopen_continues_prices_and_clock_of_the_day(sim_folder: str):
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(sim_folder, config)
    counter.advance(40)
    before = {q.stock_code: q for q in counter.market.quotes()}
    now = counter.market.now()
    up = before[CODE].up_limit
    order_id = counter.place_order(ACCOUNT, CODE, xc.STOCK_SELL, 100, xc.FIX_PRICE, up)
    assert counter.query_order(ACCOUNT, order_id).order_status == xc.ORDER_REPORTED
    sysid = counter.query_order(ACCOUNT, order_id).order_sysid
    counter.close()

    reopened = SimCounter.open(sim_folder, config)
    try:
        assert reopened.market.now() == now
        for code, quote in before.items():
            again = reopened.market.quote(code)
            assert (again.last_price, again.prev_close) == (quote.last_price, quote.prev_close)
            assert (again.up_limit, again.down_limit) == (quote.up_limit, quote.down_limit)
        # Ids and counter numbers go on; the old one is still found by its number.
        order = reopened.query_order(ACCOUNT, order_id)
        assert order.order_sysid == sysid and order.order_time == now
        following = reopened.place_order(ACCOUNT, CODE, xc.STOCK_SELL, 100, xc.FIX_PRICE, up)
        assert following == order_id + 1
        assert reopened.query_order(ACCOUNT, following).order_sysid != sysid
        assert reopened.cancel_order(ACCOUNT, order_sysid=sysid) == 0
        assert reopened.audit(ACCOUNT) == []
    finally:
        reopened.close()


def test_reopen_on_a_later_day_shows_yesterdays_close_as_prev_close(sim_folder: str):
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(sim_folder, config)
    counter.advance(100)
    closing = {q.stock_code: q.last_price for q in counter.market.quotes()}
    counter.roll_day()
    day = counter.trading_day
    assert {q.stock_code: q.prev_close for q in counter.market.quotes()} == closing
    counter.close()

    reopened = SimCounter.open(sim_folder, config)
    try:
        assert reopened.trading_day == day
        universe = {spec.stock_code: spec.prev_close for spec in DEFAULT_UNIVERSE}
        shown = {info.stock_code: info.prev_close for info in reopened.market.instruments()}
        assert shown == closing
        assert shown != universe  # not the instrument list's close of the first day
    finally:
        reopened.close()


def test_after_a_kill_the_clock_resumes_at_the_days_latest_order(sim_folder: str):
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(sim_folder, config)
    counter.advance(200)
    order_id = counter.place_order(ACCOUNT, CODE, xc.STOCK_SELL, 100, xc.FIX_PRICE, 40.0)
    stamped = counter.query_order(ACCOUNT, order_id).order_time
    counter.close()
    # A killed process never wrote the market state of its close.
    with sqlite3.connect(Path(sim_folder) / LEDGER_FILENAME) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'market'")

    reopened = SimCounter.open(sim_folder, config)
    try:
        assert reopened.market.now() >= stamped
        later = reopened.place_order(ACCOUNT, CODE, xc.STOCK_SELL, 100, xc.FIX_PRICE, 40.0)
        assert reopened.query_order(ACCOUNT, later).order_time >= stamped
    finally:
        reopened.close()


def test_an_order_meeting_a_new_book_carries_that_books_time(sim_folder: str):
    """The market thread publishes a step before the counter hears of it: no stale stamp."""
    counter = SimCounter.open(sim_folder, SimConfig(auto_run=False))
    try:
        # As between the market thread's publish and its notification: the
        # counter has not heard of the step yet.
        counter.market.unsubscribe_quotes(counter._quote_token)
        counter.market.step()
        quote = counter.market.quote(CODE)
        order_id = counter.place_order(
            ACCOUNT, CODE, xc.STOCK_BUY, 100, xc.FIX_PRICE, quote.ask_price[0]
        )
        order = counter.query_order(ACCOUNT, order_id)
        assert order.order_status == xc.ORDER_SUCCEEDED
        assert order.order_time == quote.time == counter.market.now()
        assert [t.traded_time for t in counter.query_trades(ACCOUNT)] == [quote.time]
    finally:
        counter.close()
