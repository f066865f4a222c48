"""OrderTicketViewModel without a widget: price types, problems, fractions, one order per click."""

from __future__ import annotations

import pytest
from vm_fakes import asset, make_quote, position
from xtquant import xtconstant

from app.models.rules import Side
from app.models.ttypes import DEFAULT_TTYPE, ttypes_for
from app.viewmodels.order_ticket_view_model import LIMIT, OrderTicketViewModel
from app.viewmodels.trading_operations import OperationRunner


@pytest.fixture
def ticket(qapp, fake_session):
    runner = OperationRunner(fake_session)
    vm = OrderTicketViewModel(runner, fake_session.market)  # look-ups inline (no pool)
    vm.set_asset(asset(100_000.0))
    vm.set_positions([position("600036.SH", 1000, 700, 38.5)])
    yield vm
    fake_session.place_gate.set()


def test_price_types_are_limit_plus_exactly_the_exchange_ttypes(ticket):
    assert ticket.price_types == [LIMIT]
    ticket.set_code("sh600036")
    assert ticket.stock_code == "600036.SH"
    assert ticket.price_types == [LIMIT, *ttypes_for("600036.SH")]
    assert len(ticket.price_types) == 5
    ticket.set_code("000001")
    assert ticket.price_types == [LIMIT, *ttypes_for("000001.SZ")]
    assert "全额成交或撤销委托" in ticket.price_types and len(ticket.price_types) == 6
    ticket.set_price_type("全额成交或撤销委托")
    assert ticket.price_type_code == xtconstant.MARKET_SZ_FULL_OR_CANCEL
    # a Shanghai code does not accept 全额成交或撤销委托: back to the default ttype
    ticket.set_code("600036")
    assert ticket.price_type == DEFAULT_TTYPE


def test_market_defaults_to_peer_best_and_disables_price(ticket):
    ticket.set_code("600036")
    assert ticket.price_enabled
    ticket.set_market_order(True)
    assert ticket.price_type == "对手方最优价格委托"
    assert ticket.price_type_code == xtconstant.MARKET_PEER_PRICE_FIRST
    assert not ticket.price_enabled
    ticket.set_market_order(False)
    assert ticket.price_type == LIMIT


def test_code_parse_brings_name_last_price_tick_and_lot(ticket, qtbot):
    with qtbot.waitSignal(ticket.instrumentChanged):
        ticket.set_code("510300")
    assert ticket.instrument_name == "沪深300ETF"
    assert ticket.last_price == pytest.approx(3.9)
    assert ticket.price == pytest.approx(3.9)  # prefilled for 限价
    assert ticket.price_step == pytest.approx(0.001)
    assert ticket.price_decimals == 3
    ticket.set_code("688981")
    assert ticket.volume_min == 200 and ticket.volume_step == 1
    ticket.set_code("xyz")
    assert ticket.stock_code == ""
    assert ticket.problems_for("stock_code")


def test_problems_follow_each_edit(ticket, qtbot):
    ticket.set_code("600036")
    ticket.set_price(40.0)
    with qtbot.waitSignal(ticket.problemsChanged) as blocker:
        ticket.set_volume(150)
    assert any(p.field == "volume" for p in blocker.args[0])
    assert not ticket.can_submit
    ticket.set_volume(200)
    assert ticket.problems == []
    assert ticket.can_submit
    ticket.set_price(50.0)  # above the 44.00 limit-up
    assert ticket.problems_for("price")
    ticket.set_price(40.005)  # off the tick
    assert ticket.problems_for("price")


def test_max_volume_and_quick_fractions(ticket):
    ticket.set_code("600036")
    ticket.set_price(40.0)
    # 100,000 CNY at 40.00 with fees: 2,400 shares (2,500 would cost 100,000 + fees)
    assert ticket.max_volume == 2400
    assert ticket.fraction_volume("全部") == 2400
    assert ticket.fraction_volume("1/2") == 1200
    assert ticket.fraction_volume("1/3") == 800
    assert ticket.fraction_volume("1/4") == 600
    ticket.set_side("sell")
    assert ticket.max_volume == 700  # sellable, not held
    ticket.apply_fraction("1/3")
    assert ticket.volume == 200  # 233 rounded down to lots
    ticket.apply_fraction("全部")
    assert ticket.volume == 700


