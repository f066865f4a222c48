"""ConnectionViewModel: the connection panel's state, persisted in QSettings.

Fields: ``path`` (miniQMT's ``userdata_mini`` folder, or the simulator's
folder), ``account``, ``use_simulator``, ``reconnect_enabled``,
``reconnect_interval`` (s), ``max_attempts`` (0 = forever). ``load()`` /
``save()`` use the injected ``QSettings`` (group ``connection``).

``connect_session()`` validates, saves, and runs ``TradingSession.connect`` off
the GUI thread (a ``Connect`` operation on the session's worker);
``disconnect_session()`` likewise. A wrong path or account becomes ONE
sentence in ``error`` saying what to check. (The methods are not called
``connect``/``disconnect`` because those are ``QObject`` methods.)

Sessions: ``session_provider(backend)`` returns the ``TradingSession`` for
``'sim'`` or ``'miniqmt'`` (the terminal keeps one per backend); when the
backend changes, ``sessionChanged(session)`` tells the terminal to re-wire the
bridge.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal, Slot

from app.viewmodels.trading_operations import Connect, Disconnect, OperationRunner

log = logging.getLogger(__name__)

DEFAULT_SIM_ACCOUNT = "88000001"
GROUP = "connection"


def default_sim_path() -> str:
    """Where the simulator's counter keeps its ledger by default (per user)."""
    try:
        from platformdirs import user_data_dir

        base = Path(user_data_dir("QMTDesk", appauthor=False))
    except ImportError:  # pragma: no cover
        base = Path.home() / ".qmtdesk"
    return str(base / "sim")


