"""Scale generator: the sample org's exports (pipeline/sample.py) at any size, vectorised.

scale=1.0 is the large case of the benchmark: 2,000 reps in 100 teams (one manager each,
one director), 50,000 customers, ~1,000,000 order lines over 2025-09..2026-10 (2% returns),
~300,000 check-in visits, targets to 2026-11, one pledge per rep (and a team pledge per
manager) for 2026-10 and 2026-11 plus a few 2026-Q4 team pledges, quarterly surveys and
business trips. Smaller scales shrink every count proportionally (at least one team).

The shapes follow the sample org: realistic Chinese names, city teams, customers with
classes, stages and coordinates around their city, seasonal order lines of 1-3 distinct
products with discounts and costs, leavers whose customers pass to a teammate, new hires
who take over customers and ramp up, check-ins near (sometimes far from) the customer,
trips whose planned customers get visited, targets near each rep's usual level with team
rows for every third team. Every row obeys the input contract, so a strict run passes.

Files: sales and visits as Parquet (typed columns; ``--format csv`` writes them as CSV
in the sample's mixed spellings instead), roster/budget/trips as XLSX, customers, pledges
and surveys as CSV. One seeded numpy Generator: the same seed and scale give the same rows.

Usage: python -m bench.scale OUTDIR --scale 0.25 [--seed N] [--format parquet|csv]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import time

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl.cell import WriteOnlyCell

from pipeline.sample import (BRANDS, DISCOUNT_PCT, EARTH_RADIUS_M, EMAIL_DOMAIN, FIRST_DAY, FIRST_NOTES,
                             FOLLOW_NOTES, LAST_DAY, PRODUCT_SHARE, PRODUCTS, PURCHASE_WEIGHT, RETURN_NOTES,
                             SALE_NOTES, SEASON, SURVEY_COMMENTS, TRADES, VISIT_WEIGHT, working_days)

GENERATOR_VERSION = 1
PERIOD = "2026-10"
LARGE = {"reps": 2000, "customers": 50_000, "order_lines": 1_000_000, "visits": 300_000}
REPS_PER_TEAM = 20
REGIONS = {
    "华东": {"上海": (31.2304, 121.4737), "杭州": (30.2741, 120.1551), "苏州": (31.2989, 120.5853),
           "南京": (32.0603, 118.7969), "宁波": (29.8683, 121.5440), "无锡": (31.4912, 120.3119),
           "合肥": (31.8206, 117.2272), "温州": (27.9938, 120.6994)},
    "华南": {"广州": (23.1291, 113.2644), "深圳": (22.5431, 114.0579), "东莞": (23.0207, 113.7518),
           "佛山": (23.0215, 113.1214), "厦门": (24.4798, 118.0894), "福州": (26.0745, 119.2965)},
    "华北": {"北京": (39.9042, 116.4074), "天津": (39.3434, 117.3616), "济南": (36.6512, 117.1201),
           "青岛": (36.0671, 120.3826), "石家庄": (38.0428, 114.5149), "太原": (37.8706, 112.5489)},
    "华中": {"武汉": (30.5928, 114.3055), "长沙": (28.2282, 112.9388), "郑州": (34.7466, 113.6254),
           "南昌": (28.6820, 115.8579)},
    "西南": {"成都": (30.5728, 104.0668), "重庆": (29.5630, 106.5516), "昆明": (24.8801, 102.8329),
           "贵阳": (26.6470, 106.6302)},
    "西北": {"西安": (34.3416, 108.9398), "兰州": (36.0611, 103.8343)},
    "东北": {"沈阳": (41.8057, 123.4315), "大连": (38.9140, 121.6147), "长春": (43.8171, 125.3235),
           "哈尔滨": (45.8038, 126.5350)},
}
CITY_NAMES = [c for cities in REGIONS.values() for c in cities]
CITY_LATLON = np.array([xy for cities in REGIONS.values() for xy in cities.values()])
CITY_REGION = np.array([r for r, cities in enumerate(REGIONS.values()) for _ in cities])
NUMERALS = "一二三四五六七八九十"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
                "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
                "向汤") + ["欧阳", "司马", "上官", "诸葛"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚建国志华文海晓燕俊立新振宇嘉豪美玲佳怡子轩浩然雨欣思博鹏飞婷"
             "雪慧晨阳斌辉宁琳颖丹云峰凯帆鑫瑶涵睿泽宏成龙春秋健康乐蕾倩璐琪悦彤心红梅兰英秀玉桂凤德荣永")
MORE_BRANDS = ("华通 长荣 金桥 宏达 昌盛 永泰 中盛 海川 天马 星辰 雄鹰 巨力 春晖 丰源 信达 启明 德力 华丰 佳宝 恒通 "
               "瑞达 祥和 鼎盛 宏远 通达 金鹏 博大 荣达 华盛 长丰 安泰 伟业 协力 润丰 嘉业 鸿运 福泰 明达 正和 隆兴").split()
ALL_BRANDS = list(BRANDS) + MORE_BRANDS
CLASSES = np.array(["A", "B", "C", ""])
DAY = np.timedelta64(1, "D")
FIRST, LAST = np.datetime64(FIRST_DAY, "D"), np.datetime64(LAST_DAY, "D")
WORKDAYS = np.array(working_days(FIRST_DAY, dt.date(2026, 11, 30)), dtype="datetime64[D]")
MONTHS = np.arange(np.datetime64("2025-09", "M"), np.datetime64("2026-12", "M"))  # budget months, to 2026-11
SALES_MONTHS = 14  # 2025-09..2026-10
OCTOBER = 13       # index of 2026-10 in MONTHS
MONTH_LO = np.searchsorted(WORKDAYS, MONTHS.astype("datetime64[D]"))
MONTH_HI = np.searchsorted(WORKDAYS, (MONTHS + 1).astype("datetime64[D]"))
SEASONS = np.array([SEASON[int(str(m)[5:7])] for m in MONTHS])
PRICE = np.array([p[1] for p in PRODUCTS])
EXTRA = np.array([p[2] for p in PRODUCTS])
PRODUCT_NAMES = np.array([p[0] for p in PRODUCTS], dtype=object)


# ---------------------------------------------------------------- small helpers
def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, assembled in Arrow (no Python loop)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def width_for(count: int, least: int) -> int:
    return max(least, len(str(int(count))))


def destination(lat, lon, metres, bearing):
    """Vectorised ``pipeline.sample.destination``: the point ``metres`` along a great circle."""
    d, p1, l1 = metres / EARTH_RADIUS_M, np.radians(lat), np.radians(lon)
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(bearing))
    l2 = l1 + np.arctan2(np.sin(bearing) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return np.round(np.degrees(p2), 6), np.round(np.degrees(l2), 6)


def random_days(rng, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform calendar day in [low, high] (datetime64[D] arrays)."""
    span = (high - low).astype(np.int64) + 1
    return low + (rng.random(len(span)) * span).astype(np.int64) * DAY


