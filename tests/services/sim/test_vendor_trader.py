"""The vendor's unmodified ``XtQuantTrader`` over the stand-in native module.

Three layers of checks:

- the contract: every name ``xttrader.py`` takes from ``_XTQC_`` exists in
  the stand-in, and every request field it sets is accepted;
- the adapter's promises, driven by a scripted double of the simulated trader
  (answers that overtake each other, failures, a drop, a stop): no vendor call
  is ever left waiting;
- the real thing: the vendor class over the simulated counter, end to end.

No sleeps: every wait is on a condition with a timeout.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import importlib
import itertools
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from xtquant import xtconstant, xttype

from app.services.sim import xtpythonclient as standin_module
from app.services.sim.config import DEFAULT_HOLDINGS, SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.errors import CounterError
from app.services.sim.standin import install_xtpythonclient_standin

pytestmark = pytest.mark.filterwarnings(
    "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"  # vendor's xtbson
)

VENDOR_FILE = Path(importlib.util.find_spec("xtquant").origin).with_name("xttrader.py")
TIMEOUT = 5.0
ACCOUNT_ID = "55001234"
_MISSING = object()


# --------------------------------------------------------------------------
# Fixtures: the vendor module imported over the stand-in, and traders.


@pytest.fixture
def xttrader() -> Iterator[ModuleType]:
    """``xtquant.xttrader`` imported over the stand-in; what this test added is removed."""
    package = importlib.import_module("xtquant")
    added = [
        name for name in ("xtquant.xtpythonclient", "xtquant.xttrader") if name not in sys.modules
    ]
    added_attributes = [
        name for name in ("xtpythonclient", "xttrader") if name not in package.__dict__
    ]
    earlier_trader = sys.modules.get("xtquant.xttrader")
    earlier_binding = getattr(earlier_trader, "_XTQC_", _MISSING)
    assert install_xtpythonclient_standin() is True
    module = importlib.import_module("xtquant.xttrader")
    assert module._XTQC_ is standin_module
    yield module
    for name in added:
        sys.modules.pop(name, None)
    for name in added_attributes:
        package.__dict__.pop(name, None)
    if earlier_trader is not None and earlier_binding is not _MISSING:
        earlier_trader._XTQC_ = earlier_binding


class Recording:
    """Mixed into the vendor's ``XtQuantTraderCallback``: records every push.

    ``wait(name, predicate)`` returns the first recorded event of that name
    whose object satisfies ``predicate``, waiting up to ``TIMEOUT``.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, Any, threading.Thread]] = []
        self._changed = threading.Condition()

    def _record(self, name: str, obj: Any = None) -> None:
        with self._changed:
            self.events.append((name, obj, threading.current_thread()))
            self._changed.notify_all()

    def wait(self, name: str, predicate: Callable[[Any], bool] = lambda _: True) -> Any:
        def find() -> tuple[str, Any, threading.Thread] | None:
            return next((e for e in self.events if e[0] == name and predicate(e[1])), None)

        with self._changed:
            found = self._changed.wait_for(find, timeout=TIMEOUT)
        assert found is not None, f"no {name} within {TIMEOUT}s; got {self.names()}"
        assert found[2] is not threading.main_thread(), f"{name} on the caller's thread"
        return found[1]

    def all(self, name: str) -> list[Any]:
        with self._changed:
            return [obj for event, obj, _ in self.events if event == name]

    def names(self) -> list[str]:
        with self._changed:
            return [name for name, _, _ in self.events]

    def on_connected(self) -> None:
        self._record("on_connected")

    def on_disconnected(self) -> None:
        self._record("on_disconnected")

    def on_account_status(self, status: Any) -> None:
        self._record("on_account_status", status)

    def on_stock_asset(self, asset: Any) -> None:
        self._record("on_stock_asset", asset)

    def on_stock_order(self, order: Any) -> None:
        self._record("on_stock_order", order)

    def on_stock_trade(self, trade: Any) -> None:
        self._record("on_stock_trade", trade)

    def on_stock_position(self, position: Any) -> None:
        self._record("on_stock_position", position)

    def on_order_error(self, order_error: Any) -> None:
        self._record("on_order_error", order_error)

    def on_cancel_error(self, cancel_error: Any) -> None:
        self._record("on_cancel_error", cancel_error)

    def on_order_stock_async_response(self, response: Any) -> None:
        self._record("on_order_stock_async_response", response)

    def on_cancel_order_stock_async_response(self, response: Any) -> None:
        self._record("on_cancel_order_stock_async_response", response)