class ConnectionViewModel(QObject):
    """See the module docstring."""

    changed = Signal()
    errorChanged = Signal(str)
    busyChanged = Signal(bool)
    connectedChanged = Signal(bool)
    sessionChanged = Signal(object)
    connectSucceeded = Signal()
    connectFailed = Signal(str)

    def __init__(self, runner: OperationRunner,
                 session_provider: Callable[[str], object] | None = None,
                 settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._provider = session_provider
        self._settings = settings if settings is not None else QSettings()
        self._path = ""
        self._account = ""
        self._use_simulator = True
        self._reconnect_enabled = True
        self._reconnect_interval = 5
        self._max_attempts = 0
        self._error = ""
        self._busy = False
        self._connected = False
        self.load()

    # ------------------------------------------------------------------ fields
    def _set(self, attr: str, value) -> None:
        if getattr(self, attr) != value:
            setattr(self, attr, value)
            self.changed.emit()

    @property
    def path(self) -> str:
        return self._path

    @Slot(str)
    def set_path(self, path: str) -> None:
        self._set("_path", (path or "").strip())

    @property
    def account(self) -> str:
        return self._account

    @Slot(str)
    def set_account(self, account: str) -> None:
        self._set("_account", (account or "").strip())

    @property
    def use_simulator(self) -> bool:
        return self._use_simulator

    @Slot(bool)
    def set_use_simulator(self, value: bool) -> None:
        self._set("_use_simulator", bool(value))

    @property
    def backend(self) -> str:
        """'sim' or 'miniqmt'."""
        return "sim" if self._use_simulator else "miniqmt"

    @property
    def reconnect_enabled(self) -> bool:
        return self._reconnect_enabled

    @Slot(bool)
    def set_reconnect_enabled(self, value: bool) -> None:
        self._set("_reconnect_enabled", bool(value))

    @property
    def reconnect_interval(self) -> int:
        return self._reconnect_interval

    @Slot(int)
    def set_reconnect_interval(self, seconds: int) -> None:
        self._set("_reconnect_interval", max(1, int(seconds)))

    @property
    def max_attempts(self) -> int:
        """0 = retry forever."""
        return self._max_attempts

    @Slot(int)
    def set_max_attempts(self, value: int) -> None:
        self._set("_max_attempts", max(0, int(value)))

    @property
    def error(self) -> str:
        """One sentence saying what to check ('' when fine)."""
        return self._error

    @property
    def busy(self) -> bool:
        """A connect/disconnect is in flight."""
        return self._busy

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def session(self):
        return self._runner.session

    def effective_path(self) -> str:
        """The path that will be used (the default simulator folder when empty)."""
        if self._path or not self._use_simulator:
            return self._path
        return default_sim_path()

    def effective_account(self) -> str:
        if self._account or not self._use_simulator:
            return self._account
        return DEFAULT_SIM_ACCOUNT

    # ------------------------------------------------------------------ settings
    def load(self) -> None:
        s = self._settings
        s.beginGroup(GROUP)
        try:
            self._path = str(s.value("path", "") or "")
            self._account = str(s.value("account", "") or "")
            self._use_simulator = _as_bool(s.value("use_simulator", True))
            self._reconnect_enabled = _as_bool(s.value("reconnect_enabled", True))
            self._reconnect_interval = _as_int(s.value("reconnect_interval", 5), 5)
            self._max_attempts = _as_int(s.value("max_attempts", 0), 0)
        finally:
            s.endGroup()
        self.changed.emit()

    def save(self) -> None:
        s = self._settings
        s.beginGroup(GROUP)
        try:
            s.setValue("path", self._path)
            s.setValue("account", self._account)
            s.setValue("use_simulator", self._use_simulator)
            s.setValue("reconnect_enabled", self._reconnect_enabled)
            s.setValue("reconnect_interval", self._reconnect_interval)
            s.setValue("max_attempts", self._max_attempts)
        finally:
            s.endGroup()
        s.sync()

    # ------------------------------------------------------------------ validation
    def validate(self) -> str:
        """One sentence about what is wrong with the fields, or ''."""
        path = self.effective_path()
        account = self.effective_account()
        if not self._use_simulator:
            if not path:
                return "请选择 miniQMT 的 userdata_mini 文件夹（在 QMT 安装目录下）。"
            if not os.path.isdir(path):
                return (f"找不到文件夹「{path}」，请选择 QMT 安装目录下的 userdata_mini 文件夹。")
        if not account:
            return "请输入资金账号。"
        if not account.replace("_", "").replace("-", "").isalnum():
            return f"资金账号「{account}」含有不可用的字符，请检查是否复制了多余的空格或符号。"
        return ""

    def _failure_sentence(self, detail: str = "") -> str:
        path, account = self.effective_path(), self.effective_account()
        if self._use_simulator:
            base = f"无法连接模拟柜台（{path}），请检查该文件夹是否可写"
        else:
            base = (f"无法连接 miniQMT：请确认 QMT 已以极简模式登录、"
                    f"路径「{path}」是 userdata_mini 文件夹，且资金账号「{account}」正确")
        return f"{base}（{detail}）。" if detail else f"{base}。"

    def _set_error(self, text: str) -> None:
        if text != self._error:
            self._error = text
            self.errorChanged.emit(text)
            self.changed.emit()

    def _set_busy(self, value: bool) -> None:
        if value != self._busy:
            self._busy = value
            self.busyChanged.emit(value)
            self.changed.emit()

    def _set_connected(self, value: bool) -> None:
        if value != self._connected:
            self._connected = value
            self.connectedChanged.emit(value)
            self.changed.emit()

    # ------------------------------------------------------------------ actions
    def ensure_session(self):
        """The session for the chosen backend (announced by ``sessionChanged`` when new)."""
        if self._provider is None:
            return self._runner.session
        session = self._provider(self.backend)
        if session is not self._runner.session:
            self._runner.set_session(session)
            self.sessionChanged.emit(session)
        return session

    @Slot()
    def connect_session(self) -> bool:
        """Validate, remember the fields, and connect off the GUI thread. False if refused."""
        if self._busy:
            return False
        problem = self.validate()
        if problem:
            self._set_error(problem)
            self.connectFailed.emit(problem)
            return False
        self._set_error("")
        self.save()
        try:
            self.ensure_session()
        except Exception as exc:  # e.g. BrokerUnavailableError: no native xtquant here
            message = str(exc) or self._failure_sentence()
            self._set_error(message)
            self.connectFailed.emit(message)
            return False
        path = self.effective_path()
        if self._use_simulator:
            Path(path).mkdir(parents=True, exist_ok=True)
        op = Connect(path, self.effective_account(), self._reconnect_enabled,
                     self._reconnect_interval, self._max_attempts)
        self._set_busy(True)
        log.info("连接 %s，账号 %s（%s）", path, op.stock_account,
                 "模拟柜台" if self._use_simulator else "miniQMT")
        self._runner.run(op, self._on_connected, self._on_connect_error)
        return True

    def _on_connected(self, ok) -> None:
        self._set_busy(False)
        if ok:
            self._set_connected(True)
            log.info("已连接，账号 %s", self.effective_account())
            self.connectSucceeded.emit()
        else:
            message = self._failure_sentence()
            self._set_error(message)
            self.connectFailed.emit(message)

    def _on_connect_error(self, message: str) -> None:
        self._set_busy(False)
        sentence = self._failure_sentence(message)
        self._set_error(sentence)
        self.connectFailed.emit(sentence)

    @Slot()
    def disconnect_session(self) -> bool:
        """Disconnect off the GUI thread."""
        if self._runner.session is None:
            return False
        self._set_busy(True)
        self._runner.run(Disconnect(), self._on_disconnected, self._on_disconnect_error)
        return True

    def _on_disconnected(self, _result) -> None:
        self._set_busy(False)
        self._set_connected(False)
        log.info("已断开连接")

    def _on_disconnect_error(self, message: str) -> None:
        self._set_busy(False)
        self._set_connected(False)
        self._set_error(f"断开连接时出错：{message}")

    @Slot(object)
    def on_status(self, status) -> None:
        """Follow the session's ``ConnectionStatus`` (connected or not)."""
        name = (getattr(status.state, "name", None) or str(status.state)).upper()
        self._set_connected(name == "CONNECTED")


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _as_int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
