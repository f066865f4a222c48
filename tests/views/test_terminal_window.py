"""The terminal as a trader uses it: connect, read the tables, order, cancel, reconnect.

Every test drives the real window (widgets found by their public objectNames)
over the real ``TradingSession`` and the simulated counter; the market moves
only when a test calls ``counter.advance()``.
"""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget
from xtquant import xtconstant

from app.models import names
from app.models.rules import round_to_tick
from app.views.main_window import MainWindow
from tests.views.conftest import ACCOUNT, WAIT_MS, connect

BUY, SELL = 23, 24


def _find(window: MainWindow, cls, name: str):
    widget = window.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def _type_ticket(
    qtbot, window, code: str, price: float | None, volume: int, price_type: str = "限价"
) -> None:
    code_edit = _find(window, QLineEdit, "ticketCode")
    code_edit.clear()
    qtbot.keyClicks(code_edit, code)
    ticket = window.vms.ticket
    qtbot.waitUntil(lambda: ticket.instrument_name != "", timeout=WAIT_MS)
    combo = _find(window, QComboBox, "ticketPriceType")
    index = combo.findText(price_type)
    assert index >= 0, f"{price_type} not offered for {code}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    if price is not None:
        price_spin = _find(window, QWidget, "ticketPrice")
        price_spin.setValue(price)
    volume_spin = _find(window, QWidget, "ticketVolume")
    volume_spin.setValue(volume)


def _status_of(window, order_id: int) -> str:
    model = window.vms.entrusts
    record = model.record(order_id)
    return "" if record is None else names.name_of(names.ORDER_STATUS, record.order_status)


def _submit_and_wait(qtbot, window, button: str = "ticketBuy") -> int:
    ticket = window.vms.ticket
    with qtbot.waitSignal(ticket.submitted, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(_find(window, QPushButton, button), Qt.MouseButton.LeftButton)
    order_id = blocker.args[0]
    qtbot.waitUntil(lambda: window.vms.entrusts.row_of(order_id) >= 0, timeout=WAIT_MS)
    return order_id


# ---------------------------------------------------------------------------- connect + tables


def test_public_widgets_have_object_and_accessible_names(window):
    for name in (
        "connectionPanel",
        "balanceTable",
        "positionTable",
        "entrustTable",
        "tradeTable",
        "orderTicket",
        "ticketCode",
        "ticketPrice",
        "ticketVolume",
        "ticketPriceType",
        "ticketBuy",
        "ticketSell",
        "statusBar",
        "logView",
    ):
        widget = _find(window, QWidget, name)
        assert widget.accessibleName(), name


def test_an_empty_entrust_table_fits_the_window(qtbot, window):
    """A new user's first view: no orders yet, and no column runs past the window's edge."""
    table = _find(window, QWidget, "entrustTable")
    assert table.model().rowCount() == 0
    header = table.horizontalHeader()
    visible = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    qtbot.waitUntil(lambda: table.viewport().width() > 0, timeout=WAIT_MS)
    assert sum(header.sectionSize(c) for c in visible) <= table.viewport().width()
    assert table.horizontalScrollBar().maximum() == 0


def test_connect_through_the_panel_fills_balance_and_positions(qtbot, window, terminal):
    panel = _find(window, QWidget, "connectionPanel")
    account = panel.findChild(QLineEdit, "connectionAccount")
    account.clear()
    qtbot.keyClicks(account, ACCOUNT)
    connect(qtbot, window, terminal)

    balance = _find(window, QWidget, "balanceTable").model()
    assert balance.rowCount() == 1
    assert balance.index(0, 0).data() == ACCOUNT
    assert balance.index(0, 3).data() == "1,000,000.00"  # cash of a fresh account
    positions = _find(window, QWidget, "positionTable").model()
    codes = {positions.index(r, 0).data() for r in range(positions.rowCount())}
    assert {"600036.SH", "000001.SZ"} <= codes
    assert "已连接" in window.status_bar.connection_text
    assert ACCOUNT in window.status_bar.account_label.text()
    # remembered for the next start
    assert terminal.settings.value("connection/account") == ACCOUNT


def test_buy_from_the_ticket_walks_to_filled(qtbot, connected, terminal, counter):
    window = connected
    ask = terminal.market.quote("600036.SH").ask_price[0]
    _type_ticket(qtbot, window, "600036", round_to_tick("600036.SH", ask * 1.01), 200)
    order_id = _submit_and_wait(qtbot, window)
    assert _status_of(window, order_id) in {"已报", "部成", "已成"}

    def filled() -> bool:
        if _status_of(window, order_id) != "已成":
            counter.advance()
            return False
        return True

    qtbot.waitUntil(filled, timeout=WAIT_MS)
    trades = _find(window, QWidget, "tradeTable").model()
    qtbot.waitUntil(lambda: trades.rowCount() >= 1, timeout=WAIT_MS)


def test_cancel_button_on_a_resting_order(qtbot, connected, terminal):
    window = connected
    bid = terminal.market.quote("000001.SZ").bid_price[0]
    _type_ticket(qtbot, window, "000001", round_to_tick("000001.SZ", bid * 0.97), 1000)
    order_id = _submit_and_wait(qtbot, window)
    table = window.entrust_table
    qtbot.waitUntil(lambda: table.cancel_button_center(order_id) is not None, timeout=WAIT_MS)
    pos: QPoint = table.cancel_button_center(order_id)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: _status_of(window, order_id) == "已撤", timeout=WAIT_MS)
    assert table.cancel_button_center(order_id) is None  # no button on a final row


