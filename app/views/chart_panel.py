"""ChartPanel: the window's centre: 分时 / 日K / 当日资产 tabs.

pyqtgraph is imported by the chart modules only, inside this constructor,
so importing this module (as the main window does) does not load it.
``intraday`` is the 分时 chart (``PriceChart``), ``daily`` the 日K chart,
``equity`` the account's day.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from app.views.ui_text import tr

__all__ = ["ChartPanel"]


class ChartPanel(QTabWidget):
    """``ChartPanel(quote_vm, account_day_vm, parent=None)``."""

    def __init__(self, quote_vm, account_day_vm, parent: QWidget | None = None):
        super().__init__(parent)
        from app.views.daily_chart import DailyChart  # pyqtgraph: with the charts only
        from app.views.equity_chart import EquityChart
        from app.views.price_chart import PriceChart

        self.setObjectName("chartTabs")
        self.setDocumentMode(True)
        self.setTabPosition(QTabWidget.TabPosition.South)
        self.intraday = PriceChart(quote_vm)
        self.daily = DailyChart(quote_vm)
        self.equity = EquityChart(account_day_vm)
        self.addTab(self.intraday, tr("分时"))
        self.addTab(self.daily, tr("日K"))
        self.addTab(self.equity, tr("当日资产"))
