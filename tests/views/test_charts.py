"""The 分时 / 日K / 当日资产 charts and the themes, through the real window (issue 14).

The simulated counter's market moves only on ``counter.advance()``; the
quotes reach the charts through the session bridge like every tick, and the
tests wait for them (no sleeps).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.app_wiring import Terminal
from app.models.clock import CHINA_TZ
from app.models.intraday import LUNCH_SLOT, slot_of
from app.services.sim import SimConfig, SimCounter
from app.services.sim.market import DAILY_HISTORY_DAYS, STEPS_PER_DAY
from app.viewmodels.formatting import DOWN_COLOR, UP_COLOR
from app.views.main_window import MainWindow
from app.views.palette import DARK, LIGHT, current_palette
from tests.views.conftest import ACCOUNT, WAIT_MS, connect


def _line(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return (np.asarray([] if x is None else x), np.asarray([] if y is None else y))


def _bars(item) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(item.opts["x"]), np.asarray(item.opts["height"])


def _advance_until_shown(qtbot, window, counter, steps: int) -> None:
    """Move the market and wait until the chart has every tick of the day and drew them.

    The bridge hands on only the newest quote of a burst; the viewmodel loads
    the day's ticks again when a whole minute went by without one.
    """
    counter.advance(steps)
    now = counter.market.now()
    vm = window.price_chart.vm
    ticks = len(counter.market.history(vm.code))
    qtbot.waitUntil(lambda: vm.times.size == ticks and vm.times[-1] == now, timeout=WAIT_MS)
    window.price_chart.redraw()
    qtbot.waitUntil(lambda: not window.price_chart._dirty, timeout=WAIT_MS)


def _tick_vwap(points) -> float:
    """The day's VWAP from (time, price, cumulative volume) ticks, the plain way."""
    amount, before = 0.0, 0
    for point in points:
        amount += point.last_price * (point.volume - before)
        before = point.volume
    return amount / before


def test_nothing_is_drawn_before_a_code_is_chosen(window):
    chart = window.price_chart
    chart.redraw()
    assert chart.vm.code == ""
    for item in (chart.price_line, chart.average_line):
        assert _line(item)[0].size == 0
    for item in (chart.volume_up, chart.volume_down):
        assert _bars(item)[0].size == 0
    assert not chart.prev_close_line.isVisible()
    assert chart.readout_label.text() == ""
    assert "未选择证券" in chart.title_label.text()
    daily = window.chart_panel.daily
    window.chart_panel.setCurrentWidget(daily)
    daily.redraw()
    assert daily.title_label.text() == "日K：未选择证券"
    assert _bars(daily.body_up)[0].size == 0 and _bars(daily.body_down)[0].size == 0


def test_a_code_shows_volume_bars_and_the_vwap_line(qtbot, connected, counter):
    window = connected
    chart = window.price_chart
    qtbot.waitUntil(lambda: chart.vm.code != "", timeout=WAIT_MS)
    code = chart.vm.code
    _advance_until_shown(qtbot, window, counter, 240)  # 12 minutes of ticks

    x, close = _line(chart.price_line)
    ax, average = _line(chart.average_line)
    assert x.size == 13 and np.array_equal(x, np.arange(13.0))  # 09:30 .. 09:42
    assert np.array_equal(ax, x)
    ticks = counter.market.history(code)
    assert close[-1] == ticks[-1].last_price
    assert average[-1] == pytest.approx(_tick_vwap(ticks), rel=1e-12)
    quote = counter.market.quote(code)
    assert average[-1] == pytest.approx(quote.amount / quote.volume, rel=1e-6)  # 成交额/成交量

    up_x, up_h = _bars(chart.volume_up)
    down_x, down_h = _bars(chart.volume_down)
    assert up_x.size + down_x.size == 13
    assert up_h.sum() + down_h.sum() == ticks[-1].volume  # every share in one bar
    assert (up_h >= 0).all() and (down_h >= 0).all()
    assert chart.prev_close_line.isVisible()
    assert chart.prev_close_line.value() == quote.prev_close
    # the percentage axis labels the previous close 0.00% and the price axis its price
    labels = chart.percent_axis._tickLevels[0]
    assert (quote.prev_close, "0.00%") in labels


