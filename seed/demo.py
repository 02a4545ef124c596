"""Demo accounts, one per role, for trying SIP Tracker on a development machine."""
import secrets

from sqlalchemy import select

from sip.accounts import services
from sip.accounts.models import Organisation, User
from sip.accounts.passwords import password_problem
from sip.extensions import db

ORGANISATIONS = [
    {"name": "World Food Programme", "acronym": "WFP", "kind": "partner", "type": "UN", "country": None},
    {"name": "Humanitarian Logistics Association", "acronym": "HLA", "kind": "partner", "type": "INGO", "country": None},
    {"name": "Action Logistique Sahel", "acronym": "ALS", "kind": "partner", "type": "NNGO", "country": "Mali"},
    {"name": "Université de Logistique", "acronym": None, "kind": "stakeholder", "type": "academia", "country": "France"},
]

# (role shown to the user, e-mail, name, language, organisation acronym or name, body slug, membership, admin)
PEOPLE = [
    # First: the account to try first (README), with an open report to fill.
    ("training WG lead", "lead.training.demo@example.org", "Jean Dupont", "fr", "ALS", "wg-training", "lead", False),
    ("secretariat", "rome.demo@example.org", "Giulia Rossi", "en", "WFP", "rome-support-team", "member", False),
    ("SAG member", "sag.demo@example.org", "Amina Diallo", "fr", "HLA", "sag", "member", False),
    ("SAG lead", "lead.sag.demo@example.org", "Priya Raman", "en", "HLA", "sag", "lead", False),
    ("training WG member", "member.training.demo@example.org", "Sofia García", "en", "HLA", "wg-training", "member", False),
    ("partnerships WG lead", "lead.partnerships.demo@example.org", "Kwame Mensah", "en", "WFP", "wg-partnerships", "lead", False),
    # Files the country teams' report: they are not a group of people, so the secretariat names a focal point.
    ("country focal point", "country.demo@example.org", "Moussa Traoré", "fr", "WFP", None, None, False),
    ("viewer", "viewer.demo@example.org", "Lena Müller", "en", "Université de Logistique", None, None, False),
    ("admin", "admin.demo@example.org", "Ana Admin", "en", "WFP", None, None, True),
]


def demo_password(email: str = "", name: str = "") -> str:
    """A random passphrase-like password that passes the policy for this person."""
    while True:
        # The random part can spell a piece of the address by chance ("demo"), which the policy refuses: draw again.
        password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
        if password_problem(password, email=email, name=name) is None:
            return password


def _organisation_ids() -> dict[str, int]:
    """Create the demo organisations that are missing; map acronym and name to id."""
    for record in ORGANISATIONS:
        if not db.session.scalar(select(Organisation).where(Organisation.name == record["name"])):
            services.create_organisation(record["name"], record["acronym"], record["kind"], record["type"],
                                         record["country"], actor=None)
    ids = {}
    for organisation in db.session.scalars(select(Organisation)):
        ids[organisation.name] = organisation.id
        if organisation.acronym:
            ids[organisation.acronym] = organisation.id
    return ids


def create_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo people that are missing; return (role, e-mail, password) of those created."""
    organisations = _organisation_ids()
    created = []
    for role, email, name, language, organisation, body, membership, admin in PEOPLE:
        if db.session.scalar(select(User).where(User.email == email)):
            continue
        password = demo_password(email, name)
        person = services.NewPerson(email=email, name=name, language=language, organisation_id=organisations[organisation],
                                    is_admin=admin, body_slug=body, role=membership)
        services.create_user(person, password=password)
        created.append((role, email, password))
    return created
