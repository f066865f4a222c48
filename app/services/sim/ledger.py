"""The counter's durable ledger: one SQLite file in the counter's folder.

What is stored: accounts (cash, frozen cash, fees paid, realised profit),
positions (volume, what was held at the start of the day, what was sold and
frozen today, cost), orders and trades (every day's, queries show today's),
the counters' next ids and the trading day, and a small ``control`` table
through which another process sends fault commands
(``python -m app.services.sim PATH fault drop``).

Durability: journal_mode=WAL, synchronous=NORMAL, and every state change of
the counter (an order accepted with its freeze and any fills it met on entry;
one fill of a resting order; a cancel with its release; a day roll-over) is
one transaction, committed before the counter answers or tells anyone. In WAL
mode a commit is in the OS's hands once ``COMMIT`` returns, so a killed
process loses nothing acknowledged; NORMAL (not FULL) skips the fsync per
commit, which only matters for a power cut or OS crash, where the last few
transactions may be lost but the file stays consistent. That trade is what
lets the counter match tens of thousands of orders a second.

The file carries ``PRAGMA application_id`` = ``APPLICATION_ID`` and
``PRAGMA user_version`` = schema version. A file without them, a file that is
not SQLite, or a damaged file is refused with :class:`SimLedgerError` naming
the file and what to do; the ledger never silently starts over.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path

from app.services.sim.errors import SimLedgerError

__all__ = [
    "APPLICATION_ID",
    "LEDGER_FILENAME",
    "SCHEMA_VERSION",
    "AccountRow",
    "ControlCommand",
    "Ledger",
    "LedgerState",
    "OrderRow",
    "PositionRow",
    "TradeRow",
    "post_control_command",
]

LEDGER_FILENAME = "qmtdesk_sim.sqlite"
APPLICATION_ID = 0x514D5444  # "QMTD"
SCHEMA_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_REMEDY_MOVE = "请把该文件移到别处（或删除，删除会清空模拟账户）后重新打开"


@dataclass(slots=True)
class AccountRow:
    """A simulated fund account. Money in CNY, kept on whole fen (0.01)."""

    account_id: str
    cash: float
    frozen_cash: float
    fees_paid: float
    realized_pnl: float
    opening_value: float  # initial cash + initial holdings at cost
    secu_sh: str
    secu_sz: str
    secu_bj: str
    created: int


@dataclass(slots=True)
class PositionRow:
    """One holding. ``cost_basis`` is the total cost (moving average method)."""

    account_id: str
    stock_code: str
    volume: int
    yesterday_volume: int  # held at the start of the trading day (T+1 base)
    sold_today: int
    frozen_volume: int
    bought_today: int
    cost_basis: float

    @property
    def can_use_volume(self) -> int:
        """Sellable now: held since yesterday, minus sold and frozen today."""
        return max(0, self.yesterday_volume - self.sold_today - self.frozen_volume)

    @property
    def avg_price(self) -> float:
        """Cost per share of what is held (0 when flat)."""
        return self.cost_basis / self.volume if self.volume else 0.0


@dataclass(slots=True)
class OrderRow:
    """An order as the counter keeps it; the xt fields plus bookkeeping."""

    order_id: int
    account_id: str
    stock_code: str
    order_sysid: str
    order_time: int
    order_type: int
    order_volume: int
    price_type: int  # as sent by the trader (11, 5, 42-48)
    reported_price_type: int  # as the counter reports it (50 限价 ...)
    price: float  # the order's price as reported (the limit, or the converted one)
    limit_price: float  # where the order rests; 0 when it does not rest
    traded_volume: int
    traded_amount: float
    order_status: int
    status_msg: str
    strategy_name: str
    order_remark: str
    secu_account: str
    instrument_name: str
    frozen_cash: float  # cash still frozen for this order (buys)
    fees_charged: float  # fees charged on this order's fills so far
    trading_day: str
    seq: int  # the async request seq (0 for order_stock)

    @property
    def traded_price(self) -> float:
        """Average fill price (0 before the first fill)."""
        return round(self.traded_amount / self.traded_volume, 4) if self.traded_volume else 0.0


@dataclass(slots=True)
class TradeRow:
    """One fill."""

    traded_id: str
    account_id: str
    stock_code: str
    order_id: int
    order_sysid: str
    order_type: int
    traded_time: int
    traded_price: float
    traded_volume: int
    traded_amount: float
    commission: float  # all fees charged on this fill
    strategy_name: str
    order_remark: str
    secu_account: str
    instrument_name: str
    trading_day: str


@dataclass(slots=True)
class LedgerState:
    """What a reopened ledger holds."""

    meta: dict[str, str]
    accounts: list[AccountRow]
    positions: list[PositionRow]
    orders: list[OrderRow]  # today's
    trades: list[TradeRow]  # today's
    max_order_id: int  # the highest order id ever given (0: none)
    max_trade_no: int  # the highest trade number ever given (0: none)


@dataclass(frozen=True, slots=True)
class ControlCommand:
    """A command another process left in the control table."""

    command_id: int
    command: str
    argument: str


def _columns(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


_SQL_TYPES = {"int": "INTEGER", "float": "REAL", "str": "TEXT"}


def _create_table(cls: type, table: str, key: tuple[str, ...]) -> str:
    cols = ", ".join(f"{f.name} {_SQL_TYPES.get(f.type, 'TEXT')} NOT NULL" for f in fields(cls))
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({', '.join(key)}))"


def _upsert(cls: type, table: str, key: tuple[str, ...]) -> str:
    cols = _columns(cls)
    marks = ", ".join("?" * len(cols))
    updates = ", ".join(f"{c}=excluded.{c}" for c in cols if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


_TABLES: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (AccountRow, "accounts", ("account_id",)),
    (PositionRow, "positions", ("account_id", "stock_code")),
    (OrderRow, "orders", ("order_id",)),
    (TradeRow, "trades", ("traded_id",)),
)
_UPSERT_ACCOUNT = _upsert(AccountRow, "accounts", ("account_id",))
_UPSERT_POSITION = _upsert(PositionRow, "positions", ("account_id", "stock_code"))
_UPSERT_ORDER = _upsert(OrderRow, "orders", ("order_id",))
_INSERT_TRADE = (
    f"INSERT INTO trades ({', '.join(_columns(TradeRow))}) "
    f"VALUES ({', '.join('?' * len(fields(TradeRow)))})"
)
_UPDATE_ACCOUNT = (
    "UPDATE accounts SET cash = ?, frozen_cash = ?, fees_paid = ?, realized_pnl = ? "
    "WHERE account_id = ?"
)
_UPSERT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value=excluded.value"
)
_ACCOUNT_VALUES = attrgetter(*_columns(AccountRow))
_POSITION_VALUES = attrgetter(*_columns(PositionRow))
_ORDER_VALUES = attrgetter(*_columns(OrderRow))
_TRADE_VALUES = attrgetter(*_columns(TradeRow))
_CREATE_CONTROL = (
    "CREATE TABLE IF NOT EXISTS control (command_id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "command TEXT NOT NULL, argument TEXT NOT NULL, created REAL NOT NULL, done REAL)"
)


def _check_file(file: Path) -> None:
    """Refuse a file that is not SQLite before sqlite3 touches it."""
    try:
        size = file.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return
    with file.open("rb") as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head != _SQLITE_MAGIC:
        raise SimLedgerError(
            file, "不是 SQLite 数据库文件（可能是别的程序的文件，或已损坏）", _REMEDY_MOVE
        )


def _connect(file: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(file), timeout=timeout, isolation_level=None, check_same_thread=False
    )
    return conn


class Ledger:
    """The SQLite store of one counter. Thread-safe; one writer at a time."""

    def __init__(self, folder: Path) -> None:
        self.file = folder / LEDGER_FILENAME
        self._lock = threading.Lock()
        _check_file(self.file)
        try:
            self._conn = _connect(self.file)
            self._prepare()
        except sqlite3.DatabaseError as exc:
            conn = getattr(self, "_conn", None)
            if conn is not None:
                conn.close()
            raise SimLedgerError(self.file, f"已损坏或无法读取（{exc}）", _REMEDY_MOVE) from exc
        except SimLedgerError:
            self._conn.close()
            raise

    # -- opening -------------------------------------------------------------

    def _prepare(self) -> None:
        conn = self._conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if app_id != APPLICATION_ID and (app_id != 0 or has_tables):
            raise SimLedgerError(
                self.file,
                "不是 QMT Desk 模拟柜台的账本（是别的程序的 SQLite 数据库）",
                _REMEDY_MOVE,
            )
        if version > SCHEMA_VERSION:
            raise SimLedgerError(
                self.file,
                f"由更新版本的 QMT Desk 创建（账本版本 {version}，本程序支持 {SCHEMA_VERSION}）",
                "请升级 QMT Desk，或换一个模拟柜台目录",
            )
        if has_tables:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise SimLedgerError(self.file, f"已损坏（{check}）", _REMEDY_MOVE)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        # Fewer, larger checkpoints: each one syncs the file.
        conn.execute("PRAGMA wal_autocheckpoint=4000")
        if app_id == 0:
            with self.transaction():
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                for cls, table, key in _TABLES:
                    conn.execute(_create_table(cls, table, key))
                conn.execute(_CREATE_CONTROL)

    # -- transactions --------------------------------------------------------

    def transaction(self) -> _Transaction:
        """``with ledger.transaction():`` one atomic commit."""
        return _Transaction(self._conn, self._lock)

    def write(
        self,
        *,
        new_accounts: Iterable[AccountRow] = (),
        accounts: Iterable[AccountRow] = (),
        positions: Iterable[PositionRow] = (),
        orders: Iterable[OrderRow] = (),
        trades: Iterable[TradeRow] = (),
        meta: dict[str, str] | None = None,
        delete_flat_positions: bool = False,
    ) -> None:
        """Write one state change: every row given, in one transaction.

        ``new_accounts`` are inserted whole; ``accounts`` only have their
        money columns updated. ``delete_flat_positions`` also drops positions with nothing held
        (done at the day roll-over).
        """
        conn = self._conn
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for row in orders:
                    conn.execute(_UPSERT_ORDER, _ORDER_VALUES(row))
                for row in trades:
                    conn.execute(_INSERT_TRADE, _TRADE_VALUES(row))
                for row in new_accounts:
                    conn.execute(_UPSERT_ACCOUNT, _ACCOUNT_VALUES(row))
                for row in accounts:
                    conn.execute(
                        _UPDATE_ACCOUNT,
                        (
                            row.cash,
                            row.frozen_cash,
                            row.fees_paid,
                            row.realized_pnl,
                            row.account_id,
                        ),
                    )
                for row in positions:
                    conn.execute(_UPSERT_POSITION, _POSITION_VALUES(row))
                if meta:
                    conn.executemany(_UPSERT_META, meta.items())
                if delete_flat_positions:
                    conn.execute("DELETE FROM positions WHERE volume = 0")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # -- reading -------------------------------------------------------------

    def load(self) -> LedgerState:
        """What the counter resumes from: meta, accounts, positions, today's orders and trades."""
        conn = self._conn
        with self._lock:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            day = meta.get("trading_day", "")
            accounts = [AccountRow(*r) for r in conn.execute(_select(AccountRow, "accounts"))]
            positions = [PositionRow(*r) for r in conn.execute(_select(PositionRow, "positions"))]
            orders = [
                OrderRow(*r)
                for r in conn.execute(
                    _select(OrderRow, "orders") + " WHERE trading_day = ? ORDER BY order_id", (day,)
                )
            ]
            trades = [
                TradeRow(*r)
                for r in conn.execute(
                    _select(TradeRow, "trades") + " WHERE trading_day = ? ORDER BY rowid", (day,)
                )
            ]
            max_order_id = conn.execute("SELECT coalesce(max(order_id), 0) FROM orders").fetchone()[
                0
            ]
            max_trade_no = conn.execute(
                "SELECT coalesce(max(CAST(substr(traded_id, 9) AS INTEGER)), 0) FROM trades"
            ).fetchone()[0]
        return LedgerState(meta, accounts, positions, orders, trades, max_order_id, max_trade_no)

    # -- control commands from other processes --------------------------------

    def take_control_commands(self) -> list[ControlCommand]:
        """Commands not yet done, oldest first; marks them done."""
        conn = self._conn
        with self._lock:
            rows = conn.execute(
                "SELECT command_id, command, argument FROM control WHERE done IS NULL "
                "ORDER BY command_id"
            ).fetchall()
            if rows:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "UPDATE control SET done = ? WHERE command_id = ?",
                    [(time.time(), r[0]) for r in rows],
                )
                conn.execute("COMMIT")
        return [ControlCommand(*r) for r in rows]

    def close(self) -> None:
        """Checkpoint and close the file."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            self._conn.close()


def _select(cls: type, table: str) -> str:
    return f"SELECT {', '.join(_columns(cls))} FROM {table}"


class _Transaction:
    __slots__ = ("_conn", "_lock")

    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self._conn = conn
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()


def post_control_command(folder: Path, command: str, argument: str = "") -> int:
    """Leave a command for the counter running on ``folder`` (from any process).

    Opens the ledger file directly (not the counter, which may be running
    elsewhere); the running counter picks the command up within its poll
    interval. Returns the command's id.
    """
    file = Path(folder) / LEDGER_FILENAME
    if not file.exists():
        raise SimLedgerError(file, "不存在", "请先用 QMT Desk 或 SimCounter.open() 打开这个目录")
    _check_file(file)
    conn = _connect(file)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise SimLedgerError(file, "不是 QMT Desk 模拟柜台的账本", _REMEDY_MOVE)
        with conn:
            cur = conn.execute(
                "INSERT INTO control (command, argument, created) VALUES (?, ?, ?)",
                (command, argument, time.time()),
            )
        return int(cur.lastrowid or 0)
    except sqlite3.DatabaseError as exc:
        raise SimLedgerError(file, f"无法写入（{exc}）", _REMEDY_MOVE) from exc
    finally:
        conn.close()
