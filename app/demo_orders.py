"""DemoOrders: a few real orders on the simulator, so a screenshot shows live tables.

Used by ``main.py --demo`` (refused for a broker): after the account has
loaded it moves the simulated market forward an hour, then sends, through
the same ``PlaceOrder`` operations the ticket uses, two market buys that fill
at once, a limit buy below the market and a limit sell above it that rest (so
their 撤单 buttons show). ``finished`` fires when the counter answered them all.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot
from xtquant import xtconstant

from app.models.rules import Side, round_to_tick
from app.services.sim import SimCounter
from app.viewmodels.trading_operations import Call, PlaceOrder

log = logging.getLogger("qmtdesk.demo")

__all__ = ["DemoOrders"]


class DemoOrders(QObject):
    """``DemoOrders(terminal)``; call :meth:`start` once the account is loaded."""

    finished = Signal()
    DEMO_STEPS = 1200  # 3 s of market time each: one hour

    def __init__(self, terminal, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.terminal = terminal
        self._pending = 0
        self._started = False

    @Slot()
    def start(self) -> None:
        if self._started:
            return
        terminal = self.terminal
        session = terminal.session
        if session is None or not str(session.backend).startswith("sim"):
            self._started = True
            log.warning("演示委托只用于模拟柜台，已跳过")
            self.finished.emit()
            return
        if terminal.market is None:
            # the market attaches a moment after the account snapshot (read off the GUI thread)
            terminal.vm.marketAttached.connect(self._start_when_market_attached)
            return
        self._started = True
        # an hour of simulated trading first, so the intraday chart has a shape
        path = session.miniqmt_path
        terminal.vm.runner.run(
            Call(lambda _s: SimCounter.open(path).advance(self.DEMO_STEPS), "演示：行情推进"),
            lambda _r: self._place(),
            lambda msg: (log.warning("演示：推进行情失败：%s", msg), self._place()),
        )

    @Slot(object)
    def _start_when_market_attached(self, market) -> None:
        if market is None:
            return
        self.terminal.vm.marketAttached.disconnect(self._start_when_market_attached)
        self.start()

    def _place(self) -> None:
        terminal = self.terminal
        market = terminal.market
        terminal.vm.quote.reload()  # the market jumped an hour: today's ticks for the chart
        ops = []
        ops.append(PlaceOrder("601318.SH", Side.BUY, 300, 44))  # 对手方最优: fills now
        ops.append(PlaceOrder("300750.SZ", Side.BUY, 100, 47))  # 最优五档即时成交剩余撤销
        try:
            bid = market.quote("000001.SZ").bid_price[0]
            ops.append(
                PlaceOrder(
                    "000001.SZ",
                    Side.BUY,
                    2000,
                    xtconstant.FIX_PRICE,
                    round_to_tick("000001.SZ", bid * 0.985),
                )
            )
            ask = market.quote("600036.SH").ask_price[0]
            ops.append(
                PlaceOrder(
                    "600036.SH",
                    Side.SELL,
                    300,
                    xtconstant.FIX_PRICE,
                    round_to_tick("600036.SH", ask * 1.02),
                )
            )
        except Exception:
            log.exception("演示委托：取行情失败")
        self._pending = len(ops)
        for op in ops:
            terminal.vm.runner.run(op, self._done, self._failed)

    def _done(self, _result) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.finished.emit()

    def _failed(self, message: str) -> None:
        log.warning("演示委托失败：%s", message)
        self._done(None)
