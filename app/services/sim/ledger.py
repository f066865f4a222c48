"""The counter's durable ledger: one SQLite file in the counter's folder, kept as a journal.

What is stored: accounts (cash, frozen cash, fees paid, realised profit),
positions (volume, what was held at the start of the day, what was sold and
frozen today, cost), orders and trades (every day's, queries show today's),
the counters' next ids and the trading day, and a small ``control`` table
through which another process sends fault commands
(``python -m app.services.sim PATH fault drop``).

How it is stored: the books as of the start of the trading day, plus a journal
of every change since.

- ``base_accounts``, ``base_positions``, ``base_orders``, ``base_trades`` hold
  the books as they were at the last *fold* (the last day roll-over);
  ``meta`` holds the trading day and the next order id and trade number as
  of then.
- ``journal`` holds every state change of the counter since then, in order
  (``seq``): an order accepted with its freeze and any fills it met on entry;
  one fill of a resting order; a cancel with its release; a new account. A
  change is written as the *after-image* of every row it touched: the whole
  row, as it is after the change. A journal row has room for one image of
  each kind, in typed columns named after the ``base_`` columns with a
  prefix (``o_`` order, ``t_`` trade, ``p_`` position, ``a_`` account;
  NULL where the change touched none; a ``CHECK`` refuses a partial image),
  so the usual change is one row: an order filled on entry is
  ``o_* t_* p_* a_*``, a cancel ``o_* a_*``.
  A change that touched more (a fill across several book levels, a new
  account with its holdings) takes as many rows as it needs, in one
  transaction.
- The books now = the base tables with, for every key (order id, trade id,
  account, account + code), the newest image in the journal put in place of
  the base row. :meth:`Ledger.load` does exactly that; the views ``accounts``,
  ``positions``, ``orders``, ``trades`` (over ``journal_<name>``: the newest
  image per key) do the same in SQL for other readers (``python -m
  app.services.sim PATH status``, the sqlite3 shell), so the file reads as
  it always has.
- A day roll-over is written to the journal like any change and, in the same
  transaction, *folded*: every key's newest image is written into the base
  tables, flat positions are dropped, the journal is emptied and ``meta``
  gets the new day. So the journal never holds more than one trading day,
  and opening the file costs one day's changes at most (about 1.5 s for a
  day of 100,000 orders; see ``benchmarks/bench_sim_matching.py``).

Why this is safe (the durability argument):

1. A state change is one transaction. The usual change is one statement,
   ``INSERT INTO journal``, in autocommit mode, which SQLite commits when the
   statement completes; a larger one is its rows between ``BEGIN`` and
   ``COMMIT``. A change is in the file whole or not at all.
2. The counter writes a change under its lock, after changing its memory and
   before it answers the caller or queues any push (``SimCounter._flush``).
   So the journal's order is the order of the changes, and nothing anyone was
   told about is missing from it. A failed write raises to the caller.
3. Images are whole rows, not deltas: applying them is "newest image per key
   wins", which gives the books after the last committed change whatever
   came before (a change that never committed left no row to apply).
4. WAL with ``synchronous=NORMAL``: once ``COMMIT`` returns the transaction is
   in the WAL file, in the operating system's hands, so a killed process
   loses nothing acknowledged. NORMAL (not FULL) skips the fsync per commit,
   which only matters for a power cut or OS crash, where the last few
   transactions may be lost but the file stays consistent (WAL frames carry
   checksums). That trade, and appending one row per change instead of
   updating four tables and their indexes (one page written per commit
   instead of six to eight), is what lets the counter match tens of
   thousands of orders a second.
5. A fold is one transaction too: a crash in the middle leaves the base tables
   and the journal as they were. Folding rewrites rows that were already
   durable; it never stands in for a change's own commit.

The file carries ``PRAGMA application_id`` = ``APPLICATION_ID`` and
``PRAGMA user_version`` = schema version. A file without them, a file that is
not SQLite, a damaged file or a journal image with missing values is refused
with :class:`SimLedgerError` naming the file and what to do; the ledger never
silently starts over. A version 1 file (the four tables updated in place, no
journal) is upgraded on open, in one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

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
SCHEMA_VERSION = 2
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
    orders: list[OrderRow]  # today's, by order id
    trades: list[TradeRow]  # today's, in the order they happened
    max_order_id: int  # the highest order id ever given (0: none)
    max_trade_no: int  # the highest trade number ever given (0: none)


@dataclass(frozen=True, slots=True)
class ControlCommand:
    """A command another process left in the control table."""

    command_id: int
    command: str
    argument: str


# --------------------------------------------------------------------------- schema

_SQL_TYPES = {"int": "INTEGER", "float": "REAL", "str": "TEXT"}


class _Kind:
    """One kind of row: its class, key, base table, view, and columns in the journal."""

    def __init__(self, row: type, name: str, key: tuple[str, ...], prefix: str) -> None:
        self.row = row
        self.name = name  # the view; the table is base_<name>
        self.base = f"base_{name}"
        self.key = key
        self.columns = [f.name for f in fields(row)]
        self.types = [_SQL_TYPES.get(f.type, "TEXT") for f in fields(row)]
        self.prefix = prefix  # of its columns in the journal
        self.values: Callable[[Any], tuple] = attrgetter(*self.columns)  # a row -> its image
        key_at = [self.columns.index(k) for k in key]
        self.image_key: Callable[[tuple], Any] = itemgetter(*key_at)  # an image -> its key
        self.absent = (None,) * len(self.columns)  # its slice when a journal row has none
        cols = ", ".join(self.columns)
        # The newest image of each key in the journal, keys in order of first appearance.
        self.read_journal = f"SELECT {cols} FROM journal_{name} ORDER BY first_seq"
        self.fold = f"INSERT OR REPLACE INTO {self.base} ({cols}) {self.read_journal}"


# A journal row is ``seq`` then one image (or NULLs) of each kind, in this order.
_ORDERS = _Kind(OrderRow, "orders", ("order_id",), "o_")
_TRADES = _Kind(TradeRow, "trades", ("traded_id",), "t_")
_POSITIONS = _Kind(PositionRow, "positions", ("account_id", "stock_code"), "p_")
_ACCOUNTS = _Kind(AccountRow, "accounts", ("account_id",), "a_")
_KINDS: tuple[_Kind, ...] = (_ORDERS, _TRADES, _POSITIONS, _ACCOUNTS)


def _create_base(kind: _Kind) -> str:
    cols = ", ".join(f"{c} {t} NOT NULL" for c, t in zip(kind.columns, kind.types, strict=True))
    return f"CREATE TABLE {kind.base} ({cols}, PRIMARY KEY ({', '.join(kind.key)}))"


def _create_journal() -> str:
    cols = ", ".join(
        f"{kind.prefix}{c} {t}"
        for kind in _KINDS
        for c, t in zip(kind.columns, kind.types, strict=True)
    )
    # An image is whole or absent: a missing value (or a NaN, which SQLite
    # stores as NULL) fails the write, as NOT NULL does in the base tables.
    whole = ", ".join(
        f"CHECK ({kind.prefix}{kind.key[0]} IS NULL OR ("
        + " AND ".join(f"{kind.prefix}{c} IS NOT NULL" for c in kind.columns)
        + "))"
        for kind in _KINDS
    )
    return f"CREATE TABLE journal (seq INTEGER PRIMARY KEY, {cols}, {whole})"


def _create_journal_view(kind: _Kind) -> str:
    """``journal_<name>``: the newest image of every key in the journal.

    ``first_seq`` is where the key first appears (the order the counter met
    it in: a trade's fill order, a position's opening).
    """
    p = kind.prefix
    renamed = ", ".join(f"{p}{c} AS {c}" for c in kind.columns)
    key = ", ".join(p + k for k in kind.key)
    return (
        f"CREATE VIEW journal_{kind.name} AS SELECT {renamed}, first_seq FROM journal JOIN ("
        f"SELECT max(seq) AS newest_seq, min(seq) AS first_seq FROM journal "
        f"WHERE {p}{kind.key[0]} IS NOT NULL GROUP BY {key}) ON seq = newest_seq"
    )


def _create_view(kind: _Kind) -> str:
    """``<name>``: the books now (base rows, each replaced by its newest journal image)."""
    cols = ", ".join(kind.columns)
    key = ", ".join(kind.key)
    keyed = f"({key})" if len(kind.key) > 1 else key
    return (
        f"CREATE VIEW {kind.name} AS "
        f"SELECT {cols} FROM journal_{kind.name} UNION ALL "
        f"SELECT {cols} FROM {kind.base} "
        f"WHERE {keyed} NOT IN (SELECT {key} FROM journal_{kind.name})"
    )


_APPEND = f"INSERT INTO journal VALUES (NULL{', ?' * sum(len(k.columns) for k in _KINDS)})"
_CREATE_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_CREATE_CONTROL = (
    "CREATE TABLE IF NOT EXISTS control (command_id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "command TEXT NOT NULL, argument TEXT NOT NULL, created REAL NOT NULL, done REAL)"
)
_CREATE_INDEXES = (
    "CREATE INDEX base_orders_by_day ON base_orders (trading_day)",
    "CREATE INDEX base_trades_by_day ON base_trades (trading_day)",
)
_UPSERT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value=excluded.value"
)


def _select(kind: _Kind, source: str) -> str:
    return f"SELECT {', '.join(kind.columns)} FROM {source}"


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
    # isolation_level=None: autocommit, so one statement outside BEGIN is one transaction.
    return sqlite3.connect(
        str(file), timeout=timeout, isolation_level=None, check_same_thread=False
    )


# --------------------------------------------------------------------------- the ledger


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
            with self._transaction():
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(_CREATE_META)
                conn.execute(_CREATE_CONTROL)
                for kind in _KINDS:
                    conn.execute(_create_base(kind))
                self._create_journal()
        elif version < SCHEMA_VERSION:
            with self._transaction():
                self._upgrade_from_v1()

    def _create_journal(self) -> None:
        conn = self._conn
        for statement in _CREATE_INDEXES:
            conn.execute(statement)
        conn.execute(_create_journal())
        for kind in _KINDS:
            conn.execute(_create_journal_view(kind))
            conn.execute(_create_view(kind))
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _upgrade_from_v1(self) -> None:
        """Version 1 kept the books in ``accounts``... updated in place: they become the base."""
        conn = self._conn
        for kind in _KINDS:
            conn.execute(f"ALTER TABLE {kind.name} RENAME TO {kind.base}")
        # Version 1 wrote the next ids only at a day roll: take them from the rows.
        max_order_id = conn.execute(
            "SELECT coalesce(max(order_id), 0) FROM base_orders"
        ).fetchone()[0]
        max_trade_no = conn.execute(
            "SELECT coalesce(max(CAST(substr(traded_id, 9) AS INTEGER)), 0) FROM base_trades"
        ).fetchone()[0]
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        next_order_id = max(int(meta.get("next_order_id", "1")), max_order_id + 1)
        next_trade_no = max(int(meta.get("next_trade_no", "1")), max_trade_no + 1)
        conn.executemany(
            _UPSERT_META,
            [("next_order_id", str(next_order_id)), ("next_trade_no", str(next_trade_no))],
        )
        self._create_journal()

    # -- writing -------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One explicit transaction (callers hold ``self._lock`` or are the only user)."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def append(
        self,
        *,
        orders: Iterable[OrderRow] = (),
        trades: Iterable[TradeRow] = (),
        positions: Iterable[PositionRow] = (),
        accounts: Iterable[AccountRow] = (),
    ) -> None:
        """Write one state change: the rows it touched, as they are now, in one transaction.

        Returns once the change is committed. Each row is given once (the
        counter collects them by key). The usual change (at most one row of
        each kind) is one journal row written by one statement; a change that
        touched nothing writes nothing.
        """
        rows = _journal_rows(orders, trades, positions, accounts)
        if not rows:
            return
        with self._lock:
            if len(rows) == 1:
                self._conn.execute(_APPEND, rows[0])  # autocommit: its own transaction
            else:
                with self._transaction() as conn:
                    conn.executemany(_APPEND, rows)

    def roll_day(
        self,
        meta: dict[str, str],
        *,
        orders: Iterable[OrderRow] = (),
        positions: Iterable[PositionRow] = (),
        accounts: Iterable[AccountRow] = (),
    ) -> None:
        """Write a day roll-over and fold the journal into the base tables: one transaction.

        The rows are the roll's own change (orders it expired, positions it
        reset, accounts); ``meta`` the new day's trading day and next ids.
        """
        rows = _journal_rows(orders, (), positions, accounts)
        with self._lock, self._transaction() as conn:
            conn.executemany(_APPEND, rows)
            self._fold()
            conn.executemany(_UPSERT_META, meta.items())

    def set_meta(self, meta: dict[str, str]) -> None:
        """Set meta values (a new ledger's trading day and ids): one transaction."""
        with self._lock, self._transaction() as conn:
            conn.executemany(_UPSERT_META, meta.items())

    def _fold(self) -> None:
        """Write the newest journal images into the base tables, empty the journal (in a txn)."""
        conn = self._conn
        for kind in _KINDS:  # (the base tables' NOT NULL refuses an incomplete image)
            conn.execute(kind.fold)
        conn.execute("DELETE FROM base_positions WHERE volume = 0")  # flat: nothing to carry over
        conn.execute("DELETE FROM journal")

    # -- reading -------------------------------------------------------------

    def _replay(self) -> dict[str, dict[Any, tuple]]:
        """Every key's newest image in the journal: ``{kind name: {key: image}}``.

        Read through the ``journal_<name>`` views (which the ``<name>`` views
        and the fold use too): keys in the order they first appear, so trades
        come in the order they happened.
        """
        images: dict[str, dict[Any, tuple]] = {}
        for kind in _KINDS:
            key = kind.image_key
            newest = {key(image): image for image in self._conn.execute(kind.read_journal)}
            if any(None in image for image in newest.values()):
                raise SimLedgerError(
                    self.file, f"日志中有不完整的{kind.name}记录，账本已损坏", _REMEDY_MOVE
                )
            images[kind.name] = newest
        return images

    def load(self) -> LedgerState:
        """What the counter resumes from: meta, accounts, positions, today's orders and trades."""
        conn = self._conn
        with self._lock:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            day = meta.get("trading_day", "")
            journal = self._replay()
            accounts = _merged(
                _ACCOUNTS, conn.execute(_select(_ACCOUNTS, "base_accounts")), journal
            )
            positions = _merged(
                _POSITIONS, conn.execute(_select(_POSITIONS, "base_positions")), journal
            )
            orders = _merged(
                _ORDERS,
                conn.execute(_select(_ORDERS, "base_orders") + " WHERE trading_day = ?", (day,)),
                journal,
            )
            trades = _merged(
                _TRADES,
                conn.execute(
                    _select(_TRADES, "base_trades") + " WHERE trading_day = ? ORDER BY rowid",
                    (day,),
                ),
                journal,
            )
            base_max_order = conn.execute(
                "SELECT coalesce(max(order_id), 0) FROM base_orders"
            ).fetchone()[0]
        max_order_id = max(
            [base_max_order, int(meta.get("next_order_id", "1")) - 1, *journal["orders"]]
        )
        max_trade_no = max(
            [int(meta.get("next_trade_no", "1")) - 1, *(int(t[8:]) for t in journal["trades"])]
        )
        return LedgerState(
            meta,
            [AccountRow(*r) for r in accounts],
            [PositionRow(*r) for r in positions],
            sorted((OrderRow(*r) for r in orders if r[_ORDER_DAY] == day), key=_ORDER_ID),
            [TradeRow(*r) for r in trades if r[_TRADE_DAY] == day],
            max_order_id,
            max_trade_no,
        )

    @property
    def journal_length(self) -> int:
        """How many rows the journal holds: changes since the last fold (a big one takes more)."""
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM journal").fetchone()[0]

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
                with self._transaction():
                    conn.executemany(
                        "UPDATE control SET done = ? WHERE command_id = ?",
                        [(time.time(), r[0]) for r in rows],
                    )
        return [ControlCommand(*r) for r in rows]

    def close(self) -> None:
        """Checkpoint and close the file."""
        with self._lock:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            self._conn.close()


def _journal_rows(
    orders: Iterable[OrderRow],
    trades: Iterable[TradeRow],
    positions: Iterable[PositionRow],
    accounts: Iterable[AccountRow],
) -> list[tuple]:
    """One change as journal rows: row i holds the i-th image of each kind (NULLs if none)."""
    kinds = (
        [*map(_ORDERS.values, orders)],
        [*map(_TRADES.values, trades)],
        [*map(_POSITIONS.values, positions)],
        [*map(_ACCOUNTS.values, accounts)],
    )
    count = max(map(len, kinds))
    if count <= 1:  # the usual change: one row
        o, t, p, a = kinds
        if count == 0:
            return []
        return [
            (o[0] if o else _ORDERS.absent)
            + (t[0] if t else _TRADES.absent)
            + (p[0] if p else _POSITIONS.absent)
            + (a[0] if a else _ACCOUNTS.absent)
        ]
    rows = []
    for i in range(count):
        row: tuple = ()
        for images, kind in zip(kinds, _KINDS, strict=True):
            row += images[i] if i < len(images) else kind.absent
        rows.append(row)
    return rows


_ORDER_DAY = _ORDERS.columns.index("trading_day")
_TRADE_DAY = _TRADES.columns.index("trading_day")
_ORDER_ID = attrgetter("order_id")


def _merged(
    kind: _Kind, base_rows: Iterable[tuple], journal: dict[str, dict[Any, tuple]]
) -> list[tuple]:
    """Base rows, each replaced by its newest journal image, then the journal's new keys."""
    key = kind.image_key
    rows: dict[Any, tuple] = {key(r): r for r in base_rows}
    rows.update(journal[kind.name])
    return list(rows.values())


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
