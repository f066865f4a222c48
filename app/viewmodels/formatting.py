"""Number and time formatting shared by the viewmodels (display text only).

Display rules of an A-share terminal: thousands separators everywhere, prices
with the instrument's tick precision (``app.models.rules.price_decimals``),
volumes as integers, percentages signed. Colours follow the A-share
convention: red for buy/up, green for sell/down.

Everything here is pure Python; the table models turn the colour names into
``QBrush``es.
"""

from __future__ import annotations

import math
from functools import lru_cache

from app.models import rules
from app.models.clock import china_time

PLACEHOLDER = "--"

# A-share convention: red = buy/up, green = sell/down.
UP_COLOR = "#d9232e"
DOWN_COLOR = "#0e9a3c"
NEUTRAL_COLOR = None


@lru_cache(maxsize=4096)
def price_decimals(code: str | None) -> int:
    """Decimals of ``code``'s price tick (2 for stocks, 3 for funds/bonds); 2 when unknown."""
    if not code:
        return 2
    try:
        return int(rules.price_decimals(code))
    except (ValueError, KeyError):
        return 2


def _bad(value) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_number(value: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    """``1234567.891`` -> ``'1,234,567.89'``; None/NaN -> ``'--'``."""
    if _bad(value):
        return PLACEHOLDER
    sign = "+" if signed else ""
    return f"{value:{sign},.{decimals}f}"


def format_price(value: float | None, code: str | None = None, *,
                 decimals: int | None = None) -> str:
    """A price with ``code``'s tick precision (or ``decimals``) and thousands separators.

    A zero price (market orders report 0.0) shows as ``'--'``.
    """
    if _bad(value) or value == 0:
        return PLACEHOLDER
    return format_number(value, price_decimals(code) if decimals is None else decimals)


def format_money(value: float | None, *, signed: bool = False) -> str:
    """CNY amounts: two decimals, thousands separators (``signed`` adds ``+``)."""
    return format_number(value, 2, signed=signed)


def format_volume(value: int | float | None) -> str:
    """Shares as an integer with thousands separators: ``12300`` -> ``'12,300'``."""
    if _bad(value):
        return PLACEHOLDER
    return f"{int(value):,}"


def format_percent(ratio: float | None, *, signed: bool = True, decimals: int = 2) -> str:
    """A ratio as a percentage: ``0.0123`` -> ``'+1.23%'``."""
    if _bad(ratio):
        return PLACEHOLDER
    sign = "+" if signed else ""
    return f"{ratio * 100:{sign},.{decimals}f}%"


def format_time(epoch: int | float | None) -> str:
    """Epoch seconds -> China time ``HH:MM:SS`` (xtquant's ``order_time``/``traded_time``).

    A-share times are China times whatever the machine's time zone is.
    """
    if not epoch:
        return PLACEHOLDER
    return china_time(epoch).strftime("%H:%M:%S")


def format_datetime(epoch: int | float | None) -> str:
    """Epoch seconds -> China time ``YYYY-MM-DD HH:MM:SS`` (tool tips)."""
    if not epoch:
        return PLACEHOLDER
    return china_time(epoch).strftime("%Y-%m-%d %H:%M:%S")


def sign_color(value: float | None) -> str | None:
    """Red for > 0, green for < 0, None for zero/unknown."""
    if _bad(value) or value == 0:
        return NEUTRAL_COLOR
    return UP_COLOR if value > 0 else DOWN_COLOR
