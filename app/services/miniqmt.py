"""The seed-compatible headless trading API: easytrader's miniqmt, call for call.

::

    from app.services.miniqmt import use

    user = use('sim')            # or use('miniqmt') on Windows with QMT logged in
    user.connect(miniqmt_path=r'D:\\国金证券QMT交易端\\userdata_mini', stock_account='1234567890')
    user.balance                 # [{'total_asset': ..., 'market_value': ..., 'cash': ..., ...}]
    user.buy('600036', price=35.5, amount=100)   # {'entrust_no': 123}

Field names, return shapes, defaults and log lines are those of easytrader's
miniqmt documentation. What easytrader gets wrong is fixed, and these are the
deliberate differences:

- Codes may be typed in any spelling the rules accept (``600036``, ``sh600036``,
  ``600036.SH``); an invalid code, a ttype the code's exchange does not take, a
  volume that breaks the lot rule or a price off the tick raises ValueError
  (`OrderRejected`) before anything is sent, naming every problem of the
  order at once (the order ticket's rules, `app.models.pretrade.check_ticket`).
- An order the counter refuses outright (``order_stock`` returns -1) raises
  `OrderRejected` with the counter's reason instead of returning
  ``{'entrust_no': -1}``; the seed's ERROR line is still written word for
  word (``限价买入委托失败: 股票代码=600036, 错误码=-1``). A
  refusal the counter reports later arrives, as in xtquant, on
  ``on_order_error`` for the id that was returned.
- ``cancel_entrust`` says why a cancel failed (``委托 123 已成交，不能撤单``);
  success keeps the seed's ``{'success': True, 'message': 'success'}``.
- Queries never return None or silently empty lists on failure: a session that
  is not connected raises `NotConnectedError`, a counter that does not answer
  raises `SessionError`.
- The default callback logs ``下单失败回调``/``撤单失败回调`` at WARNING (the
  seed: INFO), each seed line kept as the prefix of ours.
- A custom ``trader_callback`` no longer disables reconnect: the session
  keeps its own callback on the trader and forwards every raw event to yours.

Importing this module installs the simulator's stand-in for xtquant's native
module where that module is missing (never over a real one), so
``from xtquant.xttrader import XtQuantTraderCallback`` works on any machine.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from xtquant import xtconstant

from app.models.codes import bare_code, classify
from app.models.names import DIRECTION, OFFSET_FLAG, ORDER_STATUS, ORDER_TYPE, PRICE_TYPE, name_of
from app.models.records import Asset, Order, Position, Trade
from app.models.rules import Side
from app.models.ttypes import DEFAULT_TTYPE, market_price_type
from app.services.backends import BACKENDS, BrokerUnavailableError
from app.services.callbacks import DefaultXtQuantTraderCallback
from app.services.session import (
    CancelResult,
    NotConnectedError,
    OrderRejected,
    SessionError,
    TradingSession,
)

__all__ = [
    "BALANCE_KEYS",
    "ENTRUST_KEYS",
    "POSITION_KEYS",
    "TRADE_KEYS",
    "BrokerUnavailableError",
    "DefaultXtQuantTraderCallback",
    "MiniqmtTrader",
    "NotConnectedError",
    "OrderRejected",
    "SessionError",
    "use",
]

logger = logging.getLogger(__name__)

#: Keys of each seed return shape, in the seed documentation's order.
BALANCE_KEYS: Final = (
    "total_asset",
    "market_value",
    "cash",
    "frozen_cash",
    "account_type",
    "account_id",
)
POSITION_KEYS: Final = (
    "security",
    "stock_code",
    "volume",
    "can_use_volume",
    "open_price",
    "market_value",
    "frozen_volume",
    "on_road_volume",
    "yesterday_volume",
    "avg_price",
    "direction",
    "account_type",
    "account_id",
)
ENTRUST_KEYS: Final = (
    "security",
    "stock_code",
    "order_id",
    "order_sysid",
    "order_time",
    "order_type",
    "order_type_name",
    "order_volume",
    "price_type",
    "price_type_name",
    "price",
    "traded_volume",
    "traded_price",
    "order_status",
    "order_status_name",
    "status_msg",
    "offset_flag",
    "offset_flag_name",
    "strategy_name",
    "order_remark",
    "direction",
    "direction_name",
    "account_type",
    "account_id",
)
TRADE_KEYS: Final = (
    "security",
    "stock_code",
    "traded_id",
    "traded_time",
    "traded_price",
    "traded_volume",
    "traded_amount",
    "order_id",
    "order_type",
    "order_type_name",
    "offset_flag",
    "offset_flag_name",
    "account_id",
    "account_type",
    "order_sysid",
    "strategy_name",
    "order_remark",
)


def _security_of(stock_code: str) -> str:
    """The bare six digits of a reported code (``'162411.SZ'`` -> ``'162411'``)."""
    try:
        return bare_code(stock_code)
    except ValueError:
        return stock_code.partition(".")[0]


#: ``*_name`` keys: the field each names and the table that names it.
_NAMED: Final = {
    "order_type_name": ("order_type", ORDER_TYPE),
    "price_type_name": ("price_type", PRICE_TYPE),
    "order_status_name": ("order_status", ORDER_STATUS),
    "offset_flag_name": ("offset_flag", OFFSET_FLAG),
    "direction_name": ("direction", DIRECTION),
}


def seed_row(record: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """One seed dict of ``record``: ``keys`` in order, each the record's field of that
    name, except ``security`` (the bare code) and the ``*_name`` display names."""
    row: dict[str, Any] = {}
    for key in keys:
        if key == "security":
            row[key] = _security_of(record.stock_code)
        elif key in _NAMED:
            field, table = _NAMED[key]
            row[key] = name_of(table, getattr(record, field))
        else:
            row[key] = getattr(record, key)
    return row


def balance_dict(asset: Asset) -> dict[str, Any]:
    """The one seed ``balance`` entry (6 keys)."""
    return seed_row(asset, BALANCE_KEYS)


def position_dict(position: Position) -> dict[str, Any]:
    """One seed ``position`` entry (13 keys)."""
    return seed_row(position, POSITION_KEYS)


def entrust_dict(order: Order) -> dict[str, Any]:
    """One seed ``today_entrusts`` entry (24 keys, with the ``*_name`` fields)."""
    return seed_row(order, ENTRUST_KEYS)


def trade_dict(trade: Trade) -> dict[str, Any]:
    """One seed ``today_trades`` entry (17 keys)."""
    return seed_row(trade, TRADE_KEYS)


class MiniqmtTrader:
    """easytrader's ``MiniqmtTrader`` over a `TradingSession`.

    ``MiniqmtTrader(backend='miniqmt')`` drives the broker's QMT client;
    ``backend='sim'`` the simulated counter (``miniqmt_path`` is its folder);
    ``backend='sim-vendor'`` xtquant's own `XtQuantTrader` over the simulator.
    Pass ``session=`` to share a session the terminal already owns.
    """

    broker_type = "miniqmt"

    def __init__(
        self,
        backend: str = "miniqmt",
        *,
        session: TradingSession | None = None,
        sim_config: Any = None,
    ) -> None:
        self.backend = backend
        self.session = session or TradingSession(backend, sim_config=sim_config)
        self._user_callback: Any = None

    def __repr__(self) -> str:
        return f"MiniqmtTrader(backend={self.backend!r}, state={self.session.state.value})"

    # ------------------------------------------------------------------ connection
    def connect(
        self,
        miniqmt_path: str,
        stock_account: str,
        trader_callback: Any = None,
        reconnect_enabled: bool = True,
        reconnect_interval: float = 5,
        max_reconnect_attempts: int = 0,
    ) -> bool:
        """Connect to the QMT client (or the simulator) and subscribe the account.

        注意：登录 QMT 客户端时必须勾选极简模式/独立交易模式，否则无法连接。
        ``trader_callback`` (an ``XtQuantTraderCallback``) receives every raw
        xtquant event; None means `DefaultXtQuantTraderCallback`, which logs
        them. Returns True when connected; with ``reconnect_enabled`` a failed
        first attempt leaves the reconnect loop running and returns False.
        """
        callback = DefaultXtQuantTraderCallback() if trader_callback is None else trader_callback
        if self._user_callback is not None:
            self.session.remove_xt_callback(self._user_callback)
        self._user_callback = callback
        self.session.add_xt_callback(callback)
        return self.session.connect(
            miniqmt_path,
            stock_account,
            reconnect_enabled=reconnect_enabled,
            reconnect_interval=reconnect_interval,
            max_reconnect_attempts=max_reconnect_attempts,
        )

    def prepare(self, **json_data: Any) -> bool:
        """easytrader's remote-client hook: ``connect(**json_data['kwargs'])``."""
        return self.connect(**json_data.get("kwargs", {}))

    def stop_reconnect(self) -> None:
        """手动停止自动重连: ends a running reconnect loop at once; later drops are not retried."""
        self.session.stop_reconnect()

    def disconnect(self) -> None:
        """Stop reconnecting and close the connection (every session thread ends)."""
        self.session.disconnect()

    exit = disconnect

    def __enter__(self) -> MiniqmtTrader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    @property
    def trader(self) -> Any:
        """The current ``XtQuantTrader`` (replaced on every reconnect)."""
        return self.session.trader

    @property
    def account(self) -> Any:
        """The ``StockAccount`` of the connected fund account."""
        return self.session.account

    # ------------------------------------------------------------------ queries
    @property
    def balance(self) -> list[dict[str, Any]]:
        """资金: a list of one dict with the seed's 6 keys (CNY floats)."""
        return [balance_dict(self.session.query_asset())]

    @property
    def position(self) -> list[dict[str, Any]]:
        """持仓: one dict per holding with the seed's 13 keys (``security`` = bare code)."""
        return [position_dict(p) for p in self.session.query_positions()]

    @property
    def today_entrusts(self) -> list[dict[str, Any]]:
        """当日委托 with the seed's 24 keys, including the ``*_name`` fields."""
        return [entrust_dict(o) for o in self.session.query_orders(False)]

    @property
    def today_trades(self) -> list[dict[str, Any]]:
        """当日成交 with the seed's 17 keys."""
        return [trade_dict(t) for t in self.session.query_trades()]

    # ------------------------------------------------------------------ orders
    def buy(self, security: str, price: float, amount: int) -> dict[str, int]:
        """限价买入: ``{'entrust_no': order_id}``; ValueError before sending if invalid."""
        return self._limit_order(security, price, amount, Side.BUY)

    def sell(self, security: str, price: float, amount: int, **kwargs: Any) -> dict[str, int]:
        """限价卖出: ``{'entrust_no': order_id}``; ValueError before sending if invalid."""
        return self._limit_order(security, price, amount, Side.SELL)

    def market_buy(
        self, security: str, amount: int, ttype: str | None = DEFAULT_TTYPE
    ) -> dict[str, int]:
        """市价买入 with ``ttype`` (default 对手方最优价格委托): ``{'entrust_no': order_id}``."""
        return self._market_order(security, amount, ttype, Side.BUY)

    def market_sell(
        self, security: str, amount: int, ttype: str | None = DEFAULT_TTYPE
    ) -> dict[str, int]:
        """市价卖出 with ``ttype`` (default 对手方最优价格委托): ``{'entrust_no': order_id}``."""
        return self._market_order(security, amount, ttype, Side.SELL)

    def cancel_entrust(self, entrust_no: int) -> dict[str, Any]:
        """撤单: ``{'success': bool, 'message': str}``; the message says why a cancel failed."""
        result: CancelResult = self.session.cancel_order(entrust_no)
        if result.success:
            logger.info("撤单请求已发送: 委托单号=%s", entrust_no)
        else:
            logger.warning("撤单失败: 委托单号=%s, %s", entrust_no, result.message)
        return {"success": result.success, "message": result.message}

    def _limit_order(self, security: str, price: float, amount: int, side: Side) -> dict[str, int]:
        action = f"限价{side.name_zh}"
        logger.info("%s请求: 股票代码=%s, 价格=%s, 数量=%s", action, security, price, amount)
        return self._send(action, security, side, amount, xtconstant.FIX_PRICE, price)

    def _market_order(
        self, security: str, amount: int, ttype: str | None, side: Side
    ) -> dict[str, int]:
        action = f"市价{side.name_zh}"
        ttype = DEFAULT_TTYPE if ttype is None else ttype
        logger.info("%s请求: 股票代码=%s, 委托类型=%s, 数量=%s", action, security, ttype, amount)
        try:
            price_type = market_price_type(classify(security).stock_code, ttype)
        except ValueError as exc:
            logger.error("%s委托未发送: 股票代码=%s, %s", action, security, exc)
            raise
        return self._send(action, security, side, amount, price_type, 0.0)

    def _send(
        self, action: str, security: str, side: Side, amount: int, price_type: int, price: float
    ) -> dict[str, int]:
        try:
            order_id = self.session.place_order(security, side, amount, price_type, price)
        except OrderRejected as exc:
            if exc.result is None:  # refused by the rules: nothing was sent
                logger.error("%s委托未发送: 股票代码=%s, %s", action, security, exc)
            else:  # the counter answered -1: the seed's ERROR line, word for word
                logger.error("%s委托失败: 股票代码=%s, 错误码=%s", action, security, exc.result)
            raise
        except ValueError as exc:
            logger.error("%s委托未发送: 股票代码=%s, %s", action, security, exc)
            raise
        logger.info("%s委托成功: 股票代码=%s, 委托单号=%s", action, security, order_id)
        return {"entrust_no": order_id}


def use(name: str = "miniqmt", **options: Any) -> MiniqmtTrader:
    """The trader for ``name``: ``'miniqmt'`` (the broker), ``'sim'`` (the simulated
    counter) or ``'sim-vendor'`` (xtquant's own ``XtQuantTrader`` over the simulator).

    ``options`` go to `MiniqmtTrader` (``sim_config=``, ``session=``). Unknown
    names raise ValueError listing the valid ones.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in BACKENDS:
        raise ValueError(f"未知的交易接口 {name!r}，可选: {', '.join(map(repr, BACKENDS))}")
    return MiniqmtTrader(key, **options)
