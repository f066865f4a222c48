"""A stand-in for xtquant's native ``xtpythonclient`` module, over the simulated counter.

The vendor's ``xtquant/xttrader.py`` (``XtQuantTrader``) is a thin Python layer
over a compiled, Windows-only module that it imports as ``_XTQC_``. This module
defines the names ``xttrader.py`` uses from it, so that the *unmodified* vendor
class runs on any platform against our :class:`~app.services.sim.trader.SimXtQuantTrader`.
:func:`app.services.sim.standin.install_xtpythonclient_standin` puts it in
``sys.modules['xtquant.xtpythonclient']``.

How the vendor class talks to the native client, and what this one does:

- ``XtQuantAsyncClient(path, name, session)`` (``path`` is ``gb18030`` bytes)
  is the client; ``init``/``start``/``stop``/``connect``/``setTimeout``/
  ``nextSeq`` are its life cycle.
- Every request is ``fooWithSeq(seq, req)`` with a ``FooReq`` object whose
  ``m_...`` fields the vendor fills in. It returns at once; the answer comes
  later through the handler the vendor bound with ``bindOn...Callback``:
  ``handler(seq, payload)``. The vendor resolves its own futures there, so a
  request that never answers hangs a synchronous vendor call for ever. This
  client therefore answers *every* accepted request exactly once: with the
  counter's answer, or with a failure (order id -1, cancel result -1, an
  empty list) when the counter raises, the connection drops or the client
  stops.
- Queries answer a ``list`` of ``xttype`` objects (the vendor takes ``[0]``
  for the single-object queries). Order and cancel answers are native-shaped
  (``m_nOrderID``, ``m_nCancelResult``, ...) because the vendor converts them
  into ``XtOrderResponse``/``XtCancelOrderResponse`` itself; so is the account
  status push (``m_strAccountID``, ``m_nAccountType``, ``m_nStatus``).
- Pushes (``on_stock_order`` etc.) are handed over as the ``xttype`` objects the
  counter produced. ``XtOrderError`` gets the ``seq`` attribute the native
  object carries: the vendor's ``on_push_OrderError`` reads it to hold back
  an error that overtakes its order's response.

Threading: like the native client, one internal I/O thread runs the requests
(calling the simulated trader) and relays the simulated trader's callbacks,
in one FIFO queue. So a request's answer and the pushes it causes reach the
vendor in the counter's order, and the vendor's handlers (which only submit
to its own executor) are never called on the caller's thread.

Credit (融资融券), bank transfers (银证转账), CTP transfers, 约券 (smt),
smart algorithms, IPO data, data export and the other non-stock paths raise
:class:`SimulatorNotSupportedError` on the caller's thread, so the vendor call
fails loudly instead of waiting for an answer that never comes.
"""

from __future__ import annotations

import copy
import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xtquant import xtconstant, xttype

if TYPE_CHECKING:
    from app.services.sim.trader import SimXtQuantTrader

__all__ = [
    "CancelOrderStockReq",
    "OrderStockReq",
    "QueryAccountInfosReq",
    "QueryAccountStatusReq",
    "QueryStockAssetReq",
    "QueryStockOrdersReq",
    "QueryStockPositionsReq",
    "QueryStockTradesReq",
    "SimulatorNotSupportedError",
    "SubscribeReq",
    "UnsubscribeReq",
    "XtQuantAsyncClient",
]

#: Marks this module as the simulator's stand-in (the real one is a ``.pyd``).
IS_QMTDESK_STANDIN = True

logger = logging.getLogger(__name__)

#: How long ``stop()`` waits for in-flight requests to finish, seconds.
STOP_JOIN_TIMEOUT = 10.0

_Handler = Callable[..., Any]


class SimulatorNotSupportedError(NotImplementedError):
    """The vendor call has no counterpart in the simulated counter."""

    def __init__(self, api: str, feature: str) -> None:
        super().__init__(
            f"模拟柜台不支持{feature}接口 {api}（not supported by the simulator）。"
            "请连接真实的 miniQMT 使用此功能。"
        )
        self.api = api
        self.feature = feature


# --------------------------------------------------------------------------
# Request classes. Supported ones are slotted, as native objects are strict:
# a misspelt field fails where it is set instead of being silently ignored.
# Defaults follow the native ones: empty strings, zeros.


@dataclass(slots=True)
class _AccountReq:
    m_nAccountType: int = xtconstant.SECURITY_ACCOUNT
    m_strAccountID: str = ""


@dataclass(slots=True)
class SubscribeReq(_AccountReq):
    """Subscribe to an account's pushes (``XtQuantTrader.subscribe``)."""


