"""ConnectionViewModel (QSettings, validation, connect off the GUI thread) and CancelViewModel."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings
from vm_fakes import order

from app.viewmodels.cancel_view_model import CancelViewModel
from app.viewmodels.connection_view_model import ConnectionViewModel
from app.viewmodels.entrust_table_model import EntrustTableModel
from app.viewmodels.trading_operations import OperationRunner


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "qmtdesk.ini"), QSettings.Format.IniFormat)


def test_fields_persist_in_the_injected_settings(qapp, fake_session, settings, tmp_path):
    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings)
    assert vm.use_simulator and vm.reconnect_enabled and vm.max_attempts == 0
    vm.set_path(str(tmp_path / "模拟 柜台"))
    vm.set_account(" 12345678 ")
    vm.set_use_simulator(False)
    vm.set_reconnect_interval(7)
    vm.set_max_attempts(10)
    vm.set_reconnect_enabled(False)
    vm.save()
    again = ConnectionViewModel(OperationRunner(fake_session), None,
                                QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert (again.path, again.account, again.use_simulator, again.reconnect_interval,
            again.max_attempts, again.reconnect_enabled) == (
        str(tmp_path / "模拟 柜台"), "12345678", False, 7, 10, False)


def test_a_wrong_path_or_account_gets_one_sentence(qapp, fake_session, settings, tmp_path):
    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings)
    vm.set_use_simulator(False)
    vm.set_path(str(tmp_path / "nowhere"))
    vm.set_account("1")
    assert vm.connect_session() is False
    assert "userdata_mini" in vm.error and vm.error.count("。") == 1
    vm.set_path(str(tmp_path))
    vm.set_account("")
    assert vm.connect_session() is False
    assert vm.error == "请输入资金账号。"


def test_connect_runs_off_the_gui_thread(qtbot, fake_session, settings, tmp_path):
    gui = threading.get_ident()
    seen = {}
    original = fake_session.connect

    def connect(*args, **kwargs):
        seen["thread"] = threading.get_ident()
        return original(*args, **kwargs)

    fake_session.connect = connect
    vm = ConnectionViewModel(OperationRunner(None), lambda _b: fake_session, settings)
    vm.set_path(str(tmp_path / "sim"))
    vm.set_account("88000001")
    vm.set_max_attempts(3)
    with qtbot.waitSignal(vm.connectSucceeded):
        assert vm.connect_session() is True
        assert vm.busy
    assert seen["thread"] != gui
    assert fake_session.connected_with == (str(tmp_path / "sim"), "88000001", True, 5, 3)
    assert vm.connected and not vm.busy and vm.error == ""
    with qtbot.waitSignal(vm.connectedChanged):
        vm.disconnect_session()
    assert not vm.connected


def test_connect_refused_by_the_counter_says_what_to_check(qtbot, fake_session, settings,
                                                            tmp_path):
    fake_session.connect_result = False
    vm = ConnectionViewModel(OperationRunner(None), lambda _b: fake_session, settings)
    vm.set_path(str(tmp_path / "sim"))
    with qtbot.waitSignal(vm.connectFailed) as blocker:
        vm.connect_session()
    assert blocker.args[0] == vm.error
    assert "无法连接模拟柜台" in vm.error


@pytest.fixture
def entrusts(qapp):
    model = EntrustTableModel()
    model.apply_batch([order(1, 50), order(2, 55, traded=10, order_type=24), order(3, 56,
                                                                                    traded=100),
                       order(4, 50, order_type=24), order(5, 49)])
    return model


def test_cancel_all_buys_sells_pick_the_cancelable_rows(qtbot, fake_session, entrusts):
    vm = CancelViewModel(OperationRunner(fake_session), entrusts)
    with qtbot.waitSignal(vm.busyChanged, check_params_cb=lambda busy: not busy):
        assert vm.cancel_buys() == 2
    assert sorted(fake_session.cancelled) == [1, 5]
    fake_session.cancelled.clear()
    with qtbot.waitSignal(vm.busyChanged, check_params_cb=lambda busy: not busy):
        assert vm.cancel_sells() == 2
    assert sorted(fake_session.cancelled) == [2, 4]
    fake_session.cancelled.clear()
    with qtbot.waitSignal(vm.busyChanged, check_params_cb=lambda busy: not busy):
        assert vm.cancel_all() == 4
    with qtbot.waitSignal(vm.busyChanged, check_params_cb=lambda busy: not busy):
        assert vm.cancel_selected([3, 4, 4]) == 1  # 3 is 已成: not sent
    assert fake_session.cancelled[-1] == 4


def test_a_refused_cancel_shows_the_reason_on_its_row(qtbot, fake_session, entrusts):
    fake_session.cancel_refusals[1] = "委托 1 撤单失败: 委托已成交"
    vm = CancelViewModel(OperationRunner(fake_session), entrusts)
    with qtbot.waitSignal(vm.cancelFailed) as blocker:
        assert vm.cancel(1) == 1
        assert vm.cancel(1) == 0  # already in flight: not sent twice
    assert blocker.args == [1, "委托 1 撤单失败: 委托已成交"]
    column = entrusts.column_index("status_msg")
    assert entrusts.data(entrusts.index(0, column)) == "委托 1 撤单失败: 委托已成交"


def test_nothing_to_cancel_is_said(qtbot, fake_session, entrusts):
    vm = CancelViewModel(OperationRunner(fake_session), entrusts)
    with qtbot.waitSignal(vm.nothingToCancel) as blocker:
        assert vm.cancel(3) == 0
    assert blocker.args == ["该委托已不可撤"]
