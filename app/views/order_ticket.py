"""OrderTicket: the order entry form (下单面板), bound to ``OrderTicketViewModel``.

The form only shows and forwards: the viewmodel parses the code, looks up the
instrument, offers exactly the price types of the code's exchange, knows the
tick and the lot, computes the affordable / sellable maximum and runs the
pre-trade check. The widget mirrors that state (price step = tick, volume
step = lot, price disabled for market types), shows each problem in red under
its field while the trader types, and shows why a submit was refused.

One click sends one order: each button is connected once, a double click is
swallowed (its second press never becomes a second click), Enter does not
auto-repeat, and the viewmodel refuses a submit while one is in flight.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from app.viewmodels.formatting import format_percent, format_price
from app.views.theme import price_color
from app.views.ui_text import tr

__all__ = ["OrderTicket"]

_FIELDS = ("stock_code", "price_type", "price", "volume")
_MAX_PRICE = 99_999.0
_MAX_VOLUME = 999_999_900


def _problem_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "problem")
    label.setWordWrap(True)
    label.setVisible(False)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class _SwallowDoubleClick(QObject):
    """Event filter: the second press of a double click is not a second click."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return event.type() == QEvent.Type.MouseButtonDblClick


class _SelectAllOnFocus(QObject):
    """Event filter: a number field selects its text when it gets the focus.

    An empty price or volume shows a blank special text; a click puts the
    cursor before it and the digits a trader types then land in the wrong
    order (``150`` became ``501``). Selecting everything on focus makes typing
    replace the field, as in every broker's order entry.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QAbstractSpinBox):
            QTimer.singleShot(0, watched.selectAll)  # after the click has placed the cursor
        return False


class OrderTicket(QWidget):
    """Code, side, price type, price, volume, max + quick fractions, 买入 / 卖出.

    ``OrderTicket(viewmodel, parent=None)``. ``submit_action`` / ``clear_action``
    (Enter / Esc, scoped to this widget) are added with :meth:`add_ticket_actions`.
    ``orderSubmitted(order_id)`` re-emits the viewmodel's success for the window.
    """

    orderSubmitted = Signal(int)

    def __init__(self, viewmodel, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("orderTicket")
        self.setAccessibleName(tr("下单"))
        self.vm = viewmodel
        self._touched: set[str] = set()
        self._syncing = False
        self._last_order_id = 0
        self._row_errors: dict[int, str] = {}
        self._build()
        self._bind()
        self._sync_all()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.side_bar = QTabBar(self)
        self.side_bar.setObjectName("ticketSideBar")
        self.side_bar.setAccessibleName(tr("买卖方向"))
        self.side_bar.addTab(tr("买入"))
        self.side_bar.addTab(tr("卖出"))
        self.side_bar.setExpanding(True)
        self.side_bar.setDrawBase(False)
        self.side_bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.code_edit = QLineEdit(self)
        self.code_edit.setObjectName("ticketCode")
        self.code_edit.setAccessibleName(tr("证券代码"))
        self.code_edit.setPlaceholderText(tr("代码，如 600036 / sz000001"))
        self.code_edit.setMaxLength(16)
        self.code_edit.setClearButtonEnabled(True)

        self.name_label = QLabel(self)
        self.name_label.setObjectName("ticketInstrument")
        self.name_label.setAccessibleName(tr("证券名称与最新价"))
        self.name_label.setTextFormat(Qt.TextFormat.RichText)
        self.name_label.setMinimumHeight(18)

        self.price_type_combo = QComboBox(self)
        self.price_type_combo.setObjectName("ticketPriceType")
        self.price_type_combo.setAccessibleName(tr("报价方式"))
        self.price_type_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.price_type_combo.setMinimumContentsLength(8)

        self.price_spin = QDoubleSpinBox(self)
        self.price_spin.setObjectName("ticketPrice")
        self.price_spin.setAccessibleName(tr("委托价格"))
        self.price_spin.setRange(0.0, _MAX_PRICE)
        self.price_spin.setDecimals(2)
        self.price_spin.setSingleStep(0.01)
        self.price_spin.setGroupSeparatorShown(True)
        self.price_spin.setSpecialValueText(" ")
        self.price_spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.price_spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)

        self.limits_label = QLabel(self)
        self.limits_label.setProperty("role", "hint")
        self.limits_label.setObjectName("ticketLimits")

        self.volume_spin = QSpinBox(self)
        self.volume_spin.setObjectName("ticketVolume")
        self.volume_spin.setAccessibleName(tr("委托数量"))
        self.volume_spin.setRange(0, _MAX_VOLUME)
        self.volume_spin.setSingleStep(100)
        self.volume_spin.setGroupSeparatorShown(True)
        self.volume_spin.setSpecialValueText(" ")
        self.volume_spin.setSuffix(" " + tr("股"))
        self.volume_spin.setAlignment(Qt.AlignmentFlag.AlignRight)

        self.max_label = QLabel(self)
        self.max_label.setObjectName("ticketMax")
        self.max_label.setAccessibleName(tr("最大可买可卖"))

        self.fraction_buttons: dict[str, QPushButton] = {}
        fractions = QHBoxLayout()
        fractions.setSpacing(3)
        for label in getattr(self.vm, "fractions", ["全部", "1/2", "1/3", "1/4"]):
            button = QPushButton(tr(label), self)
            button.setObjectName(f"ticketFraction{len(self.fraction_buttons)}")
            button.setAccessibleName(tr("数量 {label}", label=tr(label)))
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setMinimumWidth(36)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            fractions.addWidget(button)
            self.fraction_buttons[label] = button

        self.problem_labels = {f: _problem_label() for f in (*_FIELDS, "side")}
        for field, label in self.problem_labels.items():
            label.setObjectName(f"ticketProblem_{field}")

        self.buy_button = QPushButton(tr("买入"), self)
        self.buy_button.setObjectName("ticketBuy")
        self.buy_button.setAccessibleName(tr("买入下单"))
        self.sell_button = QPushButton(tr("卖出"), self)
        self.sell_button.setObjectName("ticketSell")
        self.sell_button.setAccessibleName(tr("卖出下单"))
        self._select_on_focus = _SelectAllOnFocus(self)
        for spin in (self.price_spin, self.volume_spin):
            spin.installEventFilter(self._select_on_focus)
        self._no_double = _SwallowDoubleClick(self)
        for button in (self.buy_button, self.sell_button):
            button.setMinimumHeight(30)
            button.setAutoDefault(False)
            button.installEventFilter(self._no_double)

        self.result_label = QLabel(self)
        self.result_label.setObjectName("ticketResult")
        self.result_label.setAccessibleName(tr("下单结果"))
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(1, 1)
        row = 0

        def add(label: str | None, widget: QWidget | None = None, layout=None) -> None:
            nonlocal row
            if label:
                caption = QLabel(tr(label), self)
                caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if widget is not None:
                    caption.setBuddy(widget)
                grid.addWidget(caption, row, 0)
            if widget is not None:
                grid.addWidget(widget, row, 1)
            elif layout is not None:
                grid.addLayout(layout, row, 1)
            row += 1

        add("证券代码", self.code_edit)
        add(None, self.name_label)
        add(None, self.problem_labels["stock_code"])
        add("报价方式", self.price_type_combo)
        add(None, self.problem_labels["price_type"])
        add("委托价格", self.price_spin)
        add(None, self.limits_label)
        add(None, self.problem_labels["price"])
        add("委托数量", self.volume_spin)
        add(None, self.max_label)
        add(None, layout=fractions)
        add(None, self.problem_labels["volume"])
        add(None, self.problem_labels["side"])

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.buy_button)
        buttons.addWidget(self.sell_button)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(6)
        outer.addWidget(self.side_bar)
        outer.addLayout(grid)
        outer.addLayout(buttons)
        outer.addWidget(self.result_label)
        outer.addStretch(1)
        self.setTabOrder(self.code_edit, self.price_type_combo)
        self.setTabOrder(self.price_type_combo, self.price_spin)
        self.setTabOrder(self.price_spin, self.volume_spin)
        self.setTabOrder(self.volume_spin, self.buy_button)
        self.setTabOrder(self.buy_button, self.sell_button)
        self.setMinimumWidth(250)

    # ------------------------------------------------------------------ binding
    def _bind(self) -> None:
        vm = self.vm
        # view -> viewmodel (each connected exactly once)
        self.code_edit.textEdited.connect(self._on_code_edited)
        self.side_bar.currentChanged.connect(self._on_side_tab)
        self.price_type_combo.activated.connect(self._on_price_type_chosen)
        self.price_spin.valueChanged.connect(self._on_price_edited)
        self.volume_spin.valueChanged.connect(self._on_volume_edited)
        for label, button in self.fraction_buttons.items():
            button.clicked.connect(lambda _=False, f=label: self._on_fraction(f))
        self.buy_button.clicked.connect(self.submit_buy)
        self.sell_button.clicked.connect(self.submit_sell)
        # viewmodel -> view
        vm.changed.connect(self._sync_all)
        vm.instrumentChanged.connect(self._sync_instrument)
        vm.quoteChanged.connect(self._sync_instrument)
        vm.priceTypesChanged.connect(self._sync_price_types)
        vm.problemsChanged.connect(self._sync_problems)
        vm.refused.connect(self._on_refused)
        vm.submitted.connect(self._on_submitted)
        vm.submitFailed.connect(self._on_submit_failed)
        vm.submittingChanged.connect(self._sync_buttons)

    def add_ticket_actions(self, submit: QAction, clear: QAction) -> None:
        """Scope the window's Enter (submit) and Esc (clear) actions to this form."""
        self.addAction(submit)
        self.addAction(clear)

    # ------------------------------------------------------------------ commands
    def submit(self) -> bool:
        """Enter: submit the ticket with its current side."""
        self._touched.update(_FIELDS)
        return bool(self.vm.submit())

    def submit_buy(self) -> bool:
        self._touched.update(_FIELDS)
        return bool(self.vm.submit_buy())

    def submit_sell(self) -> bool:
        self._touched.update(_FIELDS)
        return bool(self.vm.submit_sell())

    def clear(self) -> None:
        """Esc: empty the form and put the cursor in the code field."""
        self._touched.clear()
        self.vm.clear()
        self._set_result("", None)
        self.code_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_side(self, side: str) -> None:
        """F1 / F2: switch to buy / sell and put the cursor where the trader types next."""
        self.vm.set_side(side)
        if self.vm.stock_code:
            self.volume_spin.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.volume_spin.selectAll()
        else:
            self.code_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.code_edit.selectAll()

    def fill_from_position(self, position) -> None:
        """A position row was clicked: a sell of its sellable volume."""
        self._touched.update(_FIELDS)
        self._set_result("", None)
        self.vm.fill_from_position(position)
        self.volume_spin.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_limit_price(self, price: float) -> None:
        """A price clicked in the five-level book: a limit order at that price."""
        self.vm.set_price_type("限价")
        self.vm.set_price(price)
        self._touched.add("price")

    # ------------------------------------------------------------------ view -> vm
    def _on_code_edited(self, text: str) -> None:
        self._touched.add("stock_code")
        self._set_result("", None)
        self.vm.set_code(text)

    def _on_side_tab(self, index: int) -> None:
        if not self._syncing:
            self.vm.set_side("buy" if index == 0 else "sell")

    def _on_price_type_chosen(self, index: int) -> None:
        self._touched.add("price_type")
        self.vm.set_price_type(self.price_type_combo.itemData(index))

    def _on_price_edited(self, value: float) -> None:
        if not self._syncing:
            self._touched.add("price")
            self.vm.set_price(value or None)

    def _on_volume_edited(self, value: int) -> None:
        if not self._syncing:
            self._touched.add("volume")
            self.vm.set_volume(value)

    def _on_fraction(self, fraction: str) -> None:
        self._touched.add("volume")
        self.vm.apply_fraction(fraction)

    # ------------------------------------------------------------------ vm -> view
    def _sync_all(self) -> None:
        vm = self.vm
        self._syncing = True
        try:
            if self.code_edit.text() != vm.code_text:
                self.code_edit.setText(vm.code_text)
            self.side_bar.setCurrentIndex(0 if str(vm.side) == "buy" else 1)
            if self.price_type_combo.count() != len(vm.price_types):
                self._sync_price_types(vm.price_types)
            index = self.price_type_combo.findData(vm.price_type)
            if index >= 0 and index != self.price_type_combo.currentIndex():
                self.price_type_combo.setCurrentIndex(index)
            decimals = vm.price_decimals
            if self.price_spin.decimals() != decimals:
                self.price_spin.setDecimals(decimals)
            # each of these setters re-formats the text under the trader's cursor: only on change
            if self.price_spin.singleStep() != vm.price_step:
                self.price_spin.setSingleStep(vm.price_step)
            market = not vm.price_enabled
            self.price_spin.setEnabled(not market)
            special = tr("市价") if market else " "
            if self.price_spin.specialValueText() != special:
                self.price_spin.setSpecialValueText(special)
            price = 0.0 if market else (vm.price or 0.0)
            if abs(self.price_spin.value() - price) > 1e-9:
                self.price_spin.setValue(price)
            if self.volume_spin.singleStep() != max(vm.volume_step, 1):
                self.volume_spin.setSingleStep(max(vm.volume_step, 1))
            if self.volume_spin.value() != vm.volume:
                self.volume_spin.setValue(vm.volume)
        finally:
            self._syncing = False
        self._sync_max()
        self._sync_buttons()
        self._sync_problems(vm.problems)

    def _sync_price_types(self, names: list | None = None) -> None:
        names = list(names if names is not None else self.vm.price_types)
        combo = self.price_type_combo
        items = [(self.vm.price_type_label(name), name) for name in names]
        if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == items:
            return
        combo.blockSignals(True)
        combo.clear()
        for label, name in items:  # shown in the UI language, chosen by its name
            combo.addItem(label, name)
        index = combo.findData(self.vm.price_type)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _sync_instrument(self) -> None:
        vm = self.vm
        code = vm.stock_code
        if not code:
            self.name_label.clear()
            self.limits_label.clear()
            return
        name = vm.instrument_name or "…"
        last = vm.last_price
        parts = [f"<b>{name}</b>"]
        if last:
            prev = vm.prev_close
            change = f"&nbsp;{format_percent(last / prev - 1)}" if prev else ""
            parts.append(
                f"<span style='color:{price_color(last, prev).name()}'>"
                f"{format_price(last, decimals=vm.price_decimals)}{change}</span>"
            )
        self.name_label.setText("&nbsp;&nbsp;".join(parts))
        self.name_label.setToolTip(code)
        limits = vm.limits
        if limits:
            down, up = (format_price(limit, decimals=vm.price_decimals) for limit in limits)
            self.limits_label.setText(tr("跌停 {down}    涨停 {up}", down=down, up=up))
        else:
            self.limits_label.clear()

    def _sync_max(self) -> None:
        vm = self.vm
        volume = f"{vm.max_volume:,}" if vm.stock_code else "--"
        self.max_label.setText(tr("{label} {volume} 股", label=vm.max_volume_label, volume=volume))
        has_max = bool(vm.stock_code) and vm.max_volume > 0
        for button in self.fraction_buttons.values():
            button.setEnabled(has_max)

    def _sync_buttons(self, *_args) -> None:
        busy = bool(self.vm.submitting)
        self.buy_button.setText(tr("发送中…" if busy and str(self.vm.side) == "buy" else "买入"))
        self.sell_button.setText(tr("发送中…" if busy and str(self.vm.side) == "sell" else "卖出"))

    def _sync_problems(self, _problems=None) -> None:
        vm = self.vm
        nothing_typed = not vm.code_text.strip()
        for field, label in self.problem_labels.items():
            messages = [] if nothing_typed else vm.problems_for(field)
            visible = field == "side" or field in self._touched
            text = "\n".join(messages) if visible else ""
            if label.text() != text:
                label.setText(text)
            label.setVisible(bool(text))

    # ------------------------------------------------------------------ results
    def _set_result(self, text: str, ok: bool | None) -> None:
        self.result_label.setText(text)
        self.result_label.setProperty("role", "ok" if ok else "error")
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)

    def _on_refused(self, reason: str) -> None:
        self._touched.update(_FIELDS)
        self._sync_problems()
        self._set_result(tr("未下单：{reason}", reason=reason), False)

    def _on_submitted(self, order_id: int) -> None:
        self._last_order_id = order_id
        self._set_result(tr("委托已发送，委托号 {order_id}", order_id=order_id), True)
        self.orderSubmitted.emit(order_id)
        early = self._row_errors.get(order_id)
        if early:  # the counter's refusal overtook the order's reply
            self._set_result(
                tr("委托 {order_id} {message}", order_id=order_id, message=early), False
            )

    def show_order_error(self, order_id: int, message: str) -> None:
        """The counter refused the order this ticket just sent (废单): say why, here too."""
        if not message:
            return
        self._row_errors[order_id] = message
        while len(self._row_errors) > 64:
            self._row_errors.pop(next(iter(self._row_errors)))
        if order_id == self._last_order_id:
            self._set_result(
                tr("委托 {order_id} {message}", order_id=order_id, message=message), False
            )

    def _on_submit_failed(self, message: str) -> None:
        self._set_result(tr("下单失败：{message}", message=message), False)
