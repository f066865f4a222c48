"""TerminalViewModel wiring: session events -> bridge -> tables, status, ticket; no widget.

The last tests run against the real ``TradingSession`` over the simulated
counter (``auto_run=False``: the market moves only on ``counter.advance()``).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from vm_fakes import asset, order, position, trade

from app.models.records import OrderError
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
    # holdings' quotes are subscribed through the bridge (on the session's worker)
    qtbot.waitUntil(lambda: any("600036.SH" in codes for codes, _fn
                                in fake_session.market.subscriptions.values()), timeout=3000)
    fake_session.market.push("600036.SH", 41.0, 1_700_000_100)
    qtbot.waitUntil(lambda: terminal.position_model.last_price(
        terminal.position_model.record("600036.SH")) == 41.0, timeout=3000)
    assert terminal.ticket.last_price == 41.0


def test_connect_resyncs_every_table(qtbot, terminal, fake_session):
    terminal.entrust_model.apply_batch([order(99, 50)])  # left over from before the drop
    fake_session.orders = [order(1, 50), order(2, 56, traded=100)]
    fake_session.trades = [trade("T2", 2)]
    with qtbot.waitSignal(terminal.refreshed, timeout=3000):
        fake_session.reconnected()
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
            fake_session.reconnected()
        # the market is read on the session's worker, then attached here
        qtbot.waitUntil(lambda: vm.market is market, timeout=3000)
        qtbot.waitUntil(lambda: any("600036.SH" in codes
                                    for codes, _fn in market.subscriptions.values()),
                        timeout=3000)
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
            fake_session.reconnected()
        assert vm.ticket.stock_code == "000001.SZ"
        vm.ticket.set_code("510300")
        assert settings.value("ticket/last_code") == "510300.SH"
    finally:
        vm.shutdown()


def test_an_order_and_its_refusal_reach_the_status_bar_in_causal_order(
        qtbot, real_terminal, sim):
    """The answer (委托已发送) and the counter's later refusal of the same order come through
    the one bridge in the order they happened: the status bar ends on the refusal."""
    _folder, _config, counter = sim
    vm = real_terminal
    with qtbot.waitSignal(vm.refreshed, timeout=10_000):
        assert vm.connection.connect_session()
    messages: list[str] = []
    vm.status.messageChanged.connect(messages.append)
    counter.faults.reject_next_order(-61, "可用资金不足")
    quote = counter.market.quote("600036.SH")
    ticket = vm.ticket
    ticket.set_code("600036")
    ticket.set_price(quote.down_limit)
    ticket.set_volume(100)
    with qtbot.waitSignal(ticket.submitted, timeout=10_000) as sent:
        assert ticket.submit_buy()
    order_id = sent.args[0]
    qtbot.waitUntil(lambda: "可用资金不足" in vm.status.message, timeout=10_000)
    assert messages.index(f"委托已发送，委托号 {order_id}") < len(messages) - 1
    assert vm.status.message_level == "error"
    assert "可用资金不足" in vm.entrust_model.row_error(order_id)


def test_a_viewmodel_needs_a_session_or_a_provider(qapp):
    with pytest.raises(TypeError):
        TerminalViewModel()


# ---------------------------------------------------------------- one resync per (re)connect
_QUERIES = ("query_stock_asset", "query_stock_positions", "query_stock_orders",
            "query_stock_trades")


@pytest.fixture
def counted_terminal(qapp, sim, settings):
    """The real session over the simulator, its traders counting their queries."""
    from app.services.backends import make_trader_factory
    from app.services.session import TradingSession

    folder, config, _counter = sim
    base = make_trader_factory("sim", config)
    calls: list[tuple[int, str]] = []  # (session id, query)

    def factory(path, session_id):
        trader = base(path, session_id)
        for name in _QUERIES:
            def counted(*args, _name=name, _query=getattr(trader, name), **kwargs):
                calls.append((session_id, _name))
                return _query(*args, **kwargs)
            setattr(trader, name, counted)
        return trader

    session = TradingSession("sim", sim_config=config, trader_factory=factory)
    vm = TerminalViewModel(settings=settings, session=session, install_log_handler=False)
    vm.connection.set_use_simulator(True)
    vm.connection.set_path(folder)
    vm.connection.set_account("55001234")
    vm.connection.set_reconnect_interval(1)
    yield vm, session, calls
    vm.shutdown()
    session.disconnect()


def _queries_of(calls, session_id) -> list[str]:
    return sorted(name for sid, name in calls if sid == session_id)


def test_a_reconnect_queries_each_part_once_and_drops_stale_rows(qtbot, counted_terminal, sim):
    _folder, _config, counter = sim
    vm, session, calls = counted_terminal
    with qtbot.waitSignal(vm.refreshed, timeout=10_000):
        assert vm.connection.connect_session()
    assert vm.runner.wait_idle()
    qtbot.wait(100)  # a second resync (the old RefreshAccount on CONNECTED) would land here
    first = session.trader.session
    assert _queries_of(calls, first) == sorted(_QUERIES)
    held = set(vm.position_model.keys())
    assert len(held) == 4

    # rows the counter does not have (as if sold/cancelled elsewhere while away)
    stale_code = next(c for c in ("688981.SH", "000002.SZ", "601318.SH") if c not in held)
    vm.position_model.apply_batch([position(stale_code)])
    vm.entrust_model.apply_batch([order(987_654, 50)])
    vm.trade_model.apply_batch([trade("STALE-1", 987_654)])
    assert vm.entrust_model.record(987_654) is not None

    with qtbot.waitSignal(vm.refreshed, timeout=15_000):
        assert counter.faults.drop_connections() == 1
    qtbot.waitUntil(lambda: vm.status.text == "已连接", timeout=10_000)
    assert vm.runner.wait_idle()
    qtbot.wait(100)
    second = session.trader.session
    assert second != first
    # each query exactly once on the new connection, none again on the old one
    assert _queries_of(calls, second) == sorted(_QUERIES)
    assert _queries_of(calls, first) == sorted(_QUERIES)
    # the snapshot replaced the tables: stale rows are gone, real ones kept
    assert set(vm.position_model.keys()) == held
    assert vm.entrust_model.record(987_654) is None
    assert vm.trade_model.row_of("STALE-1") < 0
    assert vm.balance_model.rowCount() == 1

    # the user's 刷新 still re-queries (once each)
    with qtbot.waitSignal(vm.refreshed, timeout=10_000):
        vm.refresh()
    assert [name for sid, name in calls if sid == second].count("query_stock_asset") == 2


def test_the_snapshot_resets_tables_without_querying_again(qtbot, terminal, fake_session):
    terminal.position_model.apply_batch([position("000001.SZ", 500, 500, 11.0)])  # sold while away
    terminal.trade_model.apply_batch([trade("OLD", 7)])
    fake_session.orders = [order(1, 50)]
    with qtbot.waitSignal(terminal.refreshed, timeout=3000):
        fake_session.reconnected()
    assert terminal.position_model.keys() == ["600036.SH"]
    assert terminal.trade_model.keys() == []
    assert terminal.entrust_model.keys() == [1]
    qtbot.wait(100)
    assert fake_session.queries == []  # the viewmodel trusted the session's snapshot
    with qtbot.waitSignal(terminal.refreshed, timeout=3000):
        terminal.refresh()  # 刷新/F5 still asks the counter
    assert sorted(fake_session.queries) == ["asset", "orders", "positions", "trades"]


def test_a_part_the_counter_did_not_answer_keeps_its_rows(qtbot, terminal, fake_session):
    from app.models.records import AccountSnapshot

    terminal.trade_model.apply_batch([trade("T9", 9)])
    with qtbot.waitSignal(terminal.refreshed, timeout=3000):
        fake_session.emit_from_thread(
            AccountSnapshot(asset(), (position(),), (order(1, 50),), None))
    assert terminal.trade_model.keys() == ["T9"]
    assert terminal.entrust_model.keys() == [1]


# ---------------------------------------------------------------- no xtquant call on the GUI thread
def test_market_reads_and_subscriptions_never_run_on_the_gui_thread(qtbot, settings):
    import threading

    from vm_fakes import FakeMarket, FakeSession

    gui = threading.get_ident()

    class RecordingSession(FakeSession):
        """``market`` is a property: reading it is what imports xtdata with a real broker."""

        def __init__(self) -> None:
            self._market_obj = FakeMarket()
            self.market_reads: list[int] = []
            super().__init__()

        @property
        def market(self):
            self.market_reads.append(threading.get_ident())
            return self._market_obj

        @market.setter
        def market(self, value) -> None:
            self._market_obj = value

    session = RecordingSession()
    market = session._market_obj
    vm = TerminalViewModel(settings=settings, session=session, install_log_handler=False)
    try:
        with qtbot.waitSignal(vm.refreshed, timeout=3000):
            session.reconnected()
        qtbot.waitUntil(lambda: vm.market is market, timeout=3000)
        qtbot.waitUntil(lambda: len(market.subscriptions) == 2, timeout=3000)  # holdings + ticket
        # the selected code changes: the old subscription ends, a new one starts
        vm.ticket.set_code("510300")
        qtbot.waitUntil(lambda: any(codes == ["510300.SH"]
                                    for codes, _fn in market.subscriptions.values()),
                        timeout=3000)
        # holdings change: re-subscribed
        session.emit_from_thread(position("000001.SZ", 200, 200, 11.0))
        qtbot.waitUntil(lambda: any("000001.SZ" in codes
                                    for codes, _fn in market.subscriptions.values()),
                        timeout=3000)
        qtbot.waitUntil(lambda: len(market.subscriptions) == 2, timeout=3000)
        vm.shutdown()
        session.close()
        assert market.subscriptions == {}  # every token given back
        assert session.market_reads and gui not in session.market_reads
        methods = {m for m, _t in market.calls}
        assert {"subscribe", "unsubscribe"} <= methods
        on_gui = [m for m, thread in market.calls if thread == gui]
        assert on_gui == [], on_gui
    finally:
        vm.shutdown()
        session.close()
