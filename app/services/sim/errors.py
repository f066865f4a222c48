"""The simulated counter's error codes and wording.

Real counters answer a refused order with a negative error id and a message
that names the order, the code, the counter and the reason, e.g.::

    限价买入 [SZ162411] [COUNTER] [-61][当前时间不允许此类证券交易]

Every refusal the simulator produces is listed here once, so the wording a
trader sees is the same everywhere and tests can refer to the codes by name.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

__all__ = [
    "CounterError",
    "SimCounterBusyError",
    "SimLedgerError",
    "cancel_error_message",
    "order_error_message",
]


class CounterError(IntEnum):
    """Error ids of the simulated counter (negative, as real counters use)."""

    UNKNOWN_CODE = -11
    PRICE_TYPE_NOT_FOR_MARKET = -12
    ACCOUNT_NOT_FOUND = -13
    VOLUME_INVALID = -21
    PRICE_OFF_TICK = -22
    PRICE_OUT_OF_BAND = -23
    PRICE_INVALID = -24
    CASH_INSUFFICIENT = -31
    SHARES_INSUFFICIENT = -32
    ORDER_TYPE_INVALID = -33
    TIME_NOT_ALLOWED = -61
    CANCEL_ORDER_NOT_FOUND = -71
    CANCEL_ALREADY_FILLED = -72
    CANCEL_ALREADY_CANCELLED = -73
    CANCEL_ALREADY_REJECTED = -74
    CANCEL_PENDING = -75
    INJECTED = -99

    @property
    def reason(self) -> str:
        """The counter's short reason, as it appears inside the brackets."""
        return _REASONS[self]


_REASONS: dict[CounterError, str] = {
    CounterError.UNKNOWN_CODE: "证券代码不存在",
    CounterError.PRICE_TYPE_NOT_FOR_MARKET: "市价委托类型不适用于该市场",
    CounterError.ACCOUNT_NOT_FOUND: "资金账号不存在",
    CounterError.VOLUME_INVALID: "委托数量不符合规定",
    CounterError.PRICE_OFF_TICK: "委托价格不符合最小价位",
    CounterError.PRICE_OUT_OF_BAND: "委托价格超出涨跌停范围",
    CounterError.PRICE_INVALID: "委托价格无效",
    CounterError.CASH_INSUFFICIENT: "可用资金不足",
    CounterError.SHARES_INSUFFICIENT: "可用股份不足",
    CounterError.ORDER_TYPE_INVALID: "委托类型不支持",
    CounterError.TIME_NOT_ALLOWED: "当前时间不允许此类证券交易",
    CounterError.CANCEL_ORDER_NOT_FOUND: "委托不存在，不能撤单",
    CounterError.CANCEL_ALREADY_FILLED: "已成交的委托不能撤单",
    CounterError.CANCEL_ALREADY_CANCELLED: "已撤销的委托不能撤单",
    CounterError.CANCEL_ALREADY_REJECTED: "废单不能撤单",
    CounterError.CANCEL_PENDING: "委托正在撤单中",
    CounterError.INJECTED: "模拟柜台故障注入",
}


def order_error_message(action: str, stock_code: str, error_id: int, reason: str) -> str:
    """``限价买入 [SH600036] [COUNTER] [-31][可用资金不足]``.

    ``action`` is the order's kind and side (``限价买入``, ``市价卖出``);
    ``stock_code`` is written as the counter writes it (market first).
    """
    return f"{action} [{_market_first(stock_code)}] [COUNTER] [{error_id}][{reason}]"


def cancel_error_message(order_id: int, error_id: int, reason: str) -> str:
    """``撤单 [12] [COUNTER] [-72][已成交的委托不能撤单]``."""
    return f"撤单 [{order_id}] [COUNTER] [{error_id}][{reason}]"


def _market_first(stock_code: str) -> str:
    symbol, dot, market = stock_code.partition(".")
    return f"{market}{symbol}" if dot else stock_code


class SimLedgerError(RuntimeError):
    """The ledger file cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path, problem: str, remedy: str) -> None:
        super().__init__(f"模拟柜台账本 {path} {problem}。{remedy}")
        self.path = path


class SimCounterBusyError(RuntimeError):
    """Another process already runs a simulated counter on this folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"模拟柜台目录 {folder} 已被另一个进程使用（同一目录只能由一个进程打开）。"
            "请关闭另一个 QMT Desk 或模拟柜台进程，或换一个目录。"
        )
        self.folder = folder
