"""Stage 5, deliver: what a letter says, as HTML with a plain-text alternative.

Each reader's facts are picked from the run's manifest, never recomputed: leadership gets
the company's headline figures, its key points (会议要点) and the two ends of the
attainment ranking; a manager the same for their team, naming only their team's reps; a
rep their own figures. Whoever gets a pledge certificate also reads its terms.

``bodies`` lays the facts out with ``templates/mail/``: the configured language first and
the other after, in the HTML and in the text alike, because a mail client shows one of the
two parts and a reader of either must get every fact. Templates only lay out; the figures
are formatted by the pack's filters (``money``, ``pct``, ``yuan``), HTML is autoescaped and
both environments are sandboxed with ``StrictUndefined``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import jinja2
from markupsafe import Markup

from .. import periods
from ..render.contexts import period_label
from ..render.pdf import environment, render_template

ENDS = 3  # reps named at each end of the attainment ranking
# The pack is of a closed month: every working day of it has passed, so attainment is
# measured against the whole target (kpis.md: time_progress at the month's last day).
MONTH_END_TIME_PROGRESS = 1.0


@dataclass(frozen=True)
class Headline:
    """One grain's figures as the manifest states them: money in fen, ratios as
    fractions, ranks company-wide; None when empty (printed "—")."""

    revenue: int | None = None
    target: int | None = None
    attainment: float | None = None
    quarter_forecast: int | None = None
    rank_attainment: int | None = None
    rank_revenue: int | None = None

    @classmethod
    def of(cls, figures: dict | None) -> Headline | None:
        if figures is None:
            return None
        return cls(**{name: figures.get(name) for name in cls.__dataclass_fields__})

    @property
    def below_target(self) -> bool:
        """Attainment under 100%: printed in the pack's "bad" colour."""
        return self.attainment is not None and self.attainment < 1


@dataclass(frozen=True)
class RankedRep:
    """A rep at one end of the attainment ranking."""

    rank: int  # rank_attainment, company-wide
    name: str
    team: str | None
    revenue: int | None
    attainment: float | None

    @property
    def below_target(self) -> bool:
        """Attainment under 100%: printed in the pack's "bad" colour."""
        return self.attainment is not None and self.attainment < 1


@dataclass(frozen=True)
class Ranking:
    """The two ends of the attainment ranking of the reps a letter may name."""

    top: tuple[RankedRep, ...]
    bottom: tuple[RankedRep, ...]  # in rank order; never a rep already in ``top``


@dataclass(frozen=True)
class RewardTier:
    min_attainment: float
    amount: int  # fen


@dataclass(frozen=True)
class Terms:
    """A pledge certificate's terms (业绩保证书): the pledge, the forfeit (乐捐) if it is
    missed, the rewards announced with it; a blank certificate has a reference target."""

    scope: str  # individual | team
    period: str
    blank: bool
    pledge_amount: int | None
    forfeit_amount: int | None
    reference_target: int | None
    tiers: tuple[RewardTier, ...]


@dataclass(frozen=True)
class LetterFacts:
    """Everything one letter says, whatever the language."""

    role: str  # leadership | manager | rep
    company: str
    period: str
    coming: str
    reader: str | None  # the person greeted; None for an address from config
    team: str | None  # a manager's team
    headline: Headline | None  # the company's, the manager's team's or the rep's own
    reps_ranked: int  # reps with an attainment rank, company-wide ("12 of 14")
    teams_ranked: int  # teams with an attainment rank ("team rank 1 of 3")
    key_points: tuple[dict, ...] | None  # {"zh": ..., "en": ...}; None when the run gives none
    ranking: Ranking | None
    certificates: tuple[Terms, ...] = ()
    pack_attached: bool = False


@dataclass(frozen=True)
class Pledge:
    terms: Terms
    period_label: str


@dataclass(frozen=True)
class Section:
    """One language's body of a letter: what ``templates/mail/section.*`` receive."""

    locale: str
    lang: str  # the HTML lang attribute
    facts: LetterFacts
    period_label: str
    coming_label: str
    scope: str | None  # after the pack's title: a manager's team
    key_points: tuple[str, ...] | None
    pledges: tuple[Pledge, ...]
    time_progress: float = MONTH_END_TIME_PROGRESS
    kind: str = "month"  # the period's (month, quarter, year): the pack's title says which