@dataclass(slots=True)
class UnsubscribeReq(_AccountReq):
    """Stop an account's pushes (``XtQuantTrader.unsubscribe``)."""


@dataclass(slots=True)
class OrderStockReq(_AccountReq):
    """A stock order (``order_stock`` / ``order_stock_async``)."""

    m_strStockCode: str = ""
    m_nOrderType: int = 0
    m_nOrderVolume: int = 0
    m_nPriceType: int = 0
    m_dPrice: float = 0.0
    m_strStrategyName: str = ""
    m_strOrderRemark: str = ""
    m_strOrderRemarkNew: str = ""
    m_dOrderAmount: float = 0.0
    m_strStockCode1: str = ""
    m_strAccountID1: str = ""


@dataclass(slots=True)
class CancelOrderStockReq(_AccountReq):
    """A cancel by order id, or by counter id (``m_strOrderSysID``) and market."""

    m_nOrderID: int = 0
    m_strOrderSysID: str = ""
    m_nMarket: int = 0
    m_strMarket: str = ""


@dataclass(slots=True)
class QueryStockAssetReq(_AccountReq):
    """Query the account's cash and totals."""


@dataclass(slots=True)
class QueryStockOrdersReq(_AccountReq):
    """Query today's orders; one order when ``m_nOrderID`` > 0."""

    m_nOrderID: int = 0
    m_bCanCancel: bool = False


@dataclass(slots=True)
class QueryStockTradesReq(_AccountReq):
    """Query today's trades."""


@dataclass(slots=True)
class QueryStockPositionsReq(_AccountReq):
    """Query positions; one position when ``m_strStockCode`` is set."""

    m_strStockCode: str = ""
    m_strStockCode1: str = ""


@dataclass(slots=True)
class QueryAccountStatusReq:
    """Query the status of every account (no fields)."""


@dataclass(slots=True)
class QueryAccountInfosReq:
    """Query the list of accounts (no fields)."""


class _UnsupportedReq:
    """Request of a path the simulator does not support: it takes any field.

    The vendor fills the fields before it calls ``...WithSeq``; that call is
    what raises :class:`SimulatorNotSupportedError`.
    """


class QueryCreditDetailReq(_UnsupportedReq):
    """融资融券: credit asset details (not supported)."""


class QueryStkCompactsReq(_UnsupportedReq):
    """融资融券: debt contracts (not supported)."""


class QueryCreditSubjectsReq(_UnsupportedReq):
    """融资融券: eligible securities (not supported)."""


class QueryCreditSloCodeReq(_UnsupportedReq):
    """融资融券: securities available to borrow (not supported)."""


class QueryCreditAssureReq(_UnsupportedReq):
    """融资融券: collateral securities (not supported)."""


class QueryNewPurchaseLimitReq(_UnsupportedReq):
    """新股申购: subscription quota (not supported)."""


class QueryIPODataReq(_UnsupportedReq):
    """新股新债: IPO calendar (not supported)."""


class TransferParam(_UnsupportedReq):
    """资金/股份划拨 between counters (not supported)."""


class QueryComFundReq(_UnsupportedReq):
    """普通柜台资金 for transfers (not supported)."""


class QueryComPositionReq(_UnsupportedReq):
    """普通柜台持仓 for transfers (not supported)."""


class SmtQueryQuoterReq(_UnsupportedReq):
    """约券: quotes (not supported)."""


class SmtNegotiateOrderReq(_UnsupportedReq):
    """约券: negotiated order (not supported)."""


class SmtAppointmentOrderReq(_UnsupportedReq):
    """约券: appointment (not supported)."""


class SmtAppointmentCancelReq(_UnsupportedReq):
    """约券: cancel appointment (not supported)."""


class SmtQueryOrderReq(_UnsupportedReq):
    """约券: applications (not supported)."""


class SmtQueryCompactReq(_UnsupportedReq):
    """约券: contracts (not supported)."""


class SmtCompactRenewalReq(_UnsupportedReq):
    """约券: renewal (not supported)."""


class SmtCompactReturnReq(_UnsupportedReq):
    """约券: return (not supported)."""


class QueryPositionStatisticsReq(_UnsupportedReq):
    """期货持仓统计 (not supported)."""


class BankTransferReq(_UnsupportedReq):
    """银证转账 (not supported)."""


class QueryBankInfoReq(_UnsupportedReq):
    """银证转账: bank accounts (not supported)."""


class QueryBankAmountReq(_UnsupportedReq):
    """银证转账: bank balance (not supported)."""


class QueryBankTransferStreamReq(_UnsupportedReq):
    """银证转账: transfer history (not supported)."""