def test_f3_cancels_the_selected_rows_and_cancel_buys(qtbot, connected, terminal):
    window = connected
    ids = []
    for code, sym in (("000001.SZ", "000001"), ("600036.SH", "600036")):
        bid = terminal.market.quote(code).bid_price[0]
        _type_ticket(qtbot, window, sym, round_to_tick(code, bid * 0.97), 100)
        ids.append(_submit_and_wait(qtbot, window))
    table = window.entrust_table
    table.setFocus()
    table.select_source_row(window.vms.entrusts.row_of(ids[0]))
    qtbot.keyClick(table, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: _status_of(window, ids[0]) == "已撤", timeout=WAIT_MS)
    assert _status_of(window, ids[1]) == "已报"
    window.commands.cancel_buys.trigger()
    qtbot.waitUntil(lambda: _status_of(window, ids[1]) == "已撤", timeout=WAIT_MS)


def test_every_market_ttype_from_the_ticket(qtbot, connected, terminal):
    window = connected
    combo = _find(window, QComboBox, "ticketPriceType")
    expected = {
        "600036": [
            "对手方最优价格委托",
            "本方最优价格委托",
            "最优五档即时成交剩余撤销",
            "最优五档即时成交剩转限价",
        ],
        "000001": [
            "对手方最优价格委托",
            "本方最优价格委托",
            "即时成交剩余撤销委托",
            "最优五档即时成交剩余撤销",
            "全额成交或撤销委托",
        ],
        "430047": [
            "对手方最优价格委托",
            "本方最优价格委托",
            "最优五档即时成交剩余撤销",
            "最优五档即时成交剩转限价",
        ],
    }
    sent = 0
    for code, ttypes in expected.items():
        _type_ticket(qtbot, window, code, None, 100)
        offered = [combo.itemText(i) for i in range(combo.count())]
        assert offered[0] == "限价"
        assert sorted(offered[1:]) == sorted(ttypes), code
        for ttype in ttypes:
            _type_ticket(qtbot, window, code, None, 100, price_type=ttype)
            assert not _find(window, QWidget, "ticketPrice").isEnabled()
            order_id = _submit_and_wait(qtbot, window)
            sent += 1
            assert window.vms.entrusts.record(order_id).order_volume == 100
    assert window.vms.entrusts.rowCount() == sent == 13