# --------------------------------------------------------------------------- picking the facts


def ranking(reps: dict[str, dict], team: str | None = None, ends: int = ENDS) -> Ranking:
    """The top and bottom ``ends`` reps by attainment rank (ranked reps only), of
    ``team`` only when one is given: a manager's letter names no other team's people."""
    ranked = sorted((figures["rank_attainment"], rep_id, figures) for rep_id, figures in reps.items()
                    if figures.get("rank_attainment") is not None and (team is None or figures.get("team") == team))
    people = [RankedRep(rank, figures.get("name") or rep_id, figures.get("team"), figures.get("revenue"),
                        figures.get("attainment")) for rank, rep_id, figures in ranked]
    top = people[:min(ends, (len(people) + 1) // 2)]  # few reps: split between the two ends, none twice
    return Ranking(tuple(top), tuple(people[max(len(top), len(people) - ends):]))


def ranked_count(grains: dict[str, dict]) -> int:
    return sum(1 for figures in grains.values() if figures.get("rank_attainment") is not None)


def reward_tiers(manifest: dict) -> dict[str, tuple[RewardTier, ...]]:
    """The reward tiers of the run's own config: the ones its certificates announce."""
    configured = ((manifest.get("config") or {}).get("pledges") or {}).get("reward_tiers") or {}
    return {scope: tuple(sorted((RewardTier(float(tier["min_attainment"]), int(Decimal(str(tier["amount"])) * 100))
                                 for tier in tiers), key=lambda tier: tier.min_attainment))
            for scope, tiers in configured.items()}


def terms(certificate: dict, tiers: dict[str, tuple[RewardTier, ...]]) -> Terms:
    return Terms(certificate["scope"], certificate["period"], bool(certificate.get("blank")),
                 certificate.get("pledge_amount"), certificate.get("forfeit_amount"),
                 certificate.get("reference_target"), tiers.get(certificate["scope"], ()))


def key_points(wanted: dict, team: str | None = None) -> tuple[dict, ...] | None:
    """The company's key points, or ``team``'s; None when the run has none to give (a
    manifest written before key points existed)."""
    if "key_points" not in wanted:
        return None
    points = wanted["key_points"] or {}
    chosen = (points.get("teams") or {}).get(team) if team else points.get("company")
    return tuple(chosen or ())


# --------------------------------------------------------------------------- laying out


def other_language(locale: str) -> str:
    return "en" if locale.startswith("zh") else "zh_CN"


def section(facts: LetterFacts, locale: str) -> Section:
    chinese = locale.startswith("zh")
    points = None if facts.key_points is None else tuple(
        (point.get("zh") or point.get("en")) if chinese else (point.get("en") or point.get("zh"))
        for point in facts.key_points)
    scope = facts.team if facts.role == "manager" else None
    return Section(locale, "zh-CN" if chinese else "en", facts, period_label(facts.period, locale),
                   period_label(facts.coming, locale), scope, points,
                   tuple(Pledge(item, period_label(item.period, locale)) for item in facts.certificates),
                   kind=periods.kind(periods.parse_period(facts.period)))


def text_environment(locale: str) -> jinja2.Environment:
    """The pack's environment (sandboxed, StrictUndefined, the same filters and catalogue)
    for plain text: no escaping, a name prints as it is."""
    return environment(locale, None, autoescape=False)


TEXT_SEPARATOR = "\n\n----\n\n"


def bodies(facts: LetterFacts, locale: str, title: str) -> tuple[str, str]:
    """The letter's plain text and HTML: ``locale`` first, then the other language."""
    sections = [section(facts, language) for language in (locale, other_language(locale))]
    text = TEXT_SEPARATOR.join(render_template(text_environment(part.locale), "mail/section.txt", s=part).strip()
                               for part in sections)
    parts = [Markup(render_template(environment(part.locale), "mail/section.html", s=part)) for part in sections]
    html = render_template(environment(locale), "mail/letter.html", lang=sections[0].lang, title=title,
                           sections=parts)
    return text + "\n", html
