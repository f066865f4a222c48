"""CancelViewModel: one-click cancel, F3 on the selection, 全撤 / 撤买 / 撤卖.

Each command picks the cancelable rows of the ``EntrustTableModel``
(``CANCELABLE_STATUSES``) and runs a named operation (``CancelOrder`` for one,
``CancelMany`` for several) on the session's worker. An order already being
cancelled is not sent twice. A refusal shows the counter's reason on that
row (``EntrustTableModel.set_row_error``), in the log (WARNING) and through
``cancelFailed`` (the status bar shows it briefly).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal, Slot

from app.models.rules import Side
from app.viewmodels.entrust_table_model import EntrustTableModel
from app.viewmodels.trading_operations import (
    CancelMany,
    CancelOrder,
    CancelOutcome,
    OperationRunner,
)

log = logging.getLogger(__name__)


class CancelViewModel(QObject):
    """See the module docstring. Every command returns how many cancels it sent."""

    cancelSent = Signal(list)          # order ids handed to the counter
    cancelAccepted = Signal(int)       # the counter accepted the cancel of order_id
    cancelFailed = Signal(int, str)    # order_id, the counter's reason
    nothingToCancel = Signal(str)      # e.g. '没有可撤的买入委托'
    busyChanged = Signal(bool)

    def __init__(self, runner: OperationRunner, entrusts: EntrustTableModel,
                 parent: QObject | None = None, *, lang: str = "zh") -> None:
        super().__init__(parent)
        self._lang = lang
        self._runner = runner
        self._entrusts = entrusts
        self._in_flight: set[int] = set()

    @property
    def busy(self) -> bool:
        return bool(self._in_flight)

    def set_lang(self, lang: str) -> None:
        self._lang = lang

    def _t(self, zh: str, en: str) -> str:
        return en if self._lang == "en" else zh

    def in_flight(self, order_id: int) -> bool:
        return order_id in self._in_flight

    # ------------------------------------------------------------------ commands
    @Slot(int)
    def cancel(self, order_id: int) -> int:
        """The row's 撤单 button."""
        return self._send([order_id], self._t("该委托已不可撤",
                                              "That order can no longer be cancelled"))

    def cancel_selected(self, order_ids: Iterable[int]) -> int:
        """F3: cancel the selected rows that are cancelable."""
        return self._send(list(order_ids), self._t("所选委托中没有可撤的委托",
                                                   "None of the selected orders can be cancelled"))

    @Slot()
    def cancel_all(self) -> int:
        """全撤."""
        return self._send(self._entrusts.cancelable_order_ids(),
                          self._t("没有可撤的委托", "No order to cancel"))

    @Slot()
    def cancel_buys(self) -> int:
        """撤买."""
        return self._send(self._entrusts.cancelable_order_ids(Side.BUY),
                          self._t("没有可撤的买入委托", "No buy order to cancel"))

    @Slot()
    def cancel_sells(self) -> int:
        """撤卖."""
        return self._send(self._entrusts.cancelable_order_ids(Side.SELL),
                          self._t("没有可撤的卖出委托", "No sell order to cancel"))

    # ------------------------------------------------------------------ internals
    def _send(self, order_ids: list[int], empty_message: str) -> int:
        ids = []
        for order_id in order_ids:
            if (order_id not in self._in_flight and order_id not in ids
                    and self._entrusts.is_cancelable(order_id)):
                ids.append(order_id)
        if not ids:
            self.nothingToCancel.emit(empty_message)
            return 0
        was_busy = self.busy
        self._in_flight.update(ids)
        for order_id in ids:
            self._entrusts.set_row_error(order_id, "")
        if not was_busy:
            self.busyChanged.emit(True)
        self.cancelSent.emit(list(ids))
        log.info("撤单: %s", ", ".join(str(i) for i in ids))
        if len(ids) == 1:
            order_id = ids[0]
            self._runner.run(CancelOrder(order_id),
                             lambda _r, i=order_id: self._done([CancelOutcome(i, True)]),
                             lambda msg, i=order_id: self._done([CancelOutcome(i, False, msg)]))
        else:
            self._runner.run(CancelMany(tuple(ids)), self._done,
                             lambda msg, ids=tuple(ids): self._done(
                                 [CancelOutcome(i, False, msg) for i in ids]))
        return len(ids)

    def _done(self, outcomes: list[CancelOutcome]) -> None:
        for outcome in outcomes:
            self._in_flight.discard(outcome.order_id)
            if outcome.success:
                self.cancelAccepted.emit(outcome.order_id)
            else:
                reason = outcome.message or self._t("柜台拒绝撤单", "the counter refused")
                shown = reason if "撤单失败" in reason else self._t(f"撤单失败: {reason}",
                                                                 f"Cancel failed: {reason}")
                self._entrusts.set_row_error(outcome.order_id, shown)
                log.warning("撤单失败（委托 %s）：%s", outcome.order_id, reason)
                self.cancelFailed.emit(outcome.order_id, reason)
        if not self._in_flight:
            self.busyChanged.emit(False)
