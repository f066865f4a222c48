"""``SimXtQuantTrader``: xtquant's ``XtQuantTrader`` over the simulated counter.

Same constructor, methods, argument order and return conventions as
``xtquant.xttrader.XtQuantTrader`` (a test compares every signature), so code
written for miniQMT runs unchanged::

    trader = SimXtQuantTrader(r"D:\\sim\\userdata_mini", session=123456)
    trader.register_callback(MyCallback())
    trader.start()
    if trader.connect() == 0:
        trader.subscribe(StockAccount("12345678"))

Callbacks arrive on the session's own delivery thread (never the caller's),
in order, with ``xtquant.xttype`` objects. Stock trading and queries are
simulated; the rest of the vendor API (credit, bank transfers, securities
lending, smart algorithms, data export, ...) raises ``NotImplementedError``
with a clear message, never a silent None.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from xtquant import xtconstant as xc

from app.services.sim.counter import CallbackChannel, SimCounter

__all__ = ["UNSUPPORTED_METHODS", "SimXtQuantTrader"]

log = logging.getLogger(__name__)

_seq_counter = itertools.count(1)
_seq_lock = threading.Lock()


def _next_seq() -> int:
    with _seq_lock:
        return next(_seq_counter)


def _account_id(account: Any) -> str | None:
    """The account id of a ``StockAccount`` (stock accounts only), or None."""
    account_id = getattr(account, "account_id", None)
    account_type = getattr(account, "account_type", xc.SECURITY_ACCOUNT)
    if not isinstance(account_id, str) or not account_id or account_type != xc.SECURITY_ACCOUNT:
        return None
    return account_id


class SimXtQuantTrader:
    """A trader session on the simulated counter of ``path`` (see the module doc).

    Args:
        path: the counter's folder (miniQMT's ``userdata_mini``); opened with
            ``SimCounter.open(path)`` if no counter runs on it yet.
        session: the session id (any int, as with xtquant).
        callback: an ``XtQuantTraderCallback``-like object (optional; see
            :meth:`register_callback`).
    """

    def __init__(self, path, session, callback=None):
        self.path = os.fspath(path)
        self.session = session
        self.callback = callback
        self.connected = False
        self.counter: SimCounter | None = None
        self._channel: CallbackChannel | None = None
        self._timeout = 0
        self._relaxed_response_order = False
        self._stopped = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def register_callback(self, callback):
        """Set the object whose ``on_*`` methods receive pushes."""
        self.callback = callback

    def start(self):
        """Start the session's delivery thread (call before ``connect``)."""
        if self._channel is None:
            self._stopped.clear()
            self._channel = CallbackChannel(self.session, lambda: self.callback)

    def stop(self):
        """Disconnect and end the delivery thread (queued callbacks are delivered first)."""
        channel, self._channel = self._channel, None
        if channel is not None:
            if self.counter is not None:
                self.counter.detach(channel)
            channel.close()
        self.connected = False
        self._stopped.set()

    def connect(self):
        """Connect to the counter: 0 on success, non-zero on failure."""
        if self._channel is None:
            log.error("模拟柜台: connect() 之前需要先调用 start()")
            return -1
        counter = self.counter
        if counter is None or counter.closed:
            counter = SimCounter.running(self.path)
            if counter is None:
                try:
                    counter = SimCounter.open(self.path)
                except Exception:
                    log.exception("模拟柜台: 无法打开 %s", self.path)
                    return -1
            self.counter = counter
        result = counter.attach(self._channel)
        self.connected = result == 0
        return result

    def set_timeout(self, timeout=0):
        """Kept for compatibility; the simulator answers at once."""
        self._timeout = timeout

    def sleep(self, time):  # the vendor's parameter name
        """Sleep ``time`` seconds (as ``XtQuantTrader.sleep``)."""
        _sleep(time)

    def run_forever(self):
        """Block until :meth:`stop` is called (the vendor's loops forever)."""
        self._stopped.wait()

    def set_relaxed_response_order_enabled(self, enabled):
        """Kept for compatibility: responses already come on the session's own thread."""
        self._relaxed_response_order = enabled

    # ------------------------------------------------------------------ plumbing

    def _live(self) -> tuple[SimCounter, CallbackChannel] | None:
        channel = self._channel
        counter = self.counter
        if channel is None or counter is None or not channel.connected or counter.closed:
            self.connected = False
            return None
        return counter, channel

    def _ask(self, account: Any, empty: Any, query: Callable[..., Any], *args: Any) -> Any:
        """``query(counter, account_id, *args)``, or ``empty`` when not connected or no account."""
        live = self._live()
        account_id = _account_id(account)
        if live is None or account_id is None:
            return empty
        return query(live[0], account_id, *args)

    def _answer_async(self, callback: Callable[[Any], object], result: Any) -> None:
        live = self._live()
        channel = live[1] if live is not None else self._channel
        if channel is not None:
            channel.put(0.0, callback, (result,))

    # ------------------------------------------------------------------ subscriptions

    def subscribe(self, account):
        """Receive the account's pushes: 0, or -1 (not connected, bad account)."""
        live = self._live()
        account_id = _account_id(account)
        if live is None or account_id is None:
            return -1
        counter, channel = live
        return counter.subscribe(channel, account_id)

    def unsubscribe(self, account):
        """Stop the account's pushes: 0, or -1."""
        live = self._live()
        account_id = _account_id(account)
        if live is None or account_id is None:
            return -1
        counter, channel = live
        return counter.unsubscribe(channel, account_id)

    # ------------------------------------------------------------------ orders

    def order_stock(
        self,
        account,
        stock_code,
        order_type,
        order_volume,
        price_type,
        price,
        strategy_name="",
        order_remark="",
    ):
        """Place an order: its id (> 0), or -1 when it could not be sent.

        A refusal by the counter (funds, shares, band, lot...) still returns
        an id; it arrives as ``on_order_error``.
        """
        return self._order(
            account, stock_code, order_type, order_volume, price_type, price,
            strategy_name, order_remark, 0,
        )  # fmt: skip

    def order_stock_async(
        self,
        account,
        stock_code,
        order_type,
        order_volume,
        price_type,
        price,
        strategy_name="",
        order_remark="",
    ):
        """Place an order; returns the request seq (> 0) or -1.

        The order id comes with ``on_order_stock_async_response``.
        """
        seq = _next_seq()
        order_id = self._order(
            account, stock_code, order_type, order_volume, price_type, price,
            strategy_name, order_remark, seq,
        )  # fmt: skip
        return seq if order_id > 0 else -1

    def _order(
        self,
        account: Any,
        stock_code: Any,
        order_type: Any,
        order_volume: Any,
        price_type: Any,
        price: Any,
        strategy_name: Any,
        order_remark: Any,
        seq: int,
    ) -> int:
        live = self._live()
        account_id = _account_id(account)
        if live is None or account_id is None or not isinstance(stock_code, str):
            return -1
        try:
            volume = int(order_volume)
            price_value = float(price)
            order_type = int(order_type)
            price_type = int(price_type)
        except (TypeError, ValueError):
            return -1
        counter, channel = live
        return counter.place_order(
            account_id,
            stock_code,
            order_type,
            volume,
            price_type,
            price_value,
            str(strategy_name),
            str(order_remark),
            channel=channel,
            seq=seq,
        )

    def cancel_order_stock(self, account, order_id):
        """Cancel by order id: 0 when the cancel was accepted, -1 otherwise."""
        return self._cancel(account, order_id, None, 0)

    def cancel_order_stock_async(self, account, order_id):
        """Cancel by order id; returns the request seq (> 0) or -1."""
        seq = _next_seq()
        return seq if self._cancel(account, order_id, None, seq) is not None else -1

    def cancel_order_stock_sysid(self, account, market, sysid):
        """Cancel by counter number (order_sysid): 0 or -1. ``market`` is not needed here."""
        return self._cancel(account, None, str(sysid), 0)

    def cancel_order_stock_sysid_async(self, account, market, sysid):
        """Cancel by counter number; returns the request seq (> 0) or -1."""
        seq = _next_seq()
        return seq if self._cancel(account, None, str(sysid), seq) is not None else -1

    def _cancel(self, account: Any, order_id: Any, sysid: str | None, seq: int) -> int | None:
        """The counter's answer (0/-1); None when the request could not be sent."""
        live = self._live()
        account_id = _account_id(account)
        if live is None or account_id is None:
            return -1 if not seq else None
        counter, channel = live
        if sysid is None:
            try:
                order_id = int(order_id)
            except (TypeError, ValueError):
                return -1 if not seq else None
        return counter.cancel_order(
            account_id, order_id, order_sysid=sysid, channel=channel, seq=seq
        )

    # ------------------------------------------------------------------ queries

    def query_stock_asset(self, account):
        """The account's ``XtAsset``, or None."""
        return self._ask(account, None, SimCounter.query_asset)

    def query_stock_asset_async(self, account, callback):
        """``callback(XtAsset or None)`` on the session's thread."""
        self._answer_async(callback, self.query_stock_asset(account))

    def query_stock_order(self, account, order_id):
        """Today's ``XtOrder`` with this id, or None."""
        return self._ask(account, None, SimCounter.query_order, order_id)

    def query_stock_orders(self, account, cancelable_only=False):
        """Today's ``XtOrder`` list (only cancelable ones if asked); [] when not connected."""
        return self._ask(account, [], SimCounter.query_orders, bool(cancelable_only))

    def query_stock_orders_async(self, account, callback, cancelable_only=False):
        """``callback(list[XtOrder])`` on the session's thread."""
        self._answer_async(callback, self.query_stock_orders(account, cancelable_only))

    def query_stock_trades(self, account):
        """Today's ``XtTrade`` list; [] when not connected."""
        return self._ask(account, [], SimCounter.query_trades)

    def query_stock_trades_async(self, account, callback):
        """``callback(list[XtTrade])`` on the session's thread."""
        self._answer_async(callback, self.query_stock_trades(account))

    def query_stock_position(self, account, stock_code):
        """The ``XtPosition`` of one code, or None."""
        return self._ask(account, None, SimCounter.query_position, stock_code)

    def query_stock_positions(self, account):
        """Every ``XtPosition``; [] when not connected."""
        return self._ask(account, [], SimCounter.query_positions)

    def query_stock_positions_async(self, account, callback):
        """``callback(list[XtPosition])`` on the session's thread."""
        self._answer_async(callback, self.query_stock_positions(account))

    def query_account_status(self):
        """``XtAccountStatus`` of every account the counter knows; [] when not connected."""
        live = self._live()
        return live[0].query_account_status() if live is not None else []

    def query_account_status_async(self, callback):
        """``callback(list[XtAccountStatus])`` on the session's thread."""
        self._answer_async(callback, self.query_account_status())

    def query_account_infos(self):
        """Every account the counter knows (XtAccountInfo fields); [] when not connected."""
        live = self._live()
        return live[0].query_account_infos() if live is not None else []

    query_account_info = query_account_infos

    def query_account_infos_async(self, callback):
        """``callback(list of account infos)`` on the session's thread."""
        self._answer_async(callback, self.query_account_infos())


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


