"""MarketData: the terminal's quote service over the simulator and over xtdata."""

from __future__ import annotations

import ast
import logging
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from app.models.codes import CodeError
from app.models.quote import InstrumentInfo, Quote
from app.services import market as market_module
from app.services.market import (
    MarketData,
    MarketDataError,
    TickPoint,
    UnknownInstrumentError,
    xtdata_available,
)
from app.services.sim.market import SimMarket

SEED = 20261125


@pytest.fixture
def sim() -> SimMarket:
    return SimMarket(SEED)


@pytest.fixture
def md(sim: SimMarket) -> MarketData:
    return MarketData.for_simulator(sim)


# ------------------------------------------------------------------ simulator


def test_simulator_quotes_instruments_and_history_pass_through(sim, md):
    sim.step()
    assert md.is_simulated and md.source_name == "模拟行情"
    assert md.quote("sz000001") == sim.quote("000001.SZ")
    assert md.instrument("600036") == sim.instrument("600036.SH")
    assert md.history("688981") == sim.history("688981.SH")
    assert all(isinstance(p, TickPoint) for p in md.history("688981"))


def test_simulator_subscription_delivers_on_the_market_thread_and_ends(sim, md):
    got: list[tuple[str, int]] = []
    token = md.subscribe(
        ["600036", "SH600036", "000001.SZ"],
        lambda q: got.append((q.stock_code, threading.get_ident())),
    )
    sim.step()
    me = threading.get_ident()
    assert got == [("600036.SH", me), ("000001.SZ", me)]  # duplicates collapse to one
    md.unsubscribe(token)
    sim.step()
    assert len(got) == 2


def test_one_code_string_subscribes_that_code(sim, md):
    got: list[Quote] = []
    md.subscribe("162411", got.append)
    sim.step()
    assert [q.stock_code for q in got] == ["162411.SZ"]


def test_unknown_and_invalid_codes_are_reported_clearly(md):
    with pytest.raises(UnknownInstrumentError) as caught:
        md.quote("600999")
    assert isinstance(caught.value, KeyError)
    assert str(caught.value) == "模拟行情中没有该证券: 600999.SH"
    with pytest.raises(CodeError):
        md.instrument("abc")
    with pytest.raises(CodeError):
        md.subscribe(["600036", "12345"], lambda q: None)


# ------------------------------------------------------------------- xtdata


