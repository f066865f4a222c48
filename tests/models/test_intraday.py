"""The 分时 minute slots: lunch left out, ticks in the minute they end in, 均价 as defined."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from app.models.clock import CHINA_TZ
from app.models.intraday import (
    DAY_SLOTS,
    LUNCH_SLOT,
    minute_bars,
    slot_label,
    slot_of,
    slots_of,
    tick_vwap,
)


def at(hour: int, minute: int, second: int = 0) -> int:
    return int(datetime(2026, 11, 25, hour, minute, second, tzinfo=CHINA_TZ).timestamp())


@pytest.mark.parametrize(("moment", "slot"), [
    ((9, 25), 0), ((9, 30), 0), ((9, 30, 3), 1), ((9, 31), 1), ((9, 31, 3), 2),
    ((11, 30), LUNCH_SLOT), ((12, 10), LUNCH_SLOT), ((13, 0), LUNCH_SLOT),
    ((13, 0, 3), LUNCH_SLOT + 1), ((14, 0), 180), ((15, 0), DAY_SLOTS - 1),
    ((15, 30), DAY_SLOTS - 1),
])
def test_slots_leave_the_lunch_break_out(moment, slot):
    assert slot_of(at(*moment)) == slot


def test_slot_labels_read_china_time():
    assert [slot_label(s) for s in (0, 1, 60, 120, 121, 180, 240)] == [
        "09:30", "09:31", "10:30", "11:30", "13:01", "14:00", "15:00"]


def test_minute_bars_take_each_minutes_last_tick_and_volume_per_minute():
    times = np.array([at(9, 30), at(9, 30, 30), at(9, 31), at(9, 31, 30), at(11, 30),
                      at(13, 0, 3)])
    prices = np.array([10.0, 10.1, 10.2, 10.1, 10.3, 10.4])
    volumes = np.array([1000, 1500, 2000, 2600, 3000, 3100])
    bars = minute_bars(times, prices, volumes, prev_close=10.05)
    assert bars.slot.tolist() == [0, 1, 2, 120, 121]
    assert bars.close.tolist() == [10.0, 10.2, 10.1, 10.3, 10.4]
    assert bars.volume.tolist() == [1000, 1000, 600, 400, 100]
    assert bars.up.tolist() == [False, True, False, True, True]
    expected = (10.0 * 1000 + 10.1 * 500 + 10.2 * 500 + 10.1 * 600 + 10.3 * 400 + 10.4 * 100) / 3100
    assert bars.average[-1] == pytest.approx(expected)
    assert tick_vwap(prices, volumes)[-1] == pytest.approx(expected)


def test_amounts_give_the_exchange_average_however_many_ticks_were_skipped():
    times = np.array([at(9, 30), at(9, 45)])  # a gap: the amount still counts every trade
    bars = minute_bars(times, np.array([10.0, 11.0]), np.array([100, 300]),
                       amounts=np.array([1000.0, 3150.0]))
    assert bars.average.tolist() == [10.0, 10.5]


def test_no_ticks_no_bars():
    bars = minute_bars(np.empty(0), np.empty(0), np.empty(0))
    assert bars.slot.size == 0 and bars.volume.size == 0


def test_slots_of_is_vectorised():
    assert slots_of(np.array([at(9, 30, 3), at(13, 0, 3)])).tolist() == [1, 121]
