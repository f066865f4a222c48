"""Fixtures of the viewmodel tests; the fakes live in ``vm_fakes.py``."""

from __future__ import annotations

import gc

import pytest
from vm_fakes import FakeSession


@pytest.fixture(autouse=True)
def collect_qobjects_on_the_gui_thread(qapp):
    """Collect each test's QObject cycles here, on the GUI thread.

    Python's cyclic GC runs on whichever thread allocates when it triggers;
    a QObject (with its timers) collected on a worker thread can crash Qt.
    """
    yield
    gc.collect()


@pytest.fixture
def fake_session():
    session = FakeSession()
    yield session
    session.close()
