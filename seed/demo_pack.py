"""Demo data of the GLM pack: each demo GLM named in both languages, and the highlights the secretariat wrote for
the last GLM that met (the upcoming one keeps its data-drawn draft, as a pack in preparation does).

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
    return written
