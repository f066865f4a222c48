"""SimXtQuantTrader has the vendor XtQuantTrader's methods, with identical signatures.

``xtquant.xttrader`` imports its native module (``xtpythonclient``, Windows
only) at import time; a placeholder module in ``sys.modules`` lets it import on
Linux. The placeholder and the imported module are removed afterwards, so no
other test sees them.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from collections.abc import Iterator

import pytest

from app.services.sim.trader import UNSUPPORTED_METHODS, SimXtQuantTrader

_NAMES = ("xtquant.xtpythonclient", "xtquant.xttrader")
_PLACEHOLDERS: list[types.ModuleType] = []

pytestmark = pytest.mark.filterwarnings(
    "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"  # the vendor's xtbson
)


def _placeholder() -> types.ModuleType:
    module = types.ModuleType("xtquant.xtpythonclient")
    _PLACEHOLDERS.append(module)
    return module


@pytest.fixture
def vendor_class() -> Iterator[type]:
    package = importlib.import_module("xtquant")
    saved_modules = {name: sys.modules.get(name) for name in _NAMES}
    saved_attributes = {name: package.__dict__.get(name) for name in ("xtpythonclient", "xttrader")}
    sys.modules["xtquant.xtpythonclient"] = _PLACEHOLDERS[-1] if _PLACEHOLDERS else _placeholder()
    sys.modules.pop("xtquant.xttrader", None)
    try:
        module = importlib.import_module("xtquant.xttrader")
        yield module.XtQuantTrader
    finally:
        for name, saved in saved_modules.items():
            if saved is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = saved
        for name, saved in saved_attributes.items():
            if saved is None:
                package.__dict__.pop(name, None)
            else:
                package.__dict__[name] = saved


def public_methods(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_every_vendor_method_exists(vendor_class: type):
    missing = set(public_methods(vendor_class)) - set(public_methods(SimXtQuantTrader))
    assert not missing, f"vendor methods the simulator lacks: {sorted(missing)}"


def test_every_shared_method_has_the_vendor_signature(vendor_class: type):
    ours = public_methods(SimXtQuantTrader)
    differences = {
        name: (str(inspect.signature(ours[name])), str(inspect.signature(theirs)))
        for name, theirs in public_methods(vendor_class).items()
        if name in ours and inspect.signature(ours[name]) != inspect.signature(theirs)
    }
    assert not differences, differences
    assert inspect.signature(SimXtQuantTrader) == inspect.signature(vendor_class)


def test_the_simulator_adds_no_public_methods(vendor_class: type):
    extra = set(public_methods(SimXtQuantTrader)) - set(public_methods(vendor_class))
    assert not extra, f"public methods the vendor does not have: {sorted(extra)}"


def test_placeholder_did_not_leak(vendor_class: type):
    # Runs after the other tests of this module have put the placeholder in and out.
    assert _PLACEHOLDERS
    assert sys.modules.get("xtquant.xtpythonclient") is _PLACEHOLDERS[-1]


def test_placeholder_is_gone_after_the_fixture():
    assert all(sys.modules.get("xtquant.xtpythonclient") is not p for p in _PLACEHOLDERS)
    trader_module = sys.modules.get("xtquant.xttrader")
    assert (
        trader_module is None
        or not isinstance(getattr(trader_module, "_XTQC_", None), type(_PLACEHOLDERS[0]))
        or getattr(trader_module, "_XTQC_", None) not in _PLACEHOLDERS
    )


@pytest.mark.parametrize("name", sorted(UNSUPPORTED_METHODS))
def test_unsupported_methods_refuse_clearly(name: str):
    trader = SimXtQuantTrader("unused", 1)
    method = getattr(trader, name)
    arguments = [
        None
        for p in inspect.signature(method).parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    with pytest.raises(NotImplementedError, match=f"模拟柜台不支持 {name}"):
        method(*arguments)
