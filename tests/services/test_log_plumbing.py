"""Log lines are written on the listener thread, never on the thread that logs them."""

from __future__ import annotations

import logging
import threading

from app.services import log_plumbing


class ThreadRecorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, bool]] = []
        self.done = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((threading.current_thread().name, record.getMessage(),
                          record.exc_info is not None))
        if record.getMessage() == "last":
            self.done.set()


def test_handlers_run_on_the_listener_thread_and_get_everything_back_on_stop() -> None:
    logger = logging.getLogger("test.log_plumbing")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    file_like = ThreadRecorder()
    logger.addHandler(file_like)
    panel = ThreadRecorder()
    try:
        log_plumbing.install_queued_logging(logger)
        log_plumbing.attach_handler(panel, logger)
        assert logger.handlers != [file_like]  # only the queue is left on the logger
        items = {"n": 1}
        logger.info("value %(n)s", items)
        items["n"] = 2  # the message was taken when logged
        try:
            raise ZeroDivisionError("division by zero")
        except ZeroDivisionError:
            logger.exception("boom")
        logger.info("last")
        assert file_like.done.wait(5) and panel.done.wait(5)
        me = threading.current_thread().name
        assert [m for _t, m, _e in file_like.seen] == ["value 1", "boom", "last"]
        assert all(thread != me for thread, _m, _e in file_like.seen + panel.seen)
        assert [e for _t, m, e in panel.seen if m == "boom"] == [True]  # traceback kept
    finally:
        log_plumbing.detach_handler(panel, logger)
        log_plumbing.stop_queued_logging()
    assert file_like in logger.handlers and panel not in logger.handlers