@dataclass
class Session:
    trader: Any
    callback: Recording
    account: xttype.StockAccount
    created_loop: bool = False


@pytest.fixture
def open_session(xttrader: ModuleType) -> Iterator[Callable[..., Session]]:
    """``open_session(path, session_id, start=True)``: a vendor trader with a recorder.

    In the main thread the vendor's constructor calls ``asyncio.get_event_loop()``
    (creating a loop when there is none) and sets a new loop of its own as the
    thread's current loop; its ``__del__`` sets the old one back. Teardown stops
    what was started, closes those loops and restores the main thread's loop
    state, so no test sees another's loops.
    """
    callback_class = type("Recorder", (Recording, xttrader.XtQuantTraderCallback), {})
    # CPython 3.12's per-thread loop slot; there is no public way to read it
    # without creating a loop.
    loop_slot = asyncio.get_event_loop_policy()._local
    saved_loop = (loop_slot._loop, loop_slot._set_called)
    sessions: list[Session] = []

    def open_(path: Path | str, session_id: int, *, start: bool = True) -> Session:
        callback = callback_class()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            trader = xttrader.XtQuantTrader(str(path), session_id, callback)
        created = any("no current event loop" in str(w.message) for w in caught)
        session = Session(trader, callback, xttype.StockAccount(ACCOUNT_ID), created)
        sessions.append(session)
        if start:
            trader.start()
        return session

    yield open_
    for session in reversed(sessions):
        trader = session.trader
        if trader.executor is not None and not trader.executor._shutdown:
            trader.stop()
        trader.loop.close()
        if session.created_loop:
            trader.oldloop.close()
        trader.oldloop = saved_loop[0]
    sessions.clear()
    gc.collect()  # runs the vendor's __del__ now rather than in a later test
    loop_slot._loop, loop_slot._set_called = saved_loop
    leaked = [t.name for t in threading.enumerate() if t.name.startswith("xtpythonclient-sim-")]
    assert leaked == [], f"stand-in I/O threads left running: {leaked}"


# --------------------------------------------------------------------------
# The contract with xttrader.py, read from its source.


def _vendor_tree() -> ast.Module:
    return ast.parse(VENDOR_FILE.read_text(encoding="utf-8"))


def _attribute_names(tree: ast.AST, owner: Callable[[ast.expr], bool]) -> set[str]:
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and owner(node.value)
    }


def test_every_name_the_vendor_takes_from_the_native_module_exists():
    tree = _vendor_tree()
    module_names = _attribute_names(tree, lambda v: isinstance(v, ast.Name) and v.id == "_XTQC_")
    client_methods = _attribute_names(
        tree, lambda v: isinstance(v, ast.Attribute) and v.attr == "async_client"
    )
    assert "XtQuantAsyncClient" in module_names
    assert {"init", "start", "stop", "connect", "setTimeout", "nextSeq"} <= client_methods
    assert [n for n in sorted(module_names) if not hasattr(standin_module, n)] == []
    client = standin_module.XtQuantAsyncClient
    assert [m for m in sorted(client_methods) if not callable(getattr(client, m, None))] == []


def test_every_request_field_the_vendor_sets_is_accepted():
    """``req = _XTQC_.FooReq()`` then ``req.m_x = ...``: each field must be settable."""
    fields: dict[str, set[str]] = {}
    for function in ast.walk(_vendor_tree()):
        if not isinstance(function, ast.FunctionDef):
            continue
        request_class = None
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and isinstance(node.value.func.value, ast.Name)
                and node.value.func.value.id == "_XTQC_"
                and node.value.func.attr != "XtQuantAsyncClient"
            ):
                request_class = node.value.func.attr
        if request_class is None:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "req"
                    ):
                        fields.setdefault(request_class, set()).add(target.attr)
    assert {"OrderStockReq", "CancelOrderStockReq", "QueryStockOrdersReq"} <= set(fields)
    for request_class, names in fields.items():
        request = getattr(standin_module, request_class)()
        for name in names:
            setattr(request, name, getattr(request, name, 0))


