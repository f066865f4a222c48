"""``main.py`` as a user runs it: ``--help`` and ``--screenshot`` (subprocess, offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # logs and default folders stay in tmp
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def test_help_lists_the_options(tmp_path):
    result = _run("--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    for option in ("--sim", "--path", "--account", "--lang", "--screenshot", "--size"):
        assert option in result.stdout


def test_screenshot_renders_the_loaded_window(tmp_path):
    png = tmp_path / "shot.png"
    result = _run(
        "--sim",
        "--path",
        str(tmp_path / "模拟 柜台"),
        "--settings",
        str(tmp_path / "s.ini"),
        "--size",
        "1366x768",
        "--screenshot",
        str(png),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1366, 768)


def test_demo_places_its_orders_once_the_market_has_attached(tmp_path):
    """--demo waits for the quotes (attached off the GUI thread after connect), then trades."""
    from app.services.backends import DEFAULT_SIM_ACCOUNT
    from app.services.sim import SimConfig, SimCounter

    folder = tmp_path / "demo"
    result = _run(
        "--sim", "--path", str(folder), "--settings", str(tmp_path / "s.ini"),
        "--demo", "--screenshot", str(tmp_path / "demo.png"), tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已跳过" not in result.stderr
    counter = SimCounter.open(folder, SimConfig(auto_run=False))
    try:
        orders = counter.query_orders(DEFAULT_SIM_ACCOUNT)
    finally:
        counter.close()
    assert sorted(o.stock_code for o in orders) == [
        "000001.SZ", "300750.SZ", "600036.SH", "601318.SH",
    ]  # fmt: skip


def test_bad_size_is_refused_with_a_sentence(tmp_path):
    result = _run("--size", "big", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "1366x768" in result.stderr


def test_exceptions_nobody_caught_reach_the_log(qtbot, monkeypatch, caplog):
    """A slot's or a thread's exception goes to the log (file and 日志 panel), not only stderr."""
    import threading

    from PySide6.QtCore import QObject, Signal

    import main

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    main.install_exception_logging()

    class Emitter(QObject):
        fired = Signal()

    def broken_slot() -> None:
        raise ZeroDivisionError("slot broke")

    emitter = Emitter()
    emitter.fired.connect(broken_slot)
    with caplog.at_level("ERROR", logger="qmtdesk"):
        emitter.fired.emit()
        worker = threading.Thread(target=lambda: 1 / 0, name="broken-worker")
        worker.start()
        worker.join()
    messages = [r.getMessage() for r in caplog.records]
    assert any("slot broke" in m for m in messages), messages
    assert any("broken-worker" in m for m in messages), messages
    assert all(r.exc_info for r in caplog.records)
