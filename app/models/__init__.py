"""The A-share market as pure Python: codes, ttypes, rules, records, names, pre-trade check.

No Qt, no ``xtquant.xttrader``, no I/O: everything here is safe on any thread
and in any test. See ``docs/INTERNALS.md`` for the contract.
"""

from app.models.codes import (
    CodeError,
    Exchange,
    InstrumentKind,
    Security,
    bare_code,
    classify,
    exchange_of,
    normalize_code,
)
from app.models.pretrade import Problem, Ticket, TradeContext, check_ticket
from app.models.rules import Fees, FeeSchedule, LotRule, PriceBand, Side
from app.models.ttypes import DEFAULT_TTYPE, MARKET_TTYPES, TtypeError, market_price_type

__all__ = [
    "DEFAULT_TTYPE",
    "MARKET_TTYPES",
    "CodeError",
    "Exchange",
    "FeeSchedule",
    "Fees",
    "InstrumentKind",
    "LotRule",
    "PriceBand",
    "Problem",
    "Security",
    "Side",
    "Ticket",
    "TradeContext",
    "TtypeError",
    "bare_code",
    "check_ticket",
    "classify",
    "exchange_of",
    "market_price_type",
    "normalize_code",
]
