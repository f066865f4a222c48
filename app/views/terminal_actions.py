"""TerminalActions: every command of the terminal as one QAction.

Menus, the toolbar, context menus and hot keys share these actions, so a
command has one shortcut, one enabled state and one place to change it.
The ticket's Enter/Esc are scoped to the ticket (``WidgetWithChildrenShortcut``)
so that Enter in another panel never sends an order.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from app.views.ui_text import tr


class TerminalActions(QObject):
    """The commands; the main window wires ``triggered`` to the viewmodels."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        key = QKeySequence
        # trading
        self.buy = self._make("买入", "F1", "买入：下单面板切到买入并定位 (F1)", "buyAction")
        self.sell = self._make("卖出", "F2", "卖出：下单面板切到卖出并定位 (F2)", "sellAction")
        self.submit = self._make("提交委托", None, "提交当前下单面板的委托 (Enter)", "submitAction")
        self.submit.setShortcuts([key(Qt.Key.Key_Return), key(Qt.Key.Key_Enter)])
        self.submit.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.submit.setAutoRepeat(False)  # a held Enter sends one order
        self.clear = self._make("清空下单", "Esc", "清空下单面板 (Esc)", "clearTicketAction")
        self.clear.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.cancel_selected = self._make(
            "撤单", "F3", "撤销委托表中选中的委托 (F3)", "cancelSelectedAction"
        )
        self.cancel_all = self._make("全撤", None, "撤销全部可撤委托", "cancelAllAction")
        self.cancel_buys = self._make("撤买", None, "撤销全部可撤的买入委托", "cancelBuysAction")
        self.cancel_sells = self._make("撤卖", None, "撤销全部可撤的卖出委托", "cancelSellsAction")
        for action in (self.buy, self.sell, self.cancel_selected):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setAutoRepeat(False)
        # connection
        self.connect = self._make("连接", "Ctrl+L", "按连接面板的设置连接柜台", "connectAction")
        self.disconnect = self._make("断开", None, "断开与柜台的连接", "disconnectAction")
        self.stop_reconnect = self._make(
            "停止重连", None, "停止自动重连，之后可手动连接", "stopReconnectAction"
        )
        self.refresh = self._make(
            "刷新", "F5", "重新查询资金、持仓、委托和成交 (F5)", "refreshAction"
        )
        # files and view
        self.export_entrusts = self._make("导出委托…", None, "把委托表导出为 CSV", "exportEntrusts")
        self.export_trades = self._make("导出成交…", None, "把成交表导出为 CSV", "exportTrades")
        self.export_positions = self._make(
            "导出持仓…", None, "把持仓表导出为 CSV", "exportPositions"
        )
        self.reset_layout = self._make("恢复默认布局", None, "恢复各面板的默认位置", "resetLayout")
        self.quit = self._make("退出", key(key.StandardKey.Quit), "退出程序", "quitAction")
        self.shortcuts_help = self._make("快捷键…", None, "查看快捷键", "shortcutsHelp")
        self.about = self._make("关于 QMT Desk", None, "版本与说明", "aboutAction")

    def _make(self, text: str, shortcut, tip: str, name: str) -> QAction:
        action = QAction(tr(text), self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tr(tip))
        action.setStatusTip(tr(tip))
        return action

    def trading(self) -> list[QAction]:
        return [self.buy, self.sell, self.submit, self.clear]

    def cancelling(self) -> list[QAction]:
        return [self.cancel_selected, self.cancel_all, self.cancel_buys, self.cancel_sells]

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(key, command) rows for the help dialog."""
        rows = []
        for action in (*self.trading(), *self.cancelling(), self.refresh, self.connect):
            keys = ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts()
            )
            if keys:
                rows.append((keys, action.text()))
        return rows
