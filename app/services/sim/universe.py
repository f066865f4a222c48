"""The instruments the simulated market trades (模拟行情的证券列表).

Forty real A-share codes with their real names, across every board a trader
meets: Shanghai and Shenzhen main boards (one ST stock among them), STAR
(科创板, 688), ChiNext (创业板, 300), the Beijing exchange (北交所, both the
old 43/83 codes and the 920 codes it moved to in 2025), ETFs and an LOF
priced to 0.001, and two convertible bonds (0.001 ticks, traded in 手 of
10 张).

Previous closes are plausible late-2026 levels, not a record of any real
day. Each row also carries what makes the instrument *feel* right on screen:
how much its price moves in a day and how deep its book usually is.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.models.rules import PriceBand


@dataclass(frozen=True, slots=True)
class SimInstrument:
    """One row of the simulated market's instrument list.

    Attributes:
        stock_code: normalised code, e.g. ``600036.SH``.
        instrument_name: the short name a trader sees in the quote panel.
        prev_close: previous close (昨收) in CNY, on the instrument's tick.
        is_st: risk-warning (ST / *ST) stock; the price band table decides
            what that means for its limits.
        volatility: typical daily move as a fraction of the price (one
            standard deviation over a whole trading day, e.g. ``0.02``).
        level_lots: typical size of one level of the five-level book, in
            board lots (手: 100 shares, or 10 张 for bonds).
        band_pct: the daily band in percent (20 means ±20%) where the code
            alone cannot tell it, e.g. an ETF tracking a ChiNext or STAR
            index; None: the band table's (``app.models.rules.PRICE_BANDS``).
            The market's quotes, the instrument facts and the counter's
            委托价格超出涨跌停范围 check all take it from here.
    """

    stock_code: str
    instrument_name: str
    prev_close: float
    is_st: bool = False
    volatility: float = 0.02
    level_lots: int = 200
    band_pct: float | None = None

    def __post_init__(self) -> None:
        if self.prev_close <= 0:
            raise ValueError(f"{self.stock_code}: 昨收价必须为正数, 实际为 {self.prev_close}")
        if not 0 < self.volatility < 1:
            raise ValueError(f"{self.stock_code}: 波动率应在 0 与 1 之间, 实际为 {self.volatility}")
        if self.level_lots < 1:
            raise ValueError(f"{self.stock_code}: 盘口挂单手数至少为 1, 实际为 {self.level_lots}")
        if self.band_pct is not None and not 0 < self.band_pct < 100:
            raise ValueError(
                f"{self.stock_code}: 涨跌幅限制应在 0 与 100 之间, 实际为 {self.band_pct}"
            )

    @property
    def price_band(self) -> PriceBand | None:
        """The row's own band (``band_pct``), or None to use the band table."""
        if self.band_pct is None:
            return None
        pct = Decimal(str(self.band_pct))
        return PriceBand(pct, pct)


_I = SimInstrument

DEFAULT_UNIVERSE: tuple[SimInstrument, ...] = (
    # Shanghai main board (沪市主板)
    _I("600036.SH", "招商银行", 42.56, volatility=0.014, level_lots=450),
    _I("600519.SH", "贵州茅台", 1448.80, volatility=0.015, level_lots=12),
    _I("601318.SH", "中国平安", 56.82, volatility=0.017, level_lots=350),
    _I("600900.SH", "长江电力", 28.35, volatility=0.011, level_lots=600),
    _I("601899.SH", "紫金矿业", 29.76, volatility=0.025, level_lots=900),
    _I("600030.SH", "中信证券", 28.14, volatility=0.022, level_lots=700),
    _I("601398.SH", "工商银行", 7.82, volatility=0.010, level_lots=6000),
    _I("600276.SH", "恒瑞医药", 61.45, volatility=0.022, level_lots=200),
    _I("601012.SH", "隆基绿能", 19.28, volatility=0.030, level_lots=900),
    _I("600000.SH", "浦发银行", 12.06, volatility=0.013, level_lots=1500),
    # STAR market (科创板)
    _I("688981.SH", "中芯国际", 91.37, volatility=0.035, level_lots=120),
    _I("688111.SH", "金山办公", 312.50, volatility=0.032, level_lots=25),
    _I("688041.SH", "海光信息", 228.66, volatility=0.040, level_lots=40),
    _I("688012.SH", "中微公司", 276.18, volatility=0.035, level_lots=30),
    # Shenzhen main board (深市主板)
    _I("000001.SZ", "平安银行", 11.24, volatility=0.013, level_lots=2500),
    _I("000858.SZ", "五粮液", 121.36, volatility=0.018, level_lots=80),
    _I("000333.SZ", "美的集团", 74.90, volatility=0.017, level_lots=150),
    _I("002594.SZ", "比亚迪", 98.65, volatility=0.024, level_lots=120),
    _I("002415.SZ", "海康威视", 30.87, volatility=0.018, level_lots=450),
    _I("000651.SZ", "格力电器", 40.12, volatility=0.016, level_lots=350),
    _I("000725.SZ", "京东方A", 4.21, volatility=0.018, level_lots=20000),
    _I("002717.SZ", "ST岭南", 1.62, is_st=True, volatility=0.035, level_lots=2500),
    # ChiNext (创业板)
    _I("300750.SZ", "宁德时代", 251.80, volatility=0.028, level_lots=60),
    _I("300059.SZ", "东方财富", 24.83, volatility=0.030, level_lots=1800),
    _I("300760.SZ", "迈瑞医疗", 201.35, volatility=0.022, level_lots=30),
    _I("300308.SZ", "中际旭创", 418.20, volatility=0.045, level_lots=25),
    # ETFs and an LOF (基金, 0.001 元一档)
    _I("510300.SH", "沪深300ETF", 4.612, volatility=0.011, level_lots=8000),
    _I("510050.SH", "上证50ETF", 3.085, volatility=0.011, level_lots=6000),
    _I("512880.SH", "证券ETF", 1.186, volatility=0.020, level_lots=25000),
    # 科创50ETF and 创业板ETF track STAR / ChiNext indices: ±20%, which their
    # fund codes do not tell (the band table gives every fund ±10%).
    _I("588000.SH", "科创50ETF", 1.452, volatility=0.024, level_lots=20000, band_pct=20),
    _I("513100.SH", "纳指ETF", 1.853, volatility=0.014, level_lots=5000),
    _I("518880.SH", "黄金ETF", 9.068, volatility=0.012, level_lots=1500),
    _I("159915.SZ", "创业板ETF", 3.214, volatility=0.022, level_lots=12000, band_pct=20),
    _I("162411.SZ", "华宝油气LOF", 0.603, volatility=0.016, level_lots=4000),
    # Convertible bonds (可转债, 0.001 元一档, 1 手 = 10 张)
    _I("113052.SH", "兴业转债", 121.472, volatility=0.008, level_lots=300),
    _I("127045.SZ", "牧原转债", 126.318, volatility=0.010, level_lots=150),
    # Beijing stock exchange (北交所)
    _I("430047.BJ", "诺思兰德", 15.36, volatility=0.045, level_lots=40),
    _I("830799.BJ", "艾融软件", 44.70, volatility=0.050, level_lots=25),
    _I("920819.BJ", "颖泰生物", 4.58, volatility=0.040, level_lots=150),
    _I("920185.BJ", "贝特瑞", 29.64, volatility=0.040, level_lots=60),
)
"""The default instrument list, in the order the terminal lists them."""

del _I
