"""EntrustTable: today's orders (委托) with a one-click 撤单 button on every cancelable row.

The 撤单 column of ``EntrustTableModel`` says which rows can be cancelled
(``CANCELABLE_ROLE``); :class:`CancelButtonDelegate` paints a real push button
there and turns one click (press and release on the button) into
``cancelRequested(order_id)``. The table never cancels anything itself: the
main window hands the request to the viewmodel, which runs it off the GUI
thread and reports a refusal on that row (说明 column) and in the log.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QWidget,
)

from app.viewmodels.record_table_model import CANCELABLE_ROLE, KEY_ROLE
from app.views.record_table_view import RecordTableView
from app.views.ui_text import tr

__all__ = ["CancelButtonDelegate", "EntrustTable"]


class CancelButtonDelegate(QStyledItemDelegate):
    """Paints a 撤单 push button in cancelable cells; one click emits ``clicked(order_id)``."""

    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, text: str = "撤单"):
        super().__init__(parent)
        self._text = tr(text)
        self._pressed: QPersistentModelIndex | None = None
        self._hover: QPersistentModelIndex | None = None

    def button_rect(self, cell: QRect) -> QRect:
        """Where the button sits inside a cell (tests click its centre)."""
        width = min(cell.width() - 6, 52)
        height = min(cell.height() - 4, 18)
        return QRect(
            cell.center().x() - width // 2 + 1, cell.center().y() - height // 2 + 1, width, height
        )

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(60, 22)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if not index.data(CANCELABLE_ROLE):
            super().paint(painter, option, index)
            return
        # background (selection / alternate colour) without the text
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)

        button = QStyleOptionButton()
        button.rect = self.button_rect(option.rect)
        button.text = str(index.data(Qt.ItemDataRole.DisplayRole) or self._text)
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        if self._pressed is not None and self._pressed == QPersistentModelIndex(index):
            button.state |= QStyle.StateFlag.State_Sunken
        if self._hover is not None and self._hover == QPersistentModelIndex(index):
            button.state |= QStyle.StateFlag.State_MouseOver
        button.fontMetrics = option.fontMetrics
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, widget)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: QModelIndex,
    ) -> bool:
        kind = event.type()
        if kind not in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
            QEvent.Type.MouseMove,
        ):
            return super().editorEvent(event, model, option, index)
        assert isinstance(event, QMouseEvent)
        on_button = bool(index.data(CANCELABLE_ROLE)) and self.button_rect(option.rect).contains(
            event.position().toPoint()
        )
        if kind == QEvent.Type.MouseMove:
            self._hover = QPersistentModelIndex(index) if on_button else None
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if kind == QEvent.Type.MouseButtonDblClick:
            # the second half of a double click: swallowed, so one order is cancelled once
            self._pressed = None
            return on_button
        if kind == QEvent.Type.MouseButtonPress:
            self._pressed = QPersistentModelIndex(index) if on_button else None
            return on_button
        # release: a click only when it started on this same button
        pressed, self._pressed = self._pressed, None
        if on_button and pressed is not None and pressed == QPersistentModelIndex(index):
            order_id = index.data(KEY_ROLE)
            if order_id is not None:
                self.clicked.emit(int(order_id))
            return True
        return False


class EntrustTable(RecordTableView):
    """Orders of the day, newest first, with one-click cancel.

    Signals: ``cancelRequested(list[int])`` with the order ids to cancel (a
    click on a row's 撤单 button, F3 on the selected rows via
    :meth:`selected_cancelable_ids`).
    """

    cancelRequested = Signal(list)

    def __init__(self, model: QAbstractItemModel | None = None, parent: QWidget | None = None):
        super().__init__("entrustTable", "委托", parent)
        self.setMouseTracking(True)
        self.cancel_delegate = CancelButtonDelegate(self)
        self.cancel_delegate.clicked.connect(lambda order_id: self.cancelRequested.emit([order_id]))
        self._cancel_selected_action: QAction | None = None
        if model is not None:
            self.set_source_model(model)

    def set_source_model(self, model: QAbstractItemModel) -> None:
        super().set_source_model(model)
        column = self.cancel_column()
        if column >= 0:
            self.setItemDelegateForColumn(column, self.cancel_delegate)
            # the button comes first, so it is visible however narrow the dock is
            header = self.horizontalHeader()
            header.moveSection(header.visualIndex(column), 0)
            header.resizeSection(column, 58)
        id_column = getattr(model, "column_index", lambda _k: -1)("order_id")
        if id_column >= 0:  # newest first: order ids grow with time
            self.sortByColumn(id_column, Qt.SortOrder.DescendingOrder)
        self.model().dataChanged.connect(self._repaint_buttons)

    def cancel_column(self) -> int:
        model = self.source_model()
        return getattr(model, "column_index", lambda _k: -1)("cancel") if model else -1

    def set_cancel_selected_action(self, action: QAction) -> None:
        """The window's F3 action, offered in the row context menu too."""
        self._cancel_selected_action = action

    def extra_menu_actions(self) -> list[QAction]:
        return [self._cancel_selected_action] if self._cancel_selected_action else []

    def selected_cancelable_ids(self) -> list[int]:
        """Order ids of the selected rows that can still be cancelled."""
        selection = self.selectionModel()
        if selection is None:
            return []
        ids = []
        for index in sorted(selection.selectedRows(), key=lambda i: i.row()):
            if index.data(CANCELABLE_ROLE):
                ids.append(int(index.data(KEY_ROLE)))
        return ids

    def cancel_button_center(self, order_id: int):
        """Viewport position of ``order_id``'s 撤单 button (None if not shown)."""
        model = self.source_model()
        row = model.row_of(order_id) if model is not None else -1
        if row < 0:
            return None
        index = self.proxy().mapFromSource(model.index(row, self.cancel_column()))
        if not index.isValid() or not index.data(CANCELABLE_ROLE):
            return None
        self.scrollTo(index)
        return self.cancel_delegate.button_rect(self.visualRect(index)).center()

    def _repaint_buttons(self, *_args) -> None:
        self.viewport().update()

    def leaveEvent(self, event: QEvent) -> None:
        self.cancel_delegate._hover = None
        self.viewport().update()
        super().leaveEvent(event)
