"""EntrustTableModel: today's orders (委托), keyed by ``order_id``, with a 撤单 column.

Out-of-order rule (``merge``): an update for a known order is *stale* and ignored
when the row already holds a final status (``FINAL_STATUSES``: 部撤, 已撤, 已成,
废单) and the update does not, or when the update reports fewer traded shares
than the row (fills only grow). Everything else replaces the row. ``reset``
after a reconnect takes the counter's snapshot as the truth.

Errors: ``set_row_error(order_id, message)`` (a failed cancel from
``on_cancel_error`` / ``CancelResult``, or a rejected order from
``on_order_error``) shows the counter's reason in the 说明 column and its
tool tip; the row keeps it until the order reaches a final status or a newer
error replaces it.

The 撤单 column's ``DisplayRole`` is ``'撤单'`` for a cancelable row
(``CANCELABLE_STATUSES``) and ``''`` otherwise; ``CANCELABLE_ROLE`` gives the
bool, so a view can draw a button (or a delegate) only where it applies.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from app.models import names
from app.models.rules import Side, order_type_of
from app.viewmodels.formatting import (
    DOWN_COLOR,
    UP_COLOR,
    format_datetime,
    format_price,
    format_time,
)
from app.viewmodels.record_table_model import (
    CANCELABLE_ROLE,
    Column,
    RecordTableModel,
    field_column,
    price_column,
    volume_column,
)

BUY_ORDER_TYPE = 23
SELL_ORDER_TYPE = 24


def is_final(order) -> bool:
    return order.order_status in names.FINAL_STATUSES


def is_cancelable(order) -> bool:
    return order.order_status in names.CANCELABLE_STATUSES


def side_color(order_type: int) -> str | None:
    if order_type == BUY_ORDER_TYPE:
        return UP_COLOR
    if order_type == SELL_ORDER_TYPE:
        return DOWN_COLOR
    return None


def _status_note(model: EntrustTableModel, o) -> str:
    error = model.row_error(o.order_id)
    if error:
        return error
    return o.status_msg or ""


def _avg_price(o):
    return o.traded_price if o.traded_volume else None


class EntrustTableModel(RecordTableModel):
    """Orders of the day; see the module docstring for the update rule and roles."""

    #: order_id, message: a row got an error (cancel failed / order rejected)
    rowErrorChanged = Signal(int, str)

    COLUMNS = (
        Column("order_time", "委托时间", "Time", lambda m, o: format_time(o.order_time),
               sort=lambda m, o: o.order_time or 0,
               tooltip=lambda m, o: format_datetime(o.order_time)),
        field_column("order_id", "委托号", "Order ID",
                     tooltip=lambda m, o: (f"{'Counter id' if m.lang == 'en' else '柜台编号'} "
                                           f"{o.order_sysid}") if o.order_sysid else None),
        Column("stock_code", "证券代码", "Code", lambda m, o: o.stock_code),
        Column("instrument_name", "证券名称", "Name", lambda m, o: m.instrument_name(o)),
        Column("order_type", "买卖", "Side",
               lambda m, o: names.name_of(names.ORDER_TYPE, o.order_type, m.lang),
               color=lambda m, o: side_color(o.order_type), center=True),
        Column("price_type", "报价方式", "Price type",
               lambda m, o: names.name_of(names.PRICE_TYPE, o.price_type, m.lang)),
        price_column("price", "委托价", "Price"),
        volume_column("order_volume", "委托量", "Volume"),
        volume_column("traded_volume", "成交量", "Filled"),
        Column("traded_price", "成交均价", "Avg price",
               lambda m, o: format_price(_avg_price(o), o.stock_code),
               sort=lambda m, o: _avg_price(o), numeric=True),
        Column("order_status", "委托状态", "Status",
               lambda m, o: names.name_of(names.ORDER_STATUS, o.order_status, m.lang),
               sort=lambda m, o: o.order_status,
               color=lambda m, o: UP_COLOR if m.row_error(o.order_id) else None),
        Column("status_msg", "说明", "Message", _status_note,
               tooltip=lambda m, o: _status_note(m, o) or None,
               color=lambda m, o: UP_COLOR if m.row_error(o.order_id) else None),
        Column("cancel", "撤单", "Cancel",
               lambda m, o: ("撤单" if m.lang == "zh" else "Cancel") if is_cancelable(o) else "",
               sort=lambda m, o: int(is_cancelable(o)), center=True,
               tooltip=lambda m, o: ("Click to cancel this order" if m.lang == "en"
                                     else "点击撤销此委托") if is_cancelable(o) else None),
    )

    CANCEL_COLUMN = len(COLUMNS) - 1

    def __init__(self, parent: QObject | None = None, *, lang: str = "zh") -> None:
        super().__init__(parent, lang=lang)
        self._errors: dict[int, str] = {}

    def key_of(self, record) -> int:
        return record.order_id

    def merge(self, old, new):
        """Keep ``old`` when ``new`` is stale (see the module docstring)."""
        if is_final(old) and not is_final(new):
            return None
        if new.traded_volume < old.traded_volume:
            return None
        return new

    def extra_data(self, record, column, role):
        if role == CANCELABLE_ROLE:
            return is_cancelable(record)
        return None

    def records_changed(self, keys: list) -> None:
        errors = self._errors
        if errors:
            for key in keys:
                if key in errors:
                    record = self.record(key)
                    if record is not None and is_final(record):
                        del errors[key]

    # ---- errors on rows ----------------------------------------------------------
    def row_error(self, order_id: int) -> str:
        """The error shown on ``order_id``'s row ('' when none)."""
        return self._errors.get(order_id, "")

    @Slot(int, str)
    def set_row_error(self, order_id: int, message: str) -> None:
        """Show ``message`` (the counter's reason) on ``order_id``'s row."""
        if message:
            self._errors[order_id] = message
        else:
            self._errors.pop(order_id, None)
        row = self.row_of(order_id)
        if row >= 0:
            self.refresh_rows([row])
        self.rowErrorChanged.emit(order_id, message)

    @Slot(object)
    def on_cancel_error(self, error) -> None:
        """A ``CancelError`` record: ``撤单失败: <error_msg>`` on its row."""
        self._show_error(error, "撤单失败", "Cancel failed")

    @Slot(object)
    def on_order_error(self, error) -> None:
        """An ``OrderError`` record: ``下单失败: <error_msg>`` on its row (if it has one)."""
        self._show_error(error, "下单失败", "Rejected")

    def _show_error(self, error, zh: str, en: str) -> None:
        prefix = en if self.lang == "en" else zh
        self.set_row_error(error.order_id, f"{prefix}: {error.error_msg}")

    # ---- what the cancel commands act on --------------------------------------------
    def cancelable_order_ids(self, side: Side | str | None = None) -> list[int]:
        """Ids of cancelable rows, all or only ``side`` (``Side``/'buy'/'sell'), in row order."""
        wanted = None if side is None else order_type_of(side)
        return [o.order_id for o in self._rows
                if is_cancelable(o) and (wanted is None or o.order_type == wanted)]

    def is_cancelable(self, order_id: int) -> bool:
        record = self.record(order_id)
        return record is not None and is_cancelable(record)
