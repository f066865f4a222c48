"""TradeTable: today's fills (成交), newest first by default."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QWidget

from app.views.record_table_view import RecordTableView


class TradeTable(RecordTableView):
    """Fills of the day, sortable, filterable and exportable."""

    def __init__(self, model: QAbstractItemModel | None = None, parent: QWidget | None = None):
        super().__init__("tradeTable", "成交", parent)
        if model is not None:
            self.set_source_model(model)

    def set_source_model(self, model: QAbstractItemModel) -> None:
        super().set_source_model(model)
        time_column = getattr(model, "column_index", lambda _k: 0)("traded_time")
        self.sortByColumn(max(time_column, 0), Qt.SortOrder.DescendingOrder)
