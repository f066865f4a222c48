"""Code normalisation and exchange detection (app.models.codes)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.models.codes import (
    SEGMENTS,
    CodeError,
    Exchange,
    InstrumentKind,
    bare_code,
    classify,
    exchange_of,
    normalize_code,
)

SH, SZ, BJ = Exchange.SH, Exchange.SZ, Exchange.BJ
K = InstrumentKind

# Real codes across every segment: code -> (normalised, exchange, kind)
REAL_CODES = [
    ("600036", "600036.SH", SH, K.MAIN_BOARD),  # 招商银行
    ("601318", "601318.SH", SH, K.MAIN_BOARD),  # 中国平安
    ("603288", "603288.SH", SH, K.MAIN_BOARD),  # 海天味业
    ("605499", "605499.SH", SH, K.MAIN_BOARD),  # 东鹏饮料
    ("688981", "688981.SH", SH, K.STAR),  # 中芯国际
    ("689009", "689009.SH", SH, K.STAR),  # 九号公司 (CDR)
    ("510300", "510300.SH", SH, K.FUND),  # 沪深300ETF
    ("512880", "512880.SH", SH, K.FUND),  # 证券ETF
    ("501018", "501018.SH", SH, K.FUND),  # 南方原油 LOF
    ("508000", "508000.SH", SH, K.FUND),  # REIT
    ("588000", "588000.SH", SH, K.FUND),  # 科创50ETF
    ("110059", "110059.SH", SH, K.BOND),  # 浦发转债
    ("111010", "111010.SH", SH, K.BOND),
    ("113052", "113052.SH", SH, K.BOND),  # 兴业转债
    ("118000", "118000.SH", SH, K.BOND),  # STAR convertible
    ("204001", "204001.SH", SH, K.REPO),  # GC001
    ("900901", "900901.SH", SH, K.B_SHARE),  # 电子B股
    ("000001", "000001.SZ", SZ, K.MAIN_BOARD),  # 平安银行
    ("001979", "001979.SZ", SZ, K.MAIN_BOARD),  # 招商蛇口
    ("002594", "002594.SZ", SZ, K.MAIN_BOARD),  # 比亚迪
    ("003816", "003816.SZ", SZ, K.MAIN_BOARD),  # 中国广核
    ("300750", "300750.SZ", SZ, K.CHINEXT),  # 宁德时代
    ("301269", "301269.SZ", SZ, K.CHINEXT),
    ("159919", "159919.SZ", SZ, K.FUND),  # 沪深300ETF (SZ)
    ("162411", "162411.SZ", SZ, K.FUND),  # 华宝油气 LOF
    ("180101", "180101.SZ", SZ, K.FUND),  # REIT
    ("123001", "123001.SZ", SZ, K.BOND),
    ("127045", "127045.SZ", SZ, K.BOND),
    ("128136", "128136.SZ", SZ, K.BOND),
    ("131810", "131810.SZ", SZ, K.REPO),
    ("200002", "200002.SZ", SZ, K.B_SHARE),  # 万科B
    ("430047", "430047.BJ", BJ, K.BJ_STOCK),  # 诺思兰德
    ("830799", "830799.BJ", BJ, K.BJ_STOCK),  # 艾融软件
    ("870204", "870204.BJ", BJ, K.BJ_STOCK),
    ("889999", "889999.BJ", BJ, K.BJ_STOCK),
    ("920002", "920002.BJ", BJ, K.BJ_STOCK),  # new 920xxx range
]


@pytest.mark.parametrize(("raw", "code", "exchange", "kind"), REAL_CODES)
def test_real_codes_classify(raw: str, code: str, exchange: Exchange, kind: InstrumentKind):
    sec = classify(raw)
    assert (sec.stock_code, sec.symbol, sec.exchange, sec.kind) == (code, raw, exchange, kind)
    assert normalize_code(raw) == code
    assert exchange_of(raw) is exchange
    assert bare_code(code) == raw


@pytest.mark.parametrize(
    "raw",
    [
        "600036",
        "sh600036",
        "SH600036",
        "Sh600036",
        "600036.sh",
        "600036.SH",
        "600036.Sh",
        " 600036 ",
        "\t sh600036\n",
        "  600036.SH  ",
    ],
)
def test_every_spelling_gives_the_same_code(raw: str):
    assert normalize_code(raw) == "600036.SH"


def test_easytrader_mistakes_do_not_happen():
    # easytrader: sh600036 -> sh600036.SH, 600036.SH -> 600036.SH.SH, 111xxx -> SZ
    assert normalize_code("sh600036") == "600036.SH"
    assert normalize_code("600036.SH") == "600036.SH"
    assert normalize_code("111010") == "111010.SH"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "60003",
        "6000360",
        "600036.",
        ".SH",
        "600036.SS",
        "600036.HK",
        "hk600036",
        "600 036",
        "sh 600036",
        "600036 .SH",
        "sh600036.SH",  # both forms at once: easytrader's bug output, refused
        "６０００３６",  # full-width digits
        "990001",  # unknown range
        "700001",
        "400001",
        "080001",
        "590001",
        "190001",
        "810001",
        "930001",
        "000001.SH",  # SSE Composite index: not a tradable security here
    ],
)
def test_bad_codes_raise_and_name_the_input(raw: str):
    with pytest.raises(CodeError) as err:
        normalize_code(raw)
    assert repr(raw) in str(err.value)
    assert err.value.raw == raw
    assert repr(raw) in err.value.message_en


def test_error_message_says_what_is_accepted():
    with pytest.raises(CodeError, match=r"^无法识别的证券代码: 'abc'") as err:
        classify("abc")
    assert "600036.SH" in str(err.value)
    assert "600036.SH" in err.value.message_en


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("sz600036", "600036.SH"),
        ("600036.SZ", "600036.SH"),
        ("bj600036", "600036.SH"),
        ("000001.SH", "000001.SZ"),
        ("sh000001", "000001.SZ"),
        ("430047.SZ", "430047.BJ"),
        ("110059.SZ", "110059.SH"),
        ("123001.SH", "123001.SZ"),
    ],
)
def test_contradicting_exchange_is_an_error_with_the_right_code(raw: str, hint: str):
    with pytest.raises(CodeError, match="证券代码与市场不符") as err:
        normalize_code(raw)
    assert hint in str(err.value)
    assert hint in err.value.message_en


@pytest.mark.parametrize("raw", [600036, 600036.0, None, b"600036", ["600036"]])
def test_non_text_input_is_a_code_error(raw: object):
    with pytest.raises(CodeError, match="无法识别的证券代码"):
        classify(raw)  # type: ignore[arg-type]


def test_code_error_is_a_value_error():
    assert issubclass(CodeError, ValueError)


def test_longest_prefix_wins_for_repo_inside_b_share_range():
    assert classify("204007").exchange is SH
    assert classify("200002").exchange is SZ


# ---------------------------------------------------------------- properties

# Deterministic: the same examples on every run and machine, nothing written to disk.
DETERMINISTIC = settings(derandomize=True, database=None, max_examples=200)


def test_no_code_belongs_to_two_exchanges_exhaustive():
    # The table uses prefixes of at most 3 digits, so every 3-digit head covers all codes.
    assert max(len(p) for p in SEGMENTS) <= 3
    for head in (f"{n:03d}" for n in range(1000)):
        symbol = head + "123"
        accepted = []
        for ex in Exchange:
            try:
                accepted.append(classify(f"{symbol}.{ex.value}").exchange)
            except CodeError:
                pass
        assert len(accepted) <= 1, symbol
        try:
            bare = classify(symbol).exchange
        except CodeError:
            assert accepted == [], symbol
        else:
            assert accepted == [bare], symbol


def _valid_symbols() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(SEGMENTS)).flatmap(
        lambda p: st.text("0123456789", min_size=6 - len(p), max_size=6 - len(p)).map(
            lambda tail: p + tail
        )
    )


def _spellings(symbol: str, exchange: str) -> st.SearchStrategy[str]:
    def casing(s: str) -> st.SearchStrategy[str]:
        return st.sampled_from([s.lower(), s.upper(), s[0].upper() + s[1].lower()])

    core = st.one_of(
        st.just(symbol),
        casing(exchange).map(lambda e: e + symbol),
        casing(exchange).map(lambda e: f"{symbol}.{e}"),
    )
    pad = st.text(" \t\n", max_size=3)
    return st.tuples(pad, core, pad).map(lambda t: "".join(t))


@DETERMINISTIC
@given(_valid_symbols())
def test_normalising_twice_changes_nothing(symbol: str):
    once = normalize_code(symbol)
    assert normalize_code(once) == once
    assert normalize_code(normalize_code(once)) == once


@DETERMINISTIC
@given(_valid_symbols().flatmap(lambda s: st.tuples(st.just(s), st.data())))
def test_every_spelling_of_a_valid_code_gives_the_same_result(pair: tuple[str, st.DataObject]):
    symbol, data = pair
    sec = classify(symbol)
    spelled = data.draw(_spellings(symbol, sec.exchange.value))
    assert classify(spelled) == sec


@DETERMINISTIC
@given(st.text(max_size=12))
def test_arbitrary_text_either_normalises_or_raises_code_error(raw: str):
    try:
        code = normalize_code(raw)
    except CodeError:
        return
    assert len(code) == 9 and code[6] == "." and code[:6].isdigit()
    assert code[7:] in {"SH", "SZ", "BJ"}
    assert normalize_code(code) == code