#: The vendor methods the simulator does not simulate, with the vendor's
#: parameter lists (checked against ``XtQuantTrader`` by a test). Each one
#: raises ``NotImplementedError("模拟柜台不支持 <method>: ...")``.
UNSUPPORTED_METHODS: dict[str, tuple[str, str]] = {
    # name: (parameters after self, what it is)
    "common_op_async_with_seq": ("seq, callable, callback", "原生客户端内部调用"),
    "common_op_sync_with_seq": ("seq, callable", "原生客户端内部调用"),
    "query_credit_detail": ("account", "信用账户资产查询"),
    "query_credit_detail_async": ("account, callback", "信用账户资产查询"),
    "query_stk_compacts": ("account", "两融负债合约查询"),
    "query_stk_compacts_async": ("account, callback", "两融负债合约查询"),
    "query_credit_subjects": ("account", "融资融券标的查询"),
    "query_credit_subjects_async": ("account, callback", "融资融券标的查询"),
    "query_credit_slo_code": ("account", "可融券数据查询"),
    "query_credit_slo_code_async": ("account, callback", "可融券数据查询"),
    "query_credit_assure": ("account", "标的担保品查询"),
    "query_credit_assure_async": ("account, callback", "标的担保品查询"),
    "query_new_purchase_limit": ("account", "新股申购额度查询"),
    "query_new_purchase_limit_async": ("account, callback", "新股申购额度查询"),
    "query_ipo_data": ("", "新股信息查询"),
    "query_ipo_data_async": ("callback", "新股信息查询"),
    "fund_transfer": ("account, transfer_direction, price", "资金划拨"),
    "secu_transfer": (
        "account, transfer_direction, stock_code, volume, transfer_type",
        "股份划拨",
    ),
    "query_com_fund": ("account", "普通柜台资金查询"),
    "query_com_position": ("account", "普通柜台持仓查询"),
    "smt_query_quoter": ("account", "约券报价查询"),
    "smt_negotiate_order_async": (
        "account, src_group_id, order_code, date, amount, apply_rate, dict_param={}",
        "约券协商委托",
    ),
    "smt_appointment_order_async": (
        "account, order_code, date, amount, apply_rate",
        "约券预约委托",
    ),
    "smt_appointment_cancel_async": ("account, apply_id", "约券预约撤销"),
    "smt_query_order": ("account", "约券委托查询"),
    "smt_query_compact": ("account", "约券合约查询"),
    "smt_compact_renewal_async": (
        "account, cash_compact_id, order_code, defer_days, defer_num, apply_rate",
        "约券合约展期",
    ),
    "smt_compact_return_async": (
        "account, src_group_id, cash_compact_id, order_code, occur_amount",
        "约券合约归还",
    ),
    "query_position_statistics": ("account", "期货持仓统计查询"),
    "export_data": (
        "account, result_path, data_type, start_time=None, end_time=None, user_param={}",
        "数据导出",
    ),
    "query_data": (
        "account, result_path, data_type, start_time=None, end_time=None, user_param={}",
        "数据查询",
    ),
    "sync_transaction_from_external": (
        "operation, data_type, account, deal_list",
        "外部成交导入",
    ),
    "bank_transfer_in": (
        "account, bank_no, bank_account, balance, bank_pwd='', fund_pwd=''",
        "银证转入",
    ),
    "bank_transfer_in_async": (
        "account, bank_no, bank_account, balance, bank_pwd='', fund_pwd=''",
        "银证转入",
    ),
    "bank_transfer_out": (
        "account, bank_no, bank_account, balance, bank_pwd='', fund_pwd=''",
        "银证转出",
    ),
    "bank_transfer_out_async": (
        "account, bank_no, bank_account, balance, bank_pwd='', fund_pwd=''",
        "银证转出",
    ),
    "query_bank_info": ("account", "银行信息查询"),
    "query_bank_amount": ("account, bank_no, bank_account, bank_pwd", "银行余额查询"),
    "query_bank_transfer_stream": (
        "account, start_date, end_date, bank_no='', bank_account=''",
        "银证转账流水查询",
    ),
    "query_secu_account": ("account", "股东账号查询"),
    "ctp_transfer_option_to_future": (
        "opt_account_id, ft_account_id, balance",
        "期权转期货资金内转",
    ),
    "ctp_transfer_option_to_future_async": (
        "opt_account_id, ft_account_id, balance",
        "期权转期货资金内转",
    ),
    "ctp_transfer_future_to_option": (
        "opt_account_id, ft_account_id, balance",
        "期货转期权资金内转",
    ),
    "ctp_transfer_future_to_option_async": (
        "opt_account_id, ft_account_id, balance",
        "期货转期权资金内转",
    ),
    "get_smart_algo_param": ("algo_name_list", "智能算法参数查询"),
    "smart_algo_order_async": (
        "account, stock_code, order_type, order_volume, price_type, price, strategy_name, "
        "order_remark, algo_name, start_time, end_time, algo_param",
        "智能算法下单",
    ),
    "query_smart_algo_task": ("account", "智能算法任务查询"),
    "cancel_smart_algo_task_async": ("account, task_id", "智能算法任务撤销"),
}


def _unsupported(name: str, params: str, what: str) -> Callable[..., Any]:
    """A method with the vendor's parameters that refuses clearly."""
    message = (
        f"模拟柜台不支持 {name}: {what}只在券商的 miniQMT 上可用（simulator does not support it）"
    )
    source = (
        f"def {name}(self{', ' if params else ''}{params}):\n"
        f"    raise NotImplementedError({message!r})\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # the parameter lists are data above, not user input
    method = namespace[name]
    method.__doc__ = f"{what}: not supported by the simulated counter (raises NotImplementedError)."
    method.__qualname__ = f"SimXtQuantTrader.{name}"
    method.__module__ = __name__
    return method


for _name, (_params, _what) in UNSUPPORTED_METHODS.items():
    setattr(SimXtQuantTrader, _name, _unsupported(_name, _params, _what))
del _name, _params, _what
