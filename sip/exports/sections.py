"""The pieces of the GLM pack that a plenary expects beyond the dashboards' frames: the quarters' window and names,
which quarter feeds a GLM, the never-reported count, the amendments for verification, the next steps, on-time rates,
the highlights' draft, and which language a text the bodies wrote is in (to mark it "original in English").

No Flask request here; the queries are a constant number per pack.
"""
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import select

from sip.core.i18n import pick
from sip.dashboards.selection import Periods
from sip.extensions import db
from sip.reporting.models import ReportingPeriod

# A window shows at least this many quarters before the chosen one (and reaches back to the previous GLM's).
QUARTERS_BEFORE = 4


@lru_cache(maxsize=512)  # a ×100 workbook names a quarter on each of its 120,000 update rows
def quarter_label(code: str, lang: str) -> str:
    """A quarter as readers of the language write it: "T2 2026" (French), "Q2 2026" (English)."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", code or "")
    if not match:
        return code or ""
    letter = "T" if lang == "fr" else "Q"
    return f"{letter}{match.group(2)}\u00a0{match.group(1)}"  # no break inside a quarter's name


def window(periods: Periods, period: ReportingPeriod, previous_glm: ReportingPeriod | None) -> list[ReportingPeriod]:
    """The quarters every table and chart of a pack shows: from the previous GLM's quarter to this one, and at least
    the four before this one, in time order."""
    index = periods.all.index(period)
    start = index - QUARTERS_BEFORE
    if previous_glm is not None and previous_glm in periods.all:
        start = min(start, periods.all.index(previous_glm))
    return periods.all[max(0, start):index + 1]


def feeding(periods: Periods, glm: ReportingPeriod) -> ReportingPeriod:
    """The quarter that feeds a GLM: the latest one, up to the GLM's own, with an accepted report (the GLM's own
    quarter when none is)."""
    upto = periods.all[:periods.all.index(glm) + 1]
    accepted = [p for p in upto if p.id in periods.accepted]
    return accepted[-1] if accepted else glm


def upcoming_glm(periods: Periods, today: date) -> ReportingPeriod | None:
    """The GLM the secretariat prepares: the first GLM quarter not over yet, else the latest GLM."""
    glms = [p for p in periods.all if p.glm]
    coming = [p for p in glms if p.ends_on >= today]
    if coming:
        return coming[0]
    return glms[-1] if glms else None


# --- which language a text is in ------------------------------------------------------------------------------

_WORDS = {
    "fr": set("le la les des du un une et est sont pour dans avec sur par au aux ce cette ces qui que pas été ont "
              "nous leur leurs plus trimestre prochain activité activités groupe".split()),
    "en": set("the and is are for in with on by to of this that these which was were have has not our their more "
              "quarter next activity activities group".split()),
}
_WORD = re.compile(r"[a-zà-ÿ]+", re.IGNORECASE)


def text_language(text: str | None) -> str | None:
    """The language ("fr" or "en") a text is written in, from its common words; None when it cannot be told."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    scores = {lang: sum(1 for w in words if w in common) for lang, common in _WORDS.items()}
    if max(scores.values()) < 2 or scores["fr"] == scores["en"]:
        return None
    return max(scores, key=scores.get)


@dataclass(frozen=True)
class Written:
    """A text the bodies or the secretariat wrote, with the language it is in when not the pack's."""

    text: str
    original: str | None = None  # "en" in a French pack for a text written in English; None otherwise

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def mark(self) -> str:
        """ "(original in English)" / "(original en français)", in the language of the original itself."""
        if self.original == "en":
            return "(original in English)"
        if self.original == "fr":
            return "(original en français)"
        return ""


def written(text: str | None, lang: str) -> Written:
    """A text with its original language marked when it is not the pack's."""
    text = (text or "").strip()
    found = text_language(text)
    return Written(text, found if found and found != lang else None)


# --- achievements worth reading ------------------------------------------------------------------------------

def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", (text or "").lower()).split())


def worth_reading(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, text) without empty entries and without text said more than once (boilerplate such as "no new
    milestone this quarter"): only entries that say something of their own are kept."""
    seen: dict[str, int] = {}
    for _code, text in items:
        if _normal(text):
            seen[_normal(text)] = seen.get(_normal(text), 0) + 1
    return [(code, text) for code, text in items if _normal(text) and seen[_normal(text)] == 1]


# --- amendments -------------------------------------------------------------------------------------------------

@dataclass
class AmendmentItem:
    """An amendment as the pack lists it: number, kind, activity code, what it proposes, who endorsed when."""

    number: int
    kind: str
    code: str
    text: str
    rationale: Written
    on: date | None


def _amendment_text(amendment, lang: str) -> str:
    """What the amendment changes, in the pack's language: the proposed text, else the activity's."""
    if amendment.proposed_text:
        return pick(amendment.proposed_text, lang)
    if amendment.activity is not None:
        return pick(amendment.activity.text, lang)
    return ""


def amendments(strategy, lang: str, since: date | None) -> tuple[list[AmendmentItem], list[AmendmentItem]]:
    """(the endorsed amendments waiting for the GLM's verification, those applied since `since`), oldest first.
    Two queries (the activities are loaded with them)."""
    from sqlalchemy.orm import selectinload

    from sip.governance.models import AMENDMENT_KINDS, Amendment

    rows = db.session.scalars(
        select(Amendment).options(selectinload(Amendment.activity))
        .where(Amendment.strategy_id == strategy.id, Amendment.state.in_(("endorsed", "applied")))
        .order_by(Amendment.id)).all()
    pending, applied = [], []
    for amendment in rows:
        item = AmendmentItem(amendment.id, str(AMENDMENT_KINDS.get(amendment.kind, amendment.kind)), amendment.code,
                             _amendment_text(amendment, lang), written(amendment.rationale, lang),
                             amendment.glm_on if amendment.state == "applied" else
                             (amendment.sag_at.date() if amendment.sag_at else None))
        if amendment.state == "endorsed":
            pending.append(item)
        elif since is None or (amendment.glm_on and amendment.glm_on > since):
            applied.append(item)
    return pending, applied


# --- highlights --------------------------------------------------------------------------------------------------

def saved_highlights(period: ReportingPeriod | None):
    """The GLM's saved highlights, or None."""
    from sip.exports.models import GlmHighlights

    if period is None:
        return None
    return db.session.scalar(select(GlmHighlights).where(GlmHighlights.period_id == period.id))


def glm_name(period: ReportingPeriod | None, lang: str) -> str:
    """The GLM's name in the language ("" when it has none)."""
    return pick(period.glm_names, lang) if period is not None and period.glm_names else ""


def period_by_code(strategy, code: str) -> ReportingPeriod | None:
    """The strategy's period with this code."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", code or "")
    if not match:
        return None
    return db.session.scalar(select(ReportingPeriod).where(
        ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.year == int(match.group(1)),
        ReportingPeriod.quarter == int(match.group(2))))


def no_entries() -> str:
    """What a list with nothing in it says."""
    return _("None.")


def extra_sections(lang: str) -> list[tuple[str, "object"]]:
    """Sections from the other registers, as (title, DataFrame): participation (the partner register's figures)."""
    from sip.partners.figures import participation_tables

    return list(participation_tables(lang))


def action_points_title(pack) -> str:
    """The title of the last GLM's open action points: "Open action points · GLM June 2026" (the GLM's name says
    which meeting gave them)."""
    title = _("Open action points")
    return f"{title} · {pack.last_glm.name}" if pack.last_glm is not None and pack.last_glm.name else title