def test_submit_refuses_with_the_reason(ticket, fake_session, qtbot):
    ticket.set_code("600036")
    ticket.set_price(40.0)
    ticket.set_volume(150)
    with qtbot.waitSignal(ticket.refused) as blocker:
        assert ticket.submit(Side.BUY) is False
    assert "150" in blocker.args[0] or "100" in blocker.args[0]
    assert fake_session.placed == []


def test_one_click_sends_exactly_one_order(ticket, fake_session, qtbot):
    ticket.set_code("600036")
    ticket.set_price(40.0)
    ticket.set_volume(100)
    fake_session.place_gate.clear()  # the counter is slow to answer
    refusals: list[str] = []
    ticket.refused.connect(refusals.append)
    assert ticket.submit_buy() is True
    assert ticket.submitting and not ticket.can_submit
    assert ticket.submit_buy() is False  # double click
    assert ticket.submit(Side.BUY) is False  # Enter auto-repeat
    assert len(refusals) == 2
    with qtbot.waitSignal(ticket.submitted) as blocker:
        fake_session.place_gate.set()
    assert blocker.args == [1001]
    assert fake_session.placed == [("600036.SH", "buy", 100, xtconstant.FIX_PRICE, 40.0)]
    assert not ticket.submitting and ticket.can_submit
    with qtbot.waitSignal(ticket.submitted):
        ticket.submit_buy()  # the next click is a new order
    assert len(fake_session.placed) == 2


def test_market_order_sends_the_exchange_code_and_no_price(ticket, fake_session, qtbot):
    ticket.set_code("000001")
    ticket.set_price_type("最优五档即时成交剩余撤销")
    ticket.set_volume(100)
    with qtbot.waitSignal(ticket.submitted):
        ticket.submit_buy()
    assert fake_session.placed == [("000001.SZ", "buy", 100, xtconstant.MARKET_SZ_CONVERT_5_CANCEL,
                                    0.0)]


def test_counter_rejection_comes_back_as_submit_failed(ticket, fake_session, qtbot):
    ticket.set_code("600036")
    ticket.set_price(40.0)
    ticket.set_volume(100)
    fake_session.reject_next = "委托失败: 柜台拒绝: 可用资金不足"
    with qtbot.waitSignal(ticket.submitFailed) as blocker:
        ticket.submit_buy()
    assert blocker.args == ["委托失败: 柜台拒绝: 可用资金不足"]
    assert not ticket.submitting


def test_fill_from_position_sets_a_sell_of_the_sellable_volume(ticket):
    ticket.fill_from_position(position("600036.SH", 1000, 700, 38.5))
    assert ticket.stock_code == "600036.SH"
    assert ticket.side is Side.SELL
    assert ticket.price_type == LIMIT
    assert ticket.volume == 700
    assert ticket.price == pytest.approx(40.0)
    assert ticket.problems == []


def test_live_quotes_move_the_last_price_and_clear_resets(ticket, qtbot):
    ticket.set_code("600036")
    with qtbot.waitSignal(ticket.quoteChanged):
        ticket.on_quotes([make_quote("600036.SH", 41.0, 1_700_000_002),
                          make_quote("000001.SZ", 9.0, 1_700_000_002)])
    # a quote older than the one shown (e.g. a fetched one overtaken by a tick) is ignored
    ticket.on_quotes([make_quote("600036.SH", 39.0, 1_700_000_001)])
    assert ticket.last_price == 41.0
    assert ticket.price == 40.0  # the trader's price is not moved under him
    ticket.clear()
    assert (ticket.code_text, ticket.volume, ticket.price, ticket.side) == ("", 0, None, Side.BUY)
