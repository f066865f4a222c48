"""Seeded random trading, valid and invalid, with the books checked after every step.

Each run fires a few hundred random actions at one counter: buys and sells at
random codes, price types (also ones the exchange does not accept), volumes
(odd lots, zero, too many), prices (off tick, outside the band, far away),
sells of shares bought today, cancels by id and by counter number (live,
finished and unknown orders), market steps and day rolls. After every action:

- the account invariants (``assert_account_invariants`` in conftest: money conserved,
  frozen cash and shares equal what live orders hold, total_asset = cash +
  frozen + market value);
- every order agrees with its trades (traded volume and amount), its status
  with its fills (56 only when full, 53 only when part filled, 57/54 none),
  and a finished order holds nothing frozen (market buys give the excess back);
- the fees of every order are exactly the schedule's fees on what it traded
  (commission minimum per order, stamp duty on stock sells only);
- T+1: no position can sell more than it held before today minus what it sold.

Seeded (``random.Random``), so a failure repeats; bounded to a few seconds.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import defaultdict
from typing import Any

import pytest
from xtquant import xtconstant as xc
from xtquant.xttype import StockAccount

from app.models.names import FINAL_STATUSES
from app.models.rules import FeeSchedule, Side, tick_size
from app.models.ttypes import accepted_price_types
from app.services.sim.config import SimConfig
from app.services.sim.counter import SimCounter
from app.services.sim.trader import SimXtQuantTrader

CODES = ["600036.SH", "000001.SZ", "688981.SH", "300750.SZ", "920819.BJ", "510300.SH", "162411.SZ"]
BAD_CODES = ["600999.SH", "abc"]  # a valid code the market does not carry; not a code
PRICE_TYPES = [xc.FIX_PRICE, xc.FIX_PRICE, xc.LATEST_PRICE, 42, 43, 44, 45, 46, 47, 48]
VOLUMES = [100, 100, 200, 300, 1000, 5000, 20_000]
BAD_VOLUMES = [50, 150, 201, 0, -100, 10_000_000]
SCHEDULE = FeeSchedule()


def _price(rng: random.Random, counter: SimCounter, code: str, buy: bool) -> float:
    try:
        quote = counter.market.quote(code)
    except (KeyError, ValueError):
        return 10.0
    tick = float(tick_size(code))
    best = (quote.ask_price[0] if buy else quote.bid_price[0]) or quote.last_price
    roll = rng.random()
    if roll < 0.05:
        return round(best + tick / 3, 4)  # off tick
    if roll < 0.10:
        return round((quote.up_limit or best) + tick, 3)  # above the band
    if roll < 0.12:
        return 0.0
    return round(max(tick, best + rng.randint(-4, 4) * tick), 3)


def _act(rng: random.Random, counter: SimCounter, trader: Any, account: Any, ids: list[int]):
    roll = rng.random()
    if roll < 0.55:
        buy = rng.random() < 0.55
        code = rng.choice(CODES)
        volume = rng.choice(VOLUMES)
        price_type = rng.choice([p for p in PRICE_TYPES if p in accepted_price_types(code)])
        order_type = xc.STOCK_BUY if buy else xc.STOCK_SELL
        flaw = rng.random()
        if flaw < 0.05:
            code = rng.choice(BAD_CODES)
        elif flaw < 0.12:
            volume = rng.choice(BAD_VOLUMES)
        elif flaw < 0.16:
            price_type = rng.choice([42, 46, 47, 48, 99])  # maybe not for this exchange
        elif flaw < 0.17:
            order_type = 77
        if not buy and rng.random() < 0.3:
            position = counter._positions[account.account_id].get(code)
            if position is not None and position.volume:
                volume = position.volume  # everything, today's buys included (T+1)
        price = _price(rng, counter, code, buy)
        order_id = trader.order_stock(account, code, order_type, volume, price_type, price)
        assert order_id > 0
        ids.append(order_id)
    elif roll < 0.75:
        # mostly today's orders (live or finished), sometimes an id nobody gave
        order_id = rng.choice(ids) if ids and rng.random() < 0.9 else rng.randint(1, 10_000)
        if rng.random() < 0.3:
            order = counter._orders.get(order_id)
            sysid = order.order_sysid if order is not None else str(order_id)
            market = xc.SH_MARKET if order_id % 2 else xc.SZ_MARKET
            result = trader.cancel_order_stock_sysid(account, market, sysid)
        else:
            result = trader.cancel_order_stock(account, order_id)
        assert result in (0, -1)
    elif roll < 0.99:
        counter.advance(rng.randint(1, 4))
    else:
        counter.roll_day()
        ids.clear()


def _check_orders(counter: SimCounter, trader: Any, account: Any) -> None:
    orders = trader.query_stock_orders(account)
    trades = trader.query_stock_trades(account)
    by_order: dict[int, list[Any]] = defaultdict(list)
    for trade in trades:
        by_order[trade.order_id].append(trade)
    ids = [o.order_id for o in orders]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert len({o.order_sysid for o in orders}) == len(orders)
    for order in orders:
        fills = by_order.get(order.order_id, [])
        traded = sum(t.traded_volume for t in fills)
        assert order.traded_volume == traded, vars(order)
        status = order.order_status
        if status == xc.ORDER_SUCCEEDED:
            assert traded == order.order_volume
        elif status in (xc.ORDER_PART_SUCC, xc.ORDER_PART_CANCEL):
            assert 0 < traded < order.order_volume
        elif status in (xc.ORDER_CANCELED, xc.ORDER_JUNK, xc.ORDER_REPORTED):
            assert traded == 0
        else:
            pytest.fail(f"order {order.order_id} in status {status} after its state change")
        row = counter._orders[order.order_id]
        if status in FINAL_STATUSES:
            assert row.frozen_cash == 0 and row.limit_price == 0, row
        if fills:
            side = Side.BUY if order.order_type == xc.STOCK_BUY else Side.SELL
            amount = round(sum(t.traded_amount for t in fills), 2)
            expected = SCHEDULE.fees(side, amount, order.stock_code).total
            paid = round(sum(t.commission for t in fills), 2)
            assert paid == pytest.approx(float(expected), abs=0.001), (vars(order), fills)
    for position in counter._positions[account.account_id].values():
        sellable = position.yesterday_volume - position.sold_today - position.frozen_volume
        assert 0 <= position.can_use_volume <= max(0, sellable), position


@pytest.mark.parametrize("seed", [1, 2, 3, 20261125])
def test_random_valid_and_invalid_trading_keeps_every_book_right(seed: int, assert_invariants: Any):
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        counter = SimCounter.open(folder, SimConfig(auto_run=False, seed=seed))
        trader = SimXtQuantTrader(folder, 1)
        trader.start()
        try:
            assert trader.connect() == 0
            account = StockAccount(f"rnd{seed}")
            assert trader.subscribe(account) == 0
            ids: list[int] = []
            deadline = time.monotonic() + 3.0
            for _ in range(300):
                _act(rng, counter, trader, account, ids)
                assert_invariants(counter, trader, account)
                _check_orders(counter, trader, account)
                if time.monotonic() > deadline:
                    break
            # A sell of more than can be used today is refused with the counter's words.
            for position in trader.query_stock_positions(account):
                if position.volume > position.can_use_volume:
                    order_id = trader.order_stock(
                        account,
                        position.stock_code,
                        xc.STOCK_SELL,
                        position.can_use_volume + 100,
                        xc.FIX_PRICE,
                        counter.market.quote(position.stock_code).bid_price[0] or 1.0,
                    )
                    order = trader.query_stock_order(account, order_id)
                    assert order.order_status == xc.ORDER_JUNK
                    assert order.status_msg in ("可用股份不足", "委托数量不符合规定")
        finally:
            trader.stop()
            counter.close()