class QuerySecuAccountReq(_UnsupportedReq):
    """股东账号 (not supported)."""


class CtpInternalTransferReq(_UnsupportedReq):
    """CTP 资金内转 (not supported)."""


class OperateSmartAlgoTaskReq(_UnsupportedReq):
    """智能算法 task operation (not supported)."""


# --------------------------------------------------------------------------
# Native-shaped answers the vendor converts itself.


@dataclass(frozen=True, slots=True)
class OrderStockResp:
    """The answer to ``orderStockWithSeq`` (vendor makes an ``XtOrderResponse``)."""

    m_strAccountID: str
    m_nOrderID: int
    m_strStrategyName: str
    m_strOrderRemark: str
    m_strErrorMsg: str


@dataclass(frozen=True, slots=True)
class CancelOrderStockResp:
    """The answer to ``cancelOrderStockWithSeq`` (vendor makes an ``XtCancelOrderResponse``)."""

    m_strAccountID: str
    m_nCancelResult: int
    m_nOrderID: int
    m_strOrderSysID: str
    m_strErrorMsg: str


@dataclass(frozen=True, slots=True)
class AccountStatusData:
    """The account status push (vendor makes an ``XtAccountStatus``)."""

    m_strAccountID: str
    m_nAccountType: int
    m_nStatus: int


@dataclass(frozen=True, slots=True)
class _Pending:
    """An order or cancel sent to the simulated trader, waiting for its answer."""

    vendor_seq: int
    account_id: str
    order_id: int = -1
    order_sysid: str = ""
    strategy_name: str = ""
    order_remark: str = ""


# --------------------------------------------------------------------------
# The client.


def _new_sim_trader(path: str, session: int) -> SimXtQuantTrader:
    """Create the simulated trader this client drives (a seam for tests)."""
    from app.services.sim.trader import SimXtQuantTrader

    return SimXtQuantTrader(path, session)


def _decode_path(path: bytes | str) -> str:
    """The vendor passes ``path.encode('gb18030')``; accept both forms."""
    if isinstance(path, bytes | bytearray):
        return bytes(path).decode("gb18030")
    return str(path)


def _account(req: _AccountReq) -> xttype.StockAccount:
    """A ``StockAccount`` for the request's account id and type."""
    account = xttype.StockAccount(str(req.m_strAccountID))
    account.account_type = req.m_nAccountType
    return account


def _binder(key: str, what: str) -> Callable[[XtQuantAsyncClient, _Handler], None]:
    def bind(self: XtQuantAsyncClient, callback: _Handler) -> None:
        self._handlers[key] = callback

    bind.__doc__ = f"Store the vendor's handler for {what}."
    return bind


def _unsupported(api: str, feature: str) -> Callable[..., int]:
    def call(self: XtQuantAsyncClient, *args: object) -> int:
        raise SimulatorNotSupportedError(api, feature)

    call.__doc__ = f"{feature} ({api}): raises :class:`SimulatorNotSupportedError`."
    return call


def _answers(
    key: str, failure: Any
) -> Callable[[Callable[[SimXtQuantTrader, Any], Any]], Callable[..., int]]:
    """Make ``call(sim, req)`` a request method ``fooWithSeq(seq, req) -> 0``.

    The call runs on the I/O thread; its result (``failure`` if it raises)
    answers ``(seq, result)`` through the vendor handler bound for ``key``.
    """

    def make(call: Callable[[SimXtQuantTrader, Any], Any]) -> Callable[..., int]:
        def request(self: XtQuantAsyncClient, seq: int, req: Any) -> int:
            self._request(key, seq, lambda sim: call(sim, req), failure)
            return 0

        request.__name__ = request.__qualname__ = call.__name__
        request.__doc__ = call.__doc__
        return request

    return make


