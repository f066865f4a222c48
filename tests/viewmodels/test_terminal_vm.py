"""TerminalViewModel wiring: session events -> bridge -> tables, status, ticket; no widget.

The last tests run against the real ``TradingSession`` over the simulated
counter (``auto_run=False``: the market moves only on ``counter.advance()``).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from vm_fakes import ACCOUNT, asset, order, position, trade

from app.models.records import OrderError
from app.services.session import ConnectionStatus, SessionState
from app.viewmodels.terminal_view_model import TerminalViewModel


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "qmtdesk.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def terminal(qapp, fake_session, settings):
    vm = TerminalViewModel(settings=settings, session=fake_session, install_log_handler=False)
    yield vm
    vm.shutdown()


def test_events_from_the_worker_fill_the_tables(qtbot, terminal, fake_session):
    fake_session.emit_from_thread(
        asset(500_000.0), position("600036.SH", 1000, 1000, 38.5),
        order(1, 48), order(1, 50), order(2, 50, order_type=24), order(1, 56, traded=100),
        trade("T1", 1))
    qtbot.waitUntil(lambda: terminal.trade_model.rowCount() == 1, timeout=3000)
    assert terminal.entrust_model.keys() == [1, 2]
    assert terminal.entrust_model.record(1).order_status == 56
    assert terminal.position_model.rowCount() == 1
    assert terminal.balance_model.asset().cash == 500_000.0
    assert terminal.ticket.max_volume == 0  # no code yet
    terminal.ticket.set_code("600036")
    terminal.ticket.set_price(40.0)
    assert terminal.ticket.max_volume == 12400
    # holdings' quotes are subscribed through the bridge
    assert any("600036.SH" in codes for codes, _fn in fake_session.market.subscriptions.values())
    fake_session.market.push("600036.SH", 41.0, 1_700_000_100)
    qtbot.waitUntil(lambda: terminal.position_model.last_price(
        terminal.position_model.record("600036.SH")) == 41.0, timeout=3000)
    assert terminal.ticket.last_price == 41.0


def test_connect_resyncs_every_table(qtbot, terminal, fake_session):
    terminal.entrust_model.apply_batch([order(99, 50)])  # left over from before the drop
    fake_session.orders = [order(1, 50), order(2, 56, traded=100)]
    fake_session.trades = [trade("T2", 2)]
    with qtbot.waitSignal(terminal.refreshed, timeout=3000):
        fake_session.emit_from_thread(ConnectionStatus(SessionState.CONNECTED, ACCOUNT))
    assert terminal.entrust_model.keys() == [1, 2]
    assert terminal.trade_model.keys() == ["T2"]
    assert terminal.position_model.keys() == ["600036.SH"]
    assert terminal.balance_model.rowCount() == 1
    assert terminal.status.text == "已连接"
    assert terminal.connection.connected


def test_order_error_reaches_row_status_bar_and_log(qtbot, terminal, fake_session):
    terminal.log_model.install()
    try:
        fake_session.emit_from_thread(order(5, 57), OrderError(order_id=5, error_id=-61,
                                                                error_msg="当前时间不允许此类证券交易"))
        qtbot.waitUntil(lambda: terminal.entrust_model.row_error(5) != "", timeout=3000)
        assert "当前时间不允许" in terminal.status.message
        qtbot.waitUntil(lambda: any("当前时间不允许" in e.message
                                    for e in terminal.log_model.entries()), timeout=3000)
    finally:
        terminal.log_model.uninstall()


# ---------------------------------------------------------------- the real session + simulator
@pytest.fixture
def sim(tmp_path):
    from app.services.sim.config import SimConfig
    from app.services.sim.counter import SimCounter

    folder = str(tmp_path / "模拟 柜台" / "userdata_mini")
    config = SimConfig(auto_run=False)
    counter = SimCounter.open(folder, config)
    yield folder, config, counter
    counter.close()


@pytest.fixture
def real_terminal(qapp, sim, settings):
    from app.services.session import TradingSession

    folder, config, _counter = sim
    session = TradingSession("sim", sim_config=config)
    vm = TerminalViewModel(settings=settings, session=session, install_log_handler=False)
    vm.connection.set_use_simulator(True)
    vm.connection.set_path(folder)
    vm.connection.set_account("55001234")
    yield vm
    vm.shutdown()
    session.disconnect()


def test_real_session_connect_trade_and_cancel(qtbot, real_terminal, sim):
    _folder, _config, counter = sim
    vm = real_terminal
    with qtbot.waitSignal(vm.refreshed, timeout=10_000):
        assert vm.connection.connect_session()
    assert vm.status.text == "已连接"
    assert vm.position_model.rowCount() == 4  # the simulator's default holdings
    assert vm.balance_model.asset().cash == pytest.approx(1_000_000.0)

    quote = counter.market.quote("600036.SH")
    ticket = vm.ticket
    ticket.set_code("600036")
    # a resting buy at the limit-down: stays 已报, then one click on 撤单
    ticket.set_price(quote.down_limit)
    ticket.set_volume(100)
    with qtbot.waitSignal(ticket.submitted, timeout=10_000) as placed:
        assert ticket.submit_buy()
    order_id = placed.args[0]
    qtbot.waitUntil(lambda: vm.entrust_model.is_cancelable(order_id), timeout=10_000)
    assert vm.cancel.cancel(order_id) == 1
    qtbot.waitUntil(lambda: vm.entrust_model.record(order_id).order_status == 54,
                    timeout=10_000)
    assert vm.entrust_model.data(vm.entrust_model.index(
        vm.entrust_model.row_of(order_id), vm.entrust_model.column_index("order_status"))) \
        == "已撤"

    # a marketable buy walks to 已成 as the simulated market trades
    ticket.set_price(quote.up_limit)
    with qtbot.waitSignal(ticket.submitted, timeout=10_000) as placed:
        assert ticket.submit_buy()
    order_id = placed.args[0]

    def filled() -> bool:
        record = vm.entrust_model.record(order_id)
        if record is not None and record.order_status == 56:
            return True
        counter.advance()
        return False

    qtbot.waitUntil(filled, timeout=10_000)
    qtbot.waitUntil(lambda: any(t.order_id == order_id for t in vm.trade_model.records()),
                    timeout=10_000)
    assert vm.entrust_model.rowCount() == 2


# ---------------------------------------------------------------- quotes attach on connect
def test_the_market_attaches_when_the_session_connects(qtbot, settings, fake_session):
    """A session has no market before it is connected (a simulator session learns its
    folder in connect): the viewmodel attaches it on CONNECTED, subscribes the holdings,
    fetches their quotes (the day's P&L shows at once, before any tick) and gives the
    ticket its first code."""
    market, fake_session.market = fake_session.market, None
    vm = TerminalViewModel(settings=settings, session=fake_session, install_log_handler=False)
    try:
        assert vm.market is None and vm.ticket.stock_code == ""
        fake_session.market = market
        with qtbot.waitSignal(vm.refreshed, timeout=3000):
            fake_session.emit_from_thread(ConnectionStatus(SessionState.CONNECTED, ACCOUNT))
        assert vm.market is market
        assert any("600036.SH" in codes for codes, _fn in market.subscriptions.values())
        assert vm.ticket.stock_code == "600036.SH"  # the first holding
        # no tick was pushed: the fetched quote gives the last price and the day's P&L
        qtbot.waitUntil(lambda: vm.balance_model.day_profit() is not None, timeout=3000)
        assert vm.position_model.quote("600036.SH").last_price == 40.0
        assert vm.balance_model.day_profit() == 0.0  # last == previous close
        qtbot.waitUntil(lambda: vm.quote.quote is not None, timeout=3000)
        assert vm.quote.code == "600036.SH"
    finally:
        vm.shutdown()


def test_the_ticket_starts_on_the_last_code_used(qtbot, settings, fake_session):
    settings.setValue("ticket/last_code", "000001.SZ")
    vm = TerminalViewModel(settings=settings, session=fake_session, install_log_handler=False)
    try:
        with qtbot.waitSignal(vm.refreshed, timeout=3000):
            fake_session.emit_from_thread(ConnectionStatus(SessionState.CONNECTED, ACCOUNT))
        assert vm.ticket.stock_code == "000001.SZ"
        vm.ticket.set_code("510300")
        assert settings.value("ticket/last_code") == "510300.SH"
    finally:
        vm.shutdown()


def test_an_order_refused_before_its_reply_keeps_the_error_in_the_status_bar(
        qtbot, terminal, fake_session):
    fake_session.emit_from_thread(asset(), position())
    qtbot.waitUntil(lambda: terminal.balance_model.rowCount() == 1, timeout=3000)
    ticket = terminal.ticket
    ticket.set_code("600036")
    ticket.set_price(40.0)
    ticket.set_volume(100)
    assert ticket.can_submit, ticket.problem_text
    fake_session.place_gate.clear()  # the order's reply is held back ...
    assert ticket.submit_buy()
    # ... while the counter's refusal of order 1001 arrives first
    fake_session.emit_from_thread(OrderError(order_id=1001, error_id=-1, error_msg="可用资金不足"))
    qtbot.waitUntil(lambda: "可用资金不足" in terminal.status.message, timeout=3000)
    with qtbot.waitSignal(ticket.submitted, timeout=3000) as sent:
        fake_session.place_gate.set()
    assert sent.args == [1001]
    assert "可用资金不足" in terminal.status.message
    assert terminal.status.message_level == "error"


def test_a_viewmodel_needs_a_session_or_a_provider(qapp):
    with pytest.raises(TypeError):
        TerminalViewModel()
