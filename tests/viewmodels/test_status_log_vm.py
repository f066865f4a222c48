"""StatusViewModel (reconnect text, messages) and LogTableModel (threads, level filter)."""

from __future__ import annotations

import logging
import threading

from vm_fakes import FakeMarket, make_quote

from app.models.records import CancelError, OrderError
from app.services.session import ConnectionStatus, SessionState
from app.viewmodels.formatting import UP_COLOR
from app.viewmodels.log_table_model import LogTableModel, make_log_proxy
from app.viewmodels.quote_view_model import QuoteViewModel
from app.viewmodels.status_view_model import StatusViewModel, reconnect_text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_reconnect_text_counts_attempts_and_seconds(qapp, fake_session):
    clock = Clock()
    vm = StatusViewModel(fake_session, clock=clock)
    vm.set_status(ConnectionStatus(SessionState.RECONNECTING, "88000001", "/p", attempt=3,
                                   max_attempts=10, next_retry_at=1004.2))
    assert vm.text == "重连中 第 3/10 次，5 秒后重试"
    assert vm.account_text == "账号 88000001"
    assert vm.reconnecting and vm._tick.isActive()
    clock.now = 1001.5
    vm.refresh()  # what the 1 s timer does
    assert vm.text == "重连中 第 3/10 次，3 秒后重试"
    vm.set_status(ConnectionStatus(SessionState.RECONNECTING, "88000001", attempt=4,
                                   max_attempts=0, next_retry_at=1003.5))
    assert vm.text == "重连中 第 4 次，2 秒后重试"
    vm.set_status(ConnectionStatus(SessionState.CONNECTED, "88000001"))
    assert vm.text == "已连接"
    assert not vm._tick.isActive()
    assert reconnect_text(2, 5, None) == "重连中 第 2/5 次，正在连接…"


def test_timer_refreshes_the_countdown_every_second(qtbot, fake_session):
    clock = Clock()
    vm = StatusViewModel(fake_session, clock=clock)
    vm.set_status(ConnectionStatus(SessionState.RECONNECTING, attempt=1, max_attempts=3,
                                   next_retry_at=1010.0))
    assert vm.text.endswith("10 秒后重试")
    clock.now = 1003.0
    with qtbot.waitSignal(vm.textChanged, timeout=2500) as blocker:
        pass
    assert blocker.args == ["重连中 第 1/3 次，7 秒后重试"]


def test_stop_reconnect_reaches_the_session(qapp, fake_session):
    vm = StatusViewModel(fake_session)
    vm.stop_reconnect()
    assert fake_session.stop_reconnect_calls == 1


def test_errors_show_briefly(qtbot, fake_session):
    vm = StatusViewModel(fake_session, message_timeout_ms=50)
    vm.on_cancel_error(CancelError(order_id=7, error_msg="委托已成交"))
    assert vm.message == "撤单失败（委托 7）：委托已成交"
    assert vm.message_level == "error"
    with qtbot.waitSignal(vm.messageChanged, timeout=2000) as blocker:
        pass
    assert blocker.args == [""] and vm.message == ""


def test_log_model_takes_records_from_any_thread_and_filters_by_level(qtbot):
    model = LogTableModel(interval_ms=10)
    logger = logging.getLogger("qmtdesk.test.log")
    logger.propagate = False
    model.install(logger, level=logging.DEBUG)
    try:
        def work(n: int) -> None:
            for i in range(200):
                logger.info("thread %d event %d", n, i)
            logger.error("thread %d failed", n)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        logger.warning("撤单失败（委托 %s）：%s", 7, "委托已成交")
        qtbot.waitUntil(lambda: model.rowCount() == 4 * 201 + 1, timeout=3000)
        proxy = make_log_proxy(model)
        assert proxy.rowCount() == 805
        proxy.set_min_level(logging.WARNING)
        assert proxy.rowCount() == 5
        proxy.set_min_level(logging.ERROR)
        assert proxy.rowCount() == 4
        proxy.set_min_level(logging.NOTSET)
        proxy.set_filter_text("委托已成交")
        assert proxy.rowCount() == 1
        last = model.record_at(model.rowCount() - 1)
        assert last.message == "撤单失败（委托 7）：委托已成交"
        assert model.data(model.index(model.rowCount() - 1, 1)) == "警告"
        # each thread's events keep their order
        zero = [e.message for e in model.entries() if e.message.startswith("thread 0 event")]
        assert zero == [f"thread 0 event {i}" for i in range(200)]
    finally:
        model.uninstall()


def test_log_model_keeps_at_most_max_rows(qtbot):
    model = LogTableModel(max_rows=100)
    for i in range(250):
        model.handler.emit(logging.LogRecord("x", logging.INFO, __file__, 1, f"m{i}", None, None))
    model.drain()
    assert model.rowCount() <= 100
    assert model.record_at(model.rowCount() - 1).message == "m249"


def test_an_unconfirmed_order_stays_until_it_is_settled(qtbot, fake_session):
    from app.viewmodels.trading_operations import PlaceOrder

    vm = StatusViewModel(fake_session, message_timeout_ms=50)
    op = PlaceOrder("600036.SH", "buy", 100, 11, 40.0)
    vm.on_order_unconfirmed(op, "下单 600036.SH：已发出，柜台尚未答复，结果待确认")
    assert vm.message.startswith("委托待确认") and vm.message_level == "warning"
    assert vm.unconfirmed_count == 1
    # no timeout: it stays while the outcome is unknown
    assert not vm._message_timer.isActive()
    # the late answer settles it: the status bar says what became of it
    vm.on_order_sent(1001)
    vm.settle_unconfirmed(op)
    assert vm.message == "委托已发送，委托号 1001" and vm.unconfirmed_count == 0
    # the latest news wins: an error after a success replaces it
    vm.on_order_error(OrderError(order_id=1001, error_id=-1, error_msg="废单"))
    assert "废单" in vm.message and vm.message_level == "error"


def test_quote_failure_is_logged_and_a_flat_quote_is_neutral(qapp, caplog):
    market = FakeMarket()
    vm = QuoteViewModel(market)
    with caplog.at_level(logging.WARNING):
        vm.set_code("600519")  # not in this market: no widget shows the error, the log does
    assert vm.error and any("600519.SH" in r.getMessage() for r in caplog.records)
    vm.set_code("510300")
    assert vm.error == ""
    vm.on_quotes([make_quote("510300.SH", 3.900, t=1_700_000_100)])  # at the previous close
    assert vm.color is None and vm.change_text == "0.000 0.00%"
    vm.on_quotes([make_quote("510300.SH", 3.901, t=1_700_000_200)])  # one ETF tick up
    assert vm.color == UP_COLOR and vm.change_text == "+0.001 +0.03%"