class XtQuantAsyncClient:
    """The native client's interface, driving a ``SimXtQuantTrader`` of the same folder.

    Args:
        path: the counter's folder (``miniqmt_path``), ``str`` or the vendor's
            ``gb18030`` bytes.
        name: the client name the vendor passes (``'xtquant'``), kept for logs.
        session: the session id; the simulated trader gets the same one.
    """

    def __init__(self, path: bytes | str, name: str, session: int) -> None:
        self.path = _decode_path(path)
        self.name = name
        self.session = int(session)
        self.timeout = 0
        self._handlers: dict[str, _Handler] = {}
        self._seq = itertools.count(1)
        self._seq_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._sim: SimXtQuantTrader | None = None
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._io: threading.Thread | None = None
        self._running = False
        self._stopping = False
        # Touched on the I/O thread only (and by stop() once it has ended).
        self._pending_orders: dict[int, _Pending] = {}  # sim seq -> pending
        self._pending_cancels: dict[int, _Pending] = {}  # sim seq -> pending
        self._vendor_seq_by_sim_seq: dict[int, int] = {}
        self._vendor_seq_by_order_id: dict[int, int] = {}

    def __repr__(self) -> str:
        state = "running" if self._running else "idle"
        return f"<XtQuantAsyncClient stand-in {self.path!r} session={self.session} {state}>"

    # ---- life cycle ------------------------------------------------------

    def init(self) -> int:
        """Create the simulated trader for ``(path, session)``; idempotent. Returns 0."""
        self._ensure_sim()
        return 0

    def start(self) -> int:
        """Start the I/O thread and the simulated trader. Returns 0."""
        sim = self._ensure_sim()
        with self._state_lock:
            if self._running:
                return 0
            self._running = True
            self._io = threading.Thread(
                target=self._run_io, name=f"xtpythonclient-sim-{self.session}", daemon=True
            )
            self._io.start()
        sim.start()
        return 0

    def stop(self) -> int:
        """Stop the simulated trader and the I/O thread; answer what is still pending.

        Requests queued before ``stop`` still run (against a stopped trader,
        they fail and are answered as failures); orders and cancels still
        waiting for the counter are answered with -1, so no vendor call is
        left waiting. Returns 0.
        """
        with self._state_lock:
            if not self._running or self._stopping:
                return 0
            self._stopping = True
            io = self._io
        if self._sim is not None:
            try:
                self._sim.stop()
            except Exception:
                logger.exception("simulated trader stop() failed (session %s)", self.session)
        with self._state_lock:
            self._running = False
            self._stopping = False
            self._jobs.put(None)
        if io is not None and io is not threading.current_thread():
            io.join(STOP_JOIN_TIMEOUT)
            if io.is_alive():
                logger.warning("xtpythonclient stand-in: I/O thread still busy after stop()")
                return 0
        self._fail_pending("交易接口已停止")
        self._vendor_seq_by_sim_seq.clear()
        self._vendor_seq_by_order_id.clear()
        return 0

    def connect(self) -> int:
        """Connect the simulated trader (blocking, like the native call): 0 ok, else failure."""
        result = self._ensure_sim().connect()
        return int(result) if result is not None else -1

    def setTimeout(self, timeout: int = 0) -> None:
        """Store the request timeout; the simulated counter answers every request itself."""
        self.timeout = timeout

    def nextSeq(self) -> int:
        """The next request sequence number (1, 2, ...), thread-safe."""
        with self._seq_lock:
            return next(self._seq)

    # ---- requests: stock trading and queries ------------------------------

    @_answers("subscribe_resp", -1)
    def subscribeWithSeq(sim: SimXtQuantTrader, req: SubscribeReq) -> int:
        """Subscribe; answers ``(seq, 0 | -1)``."""
        return _int_result(sim.subscribe(_account(req)))

    @_answers("unsubscribe_resp", -1)
    def unsubscribeWithSeq(sim: SimXtQuantTrader, req: UnsubscribeReq) -> int:
        """Unsubscribe; answers ``(seq, 0 | -1)``."""
        return _int_result(sim.unsubscribe(_account(req)))

    def orderStockWithSeq(self, seq: int, req: OrderStockReq) -> int:
        """Place an order; answers ``(seq, OrderStockResp)`` once the counter responds."""

        def job(sim: SimXtQuantTrader) -> None:
            account = _account(req)
            pending = _Pending(
                seq,
                account.account_id,
                strategy_name=req.m_strStrategyName,
                order_remark=req.m_strOrderRemark,
            )
            try:
                sim_seq = sim.order_stock_async(
                    account,
                    req.m_strStockCode,
                    req.m_nOrderType,
                    int(req.m_nOrderVolume),
                    req.m_nPriceType,
                    float(req.m_dPrice),
                    req.m_strStrategyName,
                    req.m_strOrderRemark,
                )
            except Exception as exc:
                logger.exception("simulated order_stock_async failed (session %s)", self.session)
                self._answer_order(pending, -1, f"委托失败: {exc}")
                return
            if not isinstance(sim_seq, int) or sim_seq <= 0:
                self._answer_order(pending, -1, "委托失败: 未连接模拟柜台或资金账号无效")
                return
            self._pending_orders[sim_seq] = pending
            self._vendor_seq_by_sim_seq[sim_seq] = seq

        self._submit(job)
        return 0

    def cancelOrderStockWithSeq(self, seq: int, req: CancelOrderStockReq) -> int:
        """Cancel by order id or by counter id; answers ``(seq, CancelOrderStockResp)``."""

        def job(sim: SimXtQuantTrader) -> None:
            account = _account(req)
            pending = _Pending(seq, account.account_id, req.m_nOrderID, req.m_strOrderSysID)
            try:
                if req.m_strOrderSysID:
                    market: int | str = req.m_strMarket or req.m_nMarket
                    sim_seq = sim.cancel_order_stock_sysid_async(
                        account, market, req.m_strOrderSysID
                    )
                else:
                    sim_seq = sim.cancel_order_stock_async(account, req.m_nOrderID)
            except Exception as exc:
                logger.exception("simulated cancel failed (session %s)", self.session)
                self._answer_cancel(pending, -1, f"撤单失败: {exc}")
                return
            if not isinstance(sim_seq, int) or sim_seq <= 0:
                self._answer_cancel(pending, -1, "撤单失败: 未连接模拟柜台或资金账号无效")
                return
            self._pending_cancels[sim_seq] = pending

        self._submit(job)
        return 0

    @_answers("query_stock_asset", [])
    def queryStockAssetWithSeq(sim: SimXtQuantTrader, req: QueryStockAssetReq) -> list[Any]:
        """Answers ``(seq, [XtAsset])`` or ``(seq, [])``."""
        return _one(sim.query_stock_asset(_account(req)))

    @_answers("query_stock_orders", [])
    def queryStockOrdersWithSeq(sim: SimXtQuantTrader, req: QueryStockOrdersReq) -> list[Any]:
        """Answers ``(seq, [XtOrder, ...])``; one order when ``m_nOrderID`` > 0."""
        if req.m_nOrderID > 0:
            return _one(sim.query_stock_order(_account(req), req.m_nOrderID))
        return _many(sim.query_stock_orders(_account(req), bool(req.m_bCanCancel)))

    @_answers("query_stock_trades", [])
    def queryStockTradesWithSeq(sim: SimXtQuantTrader, req: QueryStockTradesReq) -> list[Any]:
        """Answers ``(seq, [XtTrade, ...])``."""
        return _many(sim.query_stock_trades(_account(req)))

    @_answers("query_stock_positions", [])
    def queryStockPositionsWithSeq(sim: SimXtQuantTrader, req: QueryStockPositionsReq) -> list[Any]:
        """Answers ``(seq, [XtPosition, ...])``; one position when ``m_strStockCode`` is set."""
        if req.m_strStockCode:
            return _one(sim.query_stock_position(_account(req), req.m_strStockCode))
        return _many(sim.query_stock_positions(_account(req)))

    @_answers("query_account_status", [])
    def queryAccountStatusWithSeq(sim: SimXtQuantTrader, req: QueryAccountStatusReq) -> list[Any]:
        """Answers ``(seq, [XtAccountStatus, ...])``."""
        return _many(sim.query_account_status())

    def queryAccountInfosWithSeq(self, seq: int, req: QueryAccountInfosReq) -> int:
        """Answers ``(seq, [XtAccountInfo, ...])`` when the simulated trader offers them."""
        sim = self._sim
        if sim is not None and not callable(getattr(sim, "query_account_infos", None)):
            raise SimulatorNotSupportedError("query_account_infos", "账号信息查询")
        self._request("query_account_infos", seq, lambda sim: _many(sim.query_account_infos()), [])
        return 0

    # ---- requests the simulator does not support ------------------------

    queryCreditDetailWithSeq = _unsupported("query_credit_detail", "融资融券")
    queryStkCompactsWithSeq = _unsupported("query_stk_compacts", "融资融券")
    queryCreditSubjectsWithSeq = _unsupported("query_credit_subjects", "融资融券")
    queryCreditSloCodeWithSeq = _unsupported("query_credit_slo_code", "融资融券")
    queryCreditAssureWithSeq = _unsupported("query_credit_assure", "融资融券")
    queryNewPurchaseLimitWithSeq = _unsupported("query_new_purchase_limit", "新股申购")
    queryIPODataWithSeq = _unsupported("query_ipo_data", "新股新债")
    transferWithSeq = _unsupported("fund_transfer/secu_transfer", "资金股份划拨")
    queryComFundWithSeq = _unsupported("query_com_fund", "普通柜台资金")
    queryComPositionWithSeq = _unsupported("query_com_position", "普通柜台持仓")
    smtQueryQuoterWithSeq = _unsupported("smt_query_quoter", "约券")
    smtNegotiateOrderWithSeq = _unsupported("smt_negotiate_order_async", "约券")
    smtAppointmentOrderWithSeq = _unsupported("smt_appointment_order_async", "约券")
    smtAppointmentCancelWithSeq = _unsupported("smt_appointment_cancel_async", "约券")
    smtQueryOrderWithSeq = _unsupported("smt_query_order", "约券")
    smtQueryCompactWithSeq = _unsupported("smt_query_compact", "约券")
    smtCompactRenewalWithSeq = _unsupported("smt_compact_renewal_async", "约券")
    smtCompactReturnWithSeq = _unsupported("smt_compact_return_async", "约券")
    queryPositionStatisticsWithSeq = _unsupported("query_position_statistics", "持仓统计")
    exportDataWithSeq = _unsupported("export_data/query_data", "数据导出")
    syncTransactionFromExternalWithSeq = _unsupported(
        "sync_transaction_from_external", "外部成交同步"
    )
    bankTransferWithSeq = _unsupported("bank_transfer_in/out", "银证转账")
    queryBankInfoWithSeq = _unsupported("query_bank_info", "银证转账")
    queryBankAmountWithSeq = _unsupported("query_bank_amount", "银证转账")
    queryBankTransferStreamWithSeq = _unsupported("query_bank_transfer_stream", "银证转账")
    querySecuAccountWithSeq = _unsupported("query_secu_account", "股东账号查询")
    ctpInternalTransferWithSeq = _unsupported("ctp_transfer_*", "CTP资金内转")
    getSmartAlgoParamWithSeq = _unsupported("get_smart_algo_param", "智能算法")
    smartOrderStockWithSeq = _unsupported("smart_algo_order_async", "智能算法")
    querySmartAlgoTaskWithSeq = _unsupported("query_smart_algo_task", "智能算法")
    operateSmartAlgoTaskWithSeq = _unsupported("cancel_smart_algo_task_async", "智能算法")

    # ---- handler binding (every name XtQuantTrader.__init__ binds) --------

    bindOnSubscribeRespCallback = _binder("subscribe_resp", "subscribe answers")
    bindOnUnsubscribeRespCallback = _binder("unsubscribe_resp", "unsubscribe answers")
    bindOnQueryStockAssetCallback = _binder("query_stock_asset", "asset queries")
    bindOnQueryStockOrdersCallback = _binder("query_stock_orders", "order queries")
    bindOnQueryStockTradesCallback = _binder("query_stock_trades", "trade queries")
    bindOnQueryStockPositionsCallback = _binder("query_stock_positions", "position queries")
    bindOnQueryAccountInfosCallback = _binder("query_account_infos", "account-list queries")
    bindOnQueryAccountStatusCallback = _binder("query_account_status", "account-status queries")
    bindOnOrderStockRespCallback = _binder("order_stock_resp", "order answers")
    bindOnCancelOrderStockRespCallback = _binder("cancel_order_stock_resp", "cancel answers")
    bindOnDisconnectedCallback = _binder("disconnected", "the disconnect push")
    bindOnUpdateAccountStatusCallback = _binder("account_status", "the account-status push")
    bindOnStockAssetCallback = _binder("stock_asset", "the asset push")
    bindOnStockOrderCallback = _binder("stock_order", "the order push")
    bindOnStockTradeCallback = _binder("stock_trade", "the trade push")
    bindOnStockPositionCallback = _binder("stock_position", "the position push")
    bindOnOrderErrorCallback = _binder("order_error", "the order-error push")
    bindOnCancelErrorCallback = _binder("cancel_error", "the cancel-error push")
    # Bound by the vendor, never called: the simulator does not support these paths.
    bindOnQueryCreditDetailRespCallback = _binder("credit_detail", "an unsupported path")
    bindOnQueryStkCompactsRespCallback = _binder("stk_compacts", "an unsupported path")
    bindOnQueryCreditSubjectsRespCallback = _binder("credit_subjects", "an unsupported path")
    bindOnQueryCreditSloCodeRespCallback = _binder("credit_slo_code", "an unsupported path")
    bindOnQueryCreditAssureRespCallback = _binder("credit_assure", "an unsupported path")
    bindOnQueryNewPurchaseLimitCallback = _binder("new_purchase_limit", "an unsupported path")
    bindOnQueryIPODataCallback = _binder("ipo_data", "an unsupported path")
    bindOnTransferRespCallback = _binder("transfer", "an unsupported path")
    bindOnQueryComFundRespCallback = _binder("com_fund", "an unsupported path")
    bindOnSmtQueryQuoterRespCallback = _binder("smt_quoter", "an unsupported path")
    bindOnSmtQueryOrderRespCallback = _binder("smt_order", "an unsupported path")
    bindOnSmtQueryCompactRespCallback = _binder("smt_compact", "an unsupported path")
    bindOnQueryPositionStatisticsRespCallback = _binder(
        "position_statistics", "an unsupported path"
    )
    bindOnExportDataRespCallback = _binder("export_data", "an unsupported path")
    bindOnSyncTransactionFromExternalRespCallback = _binder(
        "sync_transaction", "an unsupported path"
    )
    bindOnBankTransferRespCallback = _binder("bank_transfer", "an unsupported path")
    bindOnQueryBankInfoRespCallback = _binder("bank_info", "an unsupported path")
    bindOnQueryBankAmountRespCallback = _binder("bank_amount", "an unsupported path")
    bindOnQueryBankTransferStreamRespCallback = _binder(
        "bank_transfer_stream", "an unsupported path"
    )
    bindOnQuerySecuAccountRespCallback = _binder("secu_account", "an unsupported path")
    bindOnCtpInternalTransferRespCallback = _binder("ctp_internal_transfer", "an unsupported path")
    bindOnGetSmartAlgoParamRespCallback = _binder("smart_algo_param", "an unsupported path")
    bindOnSmartOrderStockRespCallback = _binder("smart_order", "an unsupported path")
    bindOnQuerySmartAlgoTaskRespCallback = _binder("smart_algo_task", "an unsupported path")
    bindOnOperateSmartAlgoTaskRespCallback = _binder(
        "operate_smart_algo_task", "an unsupported path"
    )
    bindOnSmtAppointmentRespCallback = _binder("smt_appointment", "an unsupported path")

    # ---- internals -------------------------------------------------------

    def _ensure_sim(self) -> SimXtQuantTrader:
        with self._state_lock:
            if self._sim is None:
                self._sim = _new_sim_trader(self.path, self.session)
                self._sim.register_callback(_SimEvents(self))
            return self._sim

    def _submit(self, job: Callable[[SimXtQuantTrader], None]) -> None:
        """Queue ``job(sim)`` for the I/O thread, or raise when the client is not running.

        Raising here, on the caller's thread, matters: a request that nobody
        runs would leave a synchronous vendor call waiting for ever. The check
        and the queueing are one step under the lock, so ``stop()`` cannot
        slip its end marker in between.
        """
        with self._state_lock:
            sim = self._sim
            if not self._running or self._stopping or sim is None:
                raise RuntimeError(
                    "交易接口未启动或已停止：请先调用 XtQuantTrader.start()（模拟柜台）"
                )
            self._jobs.put(lambda: job(sim))

    def _request(
        self,
        key: str,
        seq: int,
        call: Callable[[SimXtQuantTrader], Any],
        failure: Any,
    ) -> None:
        """Queue ``call(sim)`` on the I/O thread; answer ``(seq, result)`` through ``key``."""

        def job(sim: SimXtQuantTrader) -> None:
            try:
                result = call(sim)
            except Exception:
                logger.exception("simulated request %s failed (session %s)", key, self.session)
                result = failure
            self._call_handler(key, seq, result)

        self._submit(job)

    def _run_io(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:
                logger.exception("xtpythonclient stand-in: job failed (session %s)", self.session)

    def _post_event(self, job: Callable[[], None]) -> None:
        """Queue a simulated-trader callback for the I/O thread (called on the counter's)."""
        with self._state_lock:
            if self._running:
                self._jobs.put(job)

    def _call_handler(self, key: str, *args: Any) -> None:
        handler = self._handlers.get(key)
        if handler is None:
            logger.debug("xtpythonclient stand-in: no handler bound for %s", key)
            return
        try:
            handler(*args)
        except Exception:
            # E.g. the vendor's executor already shut down after its stop().
            logger.exception("vendor handler %s raised (session %s)", key, self.session)

    def _answer_order(self, pending: _Pending, order_id: int, error_msg: str) -> None:
        if order_id > 0:
            self._vendor_seq_by_order_id[order_id] = pending.vendor_seq
        resp = OrderStockResp(
            pending.account_id, order_id, pending.strategy_name, pending.order_remark, error_msg
        )
        self._call_handler("order_stock_resp", pending.vendor_seq, resp)

    def _answer_cancel(self, pending: _Pending, result: int, error_msg: str) -> None:
        resp = CancelOrderStockResp(
            pending.account_id, result, pending.order_id, pending.order_sysid, error_msg
        )
        self._call_handler("cancel_order_stock_resp", pending.vendor_seq, resp)

    def _fail_pending(self, reason: str) -> None:
        """Answer every order and cancel still waiting for the counter with a failure."""
        orders, self._pending_orders = self._pending_orders, {}
        cancels, self._pending_cancels = self._pending_cancels, {}
        for pending in orders.values():
            self._answer_order(pending, -1, f"委托失败: {reason}")
        for pending in cancels.values():
            self._answer_cancel(pending, -1, f"撤单失败: {reason}")

    # Simulated-trader events, run on the I/O thread.

    def _on_order_response(self, resp: xttype.XtOrderResponse) -> None:
        pending = self._pending_orders.pop(resp.seq, None)
        if pending is None:
            logger.debug("order response for unknown seq %s ignored", resp.seq)
            return
        pending = _Pending(
            pending.vendor_seq,
            resp.account_id or pending.account_id,
            strategy_name=resp.strategy_name,
            order_remark=resp.order_remark,
        )
        self._answer_order(pending, int(resp.order_id), resp.error_msg or "")

    def _on_cancel_response(self, resp: xttype.XtCancelOrderResponse) -> None:
        pending = self._pending_cancels.pop(resp.seq, None)
        if pending is None:
            logger.debug("cancel response for unknown seq %s ignored", resp.seq)
            return
        reply = CancelOrderStockResp(
            resp.account_id or pending.account_id,
            int(resp.cancel_result),
            resp.order_id,
            resp.order_sysid or "",
            resp.error_msg or "",
        )
        self._call_handler("cancel_order_stock_resp", pending.vendor_seq, reply)

    def _on_order_error(self, error: xttype.XtOrderError) -> None:
        sim_seq = getattr(error, "seq", None)
        vendor_seq = self._vendor_seq_by_sim_seq.get(sim_seq) if sim_seq is not None else None
        if vendor_seq is None:
            vendor_seq = self._vendor_seq_by_order_id.get(error.order_id, -1)
        relayed = copy.copy(error)
        relayed.seq = vendor_seq
        self._call_handler("order_error", relayed)

    def _on_disconnected(self) -> None:
        self._fail_pending("与模拟柜台的连接已断开")
        self._call_handler("disconnected")

    def _on_account_status(self, status: xttype.XtAccountStatus) -> None:
        data = AccountStatusData(status.account_id, status.account_type, status.status)
        self._call_handler("account_status", data)


def _int_result(value: object) -> int:
    return value if isinstance(value, int) else -1


def _one(value: Any) -> list[Any]:
    return [] if value is None else [value]


def _many(values: Any) -> list[Any]:
    return [] if values is None else list(values)


class _SimEvents:
    """The callback registered on the simulated trader: relays to the I/O thread.

    Runs on the counter's worker thread and only queues, so the counter is
    never held up by the vendor.
    """

    def __init__(self, client: XtQuantAsyncClient) -> None:
        self._client = client

    def _relay(self, job: Callable[[], None]) -> None:
        self._client._post_event(job)

    def on_connected(self) -> None:
        """The vendor binds no connect push (``connect()`` answers); nothing to relay."""

    def on_disconnected(self) -> None:
        """Fail what is pending, then push the disconnect."""
        self._relay(self._client._on_disconnected)

    def on_account_status(self, status: xttype.XtAccountStatus) -> None:
        """Relay as the native-shaped ``AccountStatusData``."""
        self._relay(lambda: self._client._on_account_status(status))

    def on_stock_asset(self, asset: xttype.XtAsset) -> None:
        """Relay unchanged."""
        self._relay(lambda: self._client._call_handler("stock_asset", asset))

    def on_stock_order(self, order: xttype.XtOrder) -> None:
        """Relay unchanged."""
        self._relay(lambda: self._client._call_handler("stock_order", order))

    def on_stock_trade(self, trade: xttype.XtTrade) -> None:
        """Relay unchanged."""
        self._relay(lambda: self._client._call_handler("stock_trade", trade))

    def on_stock_position(self, position: xttype.XtPosition) -> None:
        """Relay unchanged."""
        self._relay(lambda: self._client._call_handler("stock_position", position))

    def on_order_error(self, error: xttype.XtOrderError) -> None:
        """Relay with the vendor's ``seq``."""
        self._relay(lambda: self._client._on_order_error(error))

    def on_cancel_error(self, error: xttype.XtCancelError) -> None:
        """Relay unchanged."""
        self._relay(lambda: self._client._call_handler("cancel_error", error))

    def on_order_stock_async_response(self, resp: xttype.XtOrderResponse) -> None:
        """Answer the vendor request this order came from."""
        self._relay(lambda: self._client._on_order_response(resp))

    def on_cancel_order_stock_async_response(self, resp: xttype.XtCancelOrderResponse) -> None:
        """Answer the vendor request this cancel came from."""
        self._relay(lambda: self._client._on_cancel_response(resp))