def test_supported_requests_reject_misspelt_fields():
    request = standin_module.OrderStockReq()
    with pytest.raises(AttributeError):
        request.m_strStockCod = "600036.SH"


# --------------------------------------------------------------------------
# The adapter's promises, over a scripted double of SimXtQuantTrader.


class ScriptedSim:
    """Stands in for ``SimXtQuantTrader`` where a test must control the answers.

    ``order_hook(sim_seq, args)`` runs inside ``order_stock_async`` (on the
    stand-in's I/O thread) and may fire callbacks or raise; by default the
    order is accepted with id 7 and answered at once.
    """

    instances: ClassVar[list[ScriptedSim]] = []

    def __init__(self, path: str, session: int) -> None:
        self.path = path
        self.session = session
        self.callback: Any = None
        self.seqs = itertools.count(1000)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.called = threading.Event()
        self.order_hook: Callable[[int, tuple[Any, ...]], None] = self.answer_at_once
        self.stopped = False
        ScriptedSim.instances.append(self)

    def _log(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        self.called.set()

    def answer_at_once(self, sim_seq: int, args: tuple[Any, ...]) -> None:
        account = args[0]
        self.callback.on_order_stock_async_response(
            xttype.XtOrderResponse(account.account_id, 7, args[6], args[7], "", sim_seq)
        )

    def register_callback(self, callback: Any) -> None:
        self.callback = callback

    def start(self) -> None:
        self._log("start")

    def stop(self) -> None:
        self.stopped = True

    def connect(self) -> int:
        return 0

    def subscribe(self, account: xttype.StockAccount) -> int:
        self._log("subscribe", account)
        return 0

    def order_stock_async(self, *args: Any) -> int:
        sim_seq = next(self.seqs)
        self._log("order_stock_async", *args)
        self.order_hook(sim_seq, args)
        return sim_seq

    def cancel_order_stock_sysid_async(self, account: Any, market: Any, sysid: str) -> int:
        sim_seq = next(self.seqs)
        self._log("cancel_order_stock_sysid_async", account, market, sysid)
        self.callback.on_cancel_order_stock_async_response(
            xttype.XtCancelOrderResponse(account.account_id, 0, 7, sysid, sim_seq, "")
        )
        return sim_seq

    def query_stock_orders(self, account: Any, cancelable_only: bool = False) -> list[Any]:
        raise RuntimeError("ledger on fire")


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> type[ScriptedSim]:
    ScriptedSim.instances = []
    monkeypatch.setattr(standin_module, "_new_sim_trader", ScriptedSim)
    return ScriptedSim


def _order(session: Session, *, sync: bool = True) -> int:
    method = session.trader.order_stock if sync else session.trader.order_stock_async
    return method(
        session.account,
        "600036.SH",
        xtconstant.STOCK_BUY,
        100,
        xtconstant.FIX_PRICE,
        38.5,
        "strategy",
        "remark",
    )


def test_path_and_session_reach_the_simulated_trader(scripted, open_session):
    session = open_session("D:/国金证券QMT交易端/userdata_mini", 4242)
    assert session.trader.connect() == 0
    assert session.trader.subscribe(session.account) == 0
    sim = scripted.instances[0]
    assert (sim.path, sim.session) == ("D:/国金证券QMT交易端/userdata_mini", 4242)
    name, (account,) = sim.calls[-1]
    assert name == "subscribe"
    assert (account.account_id, account.account_type) == (ACCOUNT_ID, xtconstant.SECURITY_ACCOUNT)


def test_order_arguments_reach_the_simulated_trader(scripted, open_session):
    session = open_session("sim", 1)
    assert _order(session) == 7
    _, args = scripted.instances[0].calls[-1]
    assert args[1:] == (
        "600036.SH",
        xtconstant.STOCK_BUY,
        100,
        xtconstant.FIX_PRICE,
        38.5,
        "strategy",
        "remark",
    )


def test_an_order_error_that_overtakes_its_response_is_held_back_by_seq(scripted, open_session):
    session = open_session("sim", 1)
    sim = scripted.instances[0]

    def error_first(sim_seq: int, args: tuple[Any, ...]) -> None:
        error = xttype.XtOrderError(ACCOUNT_ID, 7, -31, "可用资金不足", "strategy", "remark")
        error.seq = sim_seq
        sim.callback.on_order_error(error)
        sim.answer_at_once(sim_seq, args)

    sim.order_hook = error_first
    seq = _order(session, sync=False)
    response = session.callback.wait("on_order_stock_async_response")
    error = session.callback.wait("on_order_error")
    assert (response.seq, response.order_id) == (seq, 7)
    assert isinstance(error, xttype.XtOrderError)
    assert (error.seq, error.order_id, error.error_id) == (seq, 7, -31)
    names = session.callback.names()
    assert names.index("on_order_stock_async_response") < names.index("on_order_error")
    assert len(session.callback.all("on_order_error")) == 1


def test_an_order_error_after_its_response_gets_the_vendor_seq_by_order_id(scripted, open_session):
    session = open_session("sim", 1)
    sim = scripted.instances[0]

    def error_after(sim_seq: int, args: tuple[Any, ...]) -> None:
        sim.answer_at_once(sim_seq, args)
        sim.callback.on_order_error(xttype.XtOrderError(ACCOUNT_ID, 7, -99, "注入"))

    sim.order_hook = error_after
    order_id = _order(session)
    error = session.callback.wait("on_order_error")
    assert order_id == 7
    assert error.seq > 0 and error.error_id == -99


def test_a_failing_counter_answers_minus_one_instead_of_hanging(scripted, open_session):
    session = open_session("sim", 1)

    def explode(sim_seq: int, args: tuple[Any, ...]) -> None:
        raise RuntimeError("counter exploded")

    scripted.instances[0].order_hook = explode
    assert _order(session) == -1
    seq = _order(session, sync=False)
    response = session.callback.wait("on_order_stock_async_response")
    assert (response.seq, response.order_id) == (seq, -1)
    assert "counter exploded" in response.error_msg
    # A query that raises answers an empty list.
    assert session.trader.query_stock_orders(session.account) == []


def test_a_drop_answers_orders_still_waiting_for_the_counter(scripted, open_session):
    session = open_session("sim", 1)
    sim = scripted.instances[0]
    sim.order_hook = lambda sim_seq, args: None  # accepted, never answered
    sim.called.clear()
    result: list[int] = []
    placing = threading.Thread(target=lambda: result.append(_order(session)))
    placing.start()
    assert sim.called.wait(TIMEOUT)
    sim.callback.on_disconnected()
    placing.join(TIMEOUT)
    assert result == [-1]
    session.callback.wait("on_disconnected")


def test_stop_answers_what_is_pending(scripted, open_session):
    session = open_session("sim", 1)
    sim = scripted.instances[0]
    sim.order_hook = lambda sim_seq, args: None
    seq = _order(session, sync=False)
    session.trader.stop()
    response = session.callback.wait("on_order_stock_async_response")
    assert (response.seq, response.order_id) == (seq, -1)
    assert sim.stopped


def test_cancel_by_counter_id_passes_the_market(scripted, open_session):
    session = open_session("sim", 1)
    assert session.trader.cancel_order_stock_sysid(session.account, "SH", "1001") == 0
    assert scripted.instances[0].calls[-1] == (
        "cancel_order_stock_sysid_async",
        (scripted.instances[0].calls[-1][1][0], "SH", "1001"),
    )


def test_account_status_push_becomes_xt_account_status(scripted, open_session):
    session = open_session("sim", 1)
    session.trader.connect()
    scripted.instances[0].callback.on_account_status(
        xttype.XtAccountStatus(ACCOUNT_ID, xtconstant.SECURITY_ACCOUNT, 0)
    )
    status = session.callback.wait("on_account_status")
    assert isinstance(status, xttype.XtAccountStatus)
    assert (status.account_id, status.account_type, status.status) == (
        ACCOUNT_ID,
        xtconstant.SECURITY_ACCOUNT,
        0,
    )


def test_requests_before_start_fail_at_once(scripted, open_session):
    session = open_session("sim", 1, start=False)
    with pytest.raises(RuntimeError, match="start"):
        session.trader.subscribe(session.account)


UNSUPPORTED: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("query_credit_detail", lambda t, a: t.query_credit_detail(a)),
    ("query_stk_compacts", lambda t, a: t.query_stk_compacts(a)),
    ("query_credit_subjects", lambda t, a: t.query_credit_subjects(a)),
    ("query_credit_slo_code", lambda t, a: t.query_credit_slo_code(a)),
    ("query_credit_assure", lambda t, a: t.query_credit_assure(a)),
    ("query_new_purchase_limit", lambda t, a: t.query_new_purchase_limit(a)),
    ("query_ipo_data", lambda t, a: t.query_ipo_data()),
    ("fund_transfer", lambda t, a: t.fund_transfer(a, 1, 100.0)),
    ("query_com_fund", lambda t, a: t.query_com_fund(a)),
    ("smt_query_quoter", lambda t, a: t.smt_query_quoter(a)),
    (
        "smt_appointment_order_async",
        lambda t, a: t.smt_appointment_order_async(a, "600036.SH", 7, 100, 0.1),
    ),
    ("query_position_statistics", lambda t, a: t.query_position_statistics(a)),
    ("bank_transfer_in", lambda t, a: t.bank_transfer_in(a, "A", "6222", 10.0)),
    ("bank_transfer_out_async", lambda t, a: t.bank_transfer_out_async(a, "A", "6222", 10.0)),
    ("query_bank_info", lambda t, a: t.query_bank_info(a)),
    ("query_secu_account", lambda t, a: t.query_secu_account(a)),
    ("ctp_transfer_option_to_future", lambda t, a: t.ctp_transfer_option_to_future("1", "2", 1)),
    ("get_smart_algo_param", lambda t, a: t.get_smart_algo_param(["VWAP"])),
    ("query_smart_algo_task", lambda t, a: t.query_smart_algo_task(a)),
    ("cancel_smart_algo_task_async", lambda t, a: t.cancel_smart_algo_task_async(a, 1)),
]