def test_the_lunch_break_is_compressed(qtbot, connected, counter):
    window = connected
    chart = window.price_chart
    qtbot.waitUntil(lambda: chart.vm.code != "", timeout=WAIT_MS)
    _advance_until_shown(qtbot, window, counter, STEPS_PER_DAY // 2 + 1)  # to 13:00:03

    times = chart.vm.times
    lunch = [slot_of(t) for t in times[-2:]]
    assert lunch == [LUNCH_SLOT, LUNCH_SLOT + 1]  # 11:30:00, then 13:00:03 right after it
    assert times[-1] - times[-2] == 90 * 60 + 3  # an hour and a half apart on the clock
    x, _ = _line(chart.price_line)
    assert np.array_equal(x, np.arange(LUNCH_SLOT + 2.0))  # no gap on the chart
    labels = dict(chart.volume_plot.getAxis("bottom")._tickLevels[0])
    assert labels[float(LUNCH_SLOT)] == "11:30/13:00"
    assert labels[0.0] == "09:30" and labels[240.0] == "15:00"


def test_crosshair_readout_clears_when_the_code_changes(qtbot, connected, counter, terminal):
    window = connected
    chart = window.price_chart
    qtbot.waitUntil(lambda: chart.vm.code != "", timeout=WAIT_MS)
    _advance_until_shown(qtbot, window, counter, 60)

    scene_pos = chart.plot.getViewBox().mapViewToScene(QPointF(2.0, chart.vm.prev_close))
    chart.graphics.scene().sigMouseMoved.emit(scene_pos)  # through the throttling proxy
    qtbot.waitUntil(lambda: chart.readout_label.text() != "", timeout=WAIT_MS)
    assert chart.readout_label.text().startswith("09:32")
    assert chart.cross_v.isVisible() and chart.cross_v.value() == 2.0

    other = "000001.SZ" if chart.vm.code != "000001.SZ" else "600036.SH"
    terminal.vm.ticket.set_code(other)
    qtbot.waitUntil(lambda: chart.vm.code == other, timeout=WAIT_MS)
    assert chart.readout_label.text() == ""
    assert not chart.cross_v.isVisible() and not chart.cross_h.isVisible()


def test_the_intraday_series_survives_a_restart(qtbot, connected, terminal, counter, settings,
                                                sim_path):
    window = connected
    chart = window.price_chart
    qtbot.waitUntil(lambda: chart.vm.code != "", timeout=WAIT_MS)
    code = chart.vm.code
    _advance_until_shown(qtbot, window, counter, 300)
    before = chart.vm.times.copy(), chart.vm.prices.copy()
    day_volume = counter.market.quote(code).volume

    # the trader quits: window, terminal and the (embedded) counter close
    window.close()
    terminal.shutdown()
    counter.close()

    again = Terminal(settings, sim_config=SimConfig(auto_run=False))
    try:
        again.vm.connection.set_use_simulator(True)
        again.vm.connection.set_path(sim_path)
        again.vm.connection.set_account(ACCOUNT)
        second = MainWindow(again.viewmodels(), settings, initial_size=QSize(1366, 768))
        qtbot.addWidget(second)
        second.show()
        connect(qtbot, second, again)
        vm = second.price_chart.vm
        qtbot.waitUntil(lambda: vm.code == code and vm.times.size >= before[0].size,
                        timeout=WAIT_MS)
        n = before[0].size
        assert np.array_equal(vm.times[:n], before[0])
        assert np.array_equal(vm.prices[:n], before[1])
        reopened = SimCounter.open(sim_path, SimConfig(auto_run=False))
        assert reopened.market.quote(code).volume >= day_volume  # the day goes on
        reopened.advance(3)
        now = reopened.market.now()
        qtbot.waitUntil(lambda: vm.times[-1] == now, timeout=WAIT_MS)
        assert np.array_equal(vm.times[:n], before[0])  # one day, old ticks then new
    finally:
        again.shutdown()


def test_the_daily_tab_shows_the_seeded_candles(qtbot, connected, counter):
    window = connected
    panel = window.chart_panel
    panel.setCurrentWidget(panel.daily)
    daily = panel.daily
    qtbot.waitUntil(lambda: daily.vm.daily.size == DAILY_HISTORY_DAYS + 1, timeout=WAIT_MS)
    daily.redraw()
    code = daily.vm.code
    seeded = counter.market.daily_bars(code)
    assert seeded == counter.market.daily_bars(code)  # deterministic
    assert seeded[-2].close == counter.market.quote(code).prev_close  # ends at 昨收
    up_x, _ = _bars(daily.body_up)
    down_x, _ = _bars(daily.body_down)
    assert up_x.size + down_x.size == DAILY_HISTORY_DAYS + 1
    closes = daily.vm.daily.close
    assert np.array_equal(closes[:-1], [bar.close for bar in seeded[:-1]])
    opens = np.array([bar.open for bar in seeded])
    assert np.array_equal(np.sort(up_x).astype(int),
                          np.flatnonzero(np.array([b.close for b in seeded]) >= opens))
    daily.show_readout(0)
    first_day = datetime.fromtimestamp(seeded[0].time, CHINA_TZ).strftime("%Y-%m-%d")
    assert daily.readout_label.text().startswith(first_day)


def test_the_account_day_curve_and_funds_columns(qtbot, connected, counter, terminal):
    window = connected
    _advance_until_shown(qtbot, window, counter, 120)
    account = window.account_day
    qtbot.waitUntil(lambda: account.latest is not None, timeout=WAIT_MS)
    assert account.latest == pytest.approx(account.total_asset())
    assert account.opening is not None and account.slots[0] == 0.0
    # the minutes between the first sample (09:30) and the next, skipped by the bridge's
    # coalescing, are filled in from the holdings' ticks
    qtbot.waitUntil(lambda: not np.isnan(account.curve()[1]).any(), timeout=WAIT_MS)
    equity = window.chart_panel.equity
    window.chart_panel.setCurrentWidget(equity)  # a hidden tab does not redraw
    equity.redraw()
    x, y = _line(equity.line)
    assert x.size >= 2 and y[-1] == pytest.approx(account.latest)
    assert "当日资产" in equity.title_label.text()

    balance = terminal.vm.balance_model
    column = balance.column_index("fetch_balance")
    asset = balance.asset()
    assert balance.headerData(column, Qt.Orientation.Horizontal) == "可取资金"
    assert balance.index(0, column).data() == f"{asset.fetch_balance:,.2f}"


def test_dark_theme_changes_the_palette_and_the_charts(qtbot, window):
    chart = window.price_chart
    app = QApplication.instance()
    assert current_palette() is LIGHT
    try:
        window.theme_menu.scheme_actions["dark"].trigger()
        assert current_palette() is DARK
        assert app.palette().color(QPalette.ColorRole.Window).name() == DARK.window
        assert app.palette().color(QPalette.ColorRole.Base).name() == DARK.base
        assert chart.graphics.backgroundBrush().color().name() == DARK.chart_background
        assert chart.price_line.opts["pen"].color().name() == DARK.price_line
        assert window.chart_panel.daily.graphics.backgroundBrush().color().name() \
            == DARK.chart_background
        # red up, green down, in both themes
        assert chart.volume_up.opts["brush"].color().name() == UP_COLOR
        assert chart.volume_down.opts["brush"].color().name() == DOWN_COLOR
        assert window.settings.value("view/theme") == "dark"
        narrow = chart.percent_axis.maximumWidth()
        window.theme_menu.set_font_size(12)
        assert app.font().pointSizeF() == 12
        assert chart.percent_axis.maximumWidth() > narrow  # the labels still fit
        assert window.quote_panel.last_label.font().pointSizeF() == 17
    finally:
        window.theme_menu.set_font_size(9)
        window.theme_menu.set_scheme("system")
    assert current_palette() is LIGHT
    assert chart.graphics.backgroundBrush().color().name() == LIGHT.chart_background


def test_following_the_system_switches_with_its_colour_scheme(qtbot, window, monkeypatch):
    from PySide6.QtCore import Qt as QtNs
    from PySide6.QtGui import QGuiApplication

    from app.views import palette

    chart = window.price_chart
    assert window.theme_menu.scheme == "system" and current_palette() is LIGHT
    try:
        monkeypatch.setattr(palette, "system_scheme", lambda: "dark")
        QGuiApplication.styleHints().colorSchemeChanged.emit(QtNs.ColorScheme.Dark)
        assert current_palette() is DARK
        assert chart.graphics.backgroundBrush().color().name() == DARK.chart_background
        window.theme_menu.set_scheme("light")  # an explicit choice wins over the system
        QGuiApplication.styleHints().colorSchemeChanged.emit(QtNs.ColorScheme.Dark)
        assert current_palette() is LIGHT
    finally:
        monkeypatch.undo()
        window.theme_menu.set_scheme("system")
    assert current_palette() is LIGHT
