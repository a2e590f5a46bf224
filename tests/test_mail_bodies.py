"""The mail body (issue 14, part 2): each letter is an HTML body with a plain-text
alternative (multipart/alternative inside multipart/mixed, the attachments unchanged),
the configured language (zh_CN) first and English after, in both parts.

A copy of the sample run has its manifest edited so the facts are known here: key points
for the company, for 华东销售部 and none for 华北销售部; hostile names (markup, a long
unbroken Latin name, a long Chinese one). ``deliver`` writes the dry-run .eml letters and
each is read back with the email package. What a body should say is worked out from the
manifest and the roster, formatted by the pack's filters, never from the letters' plan:

    leadership  company headline, key points, top and bottom three reps by attainment rank
    a manager   the same for their team: no name of another team's people
    a rep       own figures and rank, the certificate's terms (blank: the reference target)

Headless Chromium lays out a leadership and a manager body at 390 px (a phone).
"""

from __future__ import annotations

import email
import email.policy
import functools
import json
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from pipeline.config import load_settings
from pipeline.deliver import deliver
from pipeline.deliver.letters import plan_letters
from pipeline.month_end import load_roster
from pipeline.render.filters import money, pct, yuan
from pipeline.render.i18n import translations
from tests.conftest import PROJECT, SAMPLE_CONFIG, SAMPLE_INPUTS

PERIOD = "2026-10"
EN = "en"
ZH = "zh_CN"
HOSTILE = {"E005": "<b>张伟</b>",  # 华东, company rank 12: in the bottom three
           "E007": "Maximiliana-Alexandrovna-Featherstonehaugh-Cholmondeley",  # 华东, rank 2
           "E010": "欧阳" + "长" * 40 + "名字"}  # 华南, rank 4
COMPANY_POINTS = [
    {"zh": "公司本月销售额 692.32 万元，完成率 114.9%。",
     "en": "The company sold CNY 6,923.19k, 114.9% of target."},
    {"zh": '<script>alert(1)</script> 与 <img src="http://evil.example/x.png"> 按原文显示。',
     "en": '<script>alert(1)</script> and <img src="http://evil.example/x.png"> print as text.'},
]
TEAM_POINTS = {"华东销售部": [{"zh": "华东销售部完成率 119.1%，<b>张伟</b> 未达标。",
                              "en": "华东销售部 reached 119.1%; <b>张伟</b> is below target."}],
               "华南销售部": [{"zh": "华南销售部完成率 103.0%。",
                              "en": "华南销售部 reached 103.0%."}],
               "华北销售部": []}
NONE_ZH, NONE_EN = "本月无重大偏差。", "No notable deviation this month."


# --------------------------------------------------------------------------- the letters


@pytest.fixture(scope="module")
def settings():
    return load_settings(SAMPLE_CONFIG)


@pytest.fixture(scope="module")
def roster(settings):
    frame = load_roster(SAMPLE_INPUTS, settings).copy()
    for rep_id, name in HOSTILE.items():
        frame.loc[frame["rep_id"] == rep_id, "name"] = name
    return frame


