"""China time: the clock A-share trading runs on, wherever the trader's machine is.

Order, trade and quote times are epoch seconds (as xtquant gives them); the
terminal shows them in China Standard Time (UTC+8), as every A-share terminal
does, whatever time zone the machine is set to. A fixed offset, not
``zoneinfo``: China has no daylight saving, and Windows has no time-zone
database unless the ``tzdata`` package is installed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

__all__ = ["CHINA_TZ", "china_time"]

#: China Standard Time (UTC+8, no daylight saving).
CHINA_TZ: Final = timezone(timedelta(hours=8), "CST")


def china_time(epoch: float) -> datetime:
    """Epoch seconds -> an aware ``datetime`` in China time."""
    return datetime.fromtimestamp(epoch, CHINA_TZ)
