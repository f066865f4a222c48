"""Which `XtQuantTrader` a session drives: the broker's, or the simulated counter's.

Three backends, one constructor signature ``factory(miniqmt_path, session_id)``:

``miniqmt``
    xtquant's own ``xtquant.xttrader.XtQuantTrader`` talking to a logged-in QMT
    client (Windows only: the native ``xtpythonclient`` module must load).
``sim``
    the simulator's ``SimXtQuantTrader``, same API, no broker needed; the
    counter lives in ``miniqmt_path``.
``sim-vendor``
    the vendor's ``XtQuantTrader`` unmodified, over the simulator's stand-in
    for the native module: the vendor's own threads and callback dispatch,
    the simulated counter behind them. Tests use it "where it matters".

Importing this module makes ``from xtquant.xttrader import XtQuantTraderCallback``
work everywhere: where the native module is missing (Linux, macOS) the
simulator's stand-in is installed first. It is never used to pretend to be a
broker: ``miniqmt`` refuses to start without the native module.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Final

from app.services.sim.standin import install_xtpythonclient_standin, native_xtquant_available

__all__ = [
    "BACKENDS",
    "DEFAULT_SIM_ACCOUNT",
    "BrokerUnavailableError",
    "TraderFactory",
    "XtQuantTraderCallback",
    "default_sim_path",
    "make_trader_factory",
    "native_xtquant_available",
]

# Only installs where `xtquant.xtpythonclient` cannot be imported; a no-op on Windows.
install_xtpythonclient_standin()

from xtquant.xttrader import XtQuantTraderCallback  # noqa: E402  (needs the stand-in first)

BACKENDS: Final = ("miniqmt", "sim", "sim-vendor")

#: The paper account the terminal uses on the simulator when none is given.
DEFAULT_SIM_ACCOUNT: Final = "8886660001"
APP_DIR_NAME: Final = "QMTDesk"


def default_sim_path() -> str:
    """The simulator's folder when none is given (per user, under the platform's data folder)."""
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir(APP_DIR_NAME, appauthor=False), "sim")


TraderFactory = Callable[[str, int], Any]
"""``factory(miniqmt_path, session_id) -> trader`` with the API of ``XtQuantTrader``."""

NATIVE_MISSING_MESSAGE: Final = (
    "use('miniqmt') 需要 Windows 和一个已登录的 QMT 客户端（登录时勾选极简模式/独立交易模式），"
    "本机无法加载 xtquant 的原生交易模块；没有券商时请用 use('sim') 连接内置的模拟柜台。"
)


class BrokerUnavailableError(RuntimeError):
    """The real broker cannot be reached from this machine (xtquant's native part is missing)."""


def _vendor_factory() -> TraderFactory:
    from xtquant.xttrader import XtQuantTrader

    class VendorXtQuantTrader(XtQuantTrader):
        """xtquant's ``XtQuantTrader`` with its asyncio side effects contained.

        The vendor constructor makes a private event loop the *current* loop of
        the constructing thread (on the main thread: replacing, say, the GUI's
        qasync loop until the trader is garbage-collected) and its ``__del__``
        fails when the object dies on another thread than it was made on.
        `make_trader_factory` constructs it on a short-lived helper thread, and
        this ``__del__`` only closes the unused loop. Everything else is the
        vendor's code, unchanged.
        """

        def __del__(self) -> None:
            loop = self.__dict__.get("loop")
            if loop is not None and not loop.is_running() and not loop.is_closed():
                loop.close()

    def create(miniqmt_path: str, session_id: int) -> Any:
        return _construct_on_helper_thread(VendorXtQuantTrader, miniqmt_path, session_id)

    return create


def _construct_on_helper_thread(cls: type, *args: Any) -> Any:
    """``cls(*args)`` on a throwaway thread, so thread-local asyncio state stays untouched."""
    result: dict[str, Any] = {}

    def build() -> None:
        try:
            result["value"] = cls(*args)
        except BaseException as exc:
            result["error"] = exc

    helper = threading.Thread(target=build, name="qmtdesk-xttrader-init", daemon=True)
    helper.start()
    helper.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def make_trader_factory(backend: str, sim_config: Any = None) -> TraderFactory:
    """The factory for ``backend`` (one of `BACKENDS`).

    ``sim_config`` (a ``SimConfig``) is applied when a simulator backend opens
    its counter for the first time in this process. Raises ValueError for an
    unknown backend and `BrokerUnavailableError` for ``miniqmt`` on a machine
    where xtquant's native module cannot load.
    """
    if backend == "miniqmt":
        if not native_xtquant_available():
            raise BrokerUnavailableError(NATIVE_MISSING_MESSAGE)
        return _vendor_factory()
    if backend == "sim":
        from app.services.sim import SimCounter, SimXtQuantTrader

        def create_sim(miniqmt_path: str, session_id: int) -> Any:
            SimCounter.open(miniqmt_path, sim_config)
            return SimXtQuantTrader(miniqmt_path, session_id)

        return create_sim
    if backend == "sim-vendor":
        from app.services.sim import SimCounter

        if native_xtquant_available():
            raise BrokerUnavailableError(
                "sim-vendor 只能在没有 xtquant 原生模块的机器上使用"
                "（替身模块不会覆盖真实券商接口）；请改用 use('sim')。"
            )
        vendor = _vendor_factory()

        def create_vendor_over_sim(miniqmt_path: str, session_id: int) -> Any:
            SimCounter.open(miniqmt_path, sim_config)
            return vendor(miniqmt_path, session_id)

        return create_vendor_over_sim
    raise ValueError(f"未知的交易后端 {backend!r}，可选: {', '.join(map(repr, BACKENDS))}")
