"""ConnectionPanel: where the trader says which counter to use, bound to ``ConnectionViewModel``.

Fields: simulator or broker (miniQMT), the folder (miniQMT's ``userdata_mini``
or the simulator's folder) with a folder picker, the account, reconnect on/off,
interval and maximum attempts (0 = 无限), and 连接 / 断开. The viewmodel
validates, remembers the fields in ``QSettings`` and connects off the GUI
thread; the panel shows its one-sentence error and, on a machine where
xtquant's native part cannot load, says plainly that only the simulator works.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.views.ui_text import tr

__all__ = ["ConnectionPanel"]

BROKER_UNAVAILABLE = (
    "券商模式需要 Windows 上以极简模式/独立交易模式登录的 QMT 客户端"
    "和 xtquant 的原生组件，"
    "本机无法使用；请用模拟柜台。"
)


class ConnectionPanel(QWidget):
    """``ConnectionPanel(viewmodel, parent=None)``."""

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("connectionPanel")
        self.setAccessibleName(tr("连接设置"))
        self.vm = viewmodel
        self._build()
        self._bind()
        self._sync()

    def _build(self) -> None:
        self.sim_radio = QRadioButton(tr("模拟柜台"), self)
        self.sim_radio.setObjectName("connectionSim")
        self.broker_radio = QRadioButton(tr("券商 miniQMT"), self)
        self.broker_radio.setObjectName("connectionBroker")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.sim_radio, 0)
        self.mode_group.addButton(self.broker_radio, 1)
        modes = QHBoxLayout()
        modes.setSpacing(12)
        modes.addWidget(self.sim_radio)
        modes.addWidget(self.broker_radio)
        modes.addStretch(1)

        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("connectionPath")
        self.path_edit.setAccessibleName(tr("miniQMT 路径"))
        self.browse_button = QToolButton(self)
        self.browse_button.setObjectName("connectionBrowse")
        self.browse_button.setText("…")
        self.browse_button.setToolTip(tr("选择文件夹"))
        self.browse_button.setAccessibleName(tr("选择文件夹"))
        path_row = QHBoxLayout()
        path_row.setSpacing(3)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        self.account_edit = QLineEdit(self)
        self.account_edit.setObjectName("connectionAccount")
        self.account_edit.setAccessibleName(tr("资金账号"))
        self.account_edit.setMaxLength(32)

        self.reconnect_check = QCheckBox(tr("断线自动重连"), self)
        self.reconnect_check.setObjectName("connectionReconnect")
        self.interval_spin = QSpinBox(self)
        self.interval_spin.setObjectName("connectionInterval")
        self.interval_spin.setAccessibleName(tr("重连间隔"))
        self.interval_spin.setRange(1, 3600)
        self.interval_spin.setSuffix(tr(" 秒"))
        self.attempts_spin = QSpinBox(self)
        self.attempts_spin.setObjectName("connectionMaxAttempts")
        self.attempts_spin.setAccessibleName(tr("最大重连次数"))
        self.attempts_spin.setRange(0, 10_000)
        self.attempts_spin.setSpecialValueText(tr("无限"))
        self.attempts_spin.setSuffix(tr(" 次"))

        self.connect_button = QPushButton(tr("连接"), self)
        self.connect_button.setObjectName("connectionConnect")
        self.disconnect_button = QPushButton(tr("断开"), self)
        self.disconnect_button.setObjectName("connectionDisconnect")
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)

        self.state_label = QLabel(self)
        self.state_label.setObjectName("connectionState")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("connectionError")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = QLabel(self)
        self.note_label.setObjectName("connectionNote")
        self.note_label.setProperty("role", "hint")
        self.note_label.setWordWrap(True)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(6)
        form.setVerticalSpacing(5)
        form.addRow(tr("柜台"), modes)
        self.path_caption = QLabel(tr("路径"), self)
        form.addRow(self.path_caption, path_row)
        form.addRow(tr("资金账号"), self.account_edit)
        form.addRow("", self.reconnect_check)
        form.addRow(tr("重连间隔"), self.interval_spin)
        form.addRow(tr("最多重连"), self.attempts_spin)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.state_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.note_label)
        layout.addStretch(1)

    def _bind(self) -> None:
        vm = self.vm
        self.mode_group.idClicked.connect(lambda i: vm.set_use_simulator(i == 0))
        self.path_edit.textEdited.connect(vm.set_path)
        self.account_edit.textEdited.connect(vm.set_account)
        self.reconnect_check.toggled.connect(vm.set_reconnect_enabled)
        self.interval_spin.valueChanged.connect(vm.set_reconnect_interval)
        self.attempts_spin.valueChanged.connect(vm.set_max_attempts)
        self.browse_button.clicked.connect(self.choose_folder)
        self.connect_button.clicked.connect(vm.connect_session)
        self.disconnect_button.clicked.connect(vm.disconnect_session)
        vm.changed.connect(self._sync)

    def choose_folder(self) -> None:
        title = tr(
            "选择模拟柜台文件夹"
            if self.vm.use_simulator
            else "选择 miniQMT 的 userdata_mini 文件夹"
        )
        folder = QFileDialog.getExistingDirectory(self, title, self.vm.effective_path())
        if folder:
            self.vm.set_path(folder)

    def _sync(self) -> None:
        vm = self.vm
        sim = vm.use_simulator
        (self.sim_radio if sim else self.broker_radio).setChecked(True)
        self.path_caption.setText(tr("模拟柜台文件夹") if sim else "userdata_mini")
        self.path_edit.setPlaceholderText(
            vm.effective_path() if sim else r"D:\国金QMT\userdata_mini"
        )
        self.account_edit.setPlaceholderText(vm.effective_account() if sim else tr("资金账号"))
        if self.path_edit.text() != vm.path and not self.path_edit.hasFocus():
            self.path_edit.setText(vm.path)
        if self.account_edit.text() != vm.account and not self.account_edit.hasFocus():
            self.account_edit.setText(vm.account)
        for widget, value in (
            (self.reconnect_check, vm.reconnect_enabled),
            (self.interval_spin, vm.reconnect_interval),
            (self.attempts_spin, vm.max_attempts),
        ):
            widget.blockSignals(True)
            if isinstance(widget, QCheckBox):
                widget.setChecked(value)
            else:
                widget.setValue(value)
            widget.blockSignals(False)
        self.interval_spin.setEnabled(vm.reconnect_enabled)
        self.attempts_spin.setEnabled(vm.reconnect_enabled)
        busy, connected = vm.busy, vm.connected
        in_session = connected or vm.reconnecting  # fields fixed, 断开 ends the session
        editable = not busy and not in_session
        for widget in (
            self.sim_radio,
            self.broker_radio,
            self.path_edit,
            self.browse_button,
            self.account_edit,
        ):
            widget.setEnabled(editable)
        self.connect_button.setEnabled(not busy and not in_session)
        self.connect_button.setText(tr("连接中…" if busy and not connected else "连接"))
        self.disconnect_button.setEnabled(not busy and in_session)
        if connected:
            where = tr("模拟柜台") if sim else "miniQMT"
            self.state_label.setText(
                tr("已连接{where}，账号 {account}", where=where, account=vm.effective_account())
            )
            self.state_label.setProperty("role", "ok")
        elif vm.reconnecting:
            self.state_label.setText(tr("连接已断开，正在自动重连（见状态栏）"))
            self.state_label.setProperty("role", "error")
        else:
            self.state_label.setText(tr("连接中…" if busy else "未连接"))
            self.state_label.setProperty("role", "hint")
        self.state_label.style().unpolish(self.state_label)
        self.state_label.style().polish(self.state_label)
        self.error_label.setText(vm.error)
        self.error_label.setVisible(bool(vm.error))
        if not self.vm.broker_available and not sim:
            self.note_label.setText(tr(BROKER_UNAVAILABLE))
            self.note_label.setProperty("role", "error")
        elif sim:
            self.note_label.setText(
                tr(
                    "模拟柜台：内置的纸面账户，行情为模拟，成交按交易所规则撮合，"
                    "数据保存在上面的文件夹里。"
                )
            )
            self.note_label.setProperty("role", "hint")
        else:
            self.note_label.setText(tr("请先在 QMT 客户端以极简模式（独立交易）登录，再点连接。"))
            self.note_label.setProperty("role", "hint")
        self.note_label.style().unpolish(self.note_label)
        self.note_label.style().polish(self.note_label)
        if not self.vm.broker_available:
            self.broker_radio.setToolTip(tr(BROKER_UNAVAILABLE))