def test_importing_the_facade_does_not_import_xtdata():
    source = Path(market_module.__file__).read_text(encoding="utf-8")
    top_level = [
        node for node in ast.parse(source).body if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    imported = {alias.name for node in top_level for alias in node.names} | {
        node.module for node in top_level if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not any("xtdata" in name for name in imported)


@pytest.mark.skipif(sys.platform == "win32", reason="xtdata may import on Windows")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # xtquant's bson on import
def test_without_xtdata_the_xtdata_branch_says_what_to_do():
    assert not xtdata_available()
    with pytest.raises(MarketDataError, match="模拟行情"):
        MarketData.for_xtdata()


class FakeXtdata:
    """The few xtdata functions MarketData uses, with the shapes xtdata returns."""

    def __init__(self) -> None:
        self.details: dict[str, dict[str, Any]] = {
            "000001.SZ": {
                "InstrumentName": "平安银行",
                "PreClose": 11.38,
                "UpStopPrice": 12.52,
                "DownStopPrice": 10.24,
            },
            "002717.SZ": {
                "InstrumentName": "ST岭南",
                "PreClose": 1.62,
                "UpStopPrice": 1.78,
                "DownStopPrice": 1.46,
            },
        }
        self.ticks: dict[str, dict[str, Any]] = {
            "000001.SZ": {
                "time": 1733118954000,
                "lastPrice": 11.39,
                "open": 11.39,
                "high": 11.4,
                "low": 11.31,
                "lastClose": 11.38,
                "amount": 862127800.0,
                "volume": 758613,
                "pvolume": 75861300,
                "askPrice": [11.4, 11.41, 11.42, 11.43, 11.44],
                "bidPrice": [11.39, 11.38, 11.370000000000001, 11.36, 11.35],
                "askVol": [10929, 12401, 6671, 4555, 6708],
                "bidVol": [2429, 7127, 7146, 9111, 12189],
            }
        }
        self.detail_calls = 0
        self.callbacks: dict[int, Any] = {}
        self.unsubscribed: list[int] = []
        self.next_seq = 100
        self.fail_subscribe_for: str | None = None
        self.fail_download_for: str | None = None
        self.downloads: list[tuple[str, str]] = []
        self.daily_requests: list[tuple] = []

    def get_instrument_detail(self, code: str) -> dict[str, Any] | None:
        self.detail_calls += 1
        return self.details.get(code)

    def get_full_tick(self, codes: list[str]) -> dict[str, Any]:
        return {code: self.ticks[code] for code in codes if code in self.ticks}

    def subscribe_quote(
        self, code, period="1d", start_time="", end_time="", count=0, callback=None
    ):
        assert period == "tick"
        if code == self.fail_subscribe_for:
            return -1
        self.next_seq += 1
        self.callbacks[self.next_seq] = callback
        return self.next_seq

    def unsubscribe_quote(self, seq: int) -> None:
        self.unsubscribed.append(seq)
        self.callbacks.pop(seq, None)

    def get_market_data(
        self, field_list=(), stock_list=(), period="1d", start_time="", end_time="", count=-1
    ):
        assert period == "tick"
        rows = [
            {"time": 1733103000000, "lastPrice": 0.0, "volume": 0, "pvolume": 0},  # before the open
            {
                "time": 1733103003000,
                "lastPrice": 11.370000000000001,
                "volume": 120,
                "pvolume": 12000,
            },
            {"time": 1733103006000, "lastPrice": 11.38, "volume": 150, "pvolume": 15000,
             "amount": 170580.0},
        ]
        return {code: rows for code in stock_list}

    def download_history_data(self, code, period="1d", start_time="", end_time="",
                              incrementally=None):
        self.downloads.append((code, period))
        if code == self.fail_download_for:
            raise RuntimeError("没有连接行情服务器")

    def get_market_data_ex(self, field_list=(), stock_list=(), period="1d", start_time="",
                           end_time="", count=-1, dividend_type="none", fill_data=True):
        assert period == "1d"
        self.daily_requests.append((tuple(field_list), count, dividend_type))
        rows = [  # what the DataFrame's records look like: times in ms, volume in 手
            {"time": 1732982400000, "open": 11.2, "high": 11.5, "low": 11.1, "close": 11.38,
             "volume": 758613, "amount": 862127800.0},
            {"time": 1733068800000, "open": 0.0, "high": 0.0, "low": 0.0, "close": 0.0,
             "volume": 0, "amount": 0.0},  # 停牌
            {"time": 1733155200000, "open": 11.39, "high": 11.4, "low": 11.31,
             "close": 11.370000000000001, "volume": 120, "amount": 136440.0},
        ]
        return {code: _Frame(rows) for code in stock_list}

    def push(self, code: str, tick: dict[str, Any]) -> None:
        for callback in list(self.callbacks.values()):
            callback({code: [tick]})


class _Frame:
    """The one pandas call the daily bars use (``to_dict('records')``)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def to_dict(self, orient: str) -> list[dict[str, Any]]:
        assert orient == "records"
        return list(self.rows)


@pytest.fixture
def xt() -> FakeXtdata:
    return FakeXtdata()


def test_xtdata_quote_is_converted_to_seconds_shares_and_tick_prices(xt):
    md = MarketData.for_xtdata(xt)
    assert not md.is_simulated and md.source_name == "QMT 行情"
    quote = md.quote("sz000001")
    assert quote.stock_code == "000001.SZ" and quote.instrument_name == "平安银行"
    assert quote.time == 1733118954
    assert quote.volume == 75861300
    assert quote.bid_price == (11.39, 11.38, 11.37, 11.36, 11.35)
    assert quote.bid_volume[0] == 242900 and quote.ask_volume[0] == 1092900  # 手 -> shares
    assert (quote.down_limit, quote.up_limit) == (10.24, 12.52)
    assert quote.change == pytest.approx(0.01)


def test_xtdata_short_books_are_padded_and_missing_codes_are_key_errors(xt):
    xt.ticks["000001.SZ"] = {
        **xt.ticks["000001.SZ"],
        "askPrice": [],
        "askVol": [],
        "bidPrice": [12.52],
        "bidVol": [99],
    }
    md = MarketData.for_xtdata(xt)
    quote = md.quote("000001")
    assert quote.ask_price == (0.0,) * 5 and quote.bid_price == (12.52, 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(UnknownInstrumentError, match="行情服务中没有该证券"):
        md.quote("600999")
    with pytest.raises(UnknownInstrumentError, match=r"002717\.SZ 的行情"):
        md.quote("002717")  # known instrument, no tick yet


def test_xtdata_instrument_facts_are_cached_for_the_day(xt):
    md = MarketData.for_xtdata(xt)
    info = md.instrument("002717")
    assert info == InstrumentInfo("002717.SZ", "ST岭南", 1.62, 1.78, 1.46, True)
    md.instrument("002717.SZ")
    md.quote("000001")
    md.quote("000001")
    assert xt.detail_calls == 2


def test_xtdata_subscription_converts_isolates_failures_and_unsubscribes(xt, caplog):
    md = MarketData.for_xtdata(xt)
    got: list[Quote] = []

    def broken(quote: Quote) -> None:
        raise RuntimeError("界面已关闭")

    bad = md.subscribe("000001", broken)
    good = md.subscribe(["000001"], got.append)
    with caplog.at_level(logging.ERROR, logger="app.services.market"):
        xt.push("000001.SZ", xt.ticks["000001.SZ"])
    assert [q.last_price for q in got] == [11.39]
    assert "行情订阅回调出错" in caplog.text and "界面已关闭" in caplog.text
    assert caplog.records[0].exc_info is not None
    md.unsubscribe(good)
    md.unsubscribe(bad)
    md.unsubscribe(bad)
    assert sorted(xt.unsubscribed) == [101, 102]


def test_a_failed_xtdata_subscription_is_an_error_and_leaves_nothing_behind(xt):
    xt.fail_subscribe_for = "002717.SZ"
    md = MarketData.for_xtdata(xt)
    with pytest.raises(MarketDataError, match=r"订阅 002717\.SZ 行情失败"):
        md.subscribe(["000001", "002717"], lambda q: None)
    assert xt.unsubscribed == [101] and xt.callbacks == {}


def test_xtdata_failures_become_one_clear_error(xt):
    def not_connected(code):
        raise RuntimeError("无法连接行情服务")

    xt.get_instrument_detail = not_connected
    md = MarketData.for_xtdata(xt)
    with pytest.raises(MarketDataError, match="请确认 QMT 客户端已启动并登录"):
        md.quote("000001")


def test_xtdata_history_is_today_in_seconds_and_shares(xt):
    md = MarketData.for_xtdata(xt)
    assert md.history("000001") == [
        TickPoint(1733103003, 11.37, 12000),
        TickPoint(1733103006, 11.38, 15000, 170580.0),
    ]


def test_xtdata_daily_bars_are_downloaded_then_read_in_shares_and_china_days(xt, caplog):
    md = MarketData.for_xtdata(xt)
    bars = md.daily_bars("sz000001", 2)
    assert xt.downloads == [("000001.SZ", "1d")]
    assert xt.daily_requests[0][1:] == (3, "front")
    assert [b.close for b in bars] == [11.38, 11.37]  # the suspended day is left out
    assert bars[0].volume == 75861300 and bars[0].amount == 862127800.0
    assert bars[1].time == 1733155200  # 2024-12-03 00:00 China time, as xtdata stamps days
    xt.fail_download_for = "000001.SZ"
    with caplog.at_level(logging.WARNING):
        assert len(md.daily_bars("000001", 2)) == 2  # what is already local still shows
    assert "下载 000001.SZ 日线失败" in caplog.text


def test_simulator_daily_bars_pass_through(sim, md):
    assert md.daily_bars("600036", 10) == sim.daily_bars("600036.SH", 10)


def test_a_get_full_tick_quote_takes_its_time_from_timetag(xt):
    """get_full_tick reports ``timetag`` (China time text), not ``time`` in ms."""
    tick = dict(xt.ticks["000001.SZ"])
    del tick["time"]
    xt.ticks["000001.SZ"] = {**tick, "timetag": "20241202 13:55:54.000"}
    assert MarketData.for_xtdata(xt).quote("000001").time == 1733118954
    xt.ticks["000001.SZ"]["timetag"] = "20241202 13:55:54"
    assert MarketData.for_xtdata(xt).quote("000001").time == 1733118954


def test_a_zero_subscription_number_is_a_failure_as_xtdata_documents(xt, monkeypatch):
    """xtdata.md: subscribe_quote returns the number (> 0) on success, -1 on failure."""
    monkeypatch.setattr(xt, "subscribe_quote", lambda code, **kwargs: 0)
    with pytest.raises(MarketDataError, match=r"订阅 000001\.SZ 行情失败（返回 0）"):
        MarketData.for_xtdata(xt).subscribe("000001", lambda q: None)