def test_refused_ticket_and_counter_rejection_show_the_reason(qtbot, connected, terminal, counter):
    window = connected
    result = _find(window, QLabel, "ticketResult")
    # too little cash: refused before sending, reason under the ticket
    _type_ticket(qtbot, window, "600519", 1500.00, 100_000)
    problem = _find(window, QLabel, "ticketProblem_volume")
    qtbot.waitUntil(lambda: problem.isVisible() and "资金" in problem.text(), timeout=WAIT_MS)
    qtbot.mouseClick(_find(window, QPushButton, "ticketBuy"), Qt.MouseButton.LeftButton)
    assert "未下单" in result.text() and "资金" in result.text()
    assert window.vms.entrusts.rowCount() == 0

    # the counter refuses (废单): its reason on the row, under the ticket, in the
    # status bar and in the log
    flashed: list[str] = []
    window.vms.status.messageChanged.connect(flashed.append)
    counter.faults.reject_next_order(-61, "当前时间不允许此类证券交易")
    bid = terminal.market.quote("600036.SH").bid_price[0]
    _type_ticket(qtbot, window, "600036", round_to_tick("600036.SH", bid), 100)
    order_id = _submit_and_wait(qtbot, window)
    qtbot.waitUntil(lambda: _status_of(window, order_id) == "废单", timeout=WAIT_MS)
    entrusts = window.vms.entrusts
    note = entrusts.index(entrusts.row_of(order_id), entrusts.column_index("status_msg"))
    assert "当前时间不允许" in note.data()
    qtbot.waitUntil(lambda: "当前时间不允许" in result.text(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: any("当前时间不允许" in m for m in window.log_view.messages()), timeout=WAIT_MS
    )
    assert any("当前时间不允许" in m for m in flashed)  # the status bar showed it
    # the log view filters by level: warnings keep the rejection, info lines go
    window.log_view.set_min_level(logging.WARNING)
    shown = window.log_view.messages()
    assert any("当前时间不允许" in m for m in shown)
    assert not any(m.startswith("已同步账户") for m in shown)


def test_double_click_on_buy_sends_one_order(qtbot, connected, terminal):
    window = connected
    bid = terminal.market.quote("000001.SZ").bid_price[0]
    _type_ticket(qtbot, window, "000001", round_to_tick("000001.SZ", bid * 0.98), 100)
    button = _find(window, QPushButton, "ticketBuy")
    left = Qt.MouseButton.LeftButton
    with qtbot.waitSignal(window.vms.ticket.submitted, timeout=WAIT_MS):
        # what a real double click delivers: press, release, double-click, release
        qtbot.mousePress(button, left)
        qtbot.mouseRelease(button, left)
        qtbot.mouseDClick(button, left)
        qtbot.mouseRelease(button, left)
    qtbot.waitUntil(lambda: not terminal.vm.runner.busy, timeout=WAIT_MS)
    orders = terminal.session.query_orders()
    assert len(orders) == 1


def test_enter_submits_once_and_esc_clears(qtbot, connected, terminal):
    window = connected
    bid = terminal.market.quote("000001.SZ").bid_price[0]
    _type_ticket(qtbot, window, "000001", round_to_tick("000001.SZ", bid * 0.98), 100)
    volume = _find(window, QWidget, "ticketVolume")
    volume.setFocus()
    with qtbot.waitSignal(window.vms.ticket.submitted, timeout=WAIT_MS):
        qtbot.keyClick(volume, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not terminal.vm.runner.busy, timeout=WAIT_MS)
    assert len(terminal.session.query_orders()) == 1
    qtbot.keyClick(volume, Qt.Key.Key_Escape)
    assert _find(window, QLineEdit, "ticketCode").text() == ""
    assert window.vms.ticket.volume == 0


def test_f1_f2_focus_the_ticket_with_the_side(qtbot, connected):
    window = connected
    window.entrust_table.setFocus()
    qtbot.keyClick(window.entrust_table, Qt.Key.Key_F2)
    assert str(window.vms.ticket.side) == "sell"
    assert window.order_ticket.isAncestorOf(window.focusWidget())
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_F1)
    assert str(window.vms.ticket.side) == "buy"


def test_clicking_a_position_fills_a_sell_of_its_sellable_volume(qtbot, connected):
    window = connected
    table = window.position_table
    window.position_dock.raise_()
    model = window.vms.positions
    row = model.row_of("000001.SZ")
    index = table.proxy().mapFromSource(model.index(row, 0))
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    ticket = window.vms.ticket
    assert _find(window, QLineEdit, "ticketCode").text() == "000001.SZ"
    assert str(ticket.side) == "sell"
    assert ticket.volume == model.record("000001.SZ").can_use_volume > 0
    assert _find(window, QWidget, "ticketVolume").value() == ticket.volume


def test_day_pnl_shows_right_after_connect_without_a_tick(qtbot, window, terminal):
    """The holdings' quotes are fetched when the market attaches: no `--` until a tick."""
    connect(qtbot, window, terminal)
    balance = window.balance_table.model()
    column = window.vms.balance.column_index("day_profit")
    qtbot.waitUntil(lambda: balance.index(0, column).data() not in (None, "--"), timeout=WAIT_MS)
    positions = window.vms.positions
    for record in positions.records():
        assert positions.quote(record.stock_code) is not None


