"""The window's words: Chinese first, English from one table (``main.py --lang en``).

Widgets write their Chinese text and pass it through :func:`tr`; with the
English UI the text is looked up in :data:`EN` (keyed by the Chinese itself,
so the code reads in Chinese and a missing entry is easy to spot). Texts with
fields are templates: ``tr("{name}  {code}  分时", name=n, code=c)``.

The language is chosen once, before the window is built
(:func:`set_ui_lang`), like a Qt translator installed at start-up; the
viewmodels switch their own texts (table headers, messages) with ``set_lang``.
A text with no English entry shows in Chinese and is remembered in
:func:`missing` (the tests fail on it, so the table stays complete).
Data stays as the counter and the exchange give it: instrument names and the
counter's own rejection reasons are Chinese in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["EN", "missing", "set_ui_lang", "tr", "ui_lang"]

_lang = "zh"
_missing: set[str] = set()

EN: Final[Mapping[str, str]] = MappingProxyType(
    {
        # window, menus, toolbar
        "QMT Desk 交易终端": "QMT Desk trading terminal",
        "文件(&F)": "&File",
        "交易(&T)": "&Trade",
        "连接(&C)": "&Connection",
        "视图(&V)": "&View",
        "帮助(&H)": "&Help",
        "工具栏": "Toolbar",
        "快捷键": "Keyboard shortcuts",
        "关于 QMT Desk": "About QMT Desk",
        (
            "QMT Desk：面向 A 股手动交易者的 miniQMT (xtquant) 交易终端。<br>"
            "没有券商时使用内置模拟柜台。红色为买入/上涨，绿色为卖出/下跌。"
        ): (
            "QMT Desk: a miniQMT (xtquant) trading terminal for hand traders of China "
            "A-shares.<br>Without a broker it runs on the built-in simulated counter. "
            "Red means buy/up, green means sell/down."
        ),
        "请先在委托表中选中可撤的委托（F3 撤销选中）": (
            "Select cancelable orders in the order table first (F3 cancels the selection)"
        ),
        # docks
        "下单": "Order ticket",
        "五档行情": "Quote",
        "资金": "Funds",
        "持仓": "Positions",
        "委托": "Orders",
        "成交": "Trades",
        "日志": "Log",
        "连接": "Connect",
        "连接设置": "Connection",
        "只看可撤": "Cancelable only",
        "筛选代码/名称/状态": "Filter code/name/status",
        # actions: text, then tool tip
        "买入": "Buy",
        "买入：下单面板切到买入并定位 (F1)": "Buy: switch the ticket to buy (F1)",
        "卖出": "Sell",
        "卖出：下单面板切到卖出并定位 (F2)": "Sell: switch the ticket to sell (F2)",
        "提交委托": "Submit order",
        "提交当前下单面板的委托 (Enter)": "Submit the ticket's order (Enter)",
        "清空下单": "Clear ticket",
        "清空下单面板 (Esc)": "Clear the ticket (Esc)",
        "撤单": "Cancel",
        "撤销委托表中选中的委托 (F3)": "Cancel the selected orders (F3)",
        "全撤": "Cancel all",
        "撤销全部可撤委托": "Cancel every cancelable order",
        "撤买": "Cancel buys",
        "撤销全部可撤的买入委托": "Cancel every cancelable buy order",
        "撤卖": "Cancel sells",
        "撤销全部可撤的卖出委托": "Cancel every cancelable sell order",
        "按连接面板的设置连接柜台": "Connect with the connection panel's settings",
        "断开": "Disconnect",
        "断开与柜台的连接": "Disconnect from the counter",
        "停止重连": "Stop reconnecting",
        "停止自动重连，之后可手动连接": "Stop reconnecting; you can connect by hand later",
        "刷新": "Refresh",
        "重新查询资金、持仓、委托和成交 (F5)": (
            "Query funds, positions, orders and trades again (F5)"
        ),
        "导出委托…": "Export orders…",
        "把委托表导出为 CSV": "Export the order table as CSV",
        "导出成交…": "Export trades…",
        "把成交表导出为 CSV": "Export the trade table as CSV",
        "导出持仓…": "Export positions…",
        "把持仓表导出为 CSV": "Export the position table as CSV",
        "恢复默认布局": "Restore default layout",
        "恢复各面板的默认位置": "Put every panel back where it was at first",
        "退出": "Quit",
        "退出程序": "Quit the program",
        "快捷键…": "Keyboard shortcuts…",
        "查看快捷键": "Show the keyboard shortcuts",
        "版本与说明": "Version and notes",
        # tables
        "导出 CSV…": "Export CSV…",
        "复制": "Copy",
        "导出{title}": "Export {title}",
        "CSV 文件 (*.csv)": "CSV files (*.csv)",
        "已导出 {rows} 行到 {path}": "Exported {rows} rows to {path}",
        "无法导出到 {path}：{reason}。若文件正在 Excel 中打开，请关闭后重试。": (
            "Cannot export to {path}: {reason}. If the file is open in Excel, close it "
            "and try again."
        ),
        "显示列": "Columns",
        "自适应列宽": "Fit column widths",
        "日志表": "Log table",
        # log view
        "日志级别": "Log level",
        "搜索日志": "Search the log",
        "级别": "Level",
        "全部": "All",
        "调试": "Debug",
        "信息": "Info",
        "警告": "Warning",
        "错误": "Error",
        # status bar
        "状态栏": "Status bar",
        "提示信息": "Message",
        "连接状态": "Connection state",
        "资金账号": "Account",
        # chart and quote panel
        "分时图": "Intraday chart",
        "{name}  {code}  分时": "{name}  {code}  intraday",
        "{code}  分时": "{code}  intraday",
        "分时：未选择证券": "Intraday: no security chosen",
        # --- chart hook (issue 14): charts, tabs, 主题 / 字号 menu ---
        "分时": "Intraday",
        "日K": "Daily",
        "当日资产": "Account today",
        "{time}  价 {price}{change}  均价 {average}  量 {volume}": (
            "{time}  Price {price}{change}  Avg {average}  Vol {volume}"
        ),
        "{name}  {code}  日K": "{name}  {code}  daily",
        "日K：未选择证券": "Daily: no security chosen",
        "{day}  开 {open}  高 {high}  低 {low}  收 {close}  量 {volume}": (
            "{day}  O {open}  H {high}  L {low}  C {close}  Vol {volume}"
        ),
        "当日资产：等待行情": "Account today: waiting for quotes",
        "当日资产  {total}": "Account today  {total}",
        "主题": "Theme",
        "跟随系统": "Follow the system",
        "浅色": "Light",
        "深色": "Dark",
        "字号": "Font size",
        "标准": "Standard",
        "较大": "Larger",
        "大": "Large",
        "特大": "Largest",
        # --- end of chart hook ---
        "未选择证券": "No security chosen",
        "卖{n}": "Ask {n}",
        "买{n}": "Bid {n}",
        "今开": "Open",
        "最高": "High",
        "涨停": "Limit up",
        "昨收": "Prev. close",
        "最低": "Low",
        "跌停": "Limit down",
        "成交量": "Volume",
        "成交额": "Amount",
        "股": "sh",
        "元": "CNY",
        # connection panel
        "模拟柜台": "Simulator",
        "券商 miniQMT": "Broker miniQMT",
        "miniQMT 路径": "miniQMT path",
        "…": "…",
        "选择文件夹": "Choose folder",
        "断线自动重连": "Reconnect when the connection drops",
        "重连间隔": "Retry interval",
        "最大重连次数": "Maximum attempts",
        " 秒": " s",
        "无限": "unlimited",
        " 次": "",
        "柜台": "Counter",
        "路径": "Path",
        "最多重连": "Max. attempts",
        "选择模拟柜台文件夹": "Choose the simulator's folder",
        "选择 miniQMT 的 userdata_mini 文件夹": "Choose miniQMT's userdata_mini folder",
        "模拟柜台文件夹": "Simulator folder",
        "连接中…": "Connecting…",
        "已连接{where}，账号 {account}": "Connected to the {where}, account {account}",
        "未连接": "Not connected",
        "连接已断开，正在自动重连（见状态栏）": (
            "The connection dropped; reconnecting by itself (see the status bar)"
        ),
        (
            "券商模式需要 Windows 上以极简模式/独立交易模式登录的 QMT 客户端"
            "和 xtquant 的原生组件，"
            "本机无法使用；请用模拟柜台。"
        ): (
            "Broker mode needs Windows with a QMT client logged in with 极简模式/独立交易模式 "
            "and xtquant's native part, which this machine lacks; use the simulator."
        ),
        (
            "模拟柜台：内置的纸面账户，行情为模拟，成交按交易所规则撮合，数据保存在上面的文件夹里。"
        ): (
            "Simulator: a built-in paper account with simulated quotes, matched by the "
            "exchanges' rules; its data lives in the folder above."
        ),
        "请先在 QMT 客户端以极简模式（独立交易）登录，再点连接。": (
            "Log in to the QMT client with 极简模式 (independent trading) first, then connect."
        ),
        # order ticket
        "买卖方向": "Side",
        "证券代码": "Code",
        "代码，如 600036 / sz000001": "Code, e.g. 600036 / sz000001",
        "证券名称与最新价": "Name and last price",
        "报价方式": "Price type",
        "委托价格": "Price",
        "委托数量": "Volume",
        "最大可买可卖": "Maximum volume",
        "数量 {label}": "Volume {label}",
        "1/2": "1/2",
        "1/3": "1/3",
        "1/4": "1/4",
        "买入下单": "Place buy order",
        "卖出下单": "Place sell order",
        "下单结果": "Order result",
        "市价": "Market",
        "发送中…": "Sending…",
        "跌停 {down}    涨停 {up}": "Down {down}    Up {up}",
        "{label} {volume} 股": "{label} {volume} sh",
        "未下单：{reason}": "Not sent: {reason}",
        "委托已发送，委托号 {order_id}": "Order {order_id} sent",
        "委托 {order_id} {message}": "Order {order_id}: {message}",
        "下单失败：{message}": "Order failed: {message}",
    }
)


def set_ui_lang(lang: str) -> None:
    """'zh' (default) or 'en'; call before the window is built."""
    global _lang
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown UI language {lang!r} (zh or en)")
    _lang = lang


def ui_lang() -> str:
    return _lang


def tr(zh: str, **fields: object) -> str:
    """``zh`` in the UI language; ``fields`` fill a template's ``{placeholders}``."""
    text = zh
    if _lang == "en":
        english = EN.get(zh)
        if english is None:
            _missing.add(zh)
        else:
            text = english
    return text.format(**fields) if fields else text


def missing() -> set[str]:
    """Texts asked for in English that have no entry in :data:`EN` (should stay empty)."""
    return set(_missing)
