"""The demo's register of partners and stakeholders: about thirty organisations of every type (several national NGOs
and community-based organisations), who represents them, and the minimum commitments acknowledged by some partners.

Through the services, as the secretariat and the focal points would: the demo organisations of seed/demo.py get
their countries and dates; the others are registered; a few focal points are named (demo people of each organisation,
and a handful of representatives who have an account but no demo password); about half the partners acknowledge the
commitments; one organisation has left; two requests to join wait, one was declined. The training lead (Jean Dupont,
Action Logistique Sahel) is its organisation's focal point and has not acknowledged yet: signing in as them shows the
button. Runs once: a second run changes nothing.
"""
import secrets
from datetime import date, timedelta

from sqlalchemy import select

from sip.accounts.models import User
from sip.accounts.passwords import hash_password
from sip.bodies.queries import find_body
from sip.extensions import db
from sip.partners import queries, services
from sip.partners.services import OrganisationData
from sip.plan.queries import current_strategy

SECRETARIAT = "rome.demo@example.org"
MARKER = "Réseau des Transporteurs du Sahel"  # registered by the first run

# The demo organisations of seed/demo.py, completed: (name, countries where it operates, website, years a member)
EXISTING = [
    ("World Food Programme", ["ML", "NE", "TD", "SD", "SS", "YE", "HT", "CD"], "https://www.wfp.org", 8),
    ("Humanitarian Logistics Association", ["KE", "JO", "GB"], "https://www.humanitarianlogistics.org", 5),
    ("Action Logistique Sahel", ["ML", "BF", "NE"], "https://als.example.org", 3),
    ("Université de Logistique", ["FR"], None, 2),
]
# (name, acronym, kind, type, headquarters, countries, years a member, left so many days ago or None)
ORGANISATIONS = [
    ("United Nations Children's Fund", "UNICEF", "partner", "UN", "US", ["ML", "TD", "YE", "SS"], 8, None),
    ("International Organization for Migration", "IOM", "partner", "UN", "CH", ["HT", "SD", "LY"], 7, None),
    ("Office of the UN High Commissioner for Refugees", "UNHCR", "partner", "UN", "CH", ["TD", "BD", "UG"], 8, None),
    ("International Federation of Red Cross and Red Crescent Societies", "IFRC", "partner", "RCRC", "CH",
     ["TR", "SY", "MZ"], 8, None),
    ("Croix-Rouge malienne", "CRM", "partner", "RCRC", "ML", ["ML"], 4, None),
    ("Croissant-Rouge tchadien", None, "partner", "RCRC", "TD", ["TD"], 2, None),
    ("Logistics Relief International", "LRI", "partner", "INGO", "GB", ["SS", "SD", "ET"], 6, None),
    ("Médecins du Monde Logistique", "MdM-L", "partner", "INGO", "FR", ["HT", "CD"], 5, None),
    ("Aide et Transport Humanitaire", "ATH", "partner", "INGO", "BE", ["CD", "CF"], 4, None),
    ("Global Shelter Logistics", "GSL", "partner", "INGO", "NL", ["YE", "SO"], 6, 200),
    (MARKER, "RTS", "partner", "NNGO", "BF", ["BF", "ML"], 3, None),
    ("Association Nigérienne pour l'Acheminement de l'Aide", "ANAA", "partner", "NNGO", "NE", ["NE"], 2, None),
    ("Kenya Humanitarian Transport Network", "KHTN", "partner", "NNGO", "KE", ["KE", "SO"], 4, None),
    ("Haïti Solidarité Logistique", "HSL", "partner", "NNGO", "HT", ["HT"], 3, None),
    ("Bangladesh Relief Logistics Forum", "BRLF", "partner", "NNGO", "BD", ["BD"], 2, None),
    ("Yemen Aid Transporters", "YAT", "partner", "NNGO", "YE", ["YE"], 1, None),
    ("Coopérative des Femmes Transporteuses de Mopti", "CFTM", "partner", "CBO", "ML", ["ML"], 2, None),
    ("Comité de Gestion des Entrepôts du Lac", None, "partner", "CBO", "TD", ["TD"], 1, None),
    ("Juba Community Porters' Union", "JCPU", "partner", "CBO", "SS", ["SS"], 2, None),
    ("Direction Générale de la Protection Civile du Niger", "DGPC", "stakeholder", "government", "NE", ["NE"], 4,
     None),
    ("National Disaster Management Authority of Mozambique", "INGD", "stakeholder", "government", "MZ", ["MZ"], 3,
     None),
    ("Global Freight Alliance", "GFA", "stakeholder", "private", "SG", ["SG", "AE", "NL"], 5, None),
    ("Sahel Trucking Company", None, "stakeholder", "private", "SN", ["SN", "ML"], 2, None),
    ("Airlift Partners Foundation", "APF", "stakeholder", "private", "US", ["US", "KE"], 6, None),
    ("Institut Supérieur de Logistique Humanitaire", "ISLH", "stakeholder", "academia", "SN", ["SN"], 3, None),
    ("Humanitarian Supply Chain Research Centre", "HSCRC", "stakeholder", "academia", "FI", ["FI"], 4, None),
    ("Plateforme des ONG de Logistique du Mali", "PONGLM", "stakeholder", "NNGO", "ML", ["ML"], 1, None),
]
# Representatives who have an account (an unusable password: they are not demo accounts):
# (name, e-mail, language, organisation, body slug or None for the cluster)
REPRESENTATIVES = [
    ("Aïssata Koné", "a.kone.fp@example.org", "fr", MARKER, None),
    ("Ibrahim Moussa", "i.moussa.fp@example.org", "fr", "Association Nigérienne pour l'Acheminement de l'Aide", None),
    ("Grace Wanjiru", "g.wanjiru.fp@example.org", "en", "Kenya Humanitarian Transport Network", "wg-training"),
    ("Fatoumata Sangaré", "f.sangare.fp@example.org", "fr", "Coopérative des Femmes Transporteuses de Mopti",
     "wg-partnerships"),
    ("Marie-Claire Joseph", "mc.joseph.fp@example.org", "fr", "Haïti Solidarité Logistique", None),
    ("Tom Okello", "t.okello.fp@example.org", "en", "Juba Community Porters' Union", None),
    ("Sarah Lindqvist", "s.lindqvist.fp@example.org", "en", "International Federation of Red Cross and Red Crescent "
     "Societies", None),
    ("David Mensah", "d.mensah.fp@example.org", "en", "Logistics Relief International", "wg-partnerships"),
]
# Demo people of seed/demo.py who represent their organisation: (e-mail, body slug or None)
DEMO_FOCAL_POINTS = [
    ("lead.training.demo@example.org", None),  # Action Logistique Sahel: has not acknowledged yet (try it)
    ("country.demo@example.org", None),  # World Food Programme
    ("lead.sag.demo@example.org", "sag"),  # Humanitarian Logistics Association
]
# Partners whose focal point has acknowledged the commitments (so many days ago)
ACKNOWLEDGED = {
    "World Food Programme": ("country.demo@example.org", 40),
    MARKER: ("a.kone.fp@example.org", 33),
    "Kenya Humanitarian Transport Network": ("g.wanjiru.fp@example.org", 21),
    "Coopérative des Femmes Transporteuses de Mopti": ("f.sangare.fp@example.org", 12),
    "International Federation of Red Cross and Red Crescent Societies": ("s.lindqvist.fp@example.org", 6),
    "Humanitarian Logistics Association": ("lead.sag.demo@example.org", 3),
}


