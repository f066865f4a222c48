"""Security codes: what a trader types -> the one form the counter understands.

A trader may type ``600036``, ``sh600036``, ``SH600036``, ``600036.sh`` or
``600036.SH`` (with stray spaces around it); every one of them becomes
``600036.SH``, the form xtquant sends and reports. The exchange and the kind of
instrument follow from the code's leading digits (the segment table below).
Anything the table does not know is a :class:`CodeError` whose message names
what was typed and what is accepted: never a silent guess, and a prefix or
suffix that contradicts the digits (``sz600036``, ``600036.SZ``) is an error
too, since it means the trader meant something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final

__all__ = [
    "CodeError",
    "Exchange",
    "InstrumentKind",
    "Security",
    "bare_code",
    "classify",
    "exchange_of",
    "normalize_code",
]


class CodeError(ValueError):
    """A code the terminal cannot place on SH, SZ or BJ.

    ``str(err)`` is the Chinese sentence shown to the trader; ``raw`` is what was
    typed and ``message_en`` the English sentence.
    """

    def __init__(self, raw: object, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh)
        self.raw = raw
        self.message_zh = message_zh
        self.message_en = message_en


class Exchange(StrEnum):
    """The exchange suffix xtquant uses: ``SH`` 上交所, ``SZ`` 深交所, ``BJ`` 北交所."""

    SH = "SH"
    SZ = "SZ"
    BJ = "BJ"

    @property
    def name_zh(self) -> str:
        """沪市 / 深市 / 北交所."""
        return _EXCHANGE_ZH[self]

    @property
    def name_en(self) -> str:
        """Shanghai / Shenzhen / Beijing."""
        return _EXCHANGE_EN[self]


_EXCHANGE_ZH: Final = {Exchange.SH: "沪市", Exchange.SZ: "深市", Exchange.BJ: "北交所"}
_EXCHANGE_EN: Final = {Exchange.SH: "Shanghai", Exchange.SZ: "Shenzhen", Exchange.BJ: "Beijing"}


class InstrumentKind(StrEnum):
    """What kind of instrument a code is; lots, ticks, bands and fees depend on it."""

    MAIN_BOARD = "main_board"  # 主板 A 股
    STAR = "star"  # 科创板 (688/689)
    CHINEXT = "chinext"  # 创业板 (300/301)
    BJ_STOCK = "bj_stock"  # 北交所股票
    FUND = "fund"  # ETF / LOF / 封闭式基金 / REITs
    BOND = "bond"  # 债券, 含可转债
    REPO = "repo"  # 质押式回购 (国债逆回购)
    B_SHARE = "b_share"  # B 股

    @property
    def name_zh(self) -> str:
        """Chinese name as shown in the terminal (e.g. 科创板)."""
        return _KIND_ZH[self]


_KIND_ZH: Final = {
    InstrumentKind.MAIN_BOARD: "主板",
    InstrumentKind.STAR: "科创板",
    InstrumentKind.CHINEXT: "创业板",
    InstrumentKind.BJ_STOCK: "北交所",
    InstrumentKind.FUND: "基金",
    InstrumentKind.BOND: "债券",
    InstrumentKind.REPO: "回购",
    InstrumentKind.B_SHARE: "B股",
}

# The segment table: leading digits -> (exchange, kind). The longest matching
# prefix wins (so 204xxx is SH repo although 20xxxx is SZ B shares). Every
# prefix appears once, so no code can belong to two exchanges.
SEGMENTS: Final[dict[str, tuple[Exchange, InstrumentKind]]] = {
    # Shanghai
    "60": (Exchange.SH, InstrumentKind.MAIN_BOARD),  # 600/601/603/605
    "68": (Exchange.SH, InstrumentKind.STAR),  # 688/689
    **{f"5{d}": (Exchange.SH, InstrumentKind.FUND) for d in "012345678"},  # 50-58 funds/ETFs
    "900": (Exchange.SH, InstrumentKind.B_SHARE),
    "11": (Exchange.SH, InstrumentKind.BOND),  # 110/111/113/118 convertibles, other 11x
    "204": (Exchange.SH, InstrumentKind.REPO),  # GC001 = 204001
    # Shenzhen
    "00": (Exchange.SZ, InstrumentKind.MAIN_BOARD),  # 000/001/002/003
    "30": (Exchange.SZ, InstrumentKind.CHINEXT),  # 300/301
    "15": (Exchange.SZ, InstrumentKind.FUND),  # 159 ETFs
    "16": (Exchange.SZ, InstrumentKind.FUND),  # LOFs
    "18": (Exchange.SZ, InstrumentKind.FUND),  # closed-end funds, REITs
    "12": (Exchange.SZ, InstrumentKind.BOND),  # 123/127/128 convertibles
    "13": (Exchange.SZ, InstrumentKind.REPO),  # R-001 = 131810
    "20": (Exchange.SZ, InstrumentKind.B_SHARE),  # 200xxx
    # Beijing
    "43": (Exchange.BJ, InstrumentKind.BJ_STOCK),
    "83": (Exchange.BJ, InstrumentKind.BJ_STOCK),
    "87": (Exchange.BJ, InstrumentKind.BJ_STOCK),
    "88": (Exchange.BJ, InstrumentKind.BJ_STOCK),
    "92": (Exchange.BJ, InstrumentKind.BJ_STOCK),  # 920xxx, new BJ codes since 2024
}
_PREFIX_LENGTHS: Final = sorted({len(p) for p in SEGMENTS}, reverse=True)

_ACCEPTED_ZH: Final = "可输入 6 位代码，如 600036、sh600036、600036.SH"
_ACCEPTED_EN: Final = "type a 6-digit code such as 600036, sh600036 or 600036.SH"

# Prefix form (sh600036) or bare/suffix form (600036, 600036.SH); ASCII digits only.
_CODE_RE: Final = re.compile(r"(?:(SH|SZ|BJ)([0-9]{6})|([0-9]{6})(?:\.(SH|SZ|BJ))?)", re.ASCII)


@dataclass(frozen=True, slots=True)
class Security:
    """A code placed on its exchange: ``stock_code='600036.SH'``, ``symbol='600036'``."""

    stock_code: str
    symbol: str
    exchange: Exchange
    kind: InstrumentKind

    @property
    def is_stock(self) -> bool:
        """True for shares (A or B), which pay stamp duty and trade at 0.01 ticks."""
        return self.kind in _STOCK_KINDS


_STOCK_KINDS: Final = frozenset(
    {
        InstrumentKind.MAIN_BOARD,
        InstrumentKind.STAR,
        InstrumentKind.CHINEXT,
        InstrumentKind.BJ_STOCK,
        InstrumentKind.B_SHARE,
    }
)


def _segment(symbol: str) -> tuple[Exchange, InstrumentKind] | None:
    for n in _PREFIX_LENGTHS:
        hit = SEGMENTS.get(symbol[:n])
        if hit is not None:
            return hit
    return None


def classify(raw: str) -> Security:
    """Place a typed code on its exchange; raise :class:`CodeError` when it cannot.

    >>> classify(' sh600036 ').stock_code
    '600036.SH'
    """
    if not isinstance(raw, str):
        raise CodeError(
            raw,
            f"无法识别的证券代码: {raw!r}（代码应为文字，{_ACCEPTED_ZH}）",
            f"Unrecognised security code: {raw!r} (expected text; {_ACCEPTED_EN})",
        )
    return _classify_str(raw)


@lru_cache(maxsize=8192)
def _classify_str(raw: str) -> Security:
    # Cached: tables classify the same few codes on every update. Errors are not cached.
    text = raw.strip().upper()
    m = _CODE_RE.fullmatch(text)
    if m is None:
        raise CodeError(
            raw,
            f"无法识别的证券代码: {raw!r}（{_ACCEPTED_ZH}）",
            f"Unrecognised security code: {raw!r} ({_ACCEPTED_EN})",
        )
    prefix, prefixed_symbol, symbol, suffix = m.groups()
    symbol = symbol or prefixed_symbol
    stated = prefix or suffix
    seg = _segment(symbol)
    if seg is None:
        raise CodeError(
            raw,
            f"无法识别的证券代码: {raw!r}（{symbol} 不属于沪、深、北交易所可交易的代码段；"
            f"{_ACCEPTED_ZH}）",
            f"Unrecognised security code: {raw!r} ({symbol} is not in any tradable "
            f"SH, SZ or BJ code range; {_ACCEPTED_EN})",
        )
    exchange, kind = seg
    if stated is not None and stated != exchange.value:
        raise CodeError(
            raw,
            f"证券代码与市场不符: {raw!r}（{symbol} 属于{exchange.name_zh}，"
            f"应为 {symbol}.{exchange.value}）",
            f"Code and exchange disagree: {raw!r} ({symbol} trades in "
            f"{exchange.name_en}: {symbol}.{exchange.value})",
        )
    return Security(f"{symbol}.{exchange.value}", symbol, exchange, kind)


def normalize_code(raw: str) -> str:
    """``' sh600036 '`` -> ``'600036.SH'``; raises :class:`CodeError` otherwise."""
    return classify(raw).stock_code


def exchange_of(raw: str) -> Exchange:
    """The exchange of a typed code (``'000001'`` -> ``Exchange.SZ``)."""
    return classify(raw).exchange


def bare_code(raw: str) -> str:
    """The six digits of a typed code (``'600036.SH'`` -> ``'600036'``)."""
    return classify(raw).symbol