@pytest.mark.parametrize(("name", "call"), UNSUPPORTED, ids=[n for n, _ in UNSUPPORTED])
def test_unsupported_paths_raise_a_clear_error(scripted, open_session, name, call):
    session = open_session("sim", 1)
    with pytest.raises(
        standin_module.SimulatorNotSupportedError, match="not supported by the simulator"
    ):
        call(session.trader, session.account)


# --------------------------------------------------------------------------
# End to end: the vendor class over the simulated counter.


CODE = "600036.SH"


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[SimCounter]:
    """A fresh counter that moves only when told (in a folder with a space and Chinese)."""
    opened = SimCounter.open(tmp_path / "国金 QMT" / "userdata_mini", SimConfig(auto_run=False))
    yield opened
    opened.close()


@pytest.fixture
def live(counter: SimCounter, open_session: Callable[..., Session]) -> Session:
    """The vendor's trader started, connected and subscribed over the stand-in."""
    session = open_session(counter.folder, 8001)
    assert session.trader.connect() == 0
    assert session.trader.subscribe(session.account) == 0
    return session


def _buy(
    session: Session, price: float, volume: int = 100, *, sync: bool = True, remark: str = "vendor"
) -> int:
    method = session.trader.order_stock if sync else session.trader.order_stock_async
    return method(
        session.account,
        CODE,
        xtconstant.STOCK_BUY,
        volume,
        xtconstant.FIX_PRICE,
        price,
        "vendor-test",
        remark,
    )


