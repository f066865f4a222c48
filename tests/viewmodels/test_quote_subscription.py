"""QuoteSubscription: subscribe/unsubscribe off the GUI thread, no leaked token on a race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from vm_fakes import FakeMarket

from app.viewmodels.quote_subscription import QuoteSubscription


@pytest.fixture
def worker():
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fake-session")
    yield pool
    pool.shutdown(wait=True)


def test_calls_run_on_the_worker_and_tokens_come_back_on_the_gui_thread(qtbot, worker):
    market = FakeMarket()
    sub = QuoteSubscription(lambda: worker.submit)
    with qtbot.waitSignal(sub.subscribed, timeout=3000) as got:
        sub.set(market, ["600036.SH"], lambda q: None)
    assert got.args == [sub.token] and sub.token in market.subscriptions
    sub.clear()
    assert sub.token is None
    worker.submit(lambda: None).result(3)  # the unsubscribe queued before this
    assert market.subscriptions == {}
    gui = threading.get_ident()
    assert [m for m, _t in market.calls] == ["subscribe", "unsubscribe"]
    assert all(t != gui for _m, t in market.calls)


def test_an_answer_for_a_selection_no_longer_shown_is_unsubscribed_at_once(qtbot, worker):
    market = FakeMarket()
    gate = threading.Event()
    worker.submit(gate.wait, 5)  # hold the worker: the subscribe answers late
    sub = QuoteSubscription(lambda: worker.submit)
    sub.set(market, ["600036.SH"], lambda q: None)
    sub.set(market, ["000001.SZ"], lambda q: None)  # the user moved on before the answer
    sub.clear()                                      # ... and away
    gate.set()
    qtbot.waitUntil(lambda: [m for m, _t in market.calls].count("unsubscribe") == 2,
                    timeout=3000)
    assert market.subscriptions == {}
    assert sub.token is None


def test_the_latest_selection_wins_over_a_late_answer(qtbot, worker):
    market = FakeMarket()
    gate = threading.Event()
    worker.submit(gate.wait, 5)
    sub = QuoteSubscription(lambda: worker.submit)
    sub.set(market, ["600036.SH"], lambda q: None)
    with qtbot.waitSignal(sub.subscribed, timeout=3000):
        sub.set(market, ["000001.SZ"], lambda q: None)
        gate.set()
    qtbot.waitUntil(lambda: len(market.subscriptions) == 1, timeout=3000)
    assert market.subscriptions[sub.token][0] == ["000001.SZ"]
