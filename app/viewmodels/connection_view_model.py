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

from app.services.backends import DEFAULT_SIM_ACCOUNT, default_sim_path, native_xtquant_available
from app.viewmodels.trading_operations import Connect, Disconnect, OperationRunner

log = logging.getLogger(__name__)

GROUP = "connection"
USERDATA_MINI = "userdata_mini"

__all__ = ["DEFAULT_SIM_ACCOUNT", "ConnectionViewModel", "default_sim_path"]


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
                 settings: QSettings | None = None, parent: QObject | None = None, *,
                 broker_available: bool | None = None, lang: str = "zh") -> None:
        super().__init__(parent)
        self._runner = runner
        self._broker_available = broker_available
        self._lang = lang
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
        self._reconnecting = False
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
    def broker_available(self) -> bool:
        """xtquant's native trading module loads here (Windows with the broker's xtquant)."""
        if self._broker_available is None:
            self._broker_available = native_xtquant_available()
        return self._broker_available

    def set_lang(self, lang: str) -> None:
        """'zh' or 'en' for the sentences this viewmodel writes."""
        if lang != self._lang:
            self._lang = lang
            if self._error:
                self._set_error(self.validate() or self._error)
            self.changed.emit()

    def _t(self, zh: str, en: str) -> str:
        return en if self._lang == "en" else zh

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
    def reconnecting(self) -> bool:
        """The session is retrying by itself (connect waits; disconnect stops it)."""
        return self._reconnecting

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
        """One sentence saying what to check in the fields, or '' when they look right."""
        if self._use_simulator:
            problem = self._check_sim_folder(self.effective_path())
        else:
            problem = self._check_broker_folder(self._path)
        return problem or self._check_account(self.effective_account())

    def _check_sim_folder(self, path: str) -> str:
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            return self._t(
                f"「{path}」是一个文件，不是文件夹；请选择一个文件夹存放模拟柜台的数据，"
                f"或清空路径使用默认文件夹。",
                f"'{path}' is a file, not a folder; choose a folder for the simulator's "
                f"data, or clear the path to use the default folder.")
        existing = folder
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not os.access(existing, os.W_OK | os.X_OK):
            return self._t(
                f"没有权限在「{existing}」中写入，模拟柜台无法保存数据；请选择一个可写的文件夹，"
                f"或清空路径使用默认文件夹。",
                f"No permission to write in '{existing}', so the simulator cannot keep its "
                f"data; choose a writable folder, or clear the path to use the default folder.")
        return ""

    def _check_broker_folder(self, path: str) -> str:
        if not self.broker_available:
            return self._t(
                "券商模式需要 Windows 和已登录的 QMT 客户端（登录时勾选极简模式/独立交易模式），"
                "本机无法加载 xtquant 的交易模块；没有券商时请选「模拟柜台」。",
                "Broker mode needs Windows and a QMT client logged in with 极简模式 "
                "(independent trading mode); xtquant's trading module cannot load on this "
                "machine, so choose the simulator instead.")
        if not path:
            return self._t(
                "请选择 miniQMT 的 userdata_mini 文件夹（在 QMT 的安装目录下）。",
                "Choose miniQMT's userdata_mini folder (in the QMT installation folder).")
        folder = Path(path)
        if not folder.is_dir():
            return self._t(
                f"找不到文件夹「{path}」，请选择 QMT 安装目录下的 userdata_mini 文件夹。",
                f"Folder '{path}' does not exist; choose the userdata_mini folder in the "
                f"QMT installation folder.")
        if folder.name.lower() != USERDATA_MINI and (folder / USERDATA_MINI).is_dir():
            return self._t(
                f"请选择「{folder / USERDATA_MINI}」，而不是它的上一级文件夹。",
                f"Choose '{folder / USERDATA_MINI}', not the folder above it.")
        return ""

    def _check_account(self, account: str) -> str:
        if not account:
            return self._t("请输入资金账号（券商给的股票资金账号）。",
                           "Enter the account id (the stock account your broker gave you).")
        if not account.replace("_", "").replace("-", "").isalnum():
            return self._t(
                f"资金账号「{account}」含有不可用的字符，请检查是否复制了多余的空格或符号。",
                f"Account '{account}' contains characters an account id cannot have; check "
                f"for copied spaces or symbols.")
        return ""

    def _failure_sentence(self, detail: str = "") -> str:
        path, account = self.effective_path(), self.effective_account()
        if self._use_simulator:
            base = self._t(f"无法连接模拟柜台（{path}），请检查该文件夹是否可写",
                           f"Cannot connect to the simulator ({path}); check that the folder "
                           f"is writable")
        else:
            base = self._t(
                f"无法连接 miniQMT：请确认 QMT 已以极简模式登录、"
                f"路径「{path}」是 userdata_mini 文件夹，且资金账号「{account}」正确",
                f"Cannot connect to miniQMT: check that QMT is logged in with 极简模式, that "
                f"'{path}' is its userdata_mini folder and that account '{account}' is right")
        if detail:
            return self._t(f"{base}（{detail}）。", f"{base} ({detail}).")
        return self._t(f"{base}。", f"{base}.")

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
        if self._busy or self._reconnecting:
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
            try:
                Path(path).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                message = self._failure_sentence(exc.strerror or str(exc))
                self._set_error(message)
                self.connectFailed.emit(message)
                return False
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
        self._set_error(self._t(f"断开连接时出错：{message}",
                                f"Error while disconnecting: {message}"))

    @Slot(object)
    def on_status(self, status) -> None:
        """Follow the session's ``ConnectionStatus`` (connected or not)."""
        name = (getattr(status.state, "name", None) or str(status.state)).upper()
        reconnecting = name == "RECONNECTING"
        if reconnecting != self._reconnecting:
            self._reconnecting = reconnecting
            self.changed.emit()
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