def _order_with(order_id: int, status: int) -> Callable[[Any], bool]:
    return lambda o: o.order_id == order_id and o.order_status == status


def test_connect_subscribe_and_a_crossing_buy_fills(counter, live):
    status = live.callback.wait("on_account_status")
    assert isinstance(status, xttype.XtAccountStatus)
    assert (status.account_id, status.status) == (ACCOUNT_ID, xtconstant.ACCOUNT_STATUS_OK)

    ask = counter.market.quote(CODE).ask_price[0]
    order_id = _buy(live, ask)
    assert order_id > 0

    order = live.callback.wait("on_stock_order", _order_with(order_id, xtconstant.ORDER_SUCCEEDED))
    trade = live.callback.wait("on_stock_trade", lambda t: t.order_id == order_id)
    position = live.callback.wait(
        "on_stock_position", lambda p: p.stock_code == CODE and p.volume == 1100
    )
    asset = live.callback.wait("on_stock_asset")
    assert isinstance(order, xttype.XtOrder)
    assert (order.stock_code, order.order_volume, order.traded_volume) == (CODE, 100, 100)
    assert (order.strategy_name, order.order_remark) == ("vendor-test", "vendor")
    assert isinstance(trade, xttype.XtTrade)
    assert trade.traded_volume == 100 and trade.traded_price <= ask
    assert isinstance(position, xttype.XtPosition)
    assert isinstance(asset, xttype.XtAsset)
    assert live.callback.all("on_order_error") == []


