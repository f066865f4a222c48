"""The stand-in installer: idempotent, thread-safe, never over a native module."""

from __future__ import annotations

import importlib
import sys
import threading
import types
from collections.abc import Iterator

import pytest

from app.services.sim import standin
from app.services.sim import xtpythonclient as standin_module

pytestmark = pytest.mark.filterwarnings(
    "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"  # vendor's xtbson
)

NAMES = ("xtquant.xtpythonclient", "xtquant.xttrader")
_MISSING = object()


@pytest.fixture
def pristine(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """No stand-in, no vendor trader, no cached probe; everything restored afterwards."""
    package = importlib.import_module("xtquant")
    saved = {name: sys.modules.get(name, _MISSING) for name in NAMES}
    saved_attributes = {
        attribute: package.__dict__.get(attribute, _MISSING)
        for attribute in ("xtpythonclient", "xttrader")
    }
    for name in NAMES:
        sys.modules.pop(name, None)
    for attribute in saved_attributes:
        package.__dict__.pop(attribute, None)
    monkeypatch.setattr(standin, "_native_available", None)
    yield package
    for name, module in saved.items():
        if module is _MISSING:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = module
    for attribute, value in saved_attributes.items():
        if value is _MISSING:
            package.__dict__.pop(attribute, None)
        else:
            package.__dict__[attribute] = value


@pytest.mark.skipif(sys.platform == "win32", reason="the native module may load on Windows")
def test_native_module_is_unavailable_here_and_probing_leaves_no_trace(pristine):
    assert standin.native_xtquant_available() is False
    assert "xtquant.xtpythonclient" not in sys.modules
    assert not hasattr(pristine, "xtpythonclient")


def test_install_puts_the_standin_in_place_and_is_idempotent(pristine):
    assert standin.install_xtpythonclient_standin() is True
    assert sys.modules["xtquant.xtpythonclient"] is standin_module
    assert pristine.xtpythonclient is standin_module
    assert standin.install_xtpythonclient_standin() is True
    assert sys.modules["xtquant.xtpythonclient"] is standin_module

    import xtquant.xttrader as xttrader

    assert xttrader._XTQC_ is standin_module
    # Installing is no reason to think a native module appeared.
    assert standin.native_xtquant_available() is False


def test_install_is_thread_safe(pristine):
    start = threading.Barrier(8)
    results: list[bool] = []

    def install() -> None:
        start.wait(timeout=5)
        results.append(standin.install_xtpythonclient_standin())

    threads = [threading.Thread(target=install) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert results == [True] * 8
    assert sys.modules["xtquant.xtpythonclient"] is standin_module


def test_never_replaces_a_working_native_module(pristine, monkeypatch):
    native = types.ModuleType("xtquant.xtpythonclient")
    native.__file__ = "xtpythonclient" + importlib.machinery.EXTENSION_SUFFIXES[0]
    sys.modules["xtquant.xtpythonclient"] = native
    assert standin.native_xtquant_available() is True
    assert standin.install_xtpythonclient_standin() is False
    assert sys.modules["xtquant.xtpythonclient"] is native


class _FakeExtensionLoader(importlib.machinery.ExtensionFileLoader):
    """Loads nothing from disk; ``broken`` makes it fail as a missing DLL does."""

    broken = False

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.broken:
            raise ImportError("DLL load failed while importing xtpythonclient")
        return types.ModuleType(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def _fake_native(monkeypatch: pytest.MonkeyPatch, *, broken: bool) -> None:
    path = "xtpythonclient" + importlib.machinery.EXTENSION_SUFFIXES[0]
    loader = _FakeExtensionLoader("xtquant.xtpythonclient", path)
    loader.broken = broken
    spec = importlib.util.spec_from_file_location("xtquant.xtpythonclient", path, loader=loader)
    monkeypatch.setattr(importlib.machinery.PathFinder, "find_spec", lambda name, path=None: spec)


def test_a_loadable_native_module_is_registered_as_import_would(pristine, monkeypatch):
    _fake_native(monkeypatch, broken=False)
    assert standin.native_xtquant_available() is True
    native = sys.modules["xtquant.xtpythonclient"]
    assert pristine.xtpythonclient is native
    assert standin.install_xtpythonclient_standin() is False
    assert sys.modules["xtquant.xtpythonclient"] is native


def test_a_native_module_that_fails_to_load_leaves_nothing_behind(pristine, monkeypatch):
    _fake_native(monkeypatch, broken=True)
    assert standin.native_xtquant_available() is False
    assert "xtquant.xtpythonclient" not in sys.modules
    assert standin.install_xtpythonclient_standin() is True
    assert sys.modules["xtquant.xtpythonclient"] is standin_module


def test_native_answer_is_cached(pristine, monkeypatch):
    monkeypatch.setattr(standin, "_native_available", True)
    assert standin.install_xtpythonclient_standin() is False
    assert "xtquant.xtpythonclient" not in sys.modules


def test_a_placeholder_is_not_native_and_is_replaced_even_under_an_imported_trader(pristine):
    placeholder = types.ModuleType("xtquant.xtpythonclient")
    sys.modules["xtquant.xtpythonclient"] = placeholder
    import xtquant.xttrader as xttrader  # binds _XTQC_ to the placeholder

    assert xttrader._XTQC_ is placeholder
    assert standin.native_xtquant_available() is False
    assert standin.install_xtpythonclient_standin() is True
    assert sys.modules["xtquant.xtpythonclient"] is standin_module
    assert xttrader._XTQC_ is standin_module


def test_the_standin_marks_itself():
    assert standin_module.IS_QMTDESK_STANDIN is True
    assert standin._is_standin(standin_module)
    assert not standin._is_extension(standin_module)
