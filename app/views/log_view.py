"""LogView: every event of the session with time, level and message, filterable by level.

Bound to ``LogTableModel`` (fed by a thread-safe logging handler); the level
combo and the search box drive a ``LogFilterProxyModel``. New lines keep the
view at the bottom unless the trader scrolled up to read.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.viewmodels.log_table_model import LEVEL_CHOICES, LogFilterProxyModel
from app.views.record_table_view import RecordTableView
from app.views.ui_text import tr

__all__ = ["LogView"]


class LogView(QWidget):
    """Level filter + search + the log table (``logView``)."""

    def __init__(self, model: QAbstractItemModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("logView")
        self.setAccessibleName(tr("日志"))
        self.model = model

        self.level_combo = QComboBox(self)
        self.level_combo.setObjectName("logLevel")
        self.level_combo.setAccessibleName(tr("日志级别"))
        for label, level in LEVEL_CHOICES:
            self.level_combo.addItem(tr(label), level)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("logSearch")
        self.search_edit.setPlaceholderText(tr("搜索日志"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaximumWidth(240)

        self.table = RecordTableView("logTable", "日志表", self, proxy=LogFilterProxyModel())
        self.table.set_source_model(model)
        self.table.setSortingEnabled(False)
        self.table.setSelectionMode(RecordTableView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.resizeSection(0, 96)
        header.resizeSection(1, 44)
        header.resizeSection(2, 150)
        header.setStretchLastSection(True)
        self.table.set_auto_size(False)
        self._at_bottom = True

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(6)
        bar.addWidget(QLabel(tr("级别"), self))
        bar.addWidget(self.level_combo)
        bar.addWidget(self.search_edit)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self.level_combo.currentIndexChanged.connect(self._on_level)
        self.search_edit.textChanged.connect(self.table.set_filter_text)
        self.table.model().rowsAboutToBeInserted.connect(self._remember_position)
        self.table.model().rowsInserted.connect(self._follow)

    @property
    def proxy(self) -> LogFilterProxyModel:
        return self.table.proxy()

    def set_min_level(self, level: int) -> None:
        index = self.level_combo.findData(level)
        if index >= 0:
            self.level_combo.setCurrentIndex(index)

    def _on_level(self, index: int) -> None:
        self.proxy.set_min_level(int(self.level_combo.itemData(index)))

    def _remember_position(self, *_args) -> None:
        bar = self.table.verticalScrollBar()
        self._at_bottom = bar.value() >= bar.maximum() - self.table.ROW_HEIGHT

    def _follow(self, *_args) -> None:
        if self._at_bottom:
            self.table.scrollToBottom()

    def messages(self) -> list[str]:
        """The messages shown (after filtering), oldest first."""
        proxy = self.proxy
        column = 3
        return [
            str(proxy.index(r, column).data(Qt.ItemDataRole.DisplayRole))
            for r in range(proxy.rowCount())
        ]
