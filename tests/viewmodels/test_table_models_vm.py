"""Table models without widgets: batching, in-place updates, stale rule, sorting, formatting."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from vm_fakes import asset, make_quote, order, position, trade

from app.models.clock import CHINA_TZ
from app.viewmodels.balance_table_model import BalanceTableModel
from app.viewmodels.entrust_table_model import EntrustTableModel
from app.viewmodels.formatting import (
    DOWN_COLOR,
    UP_COLOR,
    format_money,
    format_number,
    format_percent,
    percent_color,
    sign_color,
)
from app.viewmodels.log_table_model import LogTableModel
from app.viewmodels.position_table_model import PositionTableModel
from app.viewmodels.record_table_model import CANCELABLE_ROLE, SORT_ROLE, make_proxy
from app.viewmodels.trade_table_model import TradeTableModel

DISPLAY = Qt.ItemDataRole.DisplayRole


class Spy:
    """Counts the model's notifications."""

    def __init__(self, model) -> None:
        self.inserts: list[tuple[int, int]] = []
        self.changes: list[tuple[int, int, int, int]] = []
        self.resets = 0
        model.rowsInserted.connect(lambda _p, a, b: self.inserts.append((a, b)))
        model.dataChanged.connect(lambda tl, br, _roles=(): self.changes.append(
            (tl.row(), tl.column(), br.row(), br.column())))
        model.modelReset.connect(self._reset)

    def _reset(self) -> None:
        self.resets += 1


def cell(model, row: int, key: str, role=DISPLAY):
    return model.data(model.index(row, model.column_index(key)), role)


def test_one_insert_per_batch_of_new_rows(qapp):
    model = EntrustTableModel()
    spy = Spy(model)
    inserted, updated = model.apply_batch([order(i) for i in range(1, 501)])
    assert (inserted, updated) == (500, 0)
    assert spy.inserts == [(0, 499)]
    assert spy.changes == []
    assert model.rowCount() == 500


def test_one_data_changed_per_batch_of_updates(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(i) for i in range(1, 11)])
    spy = Spy(model)
    # rows 2..7 change (several events each), plus two new orders: one insert, one dataChanged
    batch = [order(i, 55, traded=50) for i in range(3, 9)] + [order(i, 56, traded=100)
                                                              for i in range(3, 9)]
    batch += [order(11), order(12)]
    assert model.apply_batch(batch) == (2, 6)
    assert spy.inserts == [(10, 11)]
    assert spy.changes == [(2, 0, 7, model.columnCount() - 1)]
    assert model.rowCount() == 12
    assert cell(model, 2, "order_status") == "已成"


def test_rows_update_in_place_and_never_duplicate(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(7, 50)])
    model.apply_batch([order(7, 55, traded=40), order(7, 55, traded=60)])
    model.apply_batch([order(7, 55, traded=60)])  # a repeat changes nothing
    assert model.rowCount() == 1
    assert model.record(7).traded_volume == 60
    assert cell(model, 0, "traded_volume") == "60"


def test_unchanged_repeat_emits_nothing(qapp):
    model = TradeTableModel()
    model.apply_batch([trade("T1"), trade("T2")])
    spy = Spy(model)
    assert model.apply_batch([trade("T1"), trade("T2")]) == (0, 0)
    assert spy.inserts == [] and spy.changes == []


def test_final_status_is_never_overwritten_by_an_older_event(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1, 56, traded=100)])          # 已成 arrives first
    model.apply_batch([order(1, 50), order(1, 55, traded=50)])  # late 已报 / 部成
    assert model.record(1).order_status == 56
    assert cell(model, 0, "order_status") == "已成"
    # a fill count never goes back either
    model.apply_batch([order(2, 55, traded=60)])
    model.apply_batch([order(2, 55, traded=30)])
    assert model.record(2).traded_volume == 60
    # inside one batch, out of order: the final status still wins
    model.apply_batch([order(3, 54), order(3, 51)])
    assert model.record(3).order_status == 54


def test_reset_after_reconnect_replaces_everything(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1), order(2), order(3)])
    spy = Spy(model)
    model.reset([order(2, 56, traded=100), order(4), order(4, 54)])
    assert spy.resets == 1
    assert model.keys() == [2, 4]
    assert model.record(4).order_status == 54


