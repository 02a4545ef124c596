"""Demo data of the GLM pack: each demo GLM named in both languages, the highlights the secretariat wrote for the
last GLM that met (the upcoming one keeps its data-drawn draft, as a pack in preparation does), and the action points
the GLM before the upcoming one gave (the pack lists those still open), once the demo meetings exist.

Runs after the demo reports; each step happens once (a GLM already named in French, or highlights already saved,
are left as they are).
"""
import re
from datetime import date

from sqlalchemy import select

from sip.accounts.models import User
from sip.exports.highlights import save_highlights
from sip.exports.sections import saved_highlights, upcoming_glm
from sip.extensions import db
from sip.dashboards.selection import Periods
from sip.plan.queries import current_strategy

SECRETARIAT = "rome.demo@example.org"
MONTHS = {"January": "janvier", "February": "février", "March": "mars", "April": "avril", "May": "mai",
          "June": "juin", "July": "juillet", "August": "août", "September": "septembre", "October": "octobre",
          "November": "novembre", "December": "décembre"}
MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")
HIGHLIGHTS = {
    "en": ("[Demo] The plenary is invited to note that partnership and training work is on track, that two "
           "activities of operational support need the SAG's help with funding, and to verify the amendment the "
           "SAG endorsed.\n\nThe working groups delivered most reports on time this quarter."),
    "fr": ("[Démo] La plénière est invitée à noter que les travaux sur les partenariats et la formation sont en bonne "
           "voie, que deux activités de soutien opérationnel ont besoin de l'aide du SAG pour leur financement, et à "
           "vérifier l'amendement que le SAG a approuvé.\n\nLes groupes de travail ont remis la plupart des rapports "
           "à temps ce trimestre."),
}


# The action points the GLM before the upcoming one gave (shown in the pack as its open action points): one overdue,
# one open with a person of a partner as owner (the pack names the organisation, never the person), one written in
# English only (the French pack marks it), and one done (the pack leaves it out).
GLM_ACTION_POINTS = (
    ({"en": "[Demo] Share the regional training calendar with every partner",
      "fr": "[Démo] Communiquer le calendrier des formations régionales à tous les partenaires"},
     "wg-training", 30, "lead.training.demo@example.org", "open"),
    ({"en": "[Demo] Propose how national NGOs can co-lead a working group",
      "fr": "[Démo] Proposer comment les ONG nationales peuvent co-diriger un groupe de travail"},
     "wg-partnerships", 400, None, "open"),
    ({"en": "[Demo] Circulate the draft terms of reference of the localisation study"},
     "sag", 420, None, "open"),
    ({"en": "[Demo] Publish the plenary's presentations on the website",
      "fr": "[Démo] Publier les présentations de la plénière sur le site"}, "glc", 14, None, "done"),
)


def create_demo_glm_action_points(today: date) -> int:
    """Give the GLM before the upcoming one its action points (once: a GLM with action points is left as it is);
    how many were written."""
    from datetime import timedelta

    from sip.bodies.models import Body
    from sip.exports.actions import last_glm_meeting
    from sip.meetings import services as meetings

    strategy = current_strategy()
    secretariat = db.session.scalar(select(User).where(User.email == SECRETARIAT))
    upcoming = upcoming_glm(Periods.of(strategy), today) if strategy is not None else None
    meeting = last_glm_meeting(upcoming) if upcoming is not None else None
    if meeting is None or secretariat is None or meeting.action_points:
        return 0
    bodies = {b.slug: b for b in db.session.scalars(select(Body))}
    written = 0
    for text, slug, days, owner_email, status in GLM_ACTION_POINTS:
        if slug not in bodies:
            continue
        owner = db.session.scalar(select(User).where(User.email == owner_email)) if owner_email else None
        try:
            point = meetings.add_action_point(meeting, secretariat, meetings.ActionPointData(
                text=text, body=bodies[slug], due_on=meeting.local_date + timedelta(days=days), owner=owner))
            if status != "open":
                meetings.set_action_point_status(point, secretariat, status, "[Demo] Done.")
        except meetings.MeetingError:  # a body dissolved or a person gone since: the other points are still given
            db.session.rollback()
            continue
        written += 1
    return written


def create_demo_pack(today: date | None = None) -> int:
    """Name the demo GLMs in French too and save the last past GLM's highlights; how many things were written."""
    today = today or date.today()
    strategy = current_strategy()
    if strategy is None:
        return 0
    written = 0
    periods = Periods.of(strategy)
    for period in periods.all:
        names = period.glm_names or {}
        english = names.get("en")
        if period.glm and english and names.get("fr") in (None, english) and MONTH.search(english):
            period.glm_name = {"en": english, "fr": MONTH.sub(lambda m: MONTHS[m.group(1)], english)}
            written += 1
    db.session.commit()
    secretariat = db.session.scalar(select(User).where(User.email == SECRETARIAT))
    upcoming = upcoming_glm(periods, today)
    past = [p for p in periods.all if p.glm and p.id in periods.accepted and p is not upcoming]
    if past and secretariat is not None and saved_highlights(past[-1]) is None:
        save_highlights(past[-1], HIGHLIGHTS, None, secretariat)
        written += 1
    return written + create_demo_glm_action_points(today)
