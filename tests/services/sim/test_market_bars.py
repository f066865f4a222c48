"""The simulator's chart data: the day's ticks kept on disk, and the seeded daily history."""

from __future__ import annotations

from datetime import datetime

from app.models.clock import CHINA_TZ, china_time
from app.services.sim.bars import BARS_FILE, BarStore, TickPoint
from app.services.sim.market import DAILY_HISTORY_DAYS, SimMarket

SEED = 20261125
CODES = ["600036.SH", "000001.SZ"]


def test_a_restarted_market_puts_the_days_ticks_back(tmp_path):
    first = SimMarket(SEED)
    first.keep_bars(tmp_path)
    for _ in range(200):
        first.step()
    kept = first.history("600036")
    quote = first.quote("600036")

    # a counter reopening the folder resumes the day at its clock, with its last prices
    again = SimMarket(SEED, start_time=china_time(first.now()))
    again.set_last_price("600036", quote.last_price)
    again.keep_bars(tmp_path)
    history = again.history("600036")
    assert history[: len(kept)] == kept
    resumed = again.quote("600036")
    assert (resumed.volume, resumed.amount, resumed.open, resumed.high, resumed.low) == (
        quote.volume, quote.amount, quote.open, quote.high, quote.low)
    again.step()
    later = again.history("600036")
    assert later[-1].volume >= kept[-1].volume and later[-1].time > kept[-1].time


def test_keep_bars_twice_changes_nothing_and_a_roll_starts_afresh(tmp_path):
    market = SimMarket(SEED, roll_at_close=False)
    market.keep_bars(tmp_path)
    market.step()
    market.keep_bars(tmp_path)
    assert len(market.history("000001")) == 2
    market.roll_day()
    text = (tmp_path / BARS_FILE).read_text(encoding="utf-8").splitlines()
    assert len(text) == 2 and market.trading_day.strftime("%Y%m%d") in text[0]


def test_a_torn_line_or_another_day_is_skipped(tmp_path):
    store = BarStore(tmp_path, CODES)
    store.start("20261125", [(100, [TickPoint(100, 1.0, 10, 10.0), TickPoint(100, 2.0, 20, 40.0)])])
    store.append(103, [TickPoint(103, 1.1, 30, 32.0), TickPoint(103, 2.1, 40, 82.0)])
    with (tmp_path / BARS_FILE).open("a", encoding="utf-8") as f:
        f.write("106,1.2,40")  # killed mid-write
    points = store.load("20261125")
    assert [p.time for p in points["600036.SH"]] == [100, 103]
    assert points["000001.SZ"][-1] == TickPoint(103, 2.1, 40, 82.0)
    assert store.load("20261126") == {}
    assert BarStore(tmp_path, ["600036.SH"]).load("20261125") == {}  # another code list


def test_daily_history_is_seeded_and_ends_at_the_previous_close():
    market = SimMarket(SEED)
    bars = market.daily_bars("600036")
    assert len(bars) == DAILY_HISTORY_DAYS + 1
    assert bars == SimMarket(SEED).daily_bars("600036.SH")
    quote = market.quote("600036")
    assert bars[-2].close == quote.prev_close
    assert bars[-1][1:5] == (quote.open, quote.high, quote.low, quote.last_price)
    days = [b.time for b in bars]
    assert days == sorted(days) and len(set(days)) == len(days)
    for bar in bars[:-1]:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.volume > 0
    # weekdays only
    assert all(datetime.fromtimestamp(b.time, CHINA_TZ).weekday() < 5 for b in bars)