@pytest.fixture(scope="module")
def run(sample_run, tmp_path_factory, settings, roster):
    """A copy of the sample run, its manifest edited, its letters written as .eml."""
    folder = tmp_path_factory.mktemp("mail-bodies") / PERIOD
    shutil.copytree(sample_run, folder, ignore=shutil.ignore_patterns("outbox", "ledger.sqlite*"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    wanted = manifest["deliverables"]
    wanted["key_points"] = {"company": COMPANY_POINTS, "teams": TEAM_POINTS}
    for rep_id, name in HOSTILE.items():
        wanted["headline"]["reps"][rep_id]["name"] = name
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    report = deliver(folder, roster, settings)
    letters = {}
    for path in report.written:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        letters[message["To"].addresses[0].addr_spec] = Letter(path, message)
    return folder, wanted, letters


class Page(HTMLParser):
    """An HTML body as a reader sees it: its text (the <head> left out), its tags."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.chunks: list[str] = []
        self._head = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._head = self._head or tag == "head"

    def handle_endtag(self, tag):
        self._head = self._head and tag != "head"

    def handle_data(self, data):
        if not self._head:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


class Letter:
    """A letter read back: its text and HTML parts, and each language's part of both."""

    def __init__(self, path: Path, message):
        self.path, self.message = path, message
        self.text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    @functools.cached_property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None, f"{self.path.name}: no text/html part"
        return part.get_content()

    @functools.cached_property
    def parts(self) -> dict[str, tuple[str, str]]:
        """Per language: (the HTML as read, the text)."""
        zh_html, marker, en_html = self.html.partition('<div lang="en">')
        assert marker and '<div lang="zh-CN">' in zh_html, "the HTML is not zh first, then en"
        zh_text, separator, en_text = self.text.partition("\n----\n")
        assert separator, "the text is not zh first, then en"
        return {ZH: (Page(zh_html).text, zh_text), EN: (Page(marker + en_html).text, en_text)}

    def says(self, locale: str, *facts: str) -> list[str]:
        """The facts missing from either part in ``locale``."""
        html, text = self.parts[locale]
        return [f"{fact!r} not in the {part}" for fact in facts
                for part, body in (("HTML", html), ("text", " ".join(text.split()))) if fact not in body]

    def anywhere(self, fact: str) -> bool:
        return fact in Page(self.html).text or fact in self.text


def numbers(text: str) -> Counter:
    return Counter(re.findall(r"[+-]?\d[\d,]*(?:\.\d+)?%?", text))


def people(roster) -> dict[str, dict]:
    return {row["rep_id"]: row for row in roster.to_dict("records")}


def letter_of(letters: dict, roster, rep_id: str) -> Letter:
    return letters[people(roster)[rep_id]["email"]]


def ends_of_ranking(reps: dict, team: str | None = None) -> tuple[list[str], list[str]]:
    """Names of the top and bottom three by attainment rank (ranked reps only)."""
    ranked = sorted((f["rank_attainment"], rep_id) for rep_id, f in reps.items()
                    if f["rank_attainment"] is not None and (team is None or f["team"] == team))
    names = [reps[rep_id]["name"] for _rank, rep_id in ranked]
    return names[:3], names[-3:]


def figures_said(figures: dict, locale: str) -> list[str]:
    return [money(figures["revenue"], locale), money(figures["target"], locale), pct(figures["attainment"])]


# --------------------------------------------------------------------------- structure and hygiene


def test_every_letter_is_text_and_html_alternatives_with_its_attachments_around(run):
    folder, wanted, letters = run
    assert len(letters) == 17
    for address, letter in letters.items():
        message = letter.message
        assert message.get_content_type() == "multipart/mixed", address
        body, *attached = message.iter_parts()
        assert body.get_content_type() == "multipart/alternative", address
        assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"], address
        assert all(part.get_content_charset() == "utf-8" for part in body.iter_parts())
        assert attached and all(part.get_content_type() == "application/pdf" for part in attached), address
        files = {path.read_bytes() for path in folder.rglob("*.pdf")}
        assert all(part.get_content() in files for part in attached), address


def test_the_html_fetches_nothing_and_runs_nothing(run):
    _folder, _wanted, letters = run
    for address, letter in letters.items():
        tags = Page(letter.html).tags
        assert not [t for t, _a in tags if t in ("script", "style", "link", "img", "iframe", "object", "embed")], \
            (address, sorted({t for t, _a in tags}))
        for tag, attributes in tags:
            assert not {"src", "background", "srcset"} & set(attributes), (address, tag, attributes)
            assert attributes.get("href", "mailto:").startswith("mailto:"), (address, tag, attributes)
            assert not re.search(r"url\(|@import|https?:", attributes.get("style", "")), (address, tag)
        assert 'name="viewport"' in letter.html


def test_names_and_sentences_are_data_printed_literally(run, roster):
    _folder, _wanted, letters = run
    director = letter_of(letters, roster, "E001")
    assert "&lt;b&gt;张伟&lt;/b&gt;" in director.html and "<b>张伟</b>" not in director.html
    assert not director.says(ZH, "<b>张伟</b>", COMPANY_POINTS[1]["zh"])
    assert not director.says(EN, "<b>张伟</b>", COMPANY_POINTS[1]["en"])
    rep = letter_of(letters, roster, "E005")
    assert not rep.says(ZH, "<b>张伟</b>，您好：") and not rep.says(EN, "Hello <b>张伟</b>,")
    assert "b" not in {tag for tag, _a in Page(rep.html).tags}


def test_the_html_and_the_text_say_the_same_figures(run):
    _folder, _wanted, letters = run
    for address, letter in letters.items():
        for locale, (html, text) in letter.parts.items():
            assert numbers(html) == numbers(text), (address, locale, numbers(html) - numbers(text),
                                                     numbers(text) - numbers(html))


# --------------------------------------------------------------------------- what each reader reads


def test_leadership_reads_the_headline_the_key_points_and_the_two_ends(run, roster):
    _folder, wanted, letters = run
    company = wanted["headline"]["company"]
    assert (money(company["revenue"], ZH), money(company["revenue"], EN), pct(company["attainment"])) == \
        ("692.32", "6,923.19", "114.9%")  # 692,318,520 fen: 692.32 万元, CNY 6,923.19 k; 6923.1852 / 6028
    top, bottom = ends_of_ranking(wanted["headline"]["reps"])
    middle = sorted(wanted["headline"]["reps"].values(), key=lambda f: f["rank_attainment"] or 99)[6]["name"]
    for address in ("chenguodong@jnjg.example.cn",):
        letter = letters[address]
        for locale in (ZH, EN):
            said = [*figures_said(company, locale), money(company["quarter_forecast"], locale), "100.0%",
                    *[point["zh" if locale == ZH else "en"] for point in COMPANY_POINTS], *top, *bottom]
            assert not letter.says(locale, *said), letter.says(locale, *said)
        assert not letter.says(ZH, "会议要点", "时间进度", "完成率前 3 名", "完成率后 3 名")
        assert not letter.says(EN, "Key points", "Time progress", "Top 3 by attainment", "Bottom 3 by attainment")
        assert not letter.anywhere(middle), f"{middle} (rank 7) is at neither end"


def test_a_manager_reads_their_team_and_no_other_teams_people(run, roster):
    _folder, wanted, letters = run
    everyone = people(roster)
    managers = [p for p in everyone.values() if p["role"] == "manager" and p["team"] in wanted["teams"]]
    assert len(managers) == 3
    for manager in managers:
        team, letter = manager["team"], letters[manager["email"]]
        figures = wanted["headline"]["teams"][team]
        top, bottom = ends_of_ranking(wanted["headline"]["reps"], team)
        for locale in (ZH, EN):
            points = [p["zh" if locale == ZH else "en"] for p in TEAM_POINTS[team]]
            said = [*figures_said(figures, locale), money(figures["quarter_forecast"], locale), *top, *bottom,
                    *(points or [NONE_ZH if locale == ZH else NONE_EN])]
            assert not letter.says(locale, *said), (team, letter.says(locale, *said))
        outsiders = [p["name"] for p in everyone.values() if p["team"] != team and p["team"]]
        assert not [name for name in outsiders if letter.anywhere(name)], f"{team}'s letter names other teams' people"
        assert not [other for other in wanted["teams"] if other != team and letter.anywhere(other)]


def test_key_points_are_said_when_there_are_some_and_none_when_empty(run, roster):
    _folder, _wanted, letters = run
    east, north = letter_of(letters, roster, "E002"), letter_of(letters, roster, "E004")
    assert not east.says(ZH, TEAM_POINTS["华东销售部"][0]["zh"]) and not east.anywhere(NONE_ZH)
    assert not north.says(ZH, "会议要点", NONE_ZH) and not north.says(EN, "Key points", NONE_EN)


def test_no_key_points_section_when_the_run_has_none(run, roster, settings):
    folder, wanted, _letters = run
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["deliverables"]["key_points"]  # a run made before key points existed
    letters, _skipped = plan_letters(folder, manifest, roster, company=settings.company.name, locale=ZH,
                                     leadership=[])
    for letter in letters:
        assert "会议要点" not in letter.body and "Key points" not in letter.body
        assert "会议要点" not in letter.html and "Key points" not in letter.html


def test_a_rep_reads_their_figures_and_their_certificates_terms(run, roster, settings):
    _folder, wanted, letters = run
    everyone = people(roster)
    reps = [p for p in everyone.values() if p["role"] == "rep" and p["active"] and isinstance(p["email"], str)]
    assert len(reps) == 13
    ranked = sum(1 for f in wanted["headline"]["reps"].values() if f["rank_attainment"] is not None)
    blanks = 0
    for rep in reps:
        letter, figures = letters[rep["email"]], wanted["headline"]["reps"][rep["rep_id"]]
        certificate, = wanted["certificates"][rep["rep_id"]]
        for locale in (ZH, EN):
            rank = (f"第 {figures['rank_attainment']} 名（共 {ranked} 名）" if locale == ZH
                    else f"{figures['rank_attainment']} of {ranked}")
            tiers = [said for tier in settings.pledges.tiers(certificate["scope"])
                     for said in (pct(tier.min_attainment), yuan(int(tier.amount * 100), locale))]
            said = [*figures_said(figures, locale), rank, *tiers]
            if certificate["blank"]:
                said += [money(certificate["reference_target"], locale),
                         "于销售动员会上填写" if locale == ZH else "to be filled in at the meeting"]
            else:
                said += [money(certificate["pledge_amount"], locale), yuan(certificate["forfeit_amount"], locale)]
            assert not letter.says(locale, *said), (rep["rep_id"], letter.says(locale, *said))
        blanks += certificate["blank"]
        others = [p["name"] for p in everyone.values() if p["rep_id"] != rep["rep_id"]]
        assert not [name for name in others if letter.anywhere(name)], f"{rep['rep_id']}'s letter names others"
    assert blanks == 2  # E006 and E018 have blank certificates in the sample
    zhang = letter_of(letters, roster, "E005")
    assert not zhang.says(ZH, "50.00", "300.00") and not zhang.says(EN, "500.00", "300.00")  # 500,000 yuan; 300


def test_subject_recipients_and_checksum_do_not_depend_on_the_body(run, roster, settings):
    folder, _wanted, letters = run
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    planned = {}
    for points in ({"company": [], "teams": {}}, {"company": COMPANY_POINTS, "teams": TEAM_POINTS}):
        manifest["deliverables"]["key_points"] = points
        made, _skipped = plan_letters(folder, manifest, roster, company=settings.company.name, locale=ZH,
                                      leadership=[])
        planned[bool(points["company"])] = {letter.key: letter for letter in made}
    assert planned[True].keys() == planned[False].keys()
    for key, letter in planned[True].items():
        other = planned[False][key]
        assert (letter.to, letter.subject, letter.checksum()) == (other.to, other.subject, other.checksum())
        assert [(a.path, a.filename) for a in letter.attachments] == [(a.path, a.filename) for a in other.attachments]
        if letter.role == "leadership":
            assert letter.body != other.body and letter.html != other.html
    director = letter_of(letters, roster, "E001").message
    assert director["Subject"] == "江南精工仪器有限公司 销售总结会资料 2026年10月"
    rep = letter_of(letters, roster, "E005").message
    assert rep["Subject"] == "江南精工仪器有限公司 2026年10月 · <b>张伟</b>"


def test_every_label_of_the_text_template_has_a_chinese_translation():
    catalogue = translations(ZH)
    labels = {message if isinstance(message, str) else message[0] for _f, _l, message, _c, _x in extract_from_dir(
        PROJECT / "templates" / "mail", method_map=[("**.txt", "jinja2"), ("**.html", "jinja2")], options_map={})}
    assert len(labels) > 20
    assert sorted(m for m in labels if catalogue.gettext(m) == m) == []


# --------------------------------------------------------------------------- a real browser


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


BACKGROUND = (0xF4, 0xF6, 0xF9)  # letter.html's body background
# A copy of the body that paints itself by what the browser measured: green when the
# viewport is the phone's 390 px and the document is no wider, red when it scrolls
# sideways, blue when the viewport is not 390 px. Headless Chromium opens the page at its
# least window width (500 px) and resizes it to --window-size before the screenshot:
# measured again on each resize.
PROBE = ("<script>function paint() { var wide = document.documentElement.scrollWidth, seen = window.innerWidth;"
         "document.body.style.background = seen !== 390 ? 'rgb(0,0,255)' : wide > seen ? 'rgb(255,0,0)' : "
         "'rgb(0,255,0)'; } paint(); window.addEventListener('resize', paint); window.addEventListener('load', paint);"
         "</script></body>")


def screenshot(html: str, target: Path, profile: Path) -> subprocess.CompletedProcess:
    page = target.with_suffix(".html")
    page.write_text(html, encoding="utf-8")
    return subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--disable-component-update", "--no-first-run",
                           "--hide-scrollbars", f"--user-data-dir={profile}", "--window-size=390,2000",
                           f"--screenshot={target}", page.as_uri()],
                          capture_output=True, text=True, timeout=90, check=False)


