"""TradeTableModel: today's fills (成交), keyed by ``traded_id``; a fill never changes."""

from __future__ import annotations

from app.models import names
from app.viewmodels.entrust_table_model import side_color
from app.viewmodels.formatting import format_datetime, format_time
from app.viewmodels.record_table_model import (
    Column,
    RecordTableModel,
    field_column,
    money_column,
    price_column,
    volume_column,
)


class TradeTableModel(RecordTableModel):
    """Columns: time, code, name, side, price, volume, amount, order id, trade id."""

    COLUMNS = (
        Column("traded_time", "成交时间", "Time", lambda m, t: format_time(t.traded_time),
               sort=lambda m, t: t.traded_time or 0,
               tooltip=lambda m, t: format_datetime(t.traded_time)),
        Column("stock_code", "证券代码", "Code", lambda m, t: t.stock_code),
        Column("instrument_name", "证券名称", "Name", lambda m, t: m.instrument_name(t)),
        Column("order_type", "买卖", "Side",
               lambda m, t: names.name_of(names.ORDER_TYPE, t.order_type, m.lang),
               color=lambda m, t: side_color(t.order_type), center=True),
        price_column("traded_price", "成交价", "Price"),
        volume_column("traded_volume", "成交量", "Volume"),
        money_column("traded_amount", "成交金额", "Amount"),
        field_column("order_id", "委托号", "Order ID"),
        Column("traded_id", "成交编号", "Trade ID", lambda m, t: str(t.traded_id)),
    )

    def key_of(self, record) -> str:
        return record.traded_id

    def merge(self, old, new):
        """A fill is immutable: a repeat (e.g. after a resync) changes nothing."""
        return None if old == new else new
