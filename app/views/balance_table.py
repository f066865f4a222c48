"""BalanceTable: the account's funds (资金): total asset, market value, cash, frozen, day P&L."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from app.views.record_table_view import RecordTableView


class BalanceTable(RecordTableView):
    """One row per account; compact, so it fits a thin dock above the chart."""

    def __init__(self, model: QAbstractItemModel | None = None, parent: QWidget | None = None):
        super().__init__("balanceTable", "资金", parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(False)
        self.set_auto_size(False)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        if model is not None:
            self.set_source_model(model)
