"""Fakes for the viewmodel tests: a TradingSession and a MarketData honouring INTERNALS.md.

``FakeSession`` runs ``submit`` on one real worker thread (as the real session
does) and lets a test push events to its listeners from another thread;
``place_gate`` holds ``place_order`` so a test can try a double submit while
one is in flight. No widget is created anywhere in tests/viewmodels.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from app.models.quote import InstrumentInfo, Quote
from app.models.records import AccountSnapshot, Asset, Order, Position, Trade
from app.services.session import CancelResult, ConnectionStatus, OrderRejected, SessionState

ACCOUNT = "88000001"

INSTRUMENTS = {
    "600036.SH": InstrumentInfo("600036.SH", "招商银行", 40.00, 44.00, 36.00),
    "000001.SZ": InstrumentInfo("000001.SZ", "平安银行", 11.00, 12.10, 9.90),
    "510300.SH": InstrumentInfo("510300.SH", "沪深300ETF", 3.900, 4.290, 3.510),
    "688981.SH": InstrumentInfo("688981.SH", "中芯国际", 90.00, 108.00, 72.00),
}


def make_quote(code: str, last: float, t: int = 1_700_000_000) -> Quote:
    info = INSTRUMENTS[code]
    return Quote(code, info.instrument_name, t, last, info.prev_close, info.prev_close, last, last,
                 1000, last * 1000, info.up_limit, info.down_limit)


def order(order_id: int, status: int = 50, *, code: str = "600036.SH", order_type: int = 23,
          price: float = 40.0, volume: int = 100, traded: int = 0, t: int = 1_700_000_000,
          msg: str = "") -> Order:
    return Order(account_id=ACCOUNT, stock_code=code, order_id=order_id, order_time=t,
                 order_type=order_type, order_volume=volume, price_type=50, price=price,
                 traded_volume=traded, traded_price=price if traded else 0.0,
                 order_status=status, status_msg=msg, offset_flag=48 if order_type == 23 else 49)


def trade(traded_id: str, order_id: int = 1, *, code: str = "600036.SH", price: float = 40.0,
          volume: int = 100, order_type: int = 23) -> Trade:
    return Trade(account_id=ACCOUNT, order_type=order_type, stock_code=code, traded_id=traded_id,
                 traded_time=1_700_000_000, traded_price=price, traded_volume=volume,
                 traded_amount=price * volume, order_id=order_id)


def position(code: str = "600036.SH", volume: int = 1000, can_use: int = 1000,
             avg: float = 38.5) -> Position:
    return Position(account_id=ACCOUNT, stock_code=code, volume=volume, can_use_volume=can_use,
                    avg_price=avg, open_price=avg, market_value=avg * volume,
                    yesterday_volume=can_use)


def asset(cash: float = 1_000_000.0) -> Asset:
    return Asset(account_id=ACCOUNT, cash=cash, frozen_cash=0.0, market_value=38_500.0,
                 total_asset=cash + 38_500.0)


class FakeMarket:
    """``calls`` records (method, thread ident) of every call, for the no-GUI-thread tests."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.subscriptions: dict[int, tuple[list[str], object]] = {}
        self._tokens = itertools.count(1)
        self.prices = {code: info.prev_close for code, info in INSTRUMENTS.items()}

    def _record(self, method: str) -> None:
        self.calls.append((method, threading.get_ident()))

    def instrument(self, code: str) -> InstrumentInfo:
        self._record("instrument")
        if code not in INSTRUMENTS:
            raise KeyError(f"行情中没有 {code}")
        return INSTRUMENTS[code]

    def quote(self, code: str) -> Quote:
        self._record("quote")
        return make_quote(code, self.prices[code])

    def subscribe(self, codes, fn) -> int:
        self._record("subscribe")
        token = next(self._tokens)
        self.subscriptions[token] = (list(codes), fn)
        return token

    def unsubscribe(self, token: int) -> None:
        self._record("unsubscribe")
        self.subscriptions.pop(token, None)

    def history(self, code: str):
        self._record("history")
        return [(1_700_000_000 + i, self.prices[code], 100) for i in range(3)]

    def push(self, code: str, last: float, t: int) -> None:
        """Quote callbacks, from another thread, as the market thread would."""
        self.prices[code] = last
        quote = make_quote(code, last, t)
        fns = [fn for codes, fn in self.subscriptions.values() if code in codes]
        thread = threading.Thread(target=lambda: [fn(quote) for fn in fns])
        thread.start()
        thread.join()


