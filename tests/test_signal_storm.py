"""The signal storm (issue 3, DESIGN.md Threading).

PySide6 6.12.0's ``Signal.emit`` drops a reference to ``True`` on every call:
on CPython <= 3.11 the process dies after a few hundred emits. Here 100,000
signals with a payload go from a plain ``threading.Thread`` to a ``@Slot`` of a
QObject living in the GUI thread by queued connection, and every one must
arrive, in order. A broken PySide6 release is caught by CI, not by a trader.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

N = 100_000


class Emitter(QObject):
    fired = Signal(int, object)


class Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.in_order = True
        self.payload_ok = True
        self.wrong_thread = 0

    @Slot(int, object)
    def receive(self, i: int, payload: object) -> None:
        if i != self.count:
            self.in_order = False
        if payload != ("tick", i, True):
            self.payload_ok = False
        if QThread.currentThread() is not QCoreApplication.instance().thread():
            self.wrong_thread += 1
        self.count += 1


def test_100k_cross_thread_signals_all_arrive_in_order(qtbot):
    emitter = Emitter()
    receiver = Receiver()
    emitter.fired.connect(receiver.receive, Qt.ConnectionType.QueuedConnection)

    def storm() -> None:
        for i in range(N):
            emitter.fired.emit(i, ("tick", i, True))

    worker = threading.Thread(target=storm, name="signal-storm")
    worker.start()
    qtbot.waitUntil(lambda: receiver.count >= N, timeout=60_000)
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert receiver.count == N
    assert receiver.in_order
    assert receiver.payload_ok
    assert receiver.wrong_thread == 0
