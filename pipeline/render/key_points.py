"""The key points page (会议要点) in words: one short sentence per point, zh-CN and en,
each number printed by the pack's own filters from the figure the point cites."""

from __future__ import annotations

from dataclasses import dataclass

from ..compute.key_points import Cite, Point
from .filters import money, number, pct, signed_pct, yuan


@dataclass
class Sentence:
    order: int
    zh: str
    en: str
    cites: list[Cite]


def show(cite: Cite, locale: str) -> str:
    """A cited figure as the pack prints it in ``locale``."""
    if cite.form == "money":
        return money(cite.value, locale)
    if cite.form == "yuan":
        return yuan(cite.value, locale)
    if cite.form == "pct":
        return pct(cite.value)
    if cite.form == "signed_pct":
        return signed_pct(cite.value)
    if cite.form == "number":
        return number(cite.value)
    if cite.form == "count":
        return f"{int(cite.value):,}"
    return str(cite.value)


def _signed_money(cite: Cite, locale: str) -> str:
    text = show(cite, locale)
    return text if text.startswith("-") or cite.value in (None, 0) else f"+{text}"


def _list(items: list[str], locale: str, total: int | None = None) -> str:
    """Names in a row; "等" / "and others" when the point lists fewer than there are."""
    joined = ("、" if locale.startswith("zh") else ", ").join(items)
    if total is not None and total > len(items):
        joined += "等" if locale.startswith("zh") else " and others"
    return joined


# "this month" and "last month" of a month's pack; a quarter's and a year's say theirs.
PERIOD_WORDS = {"zh": {"month": ("本月", "上月"), "quarter": ("本季度", "上季度"), "year": ("本年度", "上年度")},
                "en": {"month": ("this month", "last month"), "quarter": ("this quarter", "last quarter"),
                       "year": ("this year", "last year")}}


def _say(point: Point, locale: str, scope: str | None, kind: str = "month") -> str:
    zh = locale.startswith("zh")
    c = {name: show(cite, locale) for name, cite in point.cites.items()}
    who = (scope or "公司") if zh else (scope or "The company")
    this, last = PERIOD_WORDS["zh" if zh else "en"][kind]
    if point.kind == "result":
        cite = point.cites["variance"]
        if cite.value is None:
            return (f"{who}{this}销售额 {c['revenue']} 万元，未设任务额。" if zh else
                    f"{who} sold CNY {c['revenue']}k {this}; no target was set.")
        over = cite.value >= 0
        gap = money(abs(cite.value), locale)
        # The run rate of the quarter is a month's figure (empty for a quarter or a year).
        forecast = point.cites["quarter_forecast"].value is not None
        if zh:
            return (f"{who}{this}销售额 {c['revenue']} 万元，完成任务额 {c['target']} 万元的 {c['attainment']}，"
                    f"{'超出' if over else '差'} {gap} 万元"
                    + (f"；按当前节奏，本季度预计 {c['quarter_forecast']} 万元。" if forecast else "。"))
        return (f"{who} sold CNY {c['revenue']}k {this}, {c['attainment']} of the CNY {c['target']}k target, "
                f"CNY {gap}k {'above' if over else 'short of'} it"
                + (f"; at this pace the quarter comes to CNY {c['quarter_forecast']}k." if forecast else "."))
    if point.kind == "month_on_month":
        return (f"{who}销售额较{last} {c['mom_pct']}。" if zh else f"{who}'s revenue moved {c['mom_pct']} on {last}.")
    if point.kind.startswith("drivers_"):
        parts = [f"{show(i['name'], locale)}（{_signed_money(i['variance'], locale)} 万元，占 {show(i['share'], locale)}）"
                 if zh else f"{show(i['name'], locale)} (CNY {_signed_money(i['variance'], locale)}k, "
                            f"{show(i['share'], locale)})" for i in point.items]
        what = ("团队" if point.kind.endswith("teams") else "个人") if zh else \
            ("teams" if point.kind.endswith("teams") else "reps")
        return (f"差额主要来自{what}：{_list(parts, locale)}。" if zh else
                f"Most of the variance comes from these {what}: {_list(parts, locale)}.")
    if point.kind.startswith("below_target_"):
        parts = [f"{show(i['name'], locale)}（{show(i['attainment'], locale)}）" if zh else
                 f"{show(i['name'], locale)} ({show(i['attainment'], locale)})" for i in point.items]
        teams = point.kind.endswith("teams")
        listed = _list(parts, locale, point.cites["count"].value)
        if zh:
            return f"未完成任务的团队 {c['count']} 个：{listed}。" if teams else f"未完成任务的代表 {c['count']} 人：{listed}。"
        return f"{c['count']} {'teams' if teams else 'reps'} below target: {listed}."
    if point.kind.startswith("moves_"):
        classes = "class" in point.kind
        names = [(f"{show(i['name'], locale)} 类" if zh else f"class {show(i['name'], locale)}") if classes
                 else show(i["name"], locale) for i in point.items]
        parts = [f"{name} {_signed_money(i['change'], locale)} 万元" if zh else
                 f"{name} CNY {_signed_money(i['change'], locale)}k" for name, i in zip(names, point.items)]
        what = ("产品" if "product" in point.kind else "客户等级") if zh else \
            ("products" if "product" in point.kind else "customer classes")
        return (f"与{last}相比变化最大的{what}：{_list(parts, locale)}。" if zh else
                f"The {what} that moved most against {last}: {_list(parts, locale)}.")
    if point.kind == "pledges":
        missed = [f"{show(i['name'], locale)}（{show(i['attainment'], locale)}）" if zh else
                  f"{show(i['name'], locale)} ({show(i['attainment'], locale)})" for i in point.items]
        total = point.cites["missed"].value
        if zh:
            tail = f"未达成：{_list(missed, locale, total)}" if missed else "全部达成"
            return (f"业绩保证书达成 {c['met']} 份、未达成 {c['missed']} 份，应兑现奖励 {c['reward']} 元、"
                    f"乐捐 {c['forfeit']} 元；{tail}。")
        tail = f"missed: {_list(missed, locale, total)}" if missed else "all met"
        return (f"Pledges: {c['met']} met, {c['missed']} missed; rewards of CNY {c['reward']} and forfeits of "
                f"CNY {c['forfeit']} are due; {tail}.")
    if point.kind == "visits":
        parts = [f"{show(i['name'], locale)}（{show(i['visits_per_week'], locale)} 次）" if zh else
                 f"{show(i['name'], locale)} ({show(i['visits_per_week'], locale)})" for i in point.items]
        listed = _list(parts, locale, point.cites["count"].value)
        return (f"每周拜访低于标准 {c['standard']} 次的代表 {c['count']} 人：{listed}。" if zh else
                f"{c['count']} reps visit less than the standard of {c['standard']} a week: {listed}.")
    if point.kind == "overdue":
        return (f"A 类客户逾期未拜访 {c['count']} 家，名单见客户拓展页。" if zh else
                f"{c['count']} A-class customers are overdue for a visit; the list is on the field work pages.")
    if point.kind == "nothing_notable":
        return f"{this}无重大偏差。" if zh else f"No notable deviation {this}."
    raise ValueError(f"no words for the point '{point.kind}'")


def sentences(points: list[Point], scope: str | None = None, kind: str = "month") -> list[Sentence]:
    """The points in both languages, in order, each with the figures it cites; ``kind``:
    the period's (month, quarter or year), which the sentences name."""
    return [Sentence(order, _say(point, "zh_CN", scope, kind), _say(point, "en", scope, kind), point.all_cites())
            for order, point in enumerate(points, start=1)]