def right_margin(image) -> Counter:
    """The colours of the 6 rightmost pixel columns, top to bottom."""
    return Counter(image.getpixel((x, y)) for x in range(image.size[0] - 6, image.size[0])
                   for y in range(image.size[1]))


@pytest.mark.skipif(chromium() is None, reason="Chromium is not installed: run scripts/ensure-system-packages.sh")
@pytest.mark.parametrize("rep_id", ["E001", "E002"])  # the director, the manager of 华东 (the hostile names)
def test_a_phone_shows_the_body_without_sideways_scrolling(run, roster, tmp_path, rep_id):
    from PIL import Image
    _folder, _wanted, letters = run
    letter = letter_of(letters, roster, rep_id)
    shot, probe = tmp_path / f"{rep_id}.png", tmp_path / f"{rep_id}-probe.png"
    done = screenshot(letter.html, shot, tmp_path / "profile")
    assert shot.is_file(), done.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (390, 2000)
    # Nothing reaches the right edge: the page's own margin is background all the way down.
    assert right_margin(image) == Counter({BACKGROUND: 6 * 2000}), right_margin(image).most_common(3)
    # And the browser itself finds the document no wider than the phone.
    assert "</body>" in letter.html
    done = screenshot(letter.html.replace("</body>", PROBE), probe, tmp_path / "profile")
    assert probe.is_file(), done.stderr[-2000:]
    assert right_margin(Image.open(probe).convert("RGB")) == Counter({(0, 255, 0): 6 * 2000})
