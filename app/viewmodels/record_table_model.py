"""RecordTableModel: the shared base of the keyed, batched, sortable table models.

A table holds immutable records (``app.models.records``) keyed by
``key_of(record)`` (``order_id``, ``traded_id``, ``stock_code``, ...).
``apply_batch(records)`` updates rows in place and appends new ones with at
most ONE ``beginInsertRows``/``endInsertRows`` and ONE ``dataChanged`` (over
the smallest row range holding every changed row, all columns) per batch,
never one notification per cell or event. ``reset(records)`` replaces the
content after a reconnect (one model reset, no duplicates). ``merge(old, new)``
lets a table refuse stale updates (the entrust table keeps a final status).

Roles: ``DisplayRole`` formatted text, ``SORT_ROLE`` the raw number (or text)
to sort on, ``TextAlignmentRole`` right for numbers, ``ForegroundRole`` red/green
(A-share convention), ``ToolTipRole``, ``RECORD_ROLE`` the record itself,
``KEY_ROLE`` its key. Headers are Chinese by default, English via ``set_lang('en')``.

``make_proxy(model)`` wraps a model in a ``RecordFilterProxyModel`` that sorts on
``SORT_ROLE`` and filters by text and/or a record predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor

from app.viewmodels.formatting import format_money, format_price, format_volume

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
RECORD_ROLE = int(Qt.ItemDataRole.UserRole) + 2
KEY_ROLE = int(Qt.ItemDataRole.UserRole) + 3
CANCELABLE_ROLE = int(Qt.ItemDataRole.UserRole) + 4

_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)

NEG_INF = float("-inf")

ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column: id, Chinese/English header, and how to show/sort/colour a record.

    ``text(model, record) -> str``; ``sort(model, record)`` -> number or str
    (defaults to the text); ``color(model, record) -> '#rrggbb' | None``;
    ``tooltip(model, record) -> str | None``; ``numeric`` right-aligns.
    """

    key: str
    zh: str
    en: str
    text: Callable[[Any, Any], str]
    sort: Callable[[Any, Any], Any] | None = None
    numeric: bool = False
    color: Callable[[Any, Any], str | None] | None = None
    tooltip: Callable[[Any, Any], str | None] | None = None
    center: bool = False


def field_column(key: str, zh: str, en: str,
                 text: Callable[[Any, Any], str] = lambda value, _record: str(value),
                 **options: Any) -> Column:
    """A right-aligned column of ``record.<key>``: ``text(value, record)``, sorted by the value."""
    value = attrgetter(key)
    return Column(key, zh, en, lambda _m, r: text(value(r), r), sort=lambda _m, r: value(r),
                  numeric=True, **options)


def money_column(key: str, zh: str, en: str, **options: Any) -> Column:
    """CNY ``record.<key>`` with two decimals."""
    return field_column(key, zh, en, lambda v, _r: format_money(v), **options)


def volume_column(key: str, zh: str, en: str, **options: Any) -> Column:
    """Shares ``record.<key>`` with thousands separators."""
    return field_column(key, zh, en, lambda v, _r: format_volume(v), **options)


def price_column(key: str, zh: str, en: str, **options: Any) -> Column:
    """The price ``record.<key>`` with the tick precision of ``record.stock_code``."""
    return field_column(key, zh, en, lambda v, r: format_price(v, r.stock_code), **options)


