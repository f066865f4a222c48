"""Immutable records of what the counter reports, with xtquant's own field names.

Each record mirrors one ``xtquant.xttype`` class field for field
(:class:`Order` <- ``XtOrder``, :class:`Position` <- ``XtPosition``, ...), so a
reader of the vendor documentation reads this code without a glossary. Records
are built on xtquant's callback thread with ``from_xt(obj)`` and then handed to
the GUI thread; being frozen, they can be shared without locks.

``from_xt`` is tolerant: vendor objects differ between xtquant versions, so an
attribute that is missing (or ``None``) takes the field's default, and values
are coerced to the field's type (``'100'`` -> ``100``). A value that cannot be
coerced raises ``ValueError`` naming the record and field.
"""

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, ClassVar, Self

from app.models.names import CANCELABLE_STATUSES, FINAL_STATUSES

__all__ = [
    "AccountSnapshot",
    "AccountStatus",
    "Asset",
    "CancelError",
    "CancelOrderResponse",
    "Connected",
    "Disconnected",
    "Order",
    "OrderError",
    "OrderResponse",
    "Position",
    "Record",
    "Trade",
]

_STOCK_ACCOUNT = 2  # xtconstant.SECURITY_ACCOUNT


def _to_int(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(value)


def _to_str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _as_is(value: Any) -> Any:
    return value


#: how a field's annotation turns a vendor value into the field's type
_COERCE: dict[Any, Callable[[Any], Any]] = {int: _to_int, float: float, str: _to_str, bool: bool}


@cache
def _plan(cls: type) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """(field name, coercion) per field of ``cls``, worked out once per record class."""
    return tuple((f.name, _COERCE.get(f.type, _as_is)) for f in fields(cls))


class Record:
    """Mixin: ``from_xt(obj)`` and ``as_dict()`` for the frozen record dataclasses."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    @classmethod
    def from_xt(cls, obj: object) -> Self:
        """Build the record from an xtquant object (or anything with those attributes)."""
        kwargs: dict[str, Any] = {}
        for name, coerce in _plan(cls):
            value = getattr(obj, name, None)
            if value is None:
                continue  # missing in this vendor version: keep the default
            try:
                kwargs[name] = coerce(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{cls.__name__}.{name}: cannot use {value!r} from {type(obj).__name__}"
                ) from exc
        return cls(**kwargs)

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain dict, keys in xtquant's field order."""
        return {name: getattr(self, name) for name, _ in _plan(type(self))}


@dataclass(frozen=True, slots=True)
class Asset(Record):
    """资金 (XtAsset): ``cash`` 可用, ``frozen_cash`` 冻结, ``total_asset`` 总资产."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    cash: float = 0.0
    frozen_cash: float = 0.0
    market_value: float = 0.0
    total_asset: float = 0.0
    fetch_balance: float = 0.0


@dataclass(frozen=True, slots=True)
class Position(Record):
    """持仓 (XtPosition): ``volume`` 持仓, ``can_use_volume`` 可卖 (T+1), ``avg_price`` 成本."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    stock_code: str = ""
    volume: int = 0
    can_use_volume: int = 0
    open_price: float = 0.0
    market_value: float = 0.0
    frozen_volume: int = 0
    on_road_volume: int = 0
    yesterday_volume: int = 0
    avg_price: float = 0.0
    direction: int = 48
    last_price: float = 0.0
    profit_rate: float = 0.0
    secu_account: str = ""
    instrument_name: str = ""


@dataclass(frozen=True, slots=True)
class Order(Record):
    """委托 (XtOrder): one order and its state as the counter last reported it."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    stock_code: str = ""
    order_id: int = 0
    order_sysid: str = ""
    order_time: int = 0
    order_type: int = 0
    order_volume: int = 0
    price_type: int = 0
    price: float = 0.0
    traded_volume: int = 0
    traded_price: float = 0.0
    order_status: int = 255
    status_msg: str = ""
    strategy_name: str = ""
    order_remark: str = ""
    direction: int = 48
    offset_flag: int = 0
    secu_account: str = ""
    instrument_name: str = ""

    @property
    def is_cancelable(self) -> bool:
        """True while the order can still be cancelled (未报/待报/已报/部成)."""
        return self.order_status in CANCELABLE_STATUSES

    @property
    def is_final(self) -> bool:
        """True once the order will not change any more (部撤/已撤/已成/废单)."""
        return self.order_status in FINAL_STATUSES

    @property
    def remaining_volume(self) -> int:
        """未成交数量: ordered minus traded."""
        return max(0, self.order_volume - self.traded_volume)


@dataclass(frozen=True, slots=True)
class Trade(Record):
    """成交 (XtTrade): one fill."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    order_type: int = 0
    stock_code: str = ""
    traded_id: str = ""
    traded_time: int = 0
    traded_price: float = 0.0
    traded_volume: int = 0
    traded_amount: float = 0.0
    order_id: int = 0
    order_sysid: str = ""
    strategy_name: str = ""
    order_remark: str = ""
    direction: int = 48
    offset_flag: int = 0
    commission: float = 0.0
    secu_account: str = ""
    instrument_name: str = ""


@dataclass(frozen=True, slots=True)
class OrderError(Record):
    """下单失败 (XtOrderError): the counter refused an order, ``error_msg`` says why."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    order_id: int = 0
    error_id: int = 0
    error_msg: str = ""
    strategy_name: str = ""
    order_remark: str = ""


@dataclass(frozen=True, slots=True)
class CancelError(Record):
    """撤单失败 (XtCancelError): a cancel was refused; ``market`` 0 上海, 1 深圳."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    order_id: int = 0
    market: int = 0
    order_sysid: str = ""
    error_id: int = 0
    error_msg: str = ""


@dataclass(frozen=True, slots=True)
class AccountStatus(Record):
    """账号状态 (XtAccountStatus): ``status`` 0 正常, see ``names.ACCOUNT_STATUS``."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    status: int = -1


@dataclass(frozen=True, slots=True)
class OrderResponse(Record):
    """异步下单反馈 (XtOrderResponse): ``seq`` of the request, ``order_id`` given."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    order_id: int = 0
    strategy_name: str = ""
    order_remark: str = ""
    error_msg: str = ""
    seq: int = 0


@dataclass(frozen=True, slots=True)
class CancelOrderResponse(Record):
    """异步撤单反馈 (XtCancelOrderResponse): ``cancel_result`` 0 = accepted."""

    account_type: int = _STOCK_ACCOUNT
    account_id: str = ""
    cancel_result: int = 0
    order_id: int = 0
    order_sysid: str = ""
    seq: int = 0
    error_msg: str = ""


@dataclass(frozen=True, slots=True)
class Connected(Record):
    """Marker: the session (re)connected at ``time`` (epoch seconds)."""

    time: float = field(default_factory=_time.time)


@dataclass(frozen=True, slots=True)
class Disconnected(Record):
    """Marker: the counter dropped the connection at ``time`` (epoch seconds)."""

    time: float = field(default_factory=_time.time)


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """Everything queried at once: the account as the counter sees it now.

    The session publishes one after every (re)connect, before its CONNECTED
    status (and `RefreshAccount` returns one for the user's 刷新), so that a
    view *replaces* its tables with it: rows the counter no longer has (a
    position sold out while away) disappear. A part the counter did not
    answer is ``None``: keep what is shown for it. ``seq`` is the session's
    delivery sequence number when its queries began: every push published
    with a higher number is newer than the snapshot and is published again
    after it, so a snapshot never overwrites a newer push.
    """

    asset: Asset | None = None
    positions: tuple[Position, ...] | None = ()
    orders: tuple[Order, ...] | None = ()
    trades: tuple[Trade, ...] | None = ()
    time: float = field(default_factory=_time.time)
    seq: int = 0
