"""OrderTicketViewModel: the state behind the order ticket (下单面板), no widgets.

State the view edits: ``code_text``, ``side``, ``price_type`` (a name: 限价 or a
market ttype), ``price``, ``volume``. Derived, recomputed on every edit:
the normalised ``stock_code``, the instrument's name and last price (looked up
through ``MarketData`` off the GUI thread, then kept live by ``on_quotes``),
``price_types`` (限价 + exactly ``ttypes_for(code)``), ``price_step`` /
``price_decimals`` (the tick), ``price_enabled`` (only for 限价),
``volume_step`` / ``volume_min`` (the lot), ``max_volume`` (buy: what the cash
affords with fees; sell: the sellable volume), and ``problems`` from
``pretrade.check_ticket`` with ``can_submit``.

``submit(side)`` sends EXACTLY one order per user action: while one is in
flight (``submitting``) every further submit is refused; problems refuse it
with the reason (``refused(str)``), never silently. The order runs as a
``PlaceOrder`` operation on the session's worker; ``submitted(order_id)`` or
``submitFailed(message)`` come back in the GUI thread.

Every business rule comes from ``app.models`` (codes, ttypes, rules, pretrade).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.models import codes, names, pretrade, rules, ttypes
from app.models.rules import Side
from app.viewmodels.trading_operations import BackgroundCaller, OperationRunner, PlaceOrder

log = logging.getLogger(__name__)

LIMIT = "限价"
#: the price_type sent for 限价 (FIX_PRICE, 11): viewmodels import no xtquant,
#: so it is read from the models' tables: the non-market type whose name is 限价.
FIX_PRICE = next(code for code in sorted(ttypes.LIMIT_PRICE_TYPES)
                 if names.name_of(names.PRICE_TYPE, code) == LIMIT)
#: quick fractions: label -> divisor of the maximum
FRACTIONS: tuple[tuple[str, int], ...] = (("全部", 1), ("1/2", 2), ("1/3", 3), ("1/4", 4))


class OrderTicketViewModel(QObject):
    """See the module docstring. Signals fire only when a value really changes."""

    changed = Signal()                 # anything below changed (one catch-all for simple views)
    codeChanged = Signal(str)          # the normalised code ('' when the text does not parse)
    instrumentChanged = Signal()       # name / last price / limits / tick / lot known or changed
    quoteChanged = Signal()            # live last price of the ticket's code moved
    sideChanged = Signal(str)          # 'buy' / 'sell'
    priceTypesChanged = Signal(list)   # [限价, *ttypes_for(code)]
    priceTypeChanged = Signal(str)
    priceChanged = Signal(object)      # float | None
    volumeChanged = Signal(int)
    maxVolumeChanged = Signal(int)
    problemsChanged = Signal(list)     # list[pretrade.Problem]
    canSubmitChanged = Signal(bool)
    submittingChanged = Signal(bool)
    refused = Signal(str)              # submit refused: the reason(s), one per line
    submitted = Signal(int)            # order id (> 0)
    submitFailed = Signal(str)         # the counter's / the session's reason

    def __init__(self, runner: OperationRunner | None = None, market=None,
                 parent: QObject | None = None, *, lookup: BackgroundCaller | None = None,
                 fee_schedule: rules.FeeSchedule | None = None, lang: str = "zh",
                 strategy_name: str = "QMT Desk") -> None:
        super().__init__(parent)
        self._runner = runner
        self._market = market
        self._lookup = lookup
        self._fees = fee_schedule or rules.FeeSchedule()
        self._lang = lang
        self._strategy = strategy_name
        self._code_text = ""
        self._security: codes.Security | None = None
        self._code_error = ""
        self._side = Side.BUY
        self._price_type = LIMIT
        self._price: float | None = None
        self._volume = 0
        self._instrument = None  # InstrumentInfo
        self._quote = None  # Quote
        self._cash: float | None = None
        self._positions: dict[str, Any] = {}
        self._submitting = False
        self._problems: list[pretrade.Problem] = []
        self._can_submit = False
        self._max_volume = 0
        self._recompute(emit=False)

    # ------------------------------------------------------------------ wiring
    def set_market_data(self, market) -> None:
        """The ``MarketData`` used for name/last-price look-ups."""
        self._market = market
        if self._security is not None:
            self._start_lookup()

    # ------------------------------------------------------------------ edits
    @property
    def code_text(self) -> str:
        return self._code_text

    @Slot(str)
    def set_code(self, text: str) -> None:
        """What the trader typed; parses on every edit (``600036``, ``sh600036``...)."""
        text = text or ""
        if text == self._code_text:
            return
        self._code_text = text
        old = self.stock_code
        try:
            self._security = codes.classify(text) if text.strip() else None
            self._code_error = ""
        except codes.CodeError as exc:
            self._security = None
            self._code_error = str(exc)
        new = self.stock_code
        if new != old:
            self._instrument = None
            self._quote = None
            self._price = None
            types = self.price_types
            if self._price_type not in types:
                self._price_type = ttypes.DEFAULT_TTYPE if self._price_type != LIMIT else LIMIT
            self.codeChanged.emit(new)
            self.priceTypesChanged.emit(types)
            self.priceTypeChanged.emit(self._price_type)
            self.priceChanged.emit(None)
            self.instrumentChanged.emit()
            if self._security is not None:
                self._start_lookup()
        self._recompute()

    @property
    def side(self) -> Side:
        return self._side

    @Slot(str)
    def set_side(self, side: Side | str) -> None:
        """``Side.BUY``/``'buy'`` or ``Side.SELL``/``'sell'``."""
        side = Side(side)
        if side is self._side:
            return
        self._side = side
        self.sideChanged.emit(side.value)
        self._recompute()

    @property
    def price_type(self) -> str:
        """限价 or one of ``ttypes_for(code)``."""
        return self._price_type

    @Slot(str)
    def set_price_type(self, name: str) -> None:
        """Choose 限价 or a market ttype; an unknown name falls back to the default ttype."""
        if name != LIMIT and name not in self.price_types:
            name = ttypes.DEFAULT_TTYPE
        if name == self._price_type:
            return
        self._price_type = name
        self.priceTypeChanged.emit(name)
        if name == LIMIT and self._price is None:
            self._prefill_price()
        self._recompute()

    @Slot(bool)
    def set_market_order(self, market: bool) -> None:
        """Switch between 限价 and market; market starts at 对手方最优价格委托."""
        self.set_price_type(ttypes.DEFAULT_TTYPE if market else LIMIT)

    @property
    def price(self) -> float | None:
        return self._price

    @Slot(float)
    def set_price(self, price: float | None) -> None:
        """The limit price (ignored by market types); 0 or None clears it."""
        price = float(price) if price else None
        if price == self._price:
            return
        self._price = price
        self.priceChanged.emit(price)
        self._recompute()

    @property
    def volume(self) -> int:
        return self._volume

    @Slot(int)
    def set_volume(self, volume: int) -> None:
        volume = max(int(volume or 0), 0)
        if volume == self._volume:
            return
        self._volume = volume
        self.volumeChanged.emit(volume)
        self._recompute()

    # ------------------------------------------------------------------ account facts
    @Slot(object)
    def set_asset(self, asset) -> None:
        """The latest ``Asset`` (its ``cash`` bounds what a buy may cost)."""
        cash = None if asset is None else asset.cash
        if cash != self._cash:
            self._cash = cash
            self._recompute()

    @Slot(list)
    def update_positions(self, positions: list) -> None:
        """Positions changed (``Position`` records, by ``stock_code``)."""
        for p in positions:
            self._positions[p.stock_code] = p
        if self.stock_code and any(p.stock_code == self.stock_code for p in positions):
            self._recompute()

    def set_positions(self, positions: list) -> None:
        """Replace every known position (after a resync)."""
        self._positions = {p.stock_code: p for p in positions}
        self._recompute()

    @Slot(list)
    def on_quotes(self, quotes: list) -> None:
        """Live quotes (from the bridge): keep the ticket's code's last price fresh."""
        code = self.stock_code
        if not code:
            return
        for q in quotes:
            if q.stock_code == code and (self._quote is None or q.time >= self._quote.time):
                moved = self._quote is None or self._quote.last_price != q.last_price
                self._quote = q
                if moved:
                    self.quoteChanged.emit()
                    self._recompute()

    # ------------------------------------------------------------------ derived
    @property
    def stock_code(self) -> str:
        """The normalised code (``600036.SH``), or '' while the text does not parse."""
        return self._security.stock_code if self._security else ""

    @property
    def instrument_name(self) -> str:
        if self._instrument is not None and self._instrument.instrument_name:
            return self._instrument.instrument_name
        return self._quote.instrument_name if self._quote is not None else ""

    @property
    def last_price(self) -> float | None:
        if self._quote is not None and self._quote.last_price:
            return self._quote.last_price
        return None

    @property
    def prev_close(self) -> float | None:
        if self._quote is not None and self._quote.prev_close:
            return self._quote.prev_close
        if self._instrument is not None and self._instrument.prev_close:
            return self._instrument.prev_close
        return None

    @property
    def limits(self) -> tuple[float, float] | None:
        """(跌停, 涨停) when known."""
        for src in (self._quote, self._instrument):
            if src is not None and src.up_limit and src.down_limit:
                return src.down_limit, src.up_limit
        return None

    @property
    def quote(self):
        return self._quote

    @property
    def price_types(self) -> list[str]:
        """限价 followed by exactly the market ttypes of the code's exchange."""
        if self._security is None:
            return [LIMIT]
        return [LIMIT, *ttypes.ttypes_for(self._security.stock_code)]

    def price_type_label(self, name: str) -> str:
        """How ``name`` (one of ``price_types``) reads in the ticket's language."""
        if self._lang != "en":
            return name
        if name == LIMIT or self._security is None:
            return names.name_of(names.PRICE_TYPE, FIX_PRICE, "en")
        try:
            code = ttypes.market_price_type(self._security.stock_code, name)
        except ttypes.TtypeError:
            return name
        return names.name_of(names.PRICE_TYPE, code, "en")

    @property
    def price_type_code(self) -> int:
        """The xtconstant price_type the order will carry (11 for 限价)."""
        if self._price_type == LIMIT or self._security is None:
            return FIX_PRICE
        return ttypes.market_price_type(self._security.stock_code, self._price_type)

    @property
    def price_enabled(self) -> bool:
        return self._price_type == LIMIT

    @property
    def price_step(self) -> float:
        return float(rules.tick_size(self._security)) if self._security else 0.01

    @property
    def price_decimals(self) -> int:
        return rules.price_decimals(self._security) if self._security else 2

    @property
    def volume_step(self) -> int:
        return rules.lot_rule(self._security).step if self._security else 100

    @property
    def volume_min(self) -> int:
        return rules.lot_rule(self._security).min_volume if self._security else 100

    @property
    def position(self):
        """The position in the ticket's code, or None."""
        return self._positions.get(self.stock_code)

    @property
    def sellable_volume(self) -> int:
        p = self.position
        return p.can_use_volume if p is not None else 0

    @property
    def max_volume(self) -> int:
        """Buy: the largest lot-valid volume the cash affords incl. fees; sell: sellable."""
        return self._max_volume

    @property
    def max_volume_label(self) -> str:
        if self._lang == "en":
            return "Max buy" if self._side is Side.BUY else "Max sell"
        return "可买" if self._side is Side.BUY else "可卖"

    @property
    def fractions(self) -> list[str]:
        return [label for label, _ in FRACTIONS]

    def fraction_volume(self, fraction: str | int) -> int:
        """The volume 全部 / 1/2 / 1/3 / 1/4 (or a divisor) stands for, rounded down to lots."""
        divisor = dict(FRACTIONS).get(fraction, fraction) if isinstance(fraction, str) else fraction
        divisor = int(divisor)
        if divisor <= 0 or self._security is None or self._max_volume <= 0:
            return 0
        wanted = self._max_volume // divisor
        if self._side is Side.SELL:
            return rules.max_lot_volume(self._security, Side.SELL, wanted,
                                        position_volume=self.sellable_volume)
        return rules.max_lot_volume(self._security, Side.BUY, wanted)

    @Slot(str)
    def apply_fraction(self, fraction: str | int) -> None:
        """Set the volume to 全部 / 1/2 / 1/3 / 1/4 of ``max_volume``."""
        self.set_volume(self.fraction_volume(fraction))

    @property
    def problems(self) -> list[pretrade.Problem]:
        return list(self._problems)

    def problems_for(self, field: str) -> list[str]:
        """Messages about one field: stock_code, price, volume, price_type or side."""
        return [p.message(self._lang) for p in self._problems if p.field == field]

    @property
    def problem_text(self) -> str:
        return "\n".join(p.message(self._lang) for p in self._problems)

    @property
    def can_submit(self) -> bool:
        return self._can_submit

    @property
    def submitting(self) -> bool:
        return self._submitting

    def ticket(self) -> pretrade.Ticket:
        """The ticket as ``check_ticket`` sees it."""
        price = self._price if self._price_type == LIMIT else None
        try:
            price_type = self.price_type_code
        except ValueError:
            price_type = FIX_PRICE
        code = self.stock_code or self._code_text.strip()
        return pretrade.Ticket(code, self._side, price_type, price, self._volume)

    def context(self) -> pretrade.TradeContext:
        """What is known right now about the market and the account."""
        limits = self.limits
        p = self.position
        return pretrade.TradeContext(
            last_price=self.last_price,
            prev_close=self.prev_close,
            up_limit=limits[1] if limits else None,
            down_limit=limits[0] if limits else None,
            cash_available=self._cash,
            position_volume=p.volume if p is not None else (0 if self._positions_known() else None),
            sellable_volume=p.can_use_volume if p is not None
            else (0 if self._positions_known() else None),
            fee_schedule=self._fees,
            is_st=bool(getattr(self._instrument, "is_st", False)),
        )

    def _positions_known(self) -> bool:
        return bool(self._positions) or self._cash is not None

    # ------------------------------------------------------------------ actions
    def submit(self, side: Side | str | None = None) -> bool:
        """Send the order (``side`` first sets buy/sell: F1/F2, the buy/sell buttons).

        Returns True when an order was sent. Refused (``refused`` with the
        reason) while problems exist, while a previous order is in flight, or
        with no session.
        """
        if self._submitting:
            self.refused.emit(self._t("上一笔委托正在发送，请等待柜台回应。",
                                      "The previous order is still being sent; wait for the "
                                      "counter's answer."))
            return False
        if side is not None:
            self.set_side(side)
        self._recompute()
        if self._problems:
            self.refused.emit(self.problem_text)
            return False
        if self._runner is None or self._runner.session is None:
            self.refused.emit(self._t("未连接到交易柜台，请先连接。",
                                      "Not connected to the counter; connect first."))
            return False
        op = PlaceOrder(self.stock_code, self._side, self._volume, self.price_type_code,
                        float(self._price or 0.0) if self._price_type == LIMIT else 0.0,
                        strategy_name=self._strategy)
        self._set_submitting(True)
        log.info("发送委托: %s %s %s 股 %s %s", op.stock_code, self._side.name_zh, op.volume,
                 self._price_type, op.price or "")
        self._runner.run(op, self._on_placed, self._on_place_failed)
        return True

    @Slot()
    def submit_buy(self) -> bool:
        return self.submit(Side.BUY)

    @Slot()
    def submit_sell(self) -> bool:
        return self.submit(Side.SELL)

    def _on_placed(self, order_id: int) -> None:
        self._set_submitting(False)
        log.info("委托已发送，委托号 %s", order_id)
        self.submitted.emit(int(order_id))

    def _on_place_failed(self, message: str) -> None:
        self._set_submitting(False)
        self.submitFailed.emit(message)

    def _set_submitting(self, value: bool) -> None:
        if value != self._submitting:
            self._submitting = value
            self.submittingChanged.emit(value)
            self._recompute()

    def fill_from_position(self, position) -> None:
        """A click on a position row: a limit sell of its sellable volume at the last price."""
        self.set_code(position.stock_code)
        self.set_side(Side.SELL)
        self.set_price_type(LIMIT)
        last = self.last_price or getattr(position, "last_price", 0.0) or None
        if last:
            self.set_price(rules.round_to_tick(position.stock_code, last))
        self._positions[position.stock_code] = position
        self.set_volume(position.can_use_volume)
        self._recompute()

    @Slot()
    def clear(self) -> None:
        """Esc: empty the ticket (side and price type back to buy / 限价)."""
        self.set_code("")
        self.set_side(Side.BUY)
        self.set_price_type(LIMIT)
        self.set_price(None)
        self.set_volume(0)

    def _t(self, zh: str, en: str) -> str:
        return en if self._lang == "en" else zh

    def set_lang(self, lang: str) -> None:
        self._lang = lang
        self.priceTypesChanged.emit(self.price_types)
        self.problemsChanged.emit(self.problems)
        self.changed.emit()

    # ------------------------------------------------------------------ internals
    def _start_lookup(self) -> None:
        code = self.stock_code
        market = self._market
        if not code or market is None:
            return

        def fetch(market=market, code=code):
            info = market.instrument(code)
            try:
                quote = market.quote(code)
            except Exception:
                quote = None
            return code, info, quote

        def done(result) -> None:
            looked_up, info, quote = result
            if looked_up != self.stock_code:
                return  # the trader typed on
            self._instrument = info
            if quote is not None:
                self._quote = quote
            if self._price is None and self._price_type == LIMIT:
                self._prefill_price()
            self.instrumentChanged.emit()
            self.quoteChanged.emit()
            self._recompute()

        def failed(message: str) -> None:
            if code == self.stock_code:
                self._code_error = message
                self._recompute(force=True)

        if self._lookup is None:
            try:
                done(fetch())
            except Exception as exc:
                failed(str(exc))
        else:
            self._lookup.call(fetch, on_result=done, on_error=failed)

    def _prefill_price(self) -> None:
        last = self.last_price
        if last and self._security is not None:
            self._price = rules.round_to_tick(self._security, last)
            self.priceChanged.emit(self._price)

    def _compute_max_volume(self) -> int:
        sec = self._security
        if sec is None:
            return 0
        if self._side is Side.SELL:
            return self.sellable_volume
        if self._cash is None:
            return 0
        if self._price_type == LIMIT:
            price = self._price or self.last_price
        else:
            limits = self.limits
            price = limits[1] if limits else self.last_price
        if not price:
            return 0
        return rules.max_buy_volume(sec, price, self._cash, self._fees)

    def _recompute(self, emit: bool = True, force: bool = False) -> None:
        problems = pretrade.check_ticket(self.ticket(), self.context())
        if self._code_error and self._security is None and self._code_text.strip():
            pass  # check_ticket already reports the code
        elif self._code_error and self._security is not None:
            problems.insert(0, pretrade.Problem("stock_code", "lookup_failed",
                                                self._code_error, self._code_error))
        max_volume = self._compute_max_volume()
        can_submit = (not problems and not self._submitting and self._runner is not None
                      and self._runner.session is not None)
        problems_changed = problems != self._problems
        max_changed = max_volume != self._max_volume
        can_changed = can_submit != self._can_submit
        self._problems, self._max_volume, self._can_submit = problems, max_volume, can_submit
        if not emit:
            return
        if problems_changed or force:
            self.problemsChanged.emit(list(problems))
        if max_changed:
            self.maxVolumeChanged.emit(max_volume)
        if can_changed:
            self.canSubmitChanged.emit(can_submit)
        self.changed.emit()
