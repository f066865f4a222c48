"""MainWindow: the terminal's window: docks, menus, toolbar, hot keys, saved layout.

Layout (every panel a ``QDockWidget``, so the trader can move, tab, float or
close it; the arrangement and every table's columns are saved in
``QSettings`` and restored on the next start; 视图 > 恢复默认布局 brings the
default back):

    +-----------+-----------------------------------------+
    | 下单/连接 | 资金 (one row)                           |
    |           +------------------------+----------------+
    |           | 分时图 (central)        | 持仓           |
    | 五档行情  +------------------------+----------------+
    |           | 委托 | 成交 | 日志 (tabs)                |
    +-----------+-----------------------------------------+
    | status bar                                           |

Every command is one ``QAction`` (``TerminalActions``) shared by the menus,
the toolbar and the hot keys: F1 买入, F2 卖出, F3 撤选中, Enter 提交, Esc 清空.
The window holds no business rule: it forwards the trader's intent to the
viewmodels given to it (``TerminalViewModels``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.viewmodels.account_day_view_model import AccountDayViewModel  # chart hook (issue 14)
from app.views.balance_table import BalanceTable
from app.views.chart_panel import ChartPanel  # chart hook (issue 14)
from app.views.connection_panel import ConnectionPanel
from app.views.entrust_table import EntrustTable
from app.views.log_view import LogView
from app.views.order_ticket import OrderTicket
from app.views.position_table import PositionTable
from app.views.quote_panel import QuotePanel
from app.views.record_table_view import RecordTableView
from app.views.status_bar import StatusBar
from app.views.terminal_actions import TerminalActions
from app.views.theme import BUY_COLOR, SELL_COLOR
from app.views.theme_menu import ThemeMenu  # chart hook (issue 14)
from app.views.trade_table import TradeTable
from app.views.ui_text import tr

__all__ = ["MainWindow", "TerminalViewModels"]

LAYOUT_VERSION = 3
APP_TITLE = "QMT Desk 交易终端"


@dataclass
class TerminalViewModels:
    """What the window binds to (built by the composition root, ``app.app_wiring``)."""

    connection: Any  # ConnectionViewModel
    status: Any  # StatusViewModel
    ticket: Any  # OrderTicketViewModel
    quote: Any  # QuoteViewModel
    cancel: Any  # CancelViewModel
    balance: Any  # BalanceTableModel
    positions: Any  # PositionTableModel
    entrusts: Any  # EntrustTableModel
    trades: Any  # TradeTableModel
    log: Any  # LogTableModel
    refresh: Any = None  # callable: re-query the account (F5)


class MainWindow(QMainWindow):
    """``MainWindow(viewmodels, settings, parent=None)``."""

    #: the window finished restoring its layout and is about to be shown
    layoutRestored = Signal()

    #: from this window width on, the default layout shows positions beside the chart;
    #: below it they are a tab next to the orders (so no table is cut off)
    WIDE_LAYOUT_WIDTH = 1700

    def __init__(
        self,
        vms: TerminalViewModels,
        settings: QSettings,
        parent: QWidget | None = None,
        *,
        initial_size: QSize | None = None,
    ):
        super().__init__(parent)
        self._initial_size = initial_size or self.default_size()
        self._wide = self._initial_size.width() >= self.WIDE_LAYOUT_WIDTH
        self.setObjectName("mainWindow")
        self.setWindowTitle(tr(APP_TITLE))
        self.vms = vms
        self.settings = settings
        self.commands = TerminalActions(self)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.TopDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)

        self._build_widgets()
        self._build_docks()
        self._build_menus_and_toolbar()
        self._bind()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._restore_layout()

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self) -> None:
        vms = self.vms
        self.connection_panel = ConnectionPanel(vms.connection)
        self.order_ticket = OrderTicket(vms.ticket)
        self.quote_panel = QuotePanel(vms.quote)
        # chart hook (issue 14): 分时 / 日K / 当日资产 tabs; price_chart stays the 分时 chart
        self.account_day = AccountDayViewModel(vms.quote, vms.balance, vms.positions, self,
                                               trade_model=vms.trades)
        self.chart_panel = ChartPanel(vms.quote, self.account_day)
        self.price_chart = self.chart_panel.intraday
        self.balance_table = BalanceTable(vms.balance)
        self.position_table = PositionTable(vms.positions)
        self.entrust_table = EntrustTable(vms.entrusts)
        self.trade_table = TradeTable(vms.trades)
        self.log_view = LogView(vms.log)
        self.status_bar = StatusBar(vms.status, self.commands.stop_reconnect)
        self.setStatusBar(self.status_bar)
        self.setCentralWidget(self.chart_panel)
        self.balance_table.setMinimumHeight(48)
        self.balance_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(tr(title), self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _entrust_pane(self) -> QWidget:
        """The entrust table with its cancel buttons and filter above it."""
        pane = QWidget(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(4)
        for action in (
            self.commands.cancel_selected,
            self.commands.cancel_all,
            self.commands.cancel_buys,
            self.commands.cancel_sells,
        ):
            button = QToolButton(pane)
            button.setDefaultAction(action)
            button.setObjectName(f"{action.objectName()}Button")
            bar.addWidget(button)
        bar.addSpacing(12)
        self.cancelable_only = QCheckBox(tr("只看可撤"), pane)
        self.cancelable_only.setObjectName("entrustCancelableOnly")
        bar.addWidget(self.cancelable_only)
        bar.addStretch(1)
        self.entrust_filter = QLineEdit(pane)
        self.entrust_filter.setObjectName("entrustFilter")
        self.entrust_filter.setPlaceholderText(tr("筛选代码/名称/状态"))
        self.entrust_filter.setClearButtonEnabled(True)
        metrics = self.entrust_filter.fontMetrics()
        self.entrust_filter.setMinimumWidth(
            metrics.horizontalAdvance(self.entrust_filter.placeholderText()) + 36
        )
        self.entrust_filter.setMaximumWidth(240)
        bar.addWidget(self.entrust_filter)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.entrust_table, 1)
        return pane

    def _build_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        top = Qt.DockWidgetArea.TopDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.ticket_dock = self._dock("下单", "ticketDock", self.order_ticket, left)
        self.quote_dock = self._dock("五档行情", "quoteDock", self.quote_panel, left)
        self.balance_dock = self._dock("资金", "balanceDock", self.balance_table, top)
        self.position_dock = self._dock("持仓", "positionDock", self.position_table, right)
        self.entrust_dock = self._dock("委托", "entrustDock", self._entrust_pane(), bottom)
        self.trade_dock = self._dock("成交", "tradeDock", self.trade_table, bottom)
        self.log_dock = self._dock("日志", "logDock", self.log_view, bottom)
        self.connection_dock = self._dock(
            "连接设置", "connectionDock", self.connection_panel, bottom
        )

        self.splitDockWidget(self.ticket_dock, self.quote_dock, Qt.Orientation.Vertical)
        if not self._wide:  # positions join the tabs: every column stays visible
            self.addDockWidget(bottom, self.position_dock)
            self.tabifyDockWidget(self.entrust_dock, self.position_dock)
            self.tabifyDockWidget(self.position_dock, self.trade_dock)
        else:
            self.tabifyDockWidget(self.entrust_dock, self.trade_dock)
        self.tabifyDockWidget(self.trade_dock, self.log_dock)
        self.tabifyDockWidget(self.log_dock, self.connection_dock)
        self.entrust_dock.raise_()
        self._apply_default_sizes(self._initial_size)

    def _apply_default_sizes(self, size: QSize | None = None) -> None:
        size = size or self.size()
        width, height = max(size.width(), 1000), max(size.height(), 600)
        left_width = 300 if width < 1600 else 330
        self.resizeDocks([self.ticket_dock], [left_width], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.ticket_dock, self.quote_dock],
            [int(height * 0.50), int(height * 0.42)],
            Qt.Orientation.Vertical,
        )
        self.resizeDocks([self.balance_dock], [62], Qt.Orientation.Vertical)
        self.resizeDocks([self.entrust_dock], [int(height * 0.44)], Qt.Orientation.Vertical)
        if self._wide:
            self.resizeDocks(
                [self.position_dock], [int((width - left_width) * 0.5)], Qt.Orientation.Horizontal
            )

    # ------------------------------------------------------------------ menus
    def _build_menus_and_toolbar(self) -> None:
        a = self.commands
        bar = self.menuBar()
        file_menu = bar.addMenu(tr("文件(&F)"))
        file_menu.addActions([a.export_entrusts, a.export_trades, a.export_positions])
        file_menu.addSeparator()
        file_menu.addAction(a.quit)
        trade_menu = bar.addMenu(tr("交易(&T)"))
        trade_menu.addActions(a.trading())
        trade_menu.addSeparator()
        trade_menu.addActions(a.cancelling())
        trade_menu.addSeparator()
        trade_menu.addAction(a.refresh)
        conn_menu = bar.addMenu(tr("连接(&C)"))
        conn_menu.addActions([a.connect, a.disconnect, a.stop_reconnect])
        view_menu = bar.addMenu(tr("视图(&V)"))
        for dock in self.findChildren(QDockWidget):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(a.reset_layout)
        view_menu.addSeparator()  # chart hook (issue 14): 主题 and 字号, remembered
        self.theme_menu = ThemeMenu(view_menu, self.settings, self)
        help_menu = bar.addMenu(tr("帮助(&H)"))
        help_menu.addActions([a.shortcuts_help, a.about])

        toolbar = QToolBar(tr("工具栏"), self)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setIconSize(QSize(16, 16))
        toolbar.addActions([a.connect, a.disconnect])
        toolbar.addSeparator()
        toolbar.addActions([a.buy, a.sell])
        toolbar.addSeparator()
        toolbar.addActions(a.cancelling())
        toolbar.addSeparator()
        toolbar.addAction(a.refresh)
        toolbar.addAction(a.stop_reconnect)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        for action in (a.buy, a.sell):
            button = toolbar.widgetForAction(action)
            color = BUY_COLOR if action is a.buy else SELL_COLOR
            button.setStyleSheet(f"color: {color.name()}; font-weight: bold;")
        # the window owns the window-wide shortcuts; Enter/Esc live on the ticket only
        self.addActions([a.buy, a.sell, a.cancel_selected, a.refresh, a.connect])
        self.order_ticket.add_ticket_actions(a.submit, a.clear)

    # ------------------------------------------------------------------ binding
    def _bind(self) -> None:
        a, vms = self.commands, self.vms
        ticket = self.order_ticket
        a.buy.triggered.connect(lambda: self._focus_ticket("buy"))
        a.sell.triggered.connect(lambda: self._focus_ticket("sell"))
        a.submit.triggered.connect(ticket.submit)
        a.clear.triggered.connect(ticket.clear)
        a.cancel_selected.triggered.connect(self.cancel_selected)
        a.cancel_all.triggered.connect(vms.cancel.cancel_all)
        a.cancel_buys.triggered.connect(vms.cancel.cancel_buys)
        a.cancel_sells.triggered.connect(vms.cancel.cancel_sells)
        a.connect.triggered.connect(vms.connection.connect_session)
        a.disconnect.triggered.connect(vms.connection.disconnect_session)
        a.stop_reconnect.triggered.connect(vms.status.stop_reconnect)
        if vms.refresh is not None:
            a.refresh.triggered.connect(vms.refresh)
        else:
            a.refresh.setEnabled(False)
        for table in self.tables():
            table.exported.connect(self._on_exported)
            table.exportFailed.connect(vms.status.show_error)
        a.export_entrusts.triggered.connect(self.entrust_table.export_csv_dialog)
        a.export_trades.triggered.connect(self.trade_table.export_csv_dialog)
        a.export_positions.triggered.connect(self.position_table.export_csv_dialog)
        a.reset_layout.triggered.connect(self.reset_layout)
        a.quit.triggered.connect(self.close)
        a.shortcuts_help.triggered.connect(self._show_shortcuts)
        a.about.triggered.connect(self._show_about)

        self.entrust_table.cancelRequested.connect(self._cancel_ids)
        self.entrust_table.set_cancel_selected_action(a.cancel_selected)
        self.entrust_filter.textChanged.connect(self.entrust_table.set_filter_text)
        self.cancelable_only.toggled.connect(self._filter_cancelable)
        self.position_table.positionActivated.connect(ticket.fill_from_position)
        self.position_table.positionActivated.connect(lambda _p: self.ticket_dock.raise_())
        ticket.orderSubmitted.connect(lambda _id: self.entrust_dock.raise_())
        vms.entrusts.rowErrorChanged.connect(ticket.show_order_error)
        self.quote_panel.priceClicked.connect(ticket.set_limit_price)
        vms.status.reconnectingChanged.connect(self._sync_connection_actions)
        vms.status.changed.connect(self._sync_connection_actions)
        vms.connection.changed.connect(self._sync_connection_actions)
        vms.connection.connectFailed.connect(self._show_connection_panel)
        self._sync_connection_actions()

    def _focus_ticket(self, side: str) -> None:
        self.ticket_dock.show()
        self.ticket_dock.raise_()
        self.order_ticket.focus_side(side)

    def cancel_selected(self) -> int:
        """F3: cancel the selected cancelable rows of the entrust table."""
        ids = self.entrust_table.selected_cancelable_ids()
        if not ids:
            self.vms.status.show_message(tr("请先在委托表中选中可撤的委托（F3 撤销选中）"), 4000)
            return 0
        return self.vms.cancel.cancel_selected(ids)

    def _cancel_ids(self, ids: list) -> None:
        if len(ids) == 1:
            self.vms.cancel.cancel(int(ids[0]))
        else:
            self.vms.cancel.cancel_selected(ids)

    def _filter_cancelable(self, only: bool) -> None:
        model = self.vms.entrusts
        proxy = self.entrust_table.proxy()
        proxy.set_predicate((lambda o: model.is_cancelable(o.order_id)) if only else None)

    def _sync_connection_actions(self, *_args) -> None:
        a, conn, status = self.commands, self.vms.connection, self.vms.status
        # while the session reconnects by itself, 连接 would start a second attempt
        a.connect.setEnabled(not conn.busy and not conn.connected and not conn.reconnecting)
        a.disconnect.setEnabled(not conn.busy and (conn.connected or status.reconnecting))
        a.stop_reconnect.setEnabled(status.can_stop_reconnect)

    def _on_exported(self, rows: int, path: str) -> None:
        self.vms.status.show_message(tr("已导出 {rows} 行到 {path}", rows=rows, path=path))

    def _show_connection_panel(self, *_args) -> None:
        self.connection_dock.show()
        self.connection_dock.raise_()

    def _show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{key}</b></td><td>&nbsp;&nbsp;{text}</td></tr>"
            for key, text in self.commands.shortcut_table()
        )
        QMessageBox.information(self, tr("快捷键"), f"<table>{rows}</table>")

    def _show_about(self) -> None:
        QMessageBox.about(
            self,
            tr("关于 QMT Desk"),
            tr(
                "QMT Desk：面向 A 股手动交易者的 miniQMT (xtquant) 交易终端。<br>"
                "没有券商时使用内置模拟柜台。红色为买入/上涨，绿色为卖出/下跌。"
            ),
        )

    # ------------------------------------------------------------------ layout persistence
    def tables(self) -> list[RecordTableView]:
        return [
            self.balance_table,
            self.position_table,
            self.entrust_table,
            self.trade_table,
            self.log_view.table,
        ]

    def _restore_layout(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(self.default_size())
        state = s.value("window/state")
        if isinstance(state, QByteArray | bytes):
            self.restoreState(QByteArray(state), LAYOUT_VERSION)
        for table in self.tables():
            table.restore_state(s)
        self.layoutRestored.emit()

    def save_layout(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        for table in self.tables():
            table.save_state(s)
        s.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in self.findChildren(QDockWidget):
            if dock.isFloating():
                dock.setFloating(False)
        QTimer.singleShot(0, lambda: self._apply_default_sizes(self.size()))

    @staticmethod
    def default_size() -> QSize:
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            return QSize(1366, 768)
        available = screen.availableGeometry().size()
        return QSize(
            max(1000, min(1600, int(available.width() * 0.92))),
            max(640, min(960, int(available.height() * 0.92))),
        )

    def resize_for_screenshot(self, size: QSize) -> None:
        """Fixed size without saved geometry (for ``--screenshot``)."""
        self.resize(size)
        self._apply_default_sizes(size)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)