def test_sort_by_sort_role_is_numeric(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1, price=9.5), order(2, price=100.0), order(3, price=10.2),
                       order(4, price=1234.5)])
    proxy = make_proxy(model)
    column = model.column_index("price")
    proxy.sort(column, Qt.SortOrder.AscendingOrder)
    shown = [proxy.data(proxy.index(r, column)) for r in range(proxy.rowCount())]
    assert shown == ["9.50", "10.20", "100.00", "1,234.50"]
    assert proxy.data(proxy.index(0, column), SORT_ROLE) == 9.5
    proxy.sort(column, Qt.SortOrder.DescendingOrder)
    assert proxy.source_record(0).order_id == 4
    # new rows land in sorted place (dynamic sort)
    model.apply_batch([order(5, price=50.0)])
    assert [proxy.source_record(r).order_id for r in range(5)] == [4, 2, 5, 3, 1]


def test_proxy_filters_by_text_and_predicate(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1, code="600036.SH"), order(2, code="000001.SZ", order_type=24),
                       order(3, 56, code="600036.SH", traded=100)])
    proxy = make_proxy(model)
    proxy.set_filter_text("000001")
    assert proxy.rowCount() == 1
    proxy.set_filter_text("")
    proxy.set_predicate(lambda o: o.is_cancelable)
    assert {proxy.source_record(r).order_id for r in range(proxy.rowCount())} == {1, 2}


def test_entrust_formatting_alignment_and_colours(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1, price=1234.5, volume=12300, order_type=23),
                       order(2, code="510300.SH", price=3.912, order_type=24)])
    assert cell(model, 0, "price") == "1,234.50"
    assert cell(model, 0, "order_volume") == "12,300"
    assert cell(model, 1, "price") == "3.912"  # ETF: tick 0.001
    assert cell(model, 0, "order_type") == "买入"
    assert cell(model, 1, "order_type") == "卖出"
    assert cell(model, 0, "price_type") == "限价"
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert cell(model, 0, "price", Qt.ItemDataRole.TextAlignmentRole) == right
    buy = cell(model, 0, "order_type", Qt.ItemDataRole.ForegroundRole)
    sell = cell(model, 1, "order_type", Qt.ItemDataRole.ForegroundRole)
    assert buy.color() == QColor(UP_COLOR) and sell.color() == QColor(DOWN_COLOR)
    assert model.headerData(model.column_index("order_status"), Qt.Orientation.Horizontal) \
        == "委托状态"
    model.set_lang("en")
    assert model.headerData(model.column_index("order_status"), Qt.Orientation.Horizontal) \
        == "Status"
    assert cell(model, 0, "order_type") == "Buy"


def test_cancel_column_and_row_errors(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1, 50), order(2, 56, traded=100), order(3, 55, traded=10,
                                                                     order_type=24)])
    assert [cell(model, r, "cancel") for r in range(3)] == ["撤单", "", "撤单"]
    assert [cell(model, r, "cancel", CANCELABLE_ROLE) for r in range(3)] == [True, False, True]
    assert model.cancelable_order_ids() == [1, 3]
    assert model.cancelable_order_ids("buy") == [1]
    assert model.cancelable_order_ids("sell") == [3]
    spy = Spy(model)
    from app.models.records import CancelError

    model.on_cancel_error(CancelError(order_id=1, error_id=-1, error_msg="委托已成交"))
    assert cell(model, 0, "status_msg") == "撤单失败: 委托已成交"
    assert spy.changes == [(0, 0, 0, model.columnCount() - 1)]
    # the error goes once the order is final
    model.apply_batch([order(1, 54)])
    assert model.row_error(1) == ""


def test_positions_follow_quotes_in_one_notification(qapp):
    model = PositionTableModel()
    codes_seen = []
    model.codesChanged.connect(codes_seen.append)
    model.apply_batch([position("600036.SH", 1000, 1000, 38.5),
                       position("000001.SZ", 2000, 2000, 11.2)])
    assert codes_seen == [["600036.SH", "000001.SZ"]]
    spy = Spy(model)
    assert model.apply_quotes([make_quote("600036.SH", 40.0), make_quote("000001.SZ", 10.0)]) == 2
    assert len(spy.changes) == 1
    assert spy.changes[0][0] == 0 and spy.changes[0][2] == 1
    assert cell(model, 0, "last_price") == "40.00"
    assert cell(model, 0, "market_value") == "40,000.00"
    assert cell(model, 0, "profit") == "+1,500.00"
    assert cell(model, 0, "profit_ratio") == "+3.90%"
    assert cell(model, 1, "profit") == "-2,400.00"
    assert cell(model, 0, "profit", SORT_ROLE) == 1500.0
    red = cell(model, 0, "profit", Qt.ItemDataRole.ForegroundRole).color()
    green = cell(model, 1, "profit", Qt.ItemDataRole.ForegroundRole).color()
    assert red == QColor(UP_COLOR) and green == QColor(DOWN_COLOR)
    assert cell(model, 0, "can_use_volume") == "1,000"
    assert cell(model, 0, "instrument_name") == "招商银行"
    # day P&L: held since yesterday 600036 +0 (prev close 40), 000001 (10-11)*2000
    assert model.day_profit() == -2000.0


