"""TradingSession, split along its seams (see `core`'s docstring for the whole).

``from app.services.session import TradingSession, SessionState,
ConnectionStatus, OrderRejected, NotConnectedError, SessionError,
CancelResult`` is the public surface.
"""

from app.services.session.core import (
    DEFAULT_ANSWER_TIMEOUT,
    DEFAULT_REPLY_TIMEOUT,
    TradingSession,
    next_session_id,
)
from app.services.session.replies import counter_reason
from app.services.session.state import (
    CancelResult,
    ConnectionStatus,
    NotConnectedError,
    OrderRejected,
    OrderUnconfirmed,
    SessionError,
    SessionState,
    reconnect_text,
    state_text,
)

__all__ = [
    "DEFAULT_ANSWER_TIMEOUT",
    "DEFAULT_REPLY_TIMEOUT",
    "CancelResult",
    "ConnectionStatus",
    "NotConnectedError",
    "OrderRejected",
    "OrderUnconfirmed",
    "SessionError",
    "SessionState",
    "TradingSession",
    "counter_reason",
    "next_session_id",
    "reconnect_text",
    "state_text",
]