def _person(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _years_ago(today: date, years: int) -> date:
    return date(today.year - years, 1 + (years * 5) % 12, 1 + (years * 7) % 28)


def create_demo_partners(today: date) -> bool:
    """Fill the demo register once; False when it was filled already."""
    if queries.find_by_name(MARKER) is not None:
        return False
    secretariat = _person(SECRETARIAT)
    for name, countries, website, years in EXISTING:
        found = queries.find_by_name(name)
        if found is None:
            continue
        data = OrganisationData(name=found.name, acronym=found.acronym, kind=found.kind, type=found.type,
                                country=found.country or None, countries=countries, website=website,
                                joined_on=_years_ago(today, years))
        services.update_organisation(found, data, secretariat, rationale="[Demo] the register's first entries")
    for name, acronym, kind, type_, country, countries, years, left in ORGANISATIONS:
        joined = _years_ago(today, years)
        services.create_organisation(OrganisationData(
            name=name, acronym=acronym, kind=kind, type=type_, country=country, countries=countries,
            website=f"https://{(acronym or name.split()[0]).lower()}.example.org", joined_on=joined,
            left_on=today - timedelta(days=left) if left else None), secretariat)
    unusable = hash_password(secrets.token_urlsafe(24))  # they have an account; the demo prints no password
    for name, email, language, organisation, _body in REPRESENTATIVES:
        if _person(email) is None:
            db.session.add(User(email=email, name=name, language=language, password_hash=unusable,
                                organisation_id=queries.find_by_name(organisation).id))
    db.session.commit()
    for _name, email, _language, organisation, body in REPRESENTATIVES:
        services.add_focal_point(queries.find_by_name(organisation), _person(email), find_body(body) if body else None,
                                 secretariat, since=today - timedelta(days=60))
    for email, body in DEMO_FOCAL_POINTS:
        person = _person(email)
        if person is not None and person.organisation is not None:
            services.add_focal_point(person.organisation, person, find_body(body) if body else None, secretariat,
                                     since=today - timedelta(days=90))
    strategy = current_strategy()
    for name, (email, days) in ACKNOWLEDGED.items():
        person, organisation = _person(email), queries.find_by_name(name)
        if person is not None and organisation is not None:
            ack = services.acknowledge_commitments(organisation, person, strategy)
            ack.at = ack.at - timedelta(days=days)
    db.session.commit()
    _requests(today, secretariat)
    return True


def _requests(today: date, secretariat) -> None:
    """Two requests waiting for the secretariat and one it declined."""
    viewer = _person("viewer.demo@example.org")
    if viewer is not None:
        services.request_to_join(viewer, OrganisationData(name="Université de Logistique", kind="partner",
                                                          type="academia", country="FR"),
                                 "Our logistics master's students now run the cluster's training evaluations; we "
                                 "would like to vote on the training working group's priorities.")
    representative = _person("i.moussa.fp@example.org")
    if representative is not None:
        services.request_to_join(representative, OrganisationData(
            name="Union des Transporteurs de Zinder", acronym="UTZ", kind="partner", type="CBO", country="NE",
            website="https://utz.example.org"),
            "Nous acheminons l'aide vers les villages de la région de Zinder depuis 2019 et souhaitons coordonner nos "
            "itinéraires avec le cluster.")
        declined = services.request_to_join(representative, OrganisationData(
            name="Garage Central de Maradi", kind="partner", type="private", country="NE"),
            "Nous réparons les camions des partenaires.")
        services.decide_join_request(declined, False, "A private company joins as a stakeholder, not a partner; "
                                     "please ask again as a stakeholder.", secretariat)
