"""RecordTableView: the table widget every record table of the terminal shares.

It puts a :class:`QSortFilterProxyModel` in front of a viewmodel's table model
(sorting on ``SORT_ROLE`` so numbers sort by value, not text), remembers the
column layout (order, widths, hidden columns, sort) in ``QSettings``, filters
by text, exports what it shows to CSV (UTF-8 with BOM so Excel opens Chinese
correctly) and offers the usual context menu. Widgets such as
:class:`~app.views.entrust_table.EntrustTable` subclass it.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from PySide6.QtCore import (
    QAbstractItemModel,
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QMenu,
    QTableView,
    QWidget,
)

__all__ = ["RecordTableView"]

from app.viewmodels.record_table_model import (
    RECORD_ROLE,
    SORT_ROLE,
    RecordFilterProxyModel,
)
from app.views.ui_text import tr

log = logging.getLogger(__name__)


class RecordTableView(QTableView):
    """A dense, sortable, filterable table with saved columns and CSV export."""

    #: the number of rows written by :meth:`export_csv`, and where.
    exported = Signal(int, str)
    #: a CSV export chosen by the trader could not be written: one sentence why
    exportFailed = Signal(str)

    ROW_HEIGHT = 22

    def __init__(
        self,
        object_name: str,
        accessible_name: str,
        parent: QWidget | None = None,
        *,
        proxy: RecordFilterProxyModel | None = None,
    ):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(tr(accessible_name))
        self._proxy = proxy if proxy is not None else RecordFilterProxyModel(self)
        self._proxy.setParent(self)
        self._layout_restored = False
        self._auto_sized = False

        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vheader = self.verticalHeader()
        vheader.setVisible(False)
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(self.ROW_HEIGHT)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setMinimumSectionSize(36)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_header_menu)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)
        self.setSortingEnabled(True)

        self.export_action = QAction(tr("导出 CSV…"), self)
        self.export_action.triggered.connect(self.export_csv_dialog)
        self.copy_action = QAction(tr("复制"), self)
        self.copy_action.setShortcut("Ctrl+C")
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.addAction(self.copy_action)

    # -- model --------------------------------------------------------------------------------

    def set_source_model(self, model: QAbstractItemModel) -> None:
        """Show *model* through the sort/filter proxy."""
        self._proxy.setSourceModel(model)
        super().setModel(self._proxy)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        model.rowsInserted.connect(self._size_columns_once)
        model.modelReset.connect(self._size_columns_once)
        if model.rowCount() > 0:
            self._size_columns_once()
        elif not self._layout_restored:
            self.fit_columns()  # headers only until the first rows arrive (Qt's 100 px default
            # would push an empty table past the window's edge)

    def source_model(self) -> QAbstractItemModel | None:
        return self._proxy.sourceModel()

    def proxy(self) -> RecordFilterProxyModel:
        return self._proxy

    def record_at(self, index: QModelIndex):
        """The record behind a cell of this view (or of the viewmodel), or None."""
        return index.data(RECORD_ROLE) if index.isValid() else None

    def select_source_row(self, row: int) -> None:
        index = self._proxy.mapFromSource(self.source_model().index(row, 0))
        if index.isValid():
            self.selectionModel().select(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.scrollTo(index)

    def set_filter_text(self, text: str) -> None:
        """Show only rows with a cell containing *text* (any column)."""
        self._proxy.set_filter_text(text.strip())

    # -- layout persistence -------------------------------------------------------------------

    def _settings_key(self) -> str:
        return f"tables/{self.objectName()}/header"

    def save_state(self, settings: QSettings) -> None:
        settings.setValue(self._settings_key(), self.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> bool:
        """Restore order, widths, hidden columns and sort saved by :meth:`save_state`."""
        state = settings.value(self._settings_key())
        if isinstance(state, QByteArray | bytes) and self.horizontalHeader().restoreState(
            QByteArray(state)
        ):
            self._layout_restored = True
            header = self.horizontalHeader()
            self._proxy.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
            return True
        return False

    def set_auto_size(self, enabled: bool) -> None:
        """Fit the columns to the first rows (default) or keep the widths set by hand."""
        self._auto_sized = not enabled

    def _size_columns_once(self, *_args) -> None:
        if self._layout_restored or self._auto_sized or self.model() is None:
            return
        if self.model().rowCount() == 0:
            return
        self._auto_sized = True
        self.fit_columns()

    def fit_columns(self, cap: int = 220) -> None:
        """Size every column to its header text and the rows shown, at most ``cap`` pixels.

        (``resizeColumnsToContents`` would also reserve the sort arrow's room in
        every header, which costs a dense table a whole column.)
        """
        header = self.horizontalHeader()
        metrics = header.fontMetrics()
        model = self.model()
        for col in range(header.count()):
            if header.isSectionHidden(col):
                continue
            title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            arrow = 14 if col == header.sortIndicatorSection() else 0  # the sorted column's ▼
            width = max(
                metrics.horizontalAdvance(title) + 14 + arrow, self.sizeHintForColumn(col) + 4
            )
            header.resizeSection(col, min(width, cap))

    # -- export / copy ------------------------------------------------------------------------

    def _visible_columns(self) -> list[int]:
        header = self.horizontalHeader()
        logical = [header.logicalIndex(v) for v in range(header.count())]
        return [c for c in logical if not header.isSectionHidden(c)]

    def _cell_text(self, row: int, column: int, *, raw_numbers: bool) -> str:
        index = self._proxy.index(row, column)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        text = "" if text is None else str(text)
        if raw_numbers:
            value = index.data(SORT_ROLE)
            if isinstance(value, int | float) and not isinstance(value, bool):
                text = text.replace(",", "")
        return text

    def export_csv(self, path: str | Path) -> int:
        """Write the rows shown (filtered, sorted, visible columns) to *path*."""
        columns = self._visible_columns()
        model = self._proxy
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow([model.headerData(c, Qt.Orientation.Horizontal) or "" for c in columns])
            for row in range(model.rowCount()):
                writer.writerow([self._cell_text(row, c, raw_numbers=True) for c in columns])
        self.exported.emit(model.rowCount(), str(path))
        return model.rowCount()

    def export_csv_dialog(self) -> None:
        title = self.accessibleName() or self.objectName()
        path, _ = QFileDialog.getSaveFileName(
            self, tr("导出{title}", title=title), f"{title}.csv", tr("CSV 文件 (*.csv)")
        )
        if path:
            self.save_csv(path)

    def save_csv(self, path: str | Path) -> bool:
        """:meth:`export_csv` for the trader: a failure is told (``exportFailed``), not raised.

        The usual one on Windows: the file is still open in Excel.
        """
        try:
            self.export_csv(path)
        except OSError as exc:
            message = tr(
                "无法导出到 {path}：{reason}。若文件正在 Excel 中打开，请关闭后重试。",
                path=path,
                reason=exc.strerror or exc,
            )
            log.warning("%s", message)
            self.exportFailed.emit(message)
            return False
        return True

    def copy_selection(self) -> None:
        """Copy the selected rows as tab-separated text (pastes into Excel)."""
        selection = self.selectionModel()
        if selection is None:
            return
        rows = sorted({i.row() for i in selection.selectedRows()})
        columns = self._visible_columns()
        lines = ["\t".join(self._cell_text(r, c, raw_numbers=False) for c in columns) for r in rows]
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines))

    # -- menus --------------------------------------------------------------------------------

    def extra_menu_actions(self) -> list[QAction]:
        """Actions a subclass puts at the top of the row context menu."""
        return []

    def _show_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        extra = self.extra_menu_actions()
        if extra:
            menu.addActions(extra)
            menu.addSeparator()
        menu.addAction(self.copy_action)
        menu.addAction(self.export_action)
        menu.addSeparator()
        menu.addMenu(self._columns_menu(menu))
        menu.exec(self.viewport().mapToGlobal(pos))

    def _show_header_menu(self, pos: QPoint) -> None:
        menu = self._columns_menu(self)
        menu.exec(self.horizontalHeader().mapToGlobal(pos))

    def _columns_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(tr("显示列"), parent)
        header = self.horizontalHeader()
        model = self.model()
        if model is None:
            return menu
        for col in range(model.columnCount()):
            act = menu.addAction(str(model.headerData(col, Qt.Orientation.Horizontal) or col))
            act.setCheckable(True)
            act.setChecked(not header.isSectionHidden(col))
            act.toggled.connect(lambda on, c=col: header.setSectionHidden(c, not on))
        menu.addSeparator()
        fit = menu.addAction(tr("自适应列宽"))
        fit.triggered.connect(lambda: self.fit_columns())
        return menu