def test_broker_choice_without_xtquant_says_what_to_do(qtbot, window, terminal):
    panel = window.connection_panel
    if terminal.vm.connection.broker_available:
        pytest.skip("a Windows machine with the broker's xtquant: the broker choice is valid")
    qtbot.mouseClick(panel.broker_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.connect_button, Qt.MouseButton.LeftButton)
    text = panel.error_label.text()
    assert panel.error_label.isVisible()
    assert "Windows" in text and "极简模式/独立交易模式" in text and "模拟柜台" in text
    assert text.count("。") == 1
    assert not terminal.vm.connection.busy and terminal.session is None


def test_typing_into_an_empty_volume_or_price_keeps_the_digits_in_order(qtbot, connected):
    ticket = connected.order_ticket
    for spin, keys, expected in ((ticket.volume_spin, "150", 150),
                                 (ticket.price_spin, "42.5", 42.5)):
        spin.setValue(0)  # empty: shows the blank special text
        connected.activateWindow()
        qtbot.waitActive(connected)
        ticket.code_edit.setFocus()
        # a click at the far left of the field, where Qt puts the cursor before the blank
        qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton, pos=QPoint(2, 5))
        qtbot.waitUntil(lambda s=spin: s.hasFocus() and s.lineEdit().hasSelectedText(),
                        timeout=WAIT_MS)
        qtbot.keyClicks(spin, keys)
        assert spin.value() == expected, spin.text()


def test_dropped_connection_counts_attempts_and_resyncs(qtbot, window, terminal, counter):
    panel = window.connection_panel
    panel.interval_spin.setValue(1)
    panel.attempts_spin.setValue(5)
    connect(qtbot, window, terminal)
    bid = terminal.market.quote("000001.SZ").bid_price[0]
    _type_ticket(qtbot, window, "000001", round_to_tick("000001.SZ", bid * 0.97), 100)
    order_id = _submit_and_wait(qtbot, window)

    seen: list[str] = []
    window.vms.status.textChanged.connect(seen.append)
    counter.faults.refuse_connections(1.5)
    counter.faults.drop_connections()
    qtbot.waitUntil(lambda: any(t.startswith("重连中 第 1/5 次") for t in seen), timeout=WAIT_MS)
    assert window.commands.stop_reconnect.isEnabled()
    # the session retries by itself: no second connect, but 断开 ends it
    assert not window.commands.connect.isEnabled() and not panel.connect_button.isEnabled()
    assert panel.disconnect_button.isEnabled()
    with qtbot.waitSignal(terminal.dataLoaded, timeout=WAIT_MS):
        qtbot.waitUntil(lambda: "已连接" in window.status_bar.connection_text, timeout=WAIT_MS)
    assert any("秒后重试" in t for t in seen)
    # resynced, nothing duplicated
    assert window.vms.entrusts.rowCount() == 1
    assert window.vms.entrusts.record(order_id) is not None
    assert window.vms.balance.rowCount() == 1


def test_layout_and_columns_are_restored(qtbot, terminal, settings):
    from PySide6.QtCore import QSize

    first = MainWindow(terminal.viewmodels(), settings, initial_size=QSize(1366, 768))
    qtbot.addWidget(first)
    first.show()
    first.trade_dock.hide()
    first.entrust_table.horizontalHeader().setSectionHidden(2, True)
    first.close()
    second = MainWindow(terminal.viewmodels(), settings, initial_size=QSize(1366, 768))
    qtbot.addWidget(second)
    second.show()
    assert second.trade_dock.isHidden()
    assert second.entrust_table.horizontalHeader().isSectionHidden(2)


def test_entrust_table_exports_csv(qtbot, connected, terminal, tmp_path):
    window = connected
    bid = terminal.market.quote("000001.SZ").bid_price[0]
    _type_ticket(qtbot, window, "000001", round_to_tick("000001.SZ", bid * 0.97), 100)
    _submit_and_wait(qtbot, window)
    path = tmp_path / "委托.csv"
    assert window.entrust_table.export_csv(path) == 1
    text = path.read_text(encoding="utf-8-sig")
    assert "000001.SZ" in text and "委托号" in text


def test_fix_price_constant_matches_the_ticket_default():
    assert xtconstant.FIX_PRICE == 11


def test_csv_export_is_told_in_the_status_bar(window, terminal, tmp_path):
    table = window.entrust_table
    assert table.save_csv(tmp_path / "委托.csv")
    assert "委托.csv" in terminal.vm.status.message
    # a file that cannot be written (here a folder; on Windows often a file open in Excel):
    # a sentence in the status bar, never an exception lost in a slot
    assert not table.save_csv(tmp_path)
    assert terminal.vm.status.message_level == "error"
    assert "无法导出" in terminal.vm.status.message
