"""PositionTableModel: holdings (持仓), keyed by ``stock_code``, last price live from quotes.

Derived columns use the latest price known for the code: the last ``Quote``
given to ``apply_quotes`` (the market feed), else the position's own
``last_price`` when the record carries one, else ``market_value / volume``,
else the cost. Market value = last x volume; P&L = (last - avg_price) x volume;
P&L % = last / avg_price - 1. A quote refresh emits one ``dataChanged`` over
the rows and the derived columns that moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal, Slot

from app.viewmodels.formatting import (
    format_money,
    format_percent,
    format_price,
    percent_color,
    price_decimals,
    sign_color,
)
from app.viewmodels.record_table_model import (
    Column,
    RecordTableModel,
    price_column,
    volume_column,
)


def _pnl(m, p):
    return m.profit(p)


def _pnl_ratio(m, p):
    return m.profit_ratio(p)


class PositionTableModel(RecordTableModel):
    """Columns: code, name, volume, sellable, cost, last, market value, P&L, P&L %."""

    #: the set of codes held changed (subscribe their quotes)
    codesChanged = Signal(list)

    COLUMNS = (
        Column("stock_code", "证券代码", "Code", lambda m, p: p.stock_code),
        Column("instrument_name", "证券名称", "Name", lambda m, p: m.instrument_name(p)),
        volume_column("volume", "持仓数量", "Volume"),
        volume_column("can_use_volume", "可用数量", "Sellable",
                      tooltip=lambda m, p: ("T+1: shares bought today can be sold tomorrow"
                                           if m.lang == "en" else "T+1：今日买入的股份明日可卖")),
        price_column("avg_price", "成本价", "Cost"),
        Column("last_price", "最新价", "Last",
               lambda m, p: format_price(m.last_price(p), p.stock_code),
               sort=lambda m, p: m.last_price(p), numeric=True,
               color=lambda m, p: sign_color(m.change(p), price_decimals(p.stock_code))),
        Column("market_value", "市值", "Market value",
               lambda m, p: format_money(m.market_value(p)),
               sort=lambda m, p: m.market_value(p), numeric=True),
        Column("profit", "浮动盈亏", "P&L", lambda m, p: format_money(_pnl(m, p), signed=True),
               sort=_pnl, numeric=True, color=lambda m, p: sign_color(_pnl(m, p))),
        Column("profit_ratio", "盈亏比例", "P&L %",
               lambda m, p: format_percent(_pnl_ratio(m, p)),
               sort=_pnl_ratio, numeric=True, color=lambda m, p: percent_color(_pnl_ratio(m, p))),
        # chart hook (issue 14 item 5): per-position 当日盈亏 (see position_day_profit)
        Column("day_profit", "当日盈亏", "Day P&L",
               lambda m, p: format_money(m.position_day_profit(p), signed=True),
               sort=lambda m, p: m.position_day_profit(p), numeric=True,
               color=lambda m, p: sign_color(m.position_day_profit(p)),
               tooltip=lambda m, p: ("From last price, previous close and today's fills, "
                                    "before fees" if m.lang == "en"
                                    else "按最新价、昨收与今日成交计算，未含费用")),
    )

    FIRST_LIVE_COLUMN = 5  # last_price .. profit_ratio move with quotes

    def __init__(self, parent: QObject | None = None, *, lang: str = "zh") -> None:
        super().__init__(parent, lang=lang)
        self._quotes: dict[str, object] = {}
        self._codes: list[str] = []
        self._day_trades: dict[str, list] = {}  # code -> today's trades (day_profit keeps them)

    def key_of(self, record) -> str:
        return record.stock_code

    def records_changed(self, keys: list) -> None:
        codes = [p.stock_code for p in self._rows]
        if codes != self._codes:
            self._codes = codes
            self.codesChanged.emit(list(codes))

    # ---- live prices ---------------------------------------------------------------
    @Slot(list)
    def apply_quotes(self, quotes: Iterable) -> int:
        """Take the latest quotes; one ``dataChanged`` over the rows that moved. Returns rows."""
        rows = []
        for quote in quotes:
            code = quote.stock_code
            old = self._quotes.get(code)
            if old is not None and quote.time < old.time:
                continue  # an older quote (a fetched one overtaken by a tick) never wins
            self._quotes[code] = quote
            if quote.instrument_name:
                self.set_instrument_name(code, quote.instrument_name)
            row = self._index.get(code)
            if row is not None and (old is None or old.last_price != quote.last_price):
                rows.append(row)
        self.refresh_rows(rows, self.FIRST_LIVE_COLUMN)
        return len(rows)

    def quote(self, stock_code: str):
        """The latest quote seen for ``stock_code`` (or None)."""
        return self._quotes.get(stock_code)

    def codes(self) -> list[str]:
        """Codes held, in row order."""
        return list(self._codes)

    # ---- derived values (public: the balance and the ticket use them too) ---------------
    def last_price(self, p) -> float | None:
        quote = self._quotes.get(p.stock_code)
        if quote is not None and quote.last_price:
            return quote.last_price
        last = getattr(p, "last_price", None)
        if last:
            return last
        if p.volume and p.market_value:
            return p.market_value / p.volume
        return p.avg_price or None

    def change(self, p) -> float | None:
        """Today's change of the last price against the previous close (colour of 最新价)."""
        quote = self._quotes.get(p.stock_code)
        if quote is None or not quote.prev_close or not quote.last_price:
            return None
        return quote.last_price - quote.prev_close

    def market_value(self, p) -> float | None:
        last = self.last_price(p)
        return None if last is None else last * p.volume

    def profit(self, p) -> float | None:
        last = self.last_price(p)
        if last is None or not p.avg_price:
            return None
        return (last - p.avg_price) * p.volume

    def profit_ratio(self, p) -> float | None:
        last = self.last_price(p)
        if last is None or not p.avg_price:
            return None
        return last / p.avg_price - 1.0

    def day_profit(self, trades: Iterable = ()) -> float | None:
        """Today's P&L of the holdings from the quotes, before fees.

        Shares held since yesterday earn ``last - prev_close``; shares bought
        today earn ``last - fill price``; shares sold today earned
        ``fill price - prev_close``. None until a quote is known for every holding.
        """
        trades = list(trades)
        self._keep_day_trades(trades)
        total = 0.0
        bought: dict[str, int] = {}
        for t in trades:
            quote = self._quotes.get(t.stock_code)
            if quote is None or not quote.prev_close:
                return None
            if t.order_type == 23:
                total += (quote.last_price - t.traded_price) * t.traded_volume
                bought[t.stock_code] = bought.get(t.stock_code, 0) + t.traded_volume
            else:
                total += (t.traded_price - quote.prev_close) * t.traded_volume
        for p in self._rows:
            if not p.volume:
                continue
            quote = self._quotes.get(p.stock_code)
            if quote is None or not quote.prev_close:
                return None
            held_before = max(p.volume - bought.get(p.stock_code, 0), 0)
            total += (quote.last_price - quote.prev_close) * held_before
        return total

    # ---- per-position day P&L (chart hook, issue 14 item 5) ---------------------------
    def _keep_day_trades(self, trades: list) -> None:
        """Remember today's trades per code; refresh the 当日盈亏 cell of codes whose changed."""
        by_code: dict[str, list] = {}
        for t in trades:
            by_code.setdefault(t.stock_code, []).append(t)
        old = self._day_trades
        self._day_trades = by_code
        changed = [self._index[code] for code in by_code.keys() | old.keys()
                   if code in self._index and by_code.get(code) != old.get(code)]
        column = len(self.COLUMNS) - 1
        self.refresh_rows(changed, column, column)

    def position_day_profit(self, p) -> float | None:
        """Today's P&L of one holding, before fees (None without a quote).

        As ``day_profit`` for one code: shares held since yesterday earn
        ``last - prev_close``, shares bought today ``last - fill price``, shares
        sold today earned ``fill price - prev_close``.
        """
        quote = self._quotes.get(p.stock_code)
        if quote is None or not quote.prev_close or not quote.last_price:
            return None
        total, bought = 0.0, 0
        for t in self._day_trades.get(p.stock_code, ()):
            if t.order_type == 23:
                total += (quote.last_price - t.traded_price) * t.traded_volume
                bought += t.traded_volume
            else:
                total += (t.traded_price - quote.prev_close) * t.traded_volume
        return total + (quote.last_price - quote.prev_close) * max(p.volume - bought, 0)
