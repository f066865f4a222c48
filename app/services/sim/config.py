"""How a simulated counter is set up: starting money, holdings, fees, clock.

A :class:`SimConfig` is read when a counter opens its folder and when it
creates an account it has not seen before (any account id a trader
subscribes or connects with). An account, once created, lives in the ledger:
changing the config later does not rewrite existing accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models.rules import FeeSchedule

__all__ = ["DEFAULT_HOLDINGS", "SimConfig"]

#: A fresh account's holdings, bought on an earlier trading day (so sellable
#: today): code -> (volume, cost price). All four are in the market's universe.
DEFAULT_HOLDINGS: dict[str, tuple[int, float]] = {
    "600036.SH": (1000, 38.50),  # 招商银行
    "000001.SZ": (2000, 11.20),  # 平安银行
    "510300.SH": (5000, 3.900),  # 沪深300ETF
    "162411.SZ": (1000, 0.620),  # 华宝油气 LOF
}


@dataclass(slots=True)
class SimConfig:
    """Settings of one simulated counter.

    Attributes:
        seed: seeds the market's random walk and the fault injector, so a run
            is repeatable.
        initial_cash: cash of a new account, CNY.
        initial_holdings: code -> (volume, cost price) of a new account; the
            shares count as held since the previous day (sellable at once).
        fees: the fee schedule charged on every fill.
        auto_run: when True a market thread moves prices every
            ``tick_interval`` seconds and matches resting orders; tests set
            False and call ``counter.advance()``.
        tick_interval: seconds between market steps when ``auto_run``.
        real_hours: when True, orders outside 9:30-11:30 / 13:00-15:00 China
            time on weekdays are rejected with the counter's -61 error.
        resting_fill_share: the share of a book level's volume a resting order
            may take per market step (below 1 so large orders fill partially).
        control_poll_interval: seconds between looks at the control table
            (commands written by ``python -m app.services.sim PATH fault ...``).
    """

    seed: int = 20261125
    initial_cash: float = 1_000_000.0
    initial_holdings: dict[str, tuple[int, float]] = field(
        default_factory=lambda: dict(DEFAULT_HOLDINGS)
    )
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    auto_run: bool = True
    tick_interval: float = 0.5
    real_hours: bool = False
    resting_fill_share: float = 0.5
    control_poll_interval: float = 0.2

    def __post_init__(self) -> None:
        if self.initial_cash < 0:
            raise ValueError(f"initial_cash 不能为负数: {self.initial_cash}")
        if self.tick_interval <= 0:
            raise ValueError(f"tick_interval 必须大于 0: {self.tick_interval}")
        if not 0 < self.resting_fill_share <= 1:
            raise ValueError(f"resting_fill_share 应在 (0, 1] 之间: {self.resting_fill_share}")
        for code, (volume, cost) in self.initial_holdings.items():
            if volume <= 0 or cost <= 0:
                raise ValueError(
                    f"initial_holdings[{code!r}] 的数量和成本价必须为正: {volume}, {cost}"
                )
