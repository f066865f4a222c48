"""The simulated counter (模拟柜台): a broker counter with XtQuantTrader's API.

``SimCounter.open(path)`` is the counter of a folder (its ledger lives there);
``SimXtQuantTrader(path, session)`` is a trader session on it with the same
methods as ``xtquant.xttrader.XtQuantTrader``; ``counter.faults`` makes it
misbehave on purpose. See ``docs/INTERNALS.md``.
"""

from app.services.sim.config import SimConfig
from app.services.sim.counter import AccountTotals, SimCounter
from app.services.sim.errors import CounterError, SimCounterBusyError, SimLedgerError
from app.services.sim.faults import FaultInjector
from app.services.sim.trader import SimXtQuantTrader

__all__ = [
    "AccountTotals",
    "CounterError",
    "FaultInjector",
    "SimConfig",
    "SimCounter",
    "SimCounterBusyError",
    "SimLedgerError",
    "SimXtQuantTrader",
]
