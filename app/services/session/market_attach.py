"""Market attach: the session's `MarketData` (the simulator's market of its folder,
or xtquant's ``xtdata`` with a real broker), built on first use and kept."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("app.services.session")

__all__ = ["MarketAttach"]


class MarketAttach:
    """Mixin of `TradingSession`: the ``market`` property."""

    backend: str
    _lock: Any
    _market: Any
    _market_key: tuple[str, str] | None
    _miniqmt_path: str
    _sim_config: Any

    @property
    def market(self) -> Any:
        """`MarketData` for this session's backend (built on first use, then kept), or None.

        The simulator's market for ``sim``/``sim-vendor`` (the counter of the
        folder given to `connect`; None before the first `connect`), xtquant's
        ``xtdata`` for ``miniqmt`` (None where xtdata cannot load).
        """
        from app.services.market import MarketData, MarketDataError

        with self._lock:
            key = (self.backend, self._miniqmt_path)
            if self._market is not None and self._market_key == key:
                return self._market
            if self.backend == "miniqmt":
                try:
                    market = MarketData.for_xtdata()
                except MarketDataError as exc:
                    logger.debug("行情不可用: %s", exc)
                    return None
            else:
                if not self._miniqmt_path:
                    return None
                from app.services.sim import SimCounter

                counter = SimCounter.open(self._miniqmt_path, self._sim_config)
                # the market keeps the day's ticks in the counter's folder
                market = MarketData.for_simulator(counter.market, counter.folder)
            self._market, self._market_key = market, key
            return market