class RecordTableModel(QAbstractTableModel):
    """Base class; subclasses set ``COLUMNS`` and implement ``key_of``."""

    COLUMNS: tuple[Column, ...] = ()

    #: (inserted, updated) after every ``apply_batch`` that changed something
    batchApplied = Signal(int, int)
    #: after ``reset``
    resynced = Signal()

    def __init__(self, parent: QObject | None = None, *, lang: str = "zh") -> None:
        super().__init__(parent)
        self._rows: list = []
        self._index: dict[Any, int] = {}
        self._lang = lang
        self._brushes: dict[str, QBrush] = {}
        self._names: dict[str, str] = {}
        self._column_index = {c.key: i for i, c in enumerate(self.COLUMNS)}

    # ---- subclass hooks ----------------------------------------------------
    def key_of(self, record) -> Any:
        """The row key of ``record`` (``order_id``, ``traded_id``, ``stock_code``...)."""
        raise NotImplementedError

    def merge(self, old, new):
        """The record to keep when ``new`` arrives for an existing key; None = ignore ``new``."""
        return new

    # ---- Qt model API --------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            column = self.COLUMNS[section]
            if role == _DISPLAY:
                return column.zh if self._lang == "zh" else column.en
            if role == _ALIGN:
                return _RIGHT if column.numeric else (_CENTER if column.center else _LEFT)
            if role == _TOOLTIP:
                return f"{column.zh} / {column.en}"
        elif orientation == Qt.Orientation.Vertical and role == _DISPLAY:
            return section + 1
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if row >= len(self._rows):
            return None
        record = self._rows[row]
        column = self.COLUMNS[index.column()]
        if role == _DISPLAY:
            return column.text(self, record)
        if role == SORT_ROLE:
            if column.sort is None:
                return column.text(self, record)
            value = column.sort(self, record)
            return NEG_INF if value is None else value
        if role == _ALIGN:
            return _RIGHT if column.numeric else (_CENTER if column.center else _LEFT)
        if role == _FOREGROUND:
            if column.color is None:
                return None
            color = column.color(self, record)
            return self._brush(color) if color else None
        if role == _TOOLTIP:
            return column.tooltip(self, record) if column.tooltip else None
        if role == RECORD_ROLE:
            return record
        if role == KEY_ROLE:
            return self.key_of(record)
        return self.extra_data(record, column, role)

    def extra_data(self, record, column: Column, role: int) -> Any:
        """Roles a subclass adds (e.g. ``CANCELABLE_ROLE``)."""
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # ---- batched updates -----------------------------------------------------
    @Slot(list)
    def apply_batch(self, records: Iterable) -> tuple[int, int]:
        """Apply a batch: in-place updates + appended rows, one notification of each kind.

        Returns ``(inserted, updated)``.
        """
        key_of, merge, index = self.key_of, self.merge, self._index
        rows = self._rows
        pending: dict[Any, Any] = {}
        for record in records:
            key = key_of(record)
            previous = pending.get(key)
            if previous is None and key in index:
                previous = rows[index[key]]
            if previous is not None:
                record = merge(previous, record)
                if record is None or record is previous:
                    continue
            pending[key] = record
        if not pending:
            return 0, 0
        first = last = -1
        updated = 0
        new: list = []
        for key, record in pending.items():
            row = index.get(key)
            if row is None:
                new.append((key, record))
                continue
            if rows[row] == record:
                continue
            rows[row] = record
            updated += 1
            first = row if first < 0 or row < first else first
            last = row if row > last else last
        if new:
            start = len(rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for offset, (key, record) in enumerate(new):
                rows.append(record)
                index[key] = start + offset
            self.endInsertRows()
        self.records_changed(list(pending))
        if updated:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.COLUMNS) - 1))
        if new or updated:
            self.batchApplied.emit(len(new), updated)
        return len(new), updated

    def records_changed(self, keys: list) -> None:
        """Hook called inside ``apply_batch``/``reset`` with the keys that changed."""

    def reset(self, records: Iterable = ()) -> None:
        """Replace everything (full resync after a reconnect): one model reset, no duplicates."""
        self.beginResetModel()
        self._rows = []
        self._index = {}
        for record in records:
            key = self.key_of(record)
            row = self._index.get(key)
            if row is None:
                self._index[key] = len(self._rows)
                self._rows.append(record)
            else:
                self._rows[row] = self.merge(self._rows[row], record) or self._rows[row]
        self.records_changed(list(self._index))
        self.endResetModel()
        self.resynced.emit()

    def clear(self) -> None:
        """Empty the table (on disconnect from an account)."""
        self.reset(())

    def refresh_rows(self, rows: Iterable[int], first_column: int = 0,
                     last_column: int | None = None) -> None:
        """One ``dataChanged`` over the range spanning ``rows`` (derived values changed)."""
        rows = list(rows)
        if not rows:
            return
        last_column = len(self.COLUMNS) - 1 if last_column is None else last_column
        self.dataChanged.emit(self.index(min(rows), first_column),
                              self.index(max(rows), last_column))

    # ---- lookups ---------------------------------------------------------------
    def record_at(self, row: int):
        """The record shown in ``row`` (source row), or None."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key) -> int:
        """Source row of ``key``, or -1."""
        return self._index.get(key, -1)

    def record(self, key):
        """The record with ``key``, or None."""
        row = self._index.get(key)
        return None if row is None else self._rows[row]

    def records(self) -> list:
        """Every record, in row order (a copy)."""
        return list(self._rows)

    def keys(self) -> list:
        return [self.key_of(r) for r in self._rows]

    def column_index(self, key: str) -> int:
        """Column number of the column with id ``key`` (e.g. ``'price'``), or -1."""
        return self._column_index.get(key, -1)

    # ---- language and names --------------------------------------------------------
    @property
    def lang(self) -> str:
        return self._lang

    def set_lang(self, lang: str) -> None:
        """'zh' (default) or 'en': headers and enum names."""
        if lang == self._lang:
            return
        self._lang = lang
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self._rows:
            self.refresh_rows([0, len(self._rows) - 1])

    def set_instrument_name(self, stock_code: str, name: str) -> None:
        """Remember a name learned elsewhere (a quote, an instrument look-up)."""
        if name and self._names.get(stock_code) != name:
            self._names[stock_code] = name

    def instrument_name(self, record) -> str:
        name = getattr(record, "instrument_name", "") or ""
        if name:
            return name
        return self._names.get(getattr(record, "stock_code", ""), "")

    def _brush(self, color: str) -> QBrush:
        brush = self._brushes.get(color)
        if brush is None:
            brush = self._brushes[color] = QBrush(QColor(color))
        return brush


class RecordFilterProxyModel(QSortFilterProxyModel):
    """Sorts on ``SORT_ROLE`` (numbers sort as numbers) and filters rows.

    ``set_filter_text(text)``: case-insensitive substring over every column's
    display text; ``set_predicate(fn)``: ``fn(record) -> bool`` (None = all).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortLocaleAware(True)
        self._predicate: Callable[[Any], bool] | None = None

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(text or "")

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9
            self.beginFilterChange()
            self._predicate = predicate
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._predicate = predicate
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if self._predicate is not None:
            model = self.sourceModel()
            record = model.record_at(source_row) if isinstance(model, RecordTableModel) else None
            if record is not None and not self._predicate(record):
                return False
        return super().filterAcceptsRow(source_row, source_parent)

    def source_record(self, proxy_row: int):
        """The record behind a proxy row (what the view shows), or None."""
        source = self.mapToSource(self.index(proxy_row, 0))
        model = self.sourceModel()
        return model.record_at(source.row()) if source.isValid() else None


def make_proxy(model: RecordTableModel, parent: QObject | None = None) -> RecordFilterProxyModel:
    """Wrap ``model`` in a sort/filter proxy with ``sortRole = SORT_ROLE``."""
    proxy = RecordFilterProxyModel(parent if parent is not None else model)
    proxy.setSourceModel(model)
    return proxy