def test_a_resting_order_is_cancelled(counter, live):
    bid = counter.market.quote(CODE).bid_price[4]
    order_id = _buy(live, bid)
    assert order_id > 0
    live.callback.wait("on_stock_order", _order_with(order_id, xtconstant.ORDER_REPORTED))

    assert live.trader.cancel_order_stock(live.account, order_id) == 0
    live.callback.wait("on_stock_order", _order_with(order_id, xtconstant.ORDER_CANCELED))
    order = live.trader.query_stock_order(live.account, order_id)
    assert isinstance(order, xttype.XtOrder)
    assert (order.order_status, order.traded_volume) == (xtconstant.ORDER_CANCELED, 0)
    assert live.trader.query_stock_orders(live.account, cancelable_only=True) == []


def test_a_resting_order_fills_when_the_market_comes_to_it(counter, live):
    quote = counter.market.quote(CODE)
    order_id = _buy(live, quote.bid_price[0])
    live.callback.wait("on_stock_order", _order_with(order_id, xtconstant.ORDER_REPORTED))
    below = quote.bid_price[4]
    counter.market.set_last_price(CODE, below)
    counter.advance()
    trade = live.callback.wait("on_stock_trade", lambda t: t.order_id == order_id)
    assert trade.traded_price == quote.bid_price[0]


def test_async_order_and_async_cancel_answer_with_their_seq(counter, live):
    bid = counter.market.quote(CODE).bid_price[4]
    seq = _buy(live, bid, sync=False, remark="async")
    assert seq > 0
    response = live.callback.wait("on_order_stock_async_response", lambda r: r.seq == seq)
    assert isinstance(response, xttype.XtOrderResponse)
    assert response.order_id > 0
    assert (response.account_id, response.strategy_name, response.order_remark) == (
        ACCOUNT_ID,
        "vendor-test",
        "async",
    )

    cancel_seq = live.trader.cancel_order_stock_async(live.account, response.order_id)
    cancelled = live.callback.wait(
        "on_cancel_order_stock_async_response", lambda r: r.seq == cancel_seq
    )
    assert isinstance(cancelled, xttype.XtCancelOrderResponse)
    assert (cancelled.cancel_result, cancelled.order_id) == (0, response.order_id)
    live.callback.wait("on_stock_order", _order_with(response.order_id, xtconstant.ORDER_CANCELED))