def names(rng, n: int) -> np.ndarray:
    weights = 1.0 / (np.arange(len(SURNAMES)) + 8.0)
    weights[-4:] = 0.0015
    surname = np.array(SURNAMES, dtype=object)[rng.choice(len(SURNAMES), n, p=weights / weights.sum())]
    first = np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)]
    second = np.where(rng.random(n) < 0.35, "", np.array(GIVEN, dtype=object)[rng.integers(0, len(GIVEN), n)])
    return surname + first + second


def weighted_pick(rng, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each entry of ``rows``, a column of ``weights[row]`` drawn with those weights."""
    cumulative = np.cumsum(weights, axis=1)
    u = rng.random(len(rows)) * cumulative[rows, -1]
    return (cumulative[rows] <= u[:, None]).sum(axis=1).clip(0, weights.shape[1] - 1)


# ---------------------------------------------------------------- people and customers
def make_people(rng, n_reps: int, n_teams: int) -> dict:
    """Director (index 0), one manager per team (1..T), reps (T+1..); reps of a team are
    contiguous and the first of each team (its anchor) never leaves or joins late."""
    team = np.arange(n_reps) * n_teams // n_reps
    anchor_of_team = np.searchsorted(team, np.arange(n_teams))
    is_anchor = np.zeros(n_reps, bool)
    is_anchor[anchor_of_team] = True
    team_size = np.bincount(team, minlength=n_teams)
    home = np.arange(n_teams) % len(CITY_NAMES)
    nth = np.arange(n_teams) // len(CITY_NAMES)
    team_names = np.array([f"{CITY_NAMES[h]}销售{NUMERALS[k] if k < 10 else k + 1}部" for h, k in zip(home, nth)],
                          dtype=object)
    region_cities = [np.flatnonzero(CITY_REGION == CITY_REGION[h]) for h in range(len(CITY_NAMES))]
    other = np.array([rng.choice(region_cities[home[t]]) for t in team])  # small: one draw per rep
    city = np.where(rng.random(n_reps) < 0.7, home[team], other)

    hire = random_days(rng, np.full(n_reps, np.datetime64("2012-03-01")), np.full(n_reps, np.datetime64("2025-06-30")))
    newcomer = ~is_anchor & (rng.random(n_reps) < 0.04)
    hire[newcomer] = random_days(rng, np.full(newcomer.sum(), np.datetime64("2025-10-08")),
                                 np.full(newcomer.sum(), np.datetime64("2026-07-31")))
    sell_from = np.maximum(hire + 10 * DAY, FIRST)
    leaver = ~is_anchor & ~newcomer & (team_size[team] >= 3) & (rng.random(n_reps) < 0.02)
    leave = np.full(n_reps, np.datetime64("2099-12-31"))
    leave[leaver] = random_days(rng, np.full(leaver.sum(), np.datetime64("2026-01-05")),
                                np.full(leaver.sum(), np.datetime64("2026-10-15")))
    anchor = anchor_of_team[team]
    # A customer book passes from `prev` to `owner` on `handover`: a leaver's book to the
    # team's anchor on the leaving day; a newcomer takes over the anchor's share on hiring.
    prev = np.where(newcomer, anchor, np.arange(n_reps))
    owner = np.where(leaver, anchor, np.arange(n_reps))
    handover = np.where(leaver, leave, np.where(newcomer, sell_from, FIRST))
    width = width_for(1 + n_teams + n_reps, 5)
    staff_ids = np.array(ids("E", np.arange(1, 2 + n_teams + n_reps), width).to_pylist(), dtype=object)
    return dict(n=n_reps, team=team, team_names=team_names, home=home, city=city, hire=hire, sell_from=sell_from,
                leave=leave, leaver=leaver, newcomer=newcomer, prev=prev, owner=owner, handover=handover,
                skill=rng.uniform(0.75, 1.3, n_reps), rep_ids=staff_ids[1 + n_teams:],
                manager_ids=staff_ids[1:1 + n_teams], director_id=staff_ids[0],
                rep_names=names(rng, n_reps), manager_names=names(rng, n_teams), director_name=names(rng, 1)[0],
                manager_hire=random_days(rng, np.full(n_teams, np.datetime64("2010-01-04")),
                                         np.full(n_teams, np.datetime64("2018-12-31"))))


def make_customers(rng, people: dict, per_book: int) -> dict:
    """``per_book`` customers per rep (the rep's book, contiguous); no. 0 of each book is an
    old class A/B buyer, about 10% never buy, some are new and a few first buy in 2026-10."""
    n_reps = people["n"]
    n = n_reps * per_book
    book = np.repeat(np.arange(n_reps), per_book)
    slot = np.tile(np.arange(per_book), n_reps)
    rep_city = people["city"][book]
    same_region = [np.flatnonzero(CITY_REGION == CITY_REGION[c]) for c in range(len(CITY_NAMES))]
    pick_other = rng.random(n)
    other_city = np.array([same_region[c][0] for c in range(len(CITY_NAMES))])[rep_city]
    region_size = np.array([len(same_region[c]) for c in range(len(CITY_NAMES))])[rep_city]
    other_city = other_city + (pick_other * region_size).astype(int)  # cities of a region are contiguous
    city = np.where(rng.random(n) < 0.6, rep_city, other_city)
    cls = CLASSES[rng.choice(4, n, p=[0.147, 0.294, 0.539, 0.02])]
    prospect = (slot > 0) & (rng.random(n) < 0.10)
    kind = rng.random(n)
    created = random_days(rng, np.full(n, np.datetime64("2016-01-01")), np.full(n, np.datetime64("2025-06-30")))
    new = (slot > 0) & ~prospect & (kind < 0.12)
    created[new] = random_days(rng, np.full(new.sum(), np.datetime64("2025-07-01")),
                               np.full(new.sum(), np.datetime64("2026-09-15")))
    october_first = (slot > 0) & ~prospect & (kind >= 0.12) & (kind < 0.14)
    created[october_first] = random_days(rng, np.full(october_first.sum(), np.datetime64("2026-08-03")),
                                         np.full(october_first.sum(), np.datetime64("2026-10-01")))
    created[prospect] = random_days(rng, np.full(prospect.sum(), np.datetime64("2024-01-01")),
                                    np.full(prospect.sum(), np.datetime64("2026-09-30")))
    cls[(slot == 0)] = np.where(rng.random(n_reps) < 0.5, "A", "B")
    buy_from = np.maximum(created + rng.integers(14, 45, n) * DAY, FIRST)
    first_order = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    october_days = WORKDAYS[(WORKDAYS >= np.datetime64("2026-10-12")) & (WORKDAYS <= np.datetime64("2026-10-28"))]
    first_order[october_first] = october_days[rng.integers(0, len(october_days), october_first.sum())]
    buy_from[october_first] = first_order[october_first]
    buy_from[prospect] = np.datetime64("2099-12-31")
    lat, lon = destination(CITY_LATLON[city, 0], CITY_LATLON[city, 1], rng.uniform(500, 8000, n),
                           rng.uniform(0, 2 * np.pi, n))
    hidden = (slot > 0) & (rng.random(n) < 0.03)  # no coordinates in the customer file
    return dict(n=n, book=book, slot=slot, city=city, cls=cls, prospect=prospect, created=created,
                buy_from=buy_from, first_order=first_order, lat=lat, lon=lon, hidden=hidden,
                name=company_names(rng, city),
                ids=np.array(ids("C", np.arange(1, n + 1), width_for(n, 4)).to_pylist(), dtype=object))


def company_names(rng, city: np.ndarray) -> np.ndarray:
    """苏州恒力精密机械有限公司 or 博远阀门（天津）有限公司, distinct within a city (then
    numbered 分厂 once a city's combinations run out)."""
    combos = len(ALL_BRANDS) * len(TRADES) * 2
    order = np.argsort(city, kind="stable")
    sorted_city = city[order]
    starts = np.searchsorted(sorted_city, sorted_city)
    rank = np.arange(len(city)) - starts  # position within its city
    shuffle = rng.permutation(combos)  # one shuffle, offset per city
    offset = rng.integers(0, combos, len(CITY_NAMES))
    combo = np.empty(len(city), np.int64)
    combo[order] = shuffle[(rank + offset[sorted_city]) % combos]
    branch = np.empty(len(city), np.int64)
    branch[order] = rank // combos
    brand = np.array(ALL_BRANDS, dtype=object)[combo % len(ALL_BRANDS)]
    trade = np.array(TRADES, dtype=object)[(combo // len(ALL_BRANDS)) % len(TRADES)]
    suffix = np.where(combo // (len(ALL_BRANDS) * len(TRADES)) == 1, "股份有限公司", "有限公司")
    place = np.array(CITY_NAMES, dtype=object)[city]
    names = np.where(rng.random(len(city)) < 0.1, brand + trade + "（" + place + "）" + suffix,
                     place + brand + trade + suffix)
    numbered = branch > 0
    names[numbered] = names[numbered] + "第" + (branch[numbered] + 1).astype(str).astype(object) + "分厂"
    return names


def holder(people: dict, book: np.ndarray, day: np.ndarray) -> np.ndarray:
    """The rep (index) holding ``book`` on ``day``."""
    return np.where(day < people["handover"][book], people["prev"][book], people["owner"][book])


def pick_customers(rng, customers: dict, per_book: int, book: np.ndarray, day: np.ndarray,
                   weights: np.ndarray, ready: np.ndarray) -> np.ndarray:
    """A customer of each ``book`` drawn by class weight among those ``ready`` by ``day``
    (redrawn a few times; else the book's customer no. 0, an old buyer)."""
    w = weights.reshape(-1, per_book)
    chosen = book * per_book + weighted_pick(rng, w, book)
    for _ in range(6):
        late = ready[chosen] > day
        if not late.any():
            break
        chosen[late] = book[late] * per_book + weighted_pick(rng, w, book[late])
    late = ready[chosen] > day
    chosen[late] = book[late] * per_book
    return chosen


# ---------------------------------------------------------------- sales
def month_of(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") - MONTHS[0]).astype(np.int64)


def ramp(people: dict, reps: np.ndarray, month: np.ndarray) -> np.ndarray:
    since = month - (people["hire"][reps].astype("datetime64[M]") - MONTHS[0]).astype(np.int64)
    return np.where(since < 0, 1.0, np.choose(np.clip(since, 0, 3), [0.4, 0.7, 0.9, 1.0]))


def make_orders(rng, people: dict, customers: dict, per_book: int, target_lines: int) -> dict:
    """Orders per book and month (season x skill x ramp x October form), managers' few
    orders, a big October deal for 5% of reps and the October first orders."""
    n_reps, n_teams = people["n"], len(people["manager_ids"])
    weights = np.vectorize(PURCHASE_WEIGHT.get)(customers["cls"]) * ~customers["prospect"]
    books, months = np.meshgrid(np.arange(n_reps), np.arange(SALES_MONTHS), indexing="ij")
    books, months = books.ravel(), months.ravel()
    newcomer_book = people["newcomer"][books]
    form = np.ones(n_reps)
    weak = rng.random(n_reps) < 0.10
    form[weak] = rng.uniform(0.45, 0.6, weak.sum())
    form[~weak] = rng.uniform(0.85, 1.15, (~weak).sum())
    big = ~people["leaver"] & (rng.random(n_reps) < 0.05)
    w = (people["skill"][books] * SEASONS[months] * np.where(newcomer_book, ramp(people, books, months), 1.0)
         * np.where(months == OCTOBER, form[books], 1.0))
    n_first = int((~np.isnat(customers["first_order"])).sum())
    other_orders = n_teams * SALES_MONTHS + 2 * big.sum() / 1.75 + n_first
    base = max(target_lines / 1.02 / 1.75 - other_orders, 0) / w.sum()
    count = np.rint(base * w * rng.uniform(0.8, 1.2, len(w))).astype(np.int64)
    book = np.repeat(books, count)
    month = np.repeat(months, count)
    day = WORKDAYS[MONTH_LO[month] + (rng.random(len(month)) * (MONTH_HI[month] - MONTH_LO[month])).astype(np.int64)]
    cust = pick_customers(rng, customers, per_book, book, day, weights, customers["buy_from"])
    seller = holder(people, book, day)

    # managers: 0-2 orders a month to any customer of their team (reps' indexes stay >= 0,
    # managers are encoded as -1 - team)
    mgr_count = rng.integers(0, 3, (n_teams, SALES_MONTHS)).ravel()
    mgr_team = np.repeat(np.repeat(np.arange(n_teams), SALES_MONTHS), mgr_count)
    mgr_month = np.repeat(np.tile(np.arange(SALES_MONTHS), n_teams), mgr_count)
    mgr_day = WORKDAYS[MONTH_LO[mgr_month] + (rng.random(len(mgr_month))
                                               * (MONTH_HI[mgr_month] - MONTH_LO[mgr_month])).astype(np.int64)]
    team_first = np.searchsorted(people["team"], np.arange(n_teams))
    team_size = np.bincount(people["team"], minlength=n_teams)
    mgr_book = team_first[mgr_team] + (rng.random(len(mgr_team)) * team_size[mgr_team]).astype(np.int64)
    mgr_cust = pick_customers(rng, customers, per_book, mgr_book, mgr_day, weights, customers["buy_from"])

    # the big October deals (三坐标测量机 x3 + 影像测量仪 x2) and the October first orders
    big_rep = np.flatnonzero(big)
    big_day = np.full(len(big_rep), WORKDAYS[MONTH_HI[OCTOBER] - 3])
    firsts = np.flatnonzero(~np.isnat(customers["first_order"]))
    first_day = customers["first_order"][firsts]
    first_book = customers["book"][firsts]
    return dict(
        day=np.concatenate([day, mgr_day, big_day, first_day]),
        seller=np.concatenate([seller, -1 - mgr_team, big_rep, holder(people, first_book, first_day)]),
        cust=np.concatenate([cust, mgr_cust, big_rep * per_book, firsts]),
        big=np.concatenate([np.zeros(len(day) + len(mgr_day), bool), np.ones(len(big_rep), bool),
                            np.zeros(len(firsts), bool)]))


def make_lines(rng, orders: dict, customers: dict) -> pd.DataFrame:
    """1-3 lines of distinct products per order (exponential race on the product shares);
    quantity, list price x discount, cost at 60-75% (5% without cost); order ids by month."""
    n = len(orders["day"])
    key = np.lexsort((orders["cust"], orders["seller"], orders["day"]))
    day, seller, cust, big = (orders[k][key] for k in ("day", "seller", "cust", "big"))
    month = day.astype("datetime64[M]")
    first_in_month = np.searchsorted(month, month)
    seq = np.arange(n) - first_in_month + 1
    yymm = pd.Series(month.astype(str)).str.replace("-", "").str[2:].to_numpy(dtype=object)
    order_ids = ("SO" + yymm + "-" + pd.Series(seq).astype(str).str.zfill(width_for(seq.max(initial=1), 5))
                 .to_numpy(dtype=object))
    notes = np.where(rng.random(n) < 0.08, np.array(SALE_NOTES, dtype=object)[rng.integers(0, len(SALE_NOTES), n)], "")

    n_lines = rng.choice([1, 2, 3], n, p=[0.45, 0.35, 0.2])
    n_lines[big] = 2
    race = np.argsort(rng.exponential(size=(n, len(PRODUCTS))) / PRODUCT_SHARE, axis=1)
    order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    product = race[order, line_no - 1]
    klass = customers["cls"][cust[order]]
    qty = 1 + rng.poisson(EXTRA[product] * np.where(klass == "A", 1.5, 1.0))
    fen = qty * PRICE[product] * np.array(DISCOUNT_PCT)[rng.integers(0, len(DISCOUNT_PCT), len(order))]
    cost = np.round(fen * rng.uniform(0.60, 0.75, len(order)))
    cost[rng.random(len(order)) < 0.05] = np.nan
    is_big = big[order]
    big_first = is_big & (line_no == 1)
    big_second = is_big & (line_no == 2)
    product[big_first], qty[big_first], fen[big_first], cost[big_first] = 7, 3, 3 * 78000 * 90, 3 * 78000 * 62
    product[big_second], qty[big_second], fen[big_second], cost[big_second] = 6, 2, 2 * 46000 * 90, np.nan
    return pd.DataFrame({"order_id": order_ids[order], "line_no": line_no, "day": day[order],
                         "seller": seller[order], "cust": cust[order], "product": product, "qty": qty,
                         "fen": fen.astype(np.int64), "cost": cost,
                         "note": np.where(line_no == 1, notes[order], "")})


def make_returns(rng, lines: pd.DataFrame, people: dict, customers: dict) -> pd.DataFrame:
    """About 2% of lines sold by 2026-09-20 come back 5-40 days later on a TH order."""
    sold = np.flatnonzero(lines["day"].to_numpy() <= np.datetime64("2026-09-20"))
    picked = np.sort(rng.choice(sold, size=round(0.02 * len(lines)), replace=False))
    src = lines.iloc[picked]
    due = src["day"].to_numpy() + rng.integers(5, 40, len(src)) * DAY
    day = WORKDAYS[np.minimum(np.searchsorted(WORKDAYS, due), np.searchsorted(WORKDAYS, LAST, "right") - 1)]
    seller = src["seller"].to_numpy()
    cust = src["cust"].to_numpy()
    rep_seller = seller >= 0
    left = np.zeros(len(src), bool)
    left[rep_seller] = day[rep_seller] >= people["leave"][seller[rep_seller]]
    seller = np.where(left, holder(people, customers["book"][cust], day), seller)
    qty = src["qty"].to_numpy()
    back = 1 + (rng.random(len(src)) * qty).astype(np.int64)
    fen = -(src["fen"].to_numpy() // qty) * back
    cost = -np.round(src["cost"].to_numpy() * back / qty)
    key = np.lexsort((cust, seller, day))
    day, seller, cust, back, fen, cost = (a[key] for a in (day, seller, cust, back, fen, cost))
    product = src["product"].to_numpy()[key]
    yymm = pd.Series(day.astype("datetime64[M]").astype(str)).str.replace("-", "").str[2:].to_numpy(dtype=object)
    number = pd.Series(np.arange(1, len(day) + 1)).astype(str).str.zfill(width_for(len(day), 4)).to_numpy(dtype=object)
    return pd.DataFrame({"order_id": "TH" + yymm + "-" + number, "line_no": 1, "day": day, "seller": seller,
                         "cust": cust, "product": product, "qty": -back, "fen": fen, "cost": cost,
                         "note": np.array(RETURN_NOTES, dtype=object)[rng.integers(0, len(RETURN_NOTES), len(day))]})


def customer_stages(rng, lines: pd.DataFrame, n_customers: int) -> np.ndarray:
    """Top 10% of buyers by revenue 大客户, next 20% 重要, other buyers 签约, never bought 拓展中/意向."""
    revenue = np.bincount(lines["cust"], weights=lines["fen"], minlength=n_customers)
    bought = np.bincount(lines["cust"], minlength=n_customers) > 0
    buyers = np.flatnonzero(bought)
    order = buyers[np.lexsort((buyers, -revenue[buyers]))]
    rank = np.empty(n_customers)
    rank[order] = np.arange(len(order)) / max(len(order), 1)
    stage = np.where(rng.random(n_customers) < 0.7, "拓展中", "意向").astype(object)
    stage[bought] = np.where(rank[bought] < 0.1, "大客户", np.where(rank[bought] < 0.3, "重要", "签约"))
    return stage


# ---------------------------------------------------------------- targets and pledges
def rep_capacity(people: dict) -> np.ndarray:
    """reps x budget months: season x ramp x share of the month's working days sold in."""
    lo = np.maximum(MONTH_LO[None, :], np.searchsorted(WORKDAYS, people["sell_from"])[:, None])
    hi = np.minimum(MONTH_HI[None, :], np.searchsorted(WORKDAYS, people["leave"])[:, None])
    share = np.clip(hi - lo, 0, None) / (MONTH_HI - MONTH_LO)[None, :]
    reps, months = np.meshgrid(np.arange(people["n"]), np.arange(len(MONTHS)), indexing="ij")
    return SEASONS[None, :] * ramp(people, reps.ravel(), months.ravel()).reshape(reps.shape) * share


def make_budget(rng, people: dict, lines: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Targets near each rep's usual level (none from the month a rep leaves); every third
    team also gets a team row a little above its reps' sum. Returns rows and reps x months yuan."""
    n = people["n"]
    capacity = rep_capacity(people)
    reps_rows = lines[lines["seller"] >= 0]
    sold = np.zeros((n, len(MONTHS)))
    np.add.at(sold, (reps_rows["seller"].to_numpy(), month_of(reps_rows["day"].to_numpy())), reps_rows["fen"].to_numpy())
    history = np.arange(len(MONTHS)) < OCTOBER
    weight = (capacity * history).sum(axis=1)
    usual = np.divide((sold * (capacity > 0) * history).sum(axis=1), weight, out=np.zeros(n), where=weight > 0)
    usual[weight == 0] = np.median(usual[weight > 0]) if (weight > 0).any() else 1e7
    leave_month = (people["leave"].astype("datetime64[M]") - MONTHS[0]).astype(np.int64)
    has_target = (capacity > 0) & (np.arange(len(MONTHS))[None, :] < leave_month[:, None])
    target = np.round(usual[:, None] / 100 * capacity * rng.uniform(0.92, 1.10, capacity.shape), -3)
    target = np.where(has_target, np.maximum(target, 0), np.nan)
    stretch = np.where(rng.random(target.shape) < 0.03, np.nan, np.round(target * 1.2, -3))
    rep_i, month_i = np.nonzero(has_target)
    labels = MONTHS.astype(str).astype(object)
    rows = pd.DataFrame({"月份": labels[month_i], "工号": people["rep_ids"][rep_i],
                         "团队": people["team_names"][people["team"][rep_i]],
                         "任务额": target[rep_i, month_i].astype(np.int64), "挑战目标": stretch[rep_i, month_i]})
    n_teams = len(people["team_names"])
    team_sum = np.zeros((n_teams, len(MONTHS)))
    np.add.at(team_sum, people["team"], np.nan_to_num(target))
    with_row = np.arange(n_teams) % 3 == 2
    t_i, m_i = np.nonzero(with_row[:, None] & (team_sum > 0))
    team_target = np.round(team_sum[t_i, m_i] * rng.uniform(1.03, 1.08, len(t_i)), -4)
    teams = pd.DataFrame({"月份": labels[m_i], "工号": None, "团队": people["team_names"][t_i],
                          "任务额": team_target.astype(np.int64), "挑战目标": np.round(team_target * 1.2, -3)})
    budget = pd.concat([rows, teams], ignore_index=True)
    budget = budget.iloc[np.lexsort((budget["工号"].isna().to_numpy(), budget["月份"].to_numpy()))]
    return budget.reset_index(drop=True), target


def make_pledges(rng, people: dict, target: np.ndarray) -> pd.DataFrame:
    """Per month (2026-10, 2026-11): an individual pledge from ~95% of reps with a target
    and a team pledge from every manager; a 2026-Q4 team pledge from every tenth manager."""
    frames = []
    n_teams = len(people["manager_ids"])
    for month, signed in ((OCTOBER, ("2026-09-29", "2026-09-30", "2026-10-08")),
                          (OCTOBER + 1, ("2026-10-30", "2026-10-31", "2026-11-02"))):
        label = str(MONTHS[month])
        goal = target[:, month]
        pledging = np.flatnonzero(~np.isnan(goal) & (rng.random(len(goal)) < 0.95))
        amount = np.maximum(np.ceil(goal[pledging] * rng.uniform(0.98, 1.15, len(pledging)) / 10000), 1) * 10000
        frames.append(pd.DataFrame({
            "期间": label, "工号": people["rep_ids"][pledging], "类型": "个人",
            "保证金额": amount.astype(np.int64).astype(str),
            "乐捐金额": np.array([200, 300, 500, 800, 1000])[rng.integers(0, 5, len(pledging))].astype(str),
            "签署日期": np.array(signed, dtype=object)[rng.integers(0, 3, len(pledging))]}))
        team_sum = np.bincount(people["team"], weights=np.nan_to_num(goal), minlength=n_teams)
        team_amount = np.maximum(np.ceil(team_sum * rng.uniform(1.0, 1.08, n_teams) / 10000), 1) * 10000
        frames.append(pd.DataFrame({
            "期间": label, "工号": people["manager_ids"], "类型": "团队",
            "保证金额": [f"¥{int(a):,}" for a in team_amount], "乐捐金额": "1000", "签署日期": signed[1]}))
    quarterly = np.arange(n_teams) % 10 == 9
    both = np.bincount(people["team"], weights=np.nan_to_num(target[:, OCTOBER] + target[:, OCTOBER + 1]),
                       minlength=n_teams)
    quarter = np.maximum(np.ceil(both[quarterly] * 1.5 / 10000), 1) * 10000
    frames.append(pd.DataFrame({"期间": "2026-Q4", "工号": people["manager_ids"][quarterly], "类型": "团队",
                                "保证金额": [f"¥{int(a):,}" for a in quarter], "乐捐金额": "1000",
                                "签署日期": "2026-09-30"}))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- field work
QUARTERS = [("2025-09-01", "2025-09-30"), ("2025-10-01", "2025-12-31"), ("2026-01-01", "2026-03-31"),
            ("2026-04-01", "2026-06-30"), ("2026-07-01", "2026-09-30"), ("2026-10-01", "2026-11-30")]
SURVEY_ROUNDS = [("2025-09-08", "2025-09-26"), ("2025-12-01", "2025-12-19"), ("2026-03-02", "2026-03-20"),
                 ("2026-06-01", "2026-06-19"), ("2026-09-01", "2026-09-18"), ("2026-10-12", "2026-10-30")]
VISIT_DAYS = int(MONTH_HI[OCTOBER])  # working days 2025-09-01..2026-10-31 are WORKDAYS[:VISIT_DAYS]


def make_trips(rng, people: dict, customers: dict, per_book: int) -> tuple[pd.DataFrame, dict]:
    """1-2 non-overlapping trips per rep and quarter (to 2026-11) to 2-5 own customers,
    preferably outside the rep's city. Returns the trips and the visits they plan."""
    n = people["n"]
    q_lo = np.searchsorted(WORKDAYS, np.array([a for a, _ in QUARTERS], dtype="datetime64[D]"))
    q_hi = np.searchsorted(WORKDAYS, np.array([b for _, b in QUARTERS], dtype="datetime64[D]"), "right")
    lo = np.maximum(q_lo[None, :], np.searchsorted(WORKDAYS, people["sell_from"])[:, None])
    hi = np.minimum(q_hi[None, :], np.searchsorted(WORKDAYS, people["leave"] - 7 * DAY)[:, None])
    count = (rng.integers(1, 3, lo.shape) * (hi - lo >= 12)).ravel()
    rep = np.repeat(np.repeat(np.arange(n), len(QUARTERS)), count)
    lo, hi = np.repeat(lo.ravel(), count), np.repeat(hi.ravel(), count)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    two = np.repeat(count, count) == 2
    mid = (lo + hi) // 2
    a = np.where(two & (k == 1), mid, lo)
    b = np.where(two & (k == 0), mid, hi) - 4
    start_i = a + (rng.random(len(rep)) * (b - a)).astype(np.int64)
    start = WORKDAYS[start_i]
    end = start + rng.integers(1, 5, len(rep)) * DAY
    end_i = np.searchsorted(WORKDAYS, end, "right")

    books = rep[:, None] * per_book + np.arange(per_book)[None, :]
    late = customers["created"][books] > start[:, None]
    home = customers["city"][books] == people["city"][rep][:, None]
    keys = rng.random(books.shape) + home + 2 * late
    ranked = np.argsort(keys, axis=1)
    wanted = np.minimum(rng.integers(2, 6, len(rep)), per_book)
    take = np.arange(per_book)[None, :] < wanted[:, None]
    take &= np.take_along_axis(keys, ranked, axis=1) < 2
    planned = np.where(take, np.take_along_axis(books, ranked, axis=1), -1)
    m = take.sum(axis=1)

    order = np.lexsort((rep, start))
    rep, start, end, start_i, end_i, planned, m = (x[order] for x in (rep, start, end, start_i, end_i, planned, m))
    span = (end - start).astype(np.int64)
    budget = np.minimum(8000, np.round(1200 * span + rng.uniform(400, 3000, len(rep)), -2))
    actual = np.round(budget * rng.uniform(0.7, 1.3, len(rep)), 2)
    actual[end > np.datetime64("2026-10-25")] = np.nan
    seps = np.array([";", "、", ","])[rng.integers(0, 3, len(rep))]
    cust_ids = customers["ids"]
    planned_text = [sep.join(cust_ids[row[:k]]) for row, k, sep in zip(planned, m, seps)]  # a few per trip
    trips = pd.DataFrame({"出差编号": np.array(ids("T", np.arange(1, len(rep) + 1), width_for(len(rep), 4))
                                             .to_pylist(), dtype=object),
                          "工号": people["rep_ids"][rep], "出发日期": start, "返回日期": end,
                          "计划拜访客户": planned_text, "预算费用": budget.astype(np.int64), "实际费用": actual})

    # planned customer j is visited on the trip's working day j * days // m (the first always,
    # the others 85% of the time); every working day of a trip is a trip day for the rep
    days = end_i - start_i
    j = np.tile(np.arange(per_book), (len(rep), 1))
    visited = take_sorted = planned >= 0
    visited = take_sorted & ((j == 0) | (rng.random(planned.shape) < 0.85))
    t, jj = np.nonzero(visited)
    trip_visits = dict(rep=rep[t], day_i=start_i[t] + jj * days[t] // m[t], cust=planned[t, jj])
    trip_days = np.repeat(rep, days) * len(WORKDAYS) + (
        np.repeat(start_i, days) + np.arange(days.sum()) - np.repeat(np.cumsum(days) - days, days))
    return trips, dict(visits=trip_visits, rep_days=np.unique(trip_days))


def make_visits(rng, people: dict, customers: dict, per_book: int, target_visits: int, planned: dict) -> pd.DataFrame:
    """0-2 check-ins a working day per customer book by whoever holds it (none on the
    holder's trip days, which bring the trip's planned visits instead)."""
    n = people["n"]
    trip = planned["visits"]
    n_trip, n_trip_days = len(trip["rep"]), len(planned["rep_days"])
    mean = max(target_visits - n_trip, 0) / max(n * VISIT_DAYS - n_trip_days, 1)
    a = min(mean / 0.54, 1 / 0.48)
    counts = rng.choice(3, n * VISIT_DAYS, p=[1 - 0.48 * a, 0.42 * a, 0.06 * a])
    book = np.repeat(np.repeat(np.arange(n), VISIT_DAYS), counts)
    day_i = np.repeat(np.tile(np.arange(VISIT_DAYS), n), counts)
    visitor = holder(people, book, WORKDAYS[day_i])
    keep = ~np.isin(visitor * len(WORKDAYS) + day_i, planned["rep_days"])
    book, day_i, visitor = book[keep], day_i[keep], visitor[keep]
    weights = np.vectorize(VISIT_WEIGHT.get)(customers["cls"])
    cust = pick_customers(rng, customers, per_book, book, WORKDAYS[day_i], weights, customers["created"])
    visitor = np.concatenate([visitor, trip["rep"]])
    day_i = np.concatenate([day_i, trip["day_i"]])
    cust = np.concatenate([cust, trip["cust"]])
    nv = len(cust)

    # the day 08:30-17:30 split into one slot per visit of the rep that day
    order = np.lexsort((rng.random(nv), day_i, visitor))
    visitor, day_i, cust = visitor[order], day_i[order], cust[order]
    group = visitor * len(WORKDAYS) + day_i
    first = np.r_[True, group[1:] != group[:-1]]
    starts = np.flatnonzero(first)
    size = np.diff(np.r_[starts, nv])
    per_day = np.repeat(size, size)
    slot = np.arange(nv) - np.repeat(starts, size)
    width = 540 // per_day
    room = np.where(per_day == 1, width, (width * 0.6).astype(np.int64))
    minutes = 510 + slot * width + (rng.random(nv) * room).astype(np.int64)
    checkin = (WORKDAYS[day_i].astype("datetime64[s]") + minutes * np.timedelta64(60, "s")
               + rng.integers(0, 60, nv) * np.timedelta64(1, "s"))
    r = rng.random(nv)
    stay = np.where(r < 0.08, rng.integers(2, 10, nv), rng.integers(15, 121, nv))
    checkout = checkin + stay * np.timedelta64(60, "s")
    checkout[r < 0.03] = np.datetime64("NaT")
    r = rng.random(nv)
    metres = np.where(r < 0.065, rng.uniform(600, 5000, nv), rng.uniform(50, 300, nv))
    lat, lon = destination(customers["lat"][cust], customers["lon"][cust], metres, rng.uniform(0, 2 * np.pi, nv))
    lat[r < 0.015], lon[r < 0.015] = np.nan, np.nan

    order = np.lexsort((cust, visitor, checkin))
    visitor, cust, checkin, checkout, lat, lon = (x[order] for x in (visitor, cust, checkin, checkout, lat, lon))
    follow = pd.Series(cust).duplicated().to_numpy()
    kind = np.where(follow, "跟进", "首访").astype(object)
    kind[rng.random(nv) < 0.05] = None
    follow_notes = np.array([note.format(p=p[0]) for note in FOLLOW_NOTES for p in PRODUCTS], dtype=object)
    summary = np.where(follow, follow_notes[rng.integers(0, len(follow_notes), nv)],
                       np.array(FIRST_NOTES, dtype=object)[rng.integers(0, len(FIRST_NOTES), nv)])
    return pd.DataFrame({"visit_id": np.array(ids("V", np.arange(1, nv + 1), width_for(nv, 6)).to_pylist(), dtype=object),
                         "rep_id": people["rep_ids"][visitor], "customer_id": customers["ids"][cust],
                         "checkin_time": checkin, "checkout_time": checkout, "checkin_lat": lat, "checkin_lon": lon,
                         "visit_type": kind, "summary": summary})


def make_surveys(rng, customers: dict) -> pd.DataFrame:
    """Six rounds; each asks ~27% of the customers buying before the round."""
    frames = []
    for start, end in SURVEY_ROUNDS:
        pool = np.flatnonzero(~customers["prospect"] & (customers["buy_from"] < np.datetime64(start)))
        picked = pool[rng.random(len(pool)) < 0.27]
        days = WORKDAYS[(WORKDAYS >= np.datetime64(start)) & (WORKDAYS <= np.datetime64(end))]
        day = days[rng.integers(0, len(days), len(picked))]
        order = np.lexsort((picked, day))
        frames.append(pd.DataFrame({"cust": picked[order], "day": day[order]}))
    rows = pd.concat(frames, ignore_index=True)
    n = len(rows)
    out = pd.DataFrame({"survey_id": np.array(ids("S", np.arange(1, n + 1), width_for(n, 4)).to_pylist(), dtype=object),
                        "customer_id": customers["ids"][rows["cust"].to_numpy()],
                        "date": np.datetime_as_string(rows["day"].to_numpy(), unit="D")})
    for column in ("product_score", "sales_score", "service_score"):
        score = pd.Series(1 + rng.choice(5, n, p=[.02, .05, .18, .42, .33]), dtype="Int64")
        out[column] = score.mask(rng.random(n) < 0.05)
    out["comment"] = np.where(rng.random(n) < 0.35,
                              np.array(SURVEY_COMMENTS, dtype=object)[rng.integers(0, len(SURVEY_COMMENTS), n)], "")
    return out


# ---------------------------------------------------------------- files
def write_csv(path: pathlib.Path, frame: pd.DataFrame, encoding: str) -> int:
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
    return len(frame)


def write_xlsx(path: pathlib.Path, frame: pd.DataFrame, sheet: str) -> int:
    """A write-only workbook; date columns as date cells formatted yyyy-mm-dd."""
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(list(frame.columns))
    dates = [i for i, c in enumerate(frame.columns) if pd.api.types.is_datetime64_any_dtype(frame[c])]
    cells = frame.astype(object).where(frame.notna(), None)
    for i in dates:
        cells.iloc[:, i] = [None if v is None else pd.Timestamp(v).date() for v in cells.iloc[:, i]]
    for row in cells.itertuples(index=False):
        row = [v.item() if hasattr(v, "item") else v for v in row]
        for i in dates:
            if row[i] is not None:
                cell = WriteOnlyCell(ws, value=row[i])
                cell.number_format = "yyyy-mm-dd"
                row[i] = cell
        ws.append(row)
    book.properties.creator = "salespack bench"
    book.save(path)
    return len(frame)


def sales_frame(lines: pd.DataFrame, people: dict) -> pd.DataFrame:
    seller = lines["seller"].to_numpy()
    staff = np.where(seller >= 0, people["rep_ids"][np.maximum(seller, 0)], people["manager_ids"][np.maximum(-1 - seller, 0)])
    return pd.DataFrame({"订单号": lines["order_id"].to_numpy(), "行号": lines["line_no"].to_numpy(),
                         "订单日期": lines["day"].to_numpy(), "销售代表工号": staff,
                         "客户编号": lines["customer_id"].to_numpy(), "产品": PRODUCT_NAMES[lines["product"].to_numpy()],
                         "数量": lines["qty"].to_numpy(), "fen": lines["fen"].to_numpy(), "cost": lines["cost"].to_numpy(),
                         "备注": lines["note"].to_numpy()})


def write_sales_parquet(path: pathlib.Path, sales: pd.DataFrame) -> int:
    """Typed columns as a system export writes them: date32, int64, amounts as float64 yuan."""
    table = pa.table({
        "订单号": pa.array(sales["订单号"], pa.string()), "行号": pa.array(sales["行号"], pa.int64()),
        "订单日期": pa.array(sales["订单日期"].to_numpy().astype("datetime64[D]"), pa.date32()),
        "销售代表工号": pa.array(sales["销售代表工号"], pa.string()), "客户编号": pa.array(sales["客户编号"], pa.string()),
        "产品": pa.array(sales["产品"], pa.string()), "数量": pa.array(sales["数量"], pa.int64()),
        "金额": pa.array(sales["fen"].to_numpy() / 100, pa.float64()),
        "成本": pa.array(sales["cost"].to_numpy() / 100, pa.float64(), from_pandas=True),
        "备注": pa.array(sales["备注"], pa.string())})
    pq.write_table(table, path)
    return len(sales)


def yuan_text(fen: np.ndarray, style: np.ndarray) -> pd.Series:
    """The sample's spellings: 0 `12345.60`, 1 `￥12,345.60`, 2 `12345.6元`, 3 `￥12345.60`."""
    sign = np.where(fen < 0, "-", "")
    whole, cents = np.abs(fen) // 100, np.abs(fen) % 100
    whole_text = pd.Series(whole).astype(str)
    plain = sign + whole_text + "." + pd.Series(cents).astype(str).str.zfill(2)
    out = plain.copy()
    grouped = style == 1
    out[grouped] = sign[grouped] + "￥" + pd.Series(whole[grouped]).map("{:,}".format).to_numpy() + "." \
        + pd.Series(cents[grouped]).astype(str).str.zfill(2).to_numpy()
    short = np.where(cents == 0, "", np.where(cents % 10 == 0, "." + (cents // 10).astype(str),
                                              "." + pd.Series(cents).astype(str).str.zfill(2).to_numpy()))
    out[style == 2] = (sign + whole_text + short + "元")[style == 2]
    out[style == 3] = (sign + "￥" + plain.str.lstrip("-"))[style == 3]
    return out


def write_sales_csv(rng, path: pathlib.Path, sales: pd.DataFrame) -> int:
    """GBK like the sample's sales.csv: mixed date spellings per order, mixed amount spellings."""
    day = pd.DatetimeIndex(sales["订单日期"])
    codes = pd.factorize(sales["订单号"])[0]
    date_style = rng.choice(3, codes.max(initial=0) + 1, p=[.8, .15, .05])[codes]
    y, m, d = day.year.astype(str), day.month.astype(str), day.day.astype(str)
    text = np.where(date_style == 0, day.strftime("%Y-%m-%d"),
                    np.where(date_style == 1, y + "/" + m + "/" + d, y + "年" + m + "月" + d + "日"))
    style = np.where(sales["fen"].to_numpy() < 0, 0, rng.choice(4, len(sales), p=[.82, .10, .05, .03]))
    cost = sales["cost"].to_numpy()
    frame = sales.drop(columns=["fen", "cost"]).assign(订单日期=text)
    frame.insert(7, "金额", yuan_text(sales["fen"].to_numpy(), style).to_numpy())
    cost_text = yuan_text(np.nan_to_num(cost).astype(np.int64), style).to_numpy()
    frame.insert(8, "成本", np.where(np.isnan(cost), "", cost_text))
    return write_csv(path, frame, "gbk")


def write_visits(rng, folder: pathlib.Path, visits: pd.DataFrame, fmt: str) -> tuple[pathlib.Path, int]:
    if fmt == "parquet":
        # checkin_time stays a typed timestamp; checkout_time (optional) is written as text,
        # because the reader turns a null Parquet timestamp into the text "NaT" and rejects
        # the row (pipeline/read/values.py as_text does not treat NaT as missing).
        path = folder / "visits.parquet"
        stamps = pd.DatetimeIndex(visits["checkout_time"])
        text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"), dtype=object).where(~stamps.isna(), None)
        table = pa.Table.from_pandas(visits.assign(checkout_time=text.to_numpy()), preserve_index=False)
        pq.write_table(table, path)
        return path, len(visits)
    path = folder / "visits.csv"
    iso = rng.random(len(visits)) < 0.10
    frame = visits.copy()
    for column in ("checkin_time", "checkout_time"):
        stamps = pd.DatetimeIndex(visits[column])
        text = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"), dtype=object)
        text[iso] = pd.Series(stamps.strftime("%Y-%m-%dT%H:%M:%S+08:00"), dtype=object)[iso]
        frame[column] = text.where(~stamps.isna(), "")
    return path, write_csv(path, frame, "utf-8")


def generate(folder: pathlib.Path, scale: float, seed: int = 20261031, fmt: str = "parquet") -> dict:
    """Write the eight exports of a ``scale`` org into ``folder`` (plus ``bench-inputs.json``
    describing them); returns dataset -> {"file", "rows"}."""
    started = time.perf_counter()
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in [p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx", ".parquet")]:
        stale.unlink()  # one file per dataset: a csv left from another format would be ambiguous
    rng = np.random.default_rng(seed)
    n_reps = max(1, round(LARGE["reps"] * scale))
    n_teams = max(1, round(n_reps / REPS_PER_TEAM))
    per_book = max(5, round(LARGE["customers"] * scale / n_reps))
    people = make_people(rng, n_reps, n_teams)
    customers = make_customers(rng, people, per_book)
    orders = make_orders(rng, people, customers, per_book, round(LARGE["order_lines"] * scale))
    lines = make_lines(rng, orders, customers)
    lines = pd.concat([lines, make_returns(rng, lines, people, customers)], ignore_index=True)
    lines = lines.iloc[np.lexsort((lines["line_no"].to_numpy(), lines["order_id"].to_numpy(),
                                   lines["day"].to_numpy()))].reset_index(drop=True)
    lines["customer_id"] = customers["ids"][lines["cust"].to_numpy()]
    stages = customer_stages(rng, lines, customers["n"])
    budget, target = make_budget(rng, people, lines)
    trips, planned = make_trips(rng, people, customers, per_book)
    visits = make_visits(rng, people, customers, per_book, round(LARGE["visits"] * scale), planned)

    n_teams = len(people["team_names"])
    roster = pd.DataFrame({
        "工号": np.concatenate([[people["director_id"]], people["manager_ids"], people["rep_ids"]]),
        "姓名": np.concatenate([[people["director_name"]], people["manager_names"], people["rep_names"]]),
        "岗位": ["总监"] + ["经理"] * n_teams + ["代表"] * n_reps,
        "团队": np.concatenate([[None], people["team_names"], people["team_names"][people["team"]]]),
        "上级工号": np.concatenate([[None], np.full(n_teams, people["director_id"], dtype=object),
                                people["manager_ids"][people["team"]]]),
        "入职日期": np.concatenate([[np.datetime64("2009-03-02")], people["manager_hire"], people["hire"]]),
        "在职": np.concatenate([["是"] * (1 + n_teams), np.where(people["leaver"], "否", "是")]),
    })
    logins = pd.Series(roster["工号"]).str.lower() + "@" + EMAIL_DOMAIN
    roster.insert(5, "邮箱", logins.where(rng.random(len(roster)) >= 0.03, None).to_numpy())
    show = ~customers["hidden"]
    clients = pd.DataFrame({
        "客户编号": customers["ids"], "客户名称": customers["name"],
        "负责人工号": people["rep_ids"][people["owner"][customers["book"]]], "客户等级": customers["cls"],
        "客户阶段": stages, "纬度": np.where(show, customers["lat"], np.nan), "经度": np.where(show, customers["lon"], np.nan),
        "区域": np.array(CITY_NAMES, dtype=object)[customers["city"]],
        "建档日期": customers["created"].astype(str)})

    sales = sales_frame(lines, people)
    spelling = np.random.default_rng(seed + 1)  # format-only draws: the same rows in either format
    out = {}
    if fmt == "parquet":
        out["sales"] = (folder / "sales.parquet", write_sales_parquet(folder / "sales.parquet", sales))
    else:
        out["sales"] = (folder / "sales.csv", write_sales_csv(spelling, folder / "sales.csv", sales))
    out["visits"] = write_visits(spelling, folder, visits, fmt)
    out["roster"] = (folder / "roster.xlsx", write_xlsx(folder / "roster.xlsx", roster, "人员名单"))
    out["customers"] = (folder / "customers.csv", write_csv(folder / "customers.csv", clients, "utf-8-sig"))
    out["budget"] = (folder / "budget.xlsx", write_xlsx(folder / "budget.xlsx", budget, "销售目标"))
    out["pledges"] = (folder / "pledges.csv", write_csv(folder / "pledges.csv", make_pledges(rng, people, target),
                                                        "gb18030"))
    out["surveys"] = (folder / "surveys.csv", write_csv(folder / "surveys.csv", make_surveys(rng, customers), "utf-8"))
    out["trips"] = (folder / "trips.xlsx", write_xlsx(folder / "trips.xlsx", trips, "出差计划"))
    datasets = {name: {"file": path.name, "rows": rows} for name, (path, rows) in out.items()}
    describe = {"scale": scale, "seed": seed, "format": fmt, "generator_version": GENERATOR_VERSION,
                "period": PERIOD, "reps": n_reps, "teams": n_teams, "datasets": datasets,
                "generate_s": round(time.perf_counter() - started, 3)}
    (folder / "bench-inputs.json").write_text(json.dumps(describe, ensure_ascii=False, indent=2), encoding="utf-8")
    return describe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=pathlib.Path, help="folder to write the exports into")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 2,000 reps, 1M order lines (default 1.0)")
    parser.add_argument("--seed", type=int, default=20261031, help="random seed (default 20261031)")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet",
                        help="sales and visits as Parquet (default) or as CSV in the sample's spellings")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be > 0")
    described = generate(args.outdir, args.scale, args.seed, args.format)
    for name, info in described["datasets"].items():
        print(f"{name:<10} {info['file']:<16} {info['rows']:>9,} rows")
    print(f"scale {args.scale:g}: {described['reps']:,} reps in {described['teams']:,} teams, "
          f"written in {described['generate_s']:.1f} s to {args.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
