"""Viewmodels behind the charts: numpy ticks and gaps, the account's day, per-position 当日盈亏."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.viewmodels.account_day_view_model import AccountDayViewModel
from app.viewmodels.balance_table_model import BalanceTableModel
from app.viewmodels.position_table_model import PositionTableModel
from app.viewmodels.quote_view_model import QuoteViewModel
from tests.viewmodels.vm_fakes import FakeMarket, asset, make_quote, position, trade

T0 = 1_793_928_600  # a 09:30:00 China time


class TodayMarket(FakeMarket):
    """The fake market with today's (T0's) opening ticks as its history."""

    def history(self, code: str):
        super().history(code)
        return [(T0, self.prices[code], 100)]


def test_ticks_are_numpy_arrays_and_a_skipped_minute_reloads_the_day(qapp):
    market = TodayMarket()
    vm = QuoteViewModel(market)
    vm.set_code("600036")
    assert isinstance(vm.times, np.ndarray) and vm.times.size == 1
    loads = sum(1 for m, _t in market.calls if m == "history")
    vm.on_quotes([make_quote("600036.SH", 40.2, T0 + 3)])
    vm.on_quotes([make_quote("600036.SH", 40.3, T0 + 6)])  # same minute: appended
    assert vm.times[-1] == T0 + 6 and vm.prices[-1] == 40.3 and vm.amounts[-1] == 40.3 * 1000
    assert sum(1 for m, _t in market.calls if m == "history") == loads
    vm.on_quotes([make_quote("600036.SH", 40.4, T0 + 300)])  # minutes skipped: reload
    assert sum(1 for m, _t in market.calls if m == "history") == loads + 1


def test_a_new_trading_day_starts_a_new_chart(qapp):
    market = TodayMarket()
    vm = QuoteViewModel(market)
    vm.set_code("600036")
    vm.on_quotes([make_quote("600036.SH", 40.2, T0 + 3)])
    loads = sum(1 for m, _t in market.calls if m == "history")
    vm.on_quotes([make_quote("600036.SH", 40.5, T0 + 86400)])  # the next day's open
    assert sum(1 for m, _t in market.calls if m == "history") == loads + 1
    assert vm.times.tolist() == [T0, T0 + 86400]  # the fake keeps T0 as "today's" open
    vm.set_code("")
    market.history = lambda code: [(T0 + 86400, 40.5, 100)]  # a real market's new day
    vm.set_code("600036")
    vm.on_quotes([make_quote("600036.SH", 40.6, T0 + 86403)])
    assert vm.times.tolist() == [T0 + 86400, T0 + 86403]


def test_the_daily_candles_follow_todays_quote(qapp):
    class WithDaily(FakeMarket):
        def daily_bars(self, code, count=120):
            return [(T0 - 86400 * 2, 39.0, 41.0, 38.0, 40.0, 1000, 40_000.0),
                    (T0 - 86400, 40.0, 40.0, 40.0, 40.0, 1000, 40_000.0)]

    vm = QuoteViewModel(WithDaily())
    vm.set_code("600036.SH")
    assert vm.daily.size == 2 and vm.daily.close.tolist() == [40.0, 40.0]
    vm.on_quotes([replace(make_quote("600036.SH", 42.0, T0 + 3), high=42.5, volume=5000)])
    assert vm.daily.close[-1] == 42.0 and vm.daily.high[-1] == 42.5 and vm.daily.volume[-1] == 5000
    assert vm.market_time == T0 + 3


def test_position_day_profit_counts_yesterdays_shares_and_todays_fills(qapp):
    model = PositionTableModel()
    quote = replace(make_quote("600036.SH", 40.5), prev_close=40.0)
    model.reset([position(volume=1100, can_use=1000)])
    model.apply_quotes([quote])
    trades = [trade("t1", price=40.2, volume=100)]  # bought 100 today
    total = model.day_profit(trades)
    held = model.record("600036.SH")
    assert model.position_day_profit(held) == pytest.approx(1000 * 0.5 + 100 * 0.3)
    assert total == pytest.approx(model.position_day_profit(held))
    column = model.column_index("day_profit")
    assert model.index(0, column).data() == "+530.00"
    model.apply_batch([position(volume=900, can_use=800)])  # then sold 200 of yesterday's
    model.day_profit([*trades, trade("t2", price=40.4, volume=200, order_type=24)])
    held = model.record("600036.SH")
    assert model.position_day_profit(held) == pytest.approx(800 * 0.5 + 100 * 0.3 + 200 * 0.4)
    assert model.index(0, column).data() == "+510.00"


def test_the_account_day_starts_at_the_previous_close_worth_and_samples_each_minute(qapp):
    market = FakeMarket()
    quote_vm = QuoteViewModel(market)
    balance, positions = BalanceTableModel(), PositionTableModel()
    balance.reset([asset(cash=100_000.0)])
    positions.reset([position(volume=1000)])
    positions.apply_quotes([replace(make_quote("600036.SH", 41.0, T0 + 3), prev_close=40.0)])
    balance.set_day_profit(positions.day_profit([]))
    day = AccountDayViewModel(quote_vm, balance, positions)
    quote_vm.on_quotes([make_quote("000001.SZ", 11.0, T0 + 3)])
    assert day.latest == pytest.approx(100_000 + 41_000)
    assert day.opening == pytest.approx(100_000 + 40_000)
    assert day.slots.tolist() == [0.0, 1.0]
    positions.apply_quotes([replace(make_quote("600036.SH", 42.0, T0 + 63), prev_close=40.0)])
    quote_vm.on_quotes([make_quote("000001.SZ", 11.0, T0 + 63)])
    assert day.slots.tolist() == [0.0, 1.0, 2.0] and day.equity[-1] == pytest.approx(142_000)


def test_the_day_is_rebuilt_from_ticks_with_todays_trades_undone():
    from app.viewmodels.account_day_view_model import day_equity

    t = [T0, T0 + 60, T0 + 120, T0 + 180]  # slots 0..3
    series = {"600036.SH": (40.0, [(t[0], 40.0, 100), (t[1], 41.0, 200), (t[2], 42.0, 300),
                                   (t[3], 43.0, 400)])}
    buy = replace(trade("b", price=41.5, volume=100), traded_time=T0 + 150)  # in slot 3
    # now: 1,100 shares and 10,000 cash after paying 4,150 for the 100 bought
    equity = day_equity(series, {"600036.SH": 1100}, [buy], 10_000.0, 4)
    before = 10_000.0 + 4_150.0
    assert equity.tolist() == pytest.approx([before + 1000 * 40, before + 1000 * 41,
                                             before + 1000 * 42, 10_000.0 + 1100 * 43])