@pytest.mark.parametrize(("value", "text", "color"), [
    (0.004, "0.00", None), (-0.004, "0.00", None), (0.0, "0.00", None),
    (0.005, "+0.01", UP_COLOR), (-0.006, "-0.01", DOWN_COLOR), (None, "--", None),
])
def test_what_shows_as_zero_is_neutral(value, text, color):
    """A tiny P&L never shows as red ``+0.00`` or green ``-0.00``: zero has no sign, no colour."""
    assert format_money(value, signed=True) == text
    assert sign_color(value) == color


@pytest.mark.parametrize(("ratio", "text", "color"), [
    (0.00004, "0.00%", None), (-0.00004, "0.00%", None),
    (0.0001, "+0.01%", UP_COLOR), (-0.0001, "-0.01%", DOWN_COLOR),
])
def test_percent_that_shows_as_zero_is_neutral(ratio, text, color):
    assert format_percent(ratio) == text
    assert percent_color(ratio) == color


def test_price_change_colour_uses_the_price_precision():
    assert sign_color(0.001, 3) == UP_COLOR  # an ETF up one tick
    assert format_number(-0.0004, 3, signed=True) == "0.000"
    assert sign_color(-0.0004, 3) is None


def test_position_at_cost_shows_neutral_zero(qapp):
    model = PositionTableModel()
    model.apply_batch([position("600036.SH", 1000, 1000, 40.000001)])
    model.apply_quotes([make_quote("600036.SH", 40.0)])
    fg = Qt.ItemDataRole.ForegroundRole
    assert cell(model, 0, "profit") == "0.00" and cell(model, 0, "profit", fg) is None
    assert cell(model, 0, "profit_ratio") == "0.00%"
    assert cell(model, 0, "profit_ratio", fg) is None


def test_balance_rows_and_day_profit(qapp):
    model = BalanceTableModel()
    model.apply_batch([asset(1_234_567.891)])
    assert model.rowCount() == 1
    assert cell(model, 0, "cash") == "1,234,567.89"
    spy = Spy(model)
    model.set_day_profit(-321.5)
    assert spy.changes == [(0, model.DAY_PROFIT_COLUMN, 0, model.DAY_PROFIT_COLUMN)]
    assert cell(model, 0, "day_profit") == "-321.50"
    model.set_day_profit(-321.5)
    assert len(spy.changes) == 1  # no change, no signal
    model.apply_batch([asset(5.0)])
    assert model.rowCount() == 1 and cell(model, 0, "cash") == "5.00"


def test_trade_columns(qapp):
    model = TradeTableModel()
    model.apply_batch([trade("T9", 42, price=3.912, volume=5000, code="510300.SH",
                             order_type=24)])
    assert cell(model, 0, "traded_price") == "3.912"
    assert cell(model, 0, "traded_volume") == "5,000"
    assert cell(model, 0, "traded_amount") == "19,560.00"
    assert cell(model, 0, "order_id") == "42"
    assert cell(model, 0, "traded_id") == "T9"
    assert cell(model, 0, "traded_time").count(":") == 2


# -------------------------------------------------------- China time, whatever the machine's
@pytest.fixture
def machine_tz(monkeypatch):
    """Set the process time zone (``TZ`` + ``time.tzset``) and put it back afterwards."""

    def set_tz(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="time.tzset is POSIX only")
@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_times_show_in_china_time_whatever_the_machine_zone(qapp, machine_tz, tz):
    machine_tz(tz)
    at = int(datetime(2026, 11, 25, 10, 30, 15, tzinfo=CHINA_TZ).timestamp())
    assert time.strftime("%H", time.localtime(at)) != "10" or tz == "Asia/Shanghai"
    entrusts = EntrustTableModel()
    entrusts.apply_batch([order(1, 50, t=at)])
    assert cell(entrusts, 0, "order_time") == "10:30:15"
    trades = TradeTableModel()
    trades.apply_batch([replace(trade("T1"), traded_time=at)])
    assert cell(trades, 0, "traded_time") == "10:30:15"
    logs = LogTableModel()
    record = logging.LogRecord("qmtdesk", logging.INFO, __file__, 1, "委托 1 已报", None, None)
    record.created = at + 0.25
    logs.handler.emit(record)
    logs.drain()
    assert cell(logs, 0, "time") == "10:30:15.250"
    logs.stop()
