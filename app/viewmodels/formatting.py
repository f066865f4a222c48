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

# A-share convention: red = buy/up, green = sell/down. The one red and green of
# the window (app.views.theme reads them; resources/theme.qss spells the same values).
UP_COLOR = "#d9262c"
DOWN_COLOR = "#0a9a4a"
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


def _shown(value: float, decimals: int) -> float:
    """``value`` as the text shows it with ``decimals`` (``-0.001`` -> ``0.0``, never -0.0)."""
    return round(float(value), decimals) + 0.0


def format_number(value: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    """``1234567.891`` -> ``'1,234,567.89'``; None/NaN -> ``'--'``.

    ``signed`` puts ``+`` before a positive value. What rounds to zero shows as
    an unsigned zero (``0.00``, never ``+0.00`` or ``-0.00``): zero is neutral.
    """
    if _bad(value):
        return PLACEHOLDER
    value = _shown(value, decimals)
    sign = "+" if signed and value else ""
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
    """A ratio as a percentage: ``0.0123`` -> ``'+1.23%'`` (``0.00%`` when it rounds to zero)."""
    if _bad(ratio):
        return PLACEHOLDER
    return format_number(ratio * 100, decimals, signed=signed) + "%"


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


def sign_color(value: float | None, decimals: int = 2) -> str | None:
    """Red for > 0, green for < 0, None for unknown and for what shows as zero.

    ``decimals`` is the precision the value is shown with (2 for money, the
    tick's for a price change), so a ``+0.004`` P&L shown as ``0.00`` is never red.
    """
    if _bad(value):
        return NEUTRAL_COLOR
    value = _shown(value, decimals)
    if not value:
        return NEUTRAL_COLOR
    return UP_COLOR if value > 0 else DOWN_COLOR


def percent_color(ratio: float | None, decimals: int = 2) -> str | None:
    """``sign_color`` of a ratio shown by ``format_percent`` with ``decimals``."""
    return NEUTRAL_COLOR if _bad(ratio) else sign_color(ratio * 100, decimals)
