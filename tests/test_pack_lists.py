"""render: the company pack shortens its exception lists (``pack.list_limit``), most
severe first, and says so; team packs and the workbook keep every row."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from pipeline.compute import compute_period
from pipeline.config import load_settings
from pipeline.month_end import load_inputs
from pipeline.render.contexts import pack_context
from pipeline.render.documents import pack_html
from pipeline.render.field_context import field_pages
from pipeline.render.i18n import translator

from .conftest import SAMPLE_CONFIG, SAMPLE_INPUTS

PERIOD = pd.Period("2026-10", freq="M")


@pytest.fixture(scope="module")
def sample_figures():
    settings = load_settings(SAMPLE_CONFIG)
    validated = load_inputs(SAMPLE_INPUTS, settings)
    return settings, validated, compute_period(validated.frames, PERIOD, settings)


def pages(figures, limit):
    return field_pages(figures, locale="zh_CN", standard=2, gettext=translator("zh_CN"), list_limit=limit)


def test_lists_keep_the_most_severe_rows(sample_figures):
    _settings, _validated, figures = sample_figures
    full, short = pages(figures, None), pages(figures, 3)
    assert len(full.overdue) > 3, "the sample must have more overdue customers than the limit"
    assert len(short.overdue) == 3 and short.full_lengths["overdue"] == len(full.overdue)

    # By hand: class A before B before C; within a class, never visited first, then the
    # most days since the last visit.
    def severity(row):
        return (row["class"], row["days_since"] is not None, -(row["days_since"] or 0))
    worst = sorted(full.overdue, key=severity)[:3]
    assert sorted(severity(r) for r in short.overdue) == sorted(severity(r) for r in worst)

    if len(full.outside_fence) > 3:
        farthest = sorted((r["distance_m"] for r in full.outside_fence), reverse=True)[:3]
        assert sorted((r["distance_m"] for r in short.outside_fence), reverse=True) == farthest
    if len(full.short_visits) > 3:
        shortest = sorted(r["duration_min"] for r in full.short_visits)[:3]
        assert sorted(r["duration_min"] for r in short.short_visits) == shortest
    # a list under the limit is untouched
    assert pages(figures, 10_000).overdue == full.overdue


def test_a_shortened_list_says_so_and_where_the_rest_is(sample_figures):
    settings, validated, figures = sample_figures
    gettext = translator("zh_CN")

    def html(limit):
        context = pack_context(figures, validated.reconciliation, locale="zh_CN", company_name="X",
                               generated_at="2026-11-01T06:00:00+08:00", version="test", provisional=False,
                               rejected_rows=0, gettext=gettext)
        context.field_work = pages(figures, limit)
        return pack_html(context)

    full, short = html(None), html(3)
    assert "节选" not in full
    overdue_total = len(pages(figures, None).overdue)
    # The N most severe rows, shown in the list's own order: the note says both.
    assert f"节选：严重程度最高的 3 条（共 {overdue_total} 条），按原顺序排列。" in short
    assert "完整名单见 kpis.xlsx 工作表 overdue_customers" in short
    lengths = pages(figures, 3).full_lengths
    dropped = sum(n - min(n, 3) for name, n in lengths.items() if name != "trips_over_budget")  # inline, not rows
    assert full.count("</tr>") - short.count("</tr>") == dropped > 0


def test_the_limit_is_checked_at_load(tmp_path):
    from pipeline.errors import ConfigError
    config = tmp_path / "salespack.yaml"
    config.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8").replace("list_limit: 200", "list_limit: 0"),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert "pack.list_limit" in str(raised.value) and str(config.name) in str(raised.value)


def test_rep_charts_draw_the_two_ends_of_the_ranking_and_say_so(sample_figures):
    _settings, validated, figures = sample_figures
    gettext = translator("zh_CN")
    context = pack_context(figures, validated.reconciliation, locale="zh_CN", company_name="X",
                           generated_at="2026-11-01T06:00:00+08:00", version="test", provisional=False,
                           rejected_rows=0, gettext=gettext, chart_reps=4)
    ranked = figures.reps[figures.reps["rank_revenue"].notna()].sort_values("rank_revenue")
    assert len(ranked) > 4
    assert context.chart_counts["rep_revenue"] == (4, len(ranked))
    # by hand: ranks 1, 2 and the last two; the others are not drawn
    svg = __import__("base64").b64decode(context.charts["rep_revenue"].split(",", 1)[1]).decode()
    names = ranked["name"].tolist()
    for name in names[:2] + names[-2:]:
        assert name in svg, name
    for name in names[2:-2]:
        assert name not in svg, name
    context.field_work = field_pages(figures, locale="zh_CN", standard=2, gettext=gettext, chart_reps=4)
    html = pack_html(context)
    assert html.count("图中仅列出排名首尾各半：") == 3  # revenue, attainment, visits per week
    assert f"4 / {len(ranked)}" in html
    roomy = pack_context(figures, validated.reconciliation, locale="zh_CN", company_name="X", generated_at="x",
                         version="t", provisional=False, rejected_rows=0, gettext=gettext)  # 40 reps drawn
    roomy.field_work = field_pages(figures, locale="zh_CN", standard=2, gettext=gettext)
    assert "图中仅列出排名首尾各半" not in pack_html(roomy)


def test_a_pack_of_one_team_draws_no_team_chart(sample_figures):
    _settings, validated, figures = sample_figures
    gettext = translator("zh_CN")
    company = pack_context(figures, validated.reconciliation, locale="zh_CN", company_name="X", generated_at="x",
                           version="t", provisional=False, rejected_rows=0, gettext=gettext)
    assert len(figures.teams) > 1 and "team_attainment" in company.charts
    one_team = figures.teams.iloc[:1]
    figures_of_one = dataclasses.replace(figures, teams=one_team)
    alone = pack_context(figures_of_one, validated.reconciliation, locale="zh_CN", company_name="X",
                         generated_at="x", version="t", provisional=False, rejected_rows=0, gettext=gettext,
                         scope=one_team.index[0])
    assert "team_attainment" not in alone.charts
    alone.field_work = field_pages(figures_of_one, locale="zh_CN", standard=2, gettext=gettext)
    assert pack_html(alone).count('<img class="chart"') == pack_html_charts(company, figures) - 1


def pack_html_charts(context, figures) -> int:
    context.field_work = field_pages(figures, locale="zh_CN", standard=2, gettext=translator("zh_CN"))
    return pack_html(context).count('<img class="chart"')
