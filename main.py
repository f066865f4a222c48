"""QMT Desk: start the trading terminal.

    uv run main.py                      # the simulator (模拟柜台) unless a broker is configured
    uv run main.py --help               # every option
    uv run main.py --screenshot docs/screenshot.png --size 1366x768

The window appears at once; connecting (to the simulator by default) runs off
the GUI thread under a qasync event loop, so nothing waits on xtquant.
Logs go to a rotating file in the per-user log folder and to the 日志 panel.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import os
import sys
import tempfile
import threading
from pathlib import Path

from platformdirs import user_log_dir

from app.services.backends import APP_DIR_NAME, DEFAULT_SIM_ACCOUNT, default_sim_path

APP_NAME = APP_DIR_NAME
SCREENSHOT_TIMEOUT_S = 60


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description=(
            "QMT Desk 交易终端：A 股手动交易，支持券商 miniQMT (xtquant)，"
            "没有券商时使用内置模拟柜台。"
        ),
        epilog="快捷键：F1 买入，F2 卖出，F3 撤销选中委托，Enter 提交，Esc 清空下单。",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--sim", action="store_true", help="use the built-in simulated counter (模拟柜台)"
    )
    mode.add_argument(
        "--broker",
        action="store_true",
        help="use the real broker through miniQMT (Windows with a logged-in QMT client)",
    )
    parser.add_argument(
        "--path",
        metavar="DIR",
        help=(
            "simulator folder, or miniQMT's userdata_mini folder with --broker "
            f"(default for the simulator: {default_sim_path()})"
        ),
    )
    parser.add_argument(
        "--account",
        metavar="ID",
        help=f"account id (default for the simulator: {DEFAULT_SIM_ACCOUNT})",
    )
    parser.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="zh",
        help="language of the window and its messages (default zh)",
    )
    parser.add_argument(
        "--no-connect", action="store_true", help="do not connect on start (connect from the panel)"
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help="render the window once the account data has loaded, save it as PNG and exit",
    )
    parser.add_argument(
        "--size", metavar="WxH", help="window size, e.g. 1366x768 (default: fits the screen)"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="with the simulator: place a few sample orders after start (for screenshots)",
    )
    parser.add_argument(
        "--settings",
        metavar="INI",
        help="keep settings in this INI file instead of the user's settings "
        "(--screenshot uses a throw-away one unless given)",
    )
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    args = parser.parse_args(argv)
    if args.size:
        try:
            width, height = (int(v) for v in args.size.lower().split("x"))
            if width < 640 or height < 480:
                raise ValueError
        except ValueError:
            parser.error(f"--size 需要 宽x高，例如 1366x768（收到 {args.size!r}）")
        args.size = (width, height)
    if args.demo and args.broker:
        parser.error("--demo 只能用于模拟柜台，不会向券商下单")
    return args


def configure_logging(debug: bool = False) -> Path | None:
    """A rotating log file under the user's log folder (plus stderr for warnings)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s")
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if debug else logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    try:
        folder = Path(user_log_dir(APP_NAME, appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "qmtdesk.log"
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger("qmtdesk").warning("无法写日志文件：%s", exc)
        path = None
    else:
        handler.setFormatter(fmt)
        root.addHandler(handler)
    # File and console writes happen on a listener thread, never on the GUI thread.
    from app.services.log_plumbing import install_queued_logging

    install_queued_logging(root)
    return path


def install_exception_logging() -> None:
    """Log every exception nobody caught, so it reaches the log file and the 日志 panel.

    PySide6 hands an exception raised in a slot to ``sys.excepthook`` and a
    thread's to ``threading.excepthook``; both only print to stderr by
    default, which a trader never sees.
    """
    log = logging.getLogger("qmtdesk")

    def on_exception(kind, value, tb) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        log.error("未处理的异常：%s", value or kind.__name__, exc_info=(kind, value, tb))

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        log.error(
            "线程 %s 中未处理的异常：%s",
            name,
            args.exc_value or args.exc_type.__name__,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    log_path = configure_logging(args.debug)
    install_exception_logging()

    # Qt and the app are imported after argument parsing: --help stays instant.
    import qasync
    from PySide6.QtCore import QSettings, QSize, QTimer
    from PySide6.QtWidgets import QApplication

    from app.app_wiring import Terminal
    from app.views.main_window import MainWindow
    from app.views.theme import apply_theme
    from app.views.ui_text import set_ui_lang

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("QMT Desk")
    apply_theme(app)
    set_ui_lang(args.lang)  # before any widget is built

    if args.settings:
        settings = QSettings(args.settings, QSettings.Format.IniFormat)
    elif args.screenshot:
        scratch = tempfile.mkdtemp(prefix="qmtdesk-shot-")
        settings = QSettings(os.path.join(scratch, "settings.ini"), QSettings.Format.IniFormat)
    else:
        settings = QSettings()

    terminal = Terminal(settings, lang=args.lang)
    conn = terminal.vm.connection
    if args.sim:
        conn.set_use_simulator(True)
    elif args.broker:
        conn.set_use_simulator(False)
    # an empty path / account means the simulator's defaults (ConnectionViewModel.effective_*)
    if args.path:
        conn.set_path(args.path)
    if args.account:
        conn.set_account(args.account)

    size = QSize(*args.size) if args.size else None
    window = MainWindow(terminal.viewmodels(), settings, initial_size=size)
    if size is not None:
        window.resize_for_screenshot(size)
    window.show()
    log = logging.getLogger("qmtdesk")
    log.info("QMT Desk 启动，日志文件：%s", log_path or "（无）")

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    exit_code = 0
    quit_event = asyncio.Event()
    app.aboutToQuit.connect(quit_event.set)

    def finish(code: int) -> None:
        nonlocal exit_code
        exit_code = code
        window.close()
        app.quit()

    if args.screenshot:
        from app.views.screenshot_taker import ScreenshotTaker

        taker = ScreenshotTaker(window, terminal, args.screenshot, demo=args.demo, parent=window)
        taker.done.connect(finish)
        QTimer.singleShot(SCREENSHOT_TIMEOUT_S * 1000, lambda: taker.fail("超时：数据未加载"))
    elif args.demo:
        from app.demo_orders import DemoOrders

        demo = DemoOrders(terminal, parent=window)
        terminal.dataLoaded.connect(demo.start)

    if not args.no_connect:
        QTimer.singleShot(0, conn.connect_session)

    try:
        with loop:
            loop.run_until_complete(quit_event.wait())
    finally:
        terminal.shutdown()
        from app.services.log_plumbing import stop_queued_logging

        stop_queued_logging()  # write out what is queued
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