class FakeSession:
    def __init__(self) -> None:
        self._listeners: list = []
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fake-session")
        self._ids = itertools.count(1001)
        self.market = FakeMarket()
        self.placed: list[tuple] = []
        self.cancelled: list[int] = []
        self.cancel_refusals: dict[int, str] = {}
        self.reject_next: str | None = None
        self.place_gate = threading.Event()
        self.place_gate.set()
        self.status = ConnectionStatus()
        self.stop_reconnect_calls = 0
        self.connect_result = True
        self.orders: list[Order] = []
        self.positions: list[Position] = [position()]
        self.trades: list[Trade] = []
        self.asset = asset()
        self.queries: list[str] = []

    def snapshot(self) -> AccountSnapshot:
        """What the real session publishes after every (re)connect, before CONNECTED."""
        return AccountSnapshot(self.asset, tuple(self.positions), tuple(self.orders),
                               tuple(self.trades))

    def reconnected(self) -> None:
        """A (re)connect as the real session announces it, from another thread."""
        self.status = ConnectionStatus(SessionState.CONNECTED, ACCOUNT)
        self.emit_from_thread(self.snapshot(), self.status)

    # listeners --------------------------------------------------------------
    def add_listener(self, fn) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn) -> None:
        self._listeners.remove(fn)

    @property
    def listeners(self) -> list:
        return list(self._listeners)

    def emit(self, *events) -> None:
        for event in events:
            for fn in list(self._listeners):
                fn(event)

    def emit_from_thread(self, *events) -> None:
        thread = threading.Thread(target=self.emit, args=events)
        thread.start()
        thread.join()

    # worker -----------------------------------------------------------------
    def submit(self, fn, *args, **kwargs):
        return self._worker.submit(fn, *args, **kwargs)

    def close(self) -> None:
        self.place_gate.set()
        self._worker.shutdown(wait=True)

    # blocking API ----------------------------------------------------------------
    def connect(self, miniqmt_path, stock_account, reconnect_enabled=True, reconnect_interval=5,
                max_reconnect_attempts=0) -> bool:
        self.connected_with = (miniqmt_path, stock_account, reconnect_enabled,
                               reconnect_interval, max_reconnect_attempts)
        if self.connect_result:
            self.status = ConnectionStatus(SessionState.CONNECTED, stock_account, miniqmt_path)
            self.emit(self.snapshot(), self.status)
        return self.connect_result

    def disconnect(self) -> None:
        self.status = ConnectionStatus(SessionState.DISCONNECTED)
        self.emit(self.status)

    def stop_reconnect(self) -> None:
        self.stop_reconnect_calls += 1

    def place_order(self, stock_code, side, volume, price_type, price=0.0, strategy_name="",
                    order_remark="") -> int:
        self.place_gate.wait(10)
        if self.reject_next:
            reason, self.reject_next = self.reject_next, None
            raise OrderRejected(reason)
        self.placed.append((stock_code, str(side), volume, price_type, price))
        return next(self._ids)

    def cancel_order(self, order_id: int) -> CancelResult:
        if order_id in self.cancel_refusals:
            return CancelResult(False, self.cancel_refusals[order_id], order_id)
        self.cancelled.append(order_id)
        return CancelResult(True, "success", order_id)

    def query_asset(self):
        self.queries.append("asset")
        return self.asset

    def query_positions(self):
        self.queries.append("positions")
        return list(self.positions)

    def query_orders(self, cancelable_only=False):
        self.queries.append("orders")
        return list(self.orders)

    def query_trades(self):
        self.queries.append("trades")
        return list(self.trades)
