"""StatusBar: connection state, account, the reconnect count-down, 停止重连, transient errors.

Bound to ``StatusViewModel``, which recomputes ``重连中 第 n/m 次，k 秒后重试``
every second while a retry is pending; the bar only shows it. Order and cancel
errors flash here (the log panel keeps them).
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from app.views.palette import current_palette  # chart hook (issue 14)
from app.views.theme import DOWN_COLOR, UP_COLOR
from app.views.ui_text import tr

__all__ = ["StatusBar"]

_WAIT_COLOR = "#c77700"
_IDLE_COLOR = "#8a8f98"
_STATE_COLORS = {
    "CONNECTED": DOWN_COLOR.name(),
    "CONNECTING": _WAIT_COLOR,
    "RECONNECTING": _WAIT_COLOR,
    "GAVE_UP": UP_COLOR.name(),
    "DISCONNECTED": _IDLE_COLOR,
}


class StatusBar(QStatusBar):
    """``StatusBar(viewmodel, stop_reconnect_action, parent=None)``."""

    def __init__(self, viewmodel, stop_action: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("statusBar")
        self.setAccessibleName(tr("状态栏"))
        self.setSizeGripEnabled(False)
        self.vm = viewmodel

        self.message_label = QLabel(self)
        self.message_label.setObjectName("statusMessage")
        self.message_label.setAccessibleName(tr("提示信息"))
        self.state_dot = QLabel("●", self)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("statusConnection")
        self.state_label.setAccessibleName(tr("连接状态"))
        self.account_label = QLabel(self)
        self.account_label.setObjectName("statusAccount")
        self.account_label.setAccessibleName(tr("资金账号"))
        self.account_label.setContentsMargins(0, 0, 8, 0)  # off the window's edge
        self.stop_button = QToolButton(self)
        self.stop_button.setObjectName("statusStopReconnect")
        self.stop_button.setDefaultAction(stop_action)
        self.stop_button.setAutoRaise(True)

        self.addWidget(self.message_label, 1)
        self.addPermanentWidget(self.state_dot)
        self.addPermanentWidget(self.state_label)
        self.addPermanentWidget(self.stop_button)
        self.addPermanentWidget(self.account_label)

        viewmodel.changed.connect(self._sync)
        viewmodel.textChanged.connect(self._sync)
        viewmodel.accountChanged.connect(self._sync)
        viewmodel.reconnectingChanged.connect(self._sync)
        viewmodel.messageChanged.connect(self._sync_message)
        self._sync()
        self._sync_message()

    @property
    def connection_text(self) -> str:
        return self.state_label.text()

    def _sync(self, *_args) -> None:
        vm = self.vm
        self.state_label.setText(vm.text)
        self.state_label.setToolTip(vm.tooltip)
        color = _STATE_COLORS.get(vm.state, _IDLE_COLOR)
        self.state_dot.setStyleSheet(f"color: {color};")
        self.account_label.setText(vm.account_text)
        self.stop_button.setVisible(vm.can_stop_reconnect)
        self.stop_button.defaultAction().setEnabled(vm.can_stop_reconnect)

    def _sync_message(self, *_args) -> None:
        vm = self.vm
        self.message_label.setText(vm.message)
        self.message_label.setToolTip(vm.message)
        text_color = current_palette().text  # chart hook (issue 14): the theme's text colour
        color = {"error": UP_COLOR.name(), "warning": _WAIT_COLOR}.get(vm.message_level, text_color)
        self.message_label.setStyleSheet(f"color: {color};")
