"""The executive summary of a GLM's pack: a draft drawn from the data, which the secretariat edits and saves in both
languages; the pack shows the saved text (or the draft, until one is saved)."""
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from sip.core.audit import record
from sip.exports import sections
from sip.exports.models import GlmHighlights
from sip.exports.sections import Written, written
from sip.extensions import db

LANGUAGES = ("fr", "en")
MAX_LENGTH = 4000  # characters in each language: a page of the PDF


def draft_text(pack) -> str:
    """A draft of the summary in the current language, from the pack's figures (call inside force_locale)."""
    counts = dict(pack.figures)
    changes = {kind: count for kind, _label, count in pack.change_counts()}
    since = pack.q(pack.previous.code) if pack.previous is not None else _("the start of the plan")
    paragraphs = [
        _("As of %(period)s, %(completed)s of the plan's %(total)s activities are completed and %(on_track)s are on "
          "track; %(risky)s are at risk or delayed.", period=pack.quarter, completed=counts.get("completed", 0),
          total=pack.total, on_track=counts.get("on_track", 0),
          risky=counts.get("at_risk", 0) + counts.get("delayed", 0)),
        _("Since %(since)s: %(completed)s completed, %(risks)s new risks, %(others)s other status changes.",
          since=since, completed=changes.get("completed", 0), risks=changes.get("new_risk", 0),
          others=changes.get("status_change", 0)),
        ngettext("%(num)d activity has never been reported on.", "%(num)d activities have never been reported on.",
                 pack.never_reported),
    ]
    if pack.pending_amendments:
        paragraphs.append(ngettext("%(num)d amendment endorsed by the SAG awaits the plenary's verification.",
                                   "%(num)d amendments endorsed by the SAG await the plenary's verification.",
                                   len(pack.pending_amendments)))
    else:
        paragraphs.append(_("No amendment awaits the plenary's verification."))
    return "\n\n".join(paragraphs)


def drafts(pack_in) -> dict[str, str]:
    """The draft in both languages: {"fr": …, "en": …}."""
    found = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            found[lang] = draft_text(pack_in(lang))
    return found


def highlights_of(pack) -> tuple[Written, bool]:
    """The summary the pack shows, in its language, and whether the secretariat saved it (else it is the draft)."""
    saved = sections.saved_highlights(pack.glm or pack.period)
    if saved is not None:
        text = (saved.summary or {}).get(pack.lang)
        if text:
            return Written(text), True
        other = next((saved.summary[lang] for lang in LANGUAGES if (saved.summary or {}).get(lang)), "")
        if other:
            return written(other, pack.lang), True
    return Written(draft_text(pack)), False


class HighlightsError(ValueError):
    """Highlights that cannot be saved: what to tell the secretariat."""


def save_highlights(period, summary: dict[str, str], names: dict[str, str] | None, actor) -> GlmHighlights:
    """Save a GLM's summary (and its name) in both languages, with an audit entry; HighlightsError leaves the database
    as it was."""
    clean = {lang: (summary.get(lang) or "").strip() for lang in LANGUAGES}
    if not any(clean.values()):
        raise HighlightsError(_("Write the summary in at least one language."))
    if any(len(text) > MAX_LENGTH for text in clean.values()):
        raise HighlightsError(_("Keep each summary under %(max)s characters.", max=MAX_LENGTH))
    found = sections.saved_highlights(period)
    before = {"summary": dict(found.summary) if found else None, "glm_names": period.glm_names}
    if found is None:
        found = GlmHighlights(period_id=period.id)
        db.session.add(found)
    found.summary = {lang: text for lang, text in clean.items() if text}
    found.updated_by_id = getattr(actor, "id", None)
    if names is not None and period.glm:
        named = {lang: (names.get(lang) or "").strip() for lang in LANGUAGES}
        if any(named.values()):
            period.glm_name = {lang: text for lang, text in named.items() if text}
    db.session.flush()
    record("export.highlights_saved", "glm_highlights", found.id, before=before,
           after={"summary": found.summary, "glm_names": period.glm_names}, user_id=getattr(actor, "id", None))
    db.session.commit()
    from sip.exports.store import build_ahead

    build_ahead(period.strategy_id)
    return found
