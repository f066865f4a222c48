"""PositionTable: holdings (持仓); a click on a row asks the ticket to sell it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QWidget

from app.views.record_table_view import RecordTableView


class PositionTable(RecordTableView):
    """Holdings with live last price, market value and P&L.

    ``positionActivated(record)`` fires when the trader clicks a row (or moves to
    it with the keyboard); the main window sends it to the ticket, which fills
    a sell of the sellable volume.
    """

    positionActivated = Signal(object)

    def __init__(self, model: QAbstractItemModel | None = None, parent: QWidget | None = None):
        super().__init__("positionTable", "持仓", parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.clicked.connect(self._activate)
        self.activated.connect(self._activate)
        if model is not None:
            self.set_source_model(model)

    def _activate(self, index: QModelIndex) -> None:
        record = self.record_at(index)
        if record is not None:
            self.positionActivated.emit(record)
