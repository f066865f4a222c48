"""Install the simulator's stand-in as ``xtquant.xtpythonclient`` when the native one is missing.

xtquant's trading class (``xtquant/xttrader.py``) starts with
``from . import xtpythonclient as _XTQC_``, a compiled module shipped only for
Windows. On other platforms, or on Windows without a usable build, that import
fails; :func:`install_xtpythonclient_standin` puts
:mod:`app.services.sim.xtpythonclient` in its place, so that the vendor's
unmodified ``XtQuantTrader`` runs against the simulated counter.

A working native module is never replaced. Call the installer before
``xtquant.xttrader`` is first imported: the vendor binds ``_XTQC_`` at import
time. (If ``xtquant.xttrader`` was already imported over some other
placeholder, the installer rebinds its ``_XTQC_`` to the stand-in.)
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
from types import ModuleType

__all__ = ["NATIVE_MODULE", "install_xtpythonclient_standin", "native_xtquant_available"]

#: The module name the vendor imports.
NATIVE_MODULE = "xtquant.xtpythonclient"
_ATTRIBUTE = "xtpythonclient"
_TRADER_MODULE = "xtquant.xttrader"

_lock = threading.RLock()
_native_available: bool | None = None


def _is_standin(module: object) -> bool:
    return bool(getattr(module, "IS_QMTDESK_STANDIN", False))


def _is_extension(module: object) -> bool:
    """True for a compiled module (the real ``xtpythonclient`` is a ``.pyd``)."""
    spec = getattr(module, "__spec__", None)
    if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return True
    origin = str(getattr(module, "__file__", "") or "")
    return origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def _xtquant_package() -> ModuleType | None:
    try:
        return importlib.import_module("xtquant")
    except ImportError:
        return None


def _probe_native() -> bool:
    """Whether the compiled module loads here; it is never shadowed by a stand-in.

    A module already in ``sys.modules`` counts only when it is compiled: a
    stand-in or a test's placeholder is not the native module. Otherwise the
    package folder is searched directly (bypassing ``sys.modules``) and a
    compiled module found there is loaded to prove that its DLLs resolve. A
    failed load leaves nothing behind; a successful one is registered as
    ``import`` would register it (when nothing else holds the name), so the
    vendor's import reuses it instead of loading it twice.
    """
    loaded = sys.modules.get(NATIVE_MODULE)
    if loaded is not None and not _is_standin(loaded) and _is_extension(loaded):
        return True
    package = _xtquant_package()
    if package is None:
        return False
    try:
        spec = importlib.machinery.PathFinder.find_spec(NATIVE_MODULE, list(package.__path__))
    except (ImportError, OSError, ValueError):
        return False
    if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return False
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, OSError):
        return False
    if NATIVE_MODULE not in sys.modules:
        sys.modules[NATIVE_MODULE] = module
        setattr(package, _ATTRIBUTE, module)
    return True


def native_xtquant_available() -> bool:
    """True when xtquant's compiled ``xtpythonclient`` can be loaded here (cached).

    On Linux and macOS the package ships only ``.pyd`` files, so this is False.
    The stand-in being installed does not change the answer.
    """
    global _native_available
    with _lock:
        if _native_available is None:
            _native_available = _probe_native()
        return _native_available


def install_xtpythonclient_standin() -> bool:
    """Make ``import xtquant.xtpythonclient`` give the simulator's stand-in.

    Idempotent and thread-safe. Returns True when the stand-in is in place
    (now or from an earlier call), False when the native module is available
    (it is left alone) or ``xtquant`` itself is not installed.
    """
    with _lock:
        if native_xtquant_available():
            return False
        package = _xtquant_package()
        if package is None:
            return False
        from app.services.sim import xtpythonclient as standin

        if sys.modules.get(NATIVE_MODULE) is not standin:
            sys.modules[NATIVE_MODULE] = standin
        if getattr(package, _ATTRIBUTE, None) is not standin:
            setattr(package, _ATTRIBUTE, standin)
        trader = sys.modules.get(_TRADER_MODULE)
        if trader is not None:
            current = getattr(trader, "_XTQC_", None)
            if current is not standin and not _is_extension(current):
                trader._XTQC_ = standin  # type: ignore[attr-defined]
        return True