def test_queries_return_xttype_objects_with_the_right_values(counter, live):
    asset = live.trader.query_stock_asset(live.account)
    assert isinstance(asset, xttype.XtAsset)
    assert (asset.account_id, asset.cash, asset.frozen_cash) == (ACCOUNT_ID, 1_000_000.0, 0.0)

    positions = live.trader.query_stock_positions(live.account)
    assert all(isinstance(p, xttype.XtPosition) for p in positions)
    assert {p.stock_code: p.volume for p in positions} == {
        code: volume for code, (volume, _) in DEFAULT_HOLDINGS.items()
    }
    held = live.trader.query_stock_position(live.account, CODE)
    assert isinstance(held, xttype.XtPosition)
    assert (held.stock_code, held.volume, held.can_use_volume) == (CODE, 1000, 1000)
    assert live.trader.query_stock_position(live.account, "300750.SZ") is None

    order_id = _buy(live, counter.market.quote(CODE).ask_price[0])
    live.callback.wait("on_stock_trade", lambda t: t.order_id == order_id)

    orders = live.trader.query_stock_orders(live.account)
    assert [o.order_id for o in orders] == [order_id]
    assert isinstance(orders[0], xttype.XtOrder)
    assert orders[0].order_status == xtconstant.ORDER_SUCCEEDED
    assert live.trader.query_stock_order(live.account, order_id).order_id == order_id
    assert live.trader.query_stock_order(live.account, order_id + 1000) is None
    assert live.trader.query_stock_orders(live.account, cancelable_only=True) == []

    trades = live.trader.query_stock_trades(live.account)
    assert len(trades) >= 1 and all(isinstance(t, xttype.XtTrade) for t in trades)
    assert {t.order_id for t in trades} == {order_id}
    spent = sum(t.traded_amount + t.commission for t in trades)
    after = live.trader.query_stock_asset(live.account)
    assert after.cash + after.frozen_cash == pytest.approx(1_000_000.0 - spent, abs=0.01)
    assert live.trader.query_stock_position(live.account, CODE).volume == 1100


def test_account_status_and_account_infos(live):
    statuses = live.trader.query_account_status()
    assert [(s.account_id, s.status) for s in statuses] == [
        (ACCOUNT_ID, xtconstant.ACCOUNT_STATUS_OK)
    ]
    assert isinstance(statuses[0], xttype.XtAccountStatus)
    assert [info.account_id for info in live.trader.query_account_infos()] == [ACCOUNT_ID]


def test_a_refused_order_reaches_on_order_error(counter, live):
    ask = counter.market.quote(CODE).ask_price[0]
    order_id = _buy(live, ask, volume=1_000_000)  # about 40 million CNY
    assert order_id > 0
    error = live.callback.wait("on_order_error", lambda e: e.order_id == order_id)
    assert isinstance(error, xttype.XtOrderError)
    assert error.error_id == CounterError.CASH_INSUFFICIENT
    assert "可用资金不足" in error.error_msg
    assert live.trader.query_stock_order(live.account, order_id).order_status == (
        xtconstant.ORDER_JUNK
    )


def test_an_injected_rejection_of_an_async_order(counter, live):
    counter.faults.reject_next_order(-150, "资金账户已冻结")
    seq = _buy(live, counter.market.quote(CODE).ask_price[0], sync=False)
    response = live.callback.wait("on_order_stock_async_response", lambda r: r.seq == seq)
    error = live.callback.wait("on_order_error", lambda e: e.order_id == response.order_id)
    assert (error.error_id, error.seq) == (-150, seq)
    assert "资金账户已冻结" in error.error_msg
    assert len(live.callback.all("on_order_error")) == 1


def test_cancelling_a_filled_order_gives_on_cancel_error(counter, live):
    order_id = _buy(live, counter.market.quote(CODE).ask_price[0])
    live.callback.wait("on_stock_order", _order_with(order_id, xtconstant.ORDER_SUCCEEDED))
    assert live.trader.cancel_order_stock(live.account, order_id) == -1
    error = live.callback.wait("on_cancel_error", lambda e: e.order_id == order_id)
    assert isinstance(error, xttype.XtCancelError)
    assert error.error_id == CounterError.CANCEL_ALREADY_FILLED


def test_a_dropped_connection_reaches_on_disconnected(counter, live):
    assert counter.faults.drop_connections() == 1
    live.callback.wait("on_disconnected")
    assert _buy(live, counter.market.quote(CODE).ask_price[0]) == -1
    assert live.trader.query_stock_orders(live.account) == []


def test_stop_ends_the_session(counter, live):
    assert counter.session_count == 1
    live.trader.stop()
    assert counter.session_count == 0
    with pytest.raises(RuntimeError, match="start"):
        live.trader.query_stock_asset(live.account)
