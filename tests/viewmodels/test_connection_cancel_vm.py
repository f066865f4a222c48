"""ConnectionViewModel (QSettings, validation, connect off the GUI thread) and CancelViewModel."""

from __future__ import annotations

import os
import threading
from pathlib import Path

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


def one_sentence(text: str) -> bool:
    return text.count("。") == 1 and text.endswith("。")


def broker_vm(fake_session, settings, *, available=True):
    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings,
                             broker_available=available)
    vm.set_use_simulator(False)
    return vm


def test_a_wrong_broker_path_or_account_gets_one_sentence(qapp, fake_session, settings,
                                                          tmp_path):
    vm = broker_vm(fake_session, settings)
    vm.set_path(str(tmp_path / "nowhere"))
    vm.set_account("1")
    assert vm.connect_session() is False
    assert "找不到文件夹" in vm.error and "userdata_mini" in vm.error and one_sentence(vm.error)
    # the QMT folder itself instead of its userdata_mini: point at the right one
    (tmp_path / "userdata_mini").mkdir()
    vm.set_path(str(tmp_path))
    assert vm.connect_session() is False
    assert str(tmp_path / "userdata_mini") in vm.error and one_sentence(vm.error)
    vm.set_path(str(tmp_path / "userdata_mini"))
    vm.set_account("")
    assert vm.connect_session() is False
    assert vm.error.startswith("请输入资金账号") and one_sentence(vm.error)
    vm.set_account("12 34")
    assert vm.validate().startswith("资金账号「12 34」含有不可用的字符")
    assert fake_session.status.state.name == "DISCONNECTED"  # nothing was tried


def test_broker_where_xtquant_cannot_load_says_windows_and_the_simulator(qapp, fake_session,
                                                                        settings, tmp_path):
    vm = broker_vm(fake_session, settings, available=False)
    assert vm.broker_available is False
    vm.set_path(str(tmp_path))
    vm.set_account("12345678")
    assert vm.connect_session() is False
    for words in ("Windows", "QMT", "极简模式", "独立交易模式", "模拟柜台"):
        assert words in vm.error
    assert one_sentence(vm.error)
    vm.set_lang("en")
    assert "Windows" in vm.error and "simulator" in vm.error


def test_broker_available_follows_the_native_module(qapp, fake_session, settings):
    from app.services.backends import native_xtquant_available

    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings)
    assert vm.broker_available is native_xtquant_available()


def test_a_simulator_folder_that_cannot_be_written_gets_one_sentence(qapp, fake_session,
                                                                    settings, tmp_path,
                                                                    monkeypatch):
    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings)
    a_file = tmp_path / "ledger.txt"
    a_file.write_text("x")
    vm.set_path(str(a_file))
    assert vm.connect_session() is False
    assert "不是文件夹" in vm.error and one_sentence(vm.error)

    # a folder the user may not write in (faked: the tests may run as root, who may)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(locked)
                        else real_access(p, mode))
    vm.set_path(str(locked / "sim"))  # would have to be created inside the locked folder
    assert vm.connect_session() is False
    assert f"没有权限在「{locked}」中写入" in vm.error and one_sentence(vm.error)
    assert not (locked / "sim").exists()


def test_a_folder_that_cannot_be_created_gets_one_sentence(qapp, fake_session, settings,
                                                          tmp_path, monkeypatch):
    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings)

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    vm.set_path(str(tmp_path / "new" / "sim"))
    assert vm.connect_session() is False
    assert vm.error.startswith("无法连接模拟柜台") and "Permission denied" in vm.error
    assert one_sentence(vm.error)


def test_empty_simulator_fields_use_the_one_default_account(qapp, fake_session, settings):
    from app.services.backends import DEFAULT_SIM_ACCOUNT, default_sim_path

    vm = ConnectionViewModel(OperationRunner(fake_session), lambda _b: fake_session, settings)
    assert DEFAULT_SIM_ACCOUNT == "8886660001"
    assert (vm.effective_path(), vm.effective_account()) == (default_sim_path(),
                                                            DEFAULT_SIM_ACCOUNT)
    assert vm.validate() == ""


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
