"""BalanceTableModel: the account's funds (资金), one row per ``account_id``.

Columns: account, total asset, market value, cash (可用), frozen, withdrawable
(可取), and the day's P&L. Assets come from the counter (``Asset`` records); the day's P&L is
not part of ``XtAsset``: ``set_day_profit(value)`` gives it (the terminal
computes it from the positions and quotes, ``PositionTableModel.day_profit``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from app.viewmodels.formatting import format_money, sign_color
from app.viewmodels.record_table_model import Column, RecordTableModel, money_column


class BalanceTableModel(RecordTableModel):
    """Asset rows keyed by ``account_id``."""

    COLUMNS = (
        Column("account_id", "资金账号", "Account", lambda m, a: str(a.account_id)),
        money_column("total_asset", "总资产", "Total asset"),
        money_column("market_value", "持仓市值", "Market value"),
        money_column("cash", "可用资金", "Cash"),
        money_column("frozen_cash", "冻结资金", "Frozen"),
        # chart hook (issue 14 item 5): 可取资金 (XtAsset.fetch_balance)
        money_column("fetch_balance", "可取资金", "Withdrawable",
                     tooltip=lambda m, a: ("Cash that can be transferred out today"
                                          if m.lang == "en" else "今日可转出的资金")),
        Column("day_profit", "当日盈亏", "Day P&L",
               lambda m, a: format_money(m.day_profit(), signed=True),
               sort=lambda m, a: m.day_profit(), numeric=True,
               color=lambda m, a: sign_color(m.day_profit()),
               tooltip=lambda m, a: ("From last prices and previous closes, before fees"
                                    if m.lang == "en" else "按最新价与昨收计算，未含费用")),
    )

    DAY_PROFIT_COLUMN = len(COLUMNS) - 1

    def __init__(self, parent: QObject | None = None, *, lang: str = "zh") -> None:
        super().__init__(parent, lang=lang)
        self._day_profit: float | None = None

    def key_of(self, record) -> str:
        return record.account_id

    def asset(self, account_id: str | None = None):
        """The asset of ``account_id`` (the first row when None), or None."""
        if account_id is None:
            return self.record_at(0)
        return self.record(account_id)

    def day_profit(self) -> float | None:
        return self._day_profit

    @Slot(object)
    def set_day_profit(self, value: float | None) -> None:
        """The day's P&L shown in every row (one ``dataChanged`` when it moves)."""
        if value == self._day_profit:
            return
        self._day_profit = value
        if self._rows:
            self.refresh_rows(range(len(self._rows)), self.DAY_PROFIT_COLUMN)
