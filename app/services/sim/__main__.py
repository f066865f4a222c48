"""Command line of the simulated counter.

    python -m app.services.sim PATH status
    python -m app.services.sim PATH fault drop
    python -m app.services.sim PATH fault refuse 30
    python -m app.services.sim PATH fault delay 2.5
    python -m app.services.sim PATH fault reorder on|off
    python -m app.services.sim PATH fault reject -150 资金账户已冻结
    python -m app.services.sim PATH fault clear

``fault`` leaves a command in the ledger's control table of the counter
folder PATH; the counter running on it (in QMT Desk or any other process)
applies it within a fraction of a second. ``status`` prints the accounts and
whether a counter is running on the folder. Exit status: 0 done, 2 bad usage,
1 the folder's ledger cannot be used.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from app.services.sim.counter import LOCK_FILENAME
from app.services.sim.errors import SimLedgerError
from app.services.sim.faults import parse_fault_command
from app.services.sim.ledger import APPLICATION_ID, LEDGER_FILENAME, post_control_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.services.sim",
        description="模拟柜台命令行：查看状态，或让正在运行的模拟柜台注入故障。",
    )
    parser.add_argument("path", help="模拟柜台目录（miniqmt_path）")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="显示账户与运行状态")
    fault = commands.add_parser(
        "fault", help="drop | refuse N | delay S | reorder on|off | reject ID MSG | clear"
    )
    fault.add_argument("words", nargs=argparse.REMAINDER)
    return parser


def _running(folder: Path) -> bool:
    """True when a counter holds the folder's lock (some process has it open)."""
    lock = folder / LOCK_FILENAME
    if not lock.exists():
        return False
    conn = sqlite3.connect(str(lock), timeout=0)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()
    return False


def _status(folder: Path) -> int:
    file = folder / LEDGER_FILENAME
    if not file.exists():
        print(f"{folder}: 还没有模拟柜台账本（用 QMT Desk 或 SimCounter.open() 打开后生成）")
        return 1
    conn = sqlite3.connect(f"file:{file.as_posix()}?mode=ro", uri=True, timeout=5)
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            raise SimLedgerError(file, "不是 QMT Desk 模拟柜台的账本", "请检查目录是否正确")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        day = meta.get("trading_day", "")
        print(f"模拟柜台目录: {folder}")
        print(f"运行中: {'是' if _running(folder) else '否'}    交易日: {day}")
        for account_id, cash, frozen, fees in conn.execute(
            "SELECT account_id, cash, frozen_cash, fees_paid FROM accounts ORDER BY account_id"
        ):
            orders, live = conn.execute(
                "SELECT count(*), coalesce(sum(order_status IN (48, 49, 50, 51, 52, 55)), 0) "
                "FROM orders WHERE account_id = ? AND trading_day = ?",
                (account_id, day),
            ).fetchone()
            positions = conn.execute(
                "SELECT count(*) FROM positions WHERE account_id = ? AND volume > 0",
                (account_id,),
            ).fetchone()[0]
            print(
                f"  账户 {account_id}: 可用 {cash:,.2f}  冻结 {frozen:,.2f}  费用 {fees:,.2f}  "
                f"持仓 {positions} 只  今日委托 {orders} 笔（未完成 {live}）"
            )
        pending = conn.execute("SELECT count(*) FROM control WHERE done IS NULL").fetchone()[0]
        print(f"待执行的控制命令: {pending}")
    except sqlite3.DatabaseError as exc:
        raise SimLedgerError(file, f"无法读取（{exc}）", "请检查目录是否正确") from exc
    finally:
        conn.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    folder = Path(args.path).expanduser().resolve()
    try:
        if args.command == "status":
            return _status(folder)
        try:
            command, argument = parse_fault_command(args.words)
        except ValueError as exc:
            parser.error(str(exc))
        command_id = post_control_command(folder, command, argument)
        running = "" if _running(folder) else "（注意: 目前没有模拟柜台在运行该目录，命令不会生效）"
        print(f"已提交故障命令 #{command_id}: {command} {argument}{running}")
        return 0
    except SimLedgerError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
