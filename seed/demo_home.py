"""What the demo adds so that every role's home page ("what needs me now") shows real work, after the demo reports.

The demo reports already leave reports waiting for review, a returned report with its note and reports to fill.
This adds, through the services as the demo people would, what they do not: two amendments (one the SAG endorsed,
waiting for a GLM; one waiting for the SAG), a person invited who has not chosen a password yet, and, while the open
quarter's due date is still ahead, the secretariat bringing it forward to two days ago so that the groups that have
not delivered show as overdue (the November GLM wanted the reports early). Each step happens once: running the
set-up again changes nothing.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from sip.accounts import services as accounts
from sip.accounts.models import Organisation, User
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import queries as reporting_queries
from sip.reporting import services as reporting

SECRETARIAT = "rome.demo@example.org"
SAG_MEMBER = "sag.demo@example.org"
DEMO_RATIONALE = "[Demo] "
# (proposer, activity, new English text, new French text, rationale, days ago proposed, days ago endorsed or None)
AMENDMENTS = [
    ("lead.partnerships.demo@example.org", "1.1.1.3",
     "Create a clear guidance note, with a model partnership agreement, on the modalities, roles and "
     "responsibilities involved in the engagement of stakeholders from the private and academic sectors, and "
     "provide clear means for their mobilisation.",
     "Créer une note d'orientation claire, avec un modèle d'accord de partenariat, sur les modalités, les rôles et "
     "les responsabilités liés à l'engagement des parties prenantes issues du secteur privé et universitaire, et "
     "fournir des moyens clairs pour la mobilisation.",
     "The working group agreed that a model agreement is what partners ask for most; the note alone is not enough.",
     20, 9),
    ("lead.training.demo@example.org", "3.1.1.2",
     "Set up one shared online training platform for partner organisations, with training materials that are "
     "cost-effective, competency-based, and made available by and for partners and stakeholders.",
     "Mettre en place une plateforme commune de formation en ligne pour les organisations partenaires, avec des "
     "supports de formation rentables, basés sur les compétences et mis à disposition par et pour les partenaires "
     "et les parties prenantes.",
     "Partners asked for one platform rather than several; the group proposes to say so in the plan.",
     4, None),
]
# (e-mail, name, language, organisation acronym, body, days ago invited)
INVITEE = ("invited.demo@example.org", "Chen Wei", "en", "HLA", "wg-training", 3)
OVERDUE_BY = 2  # days: the open quarter's due date, brought forward


@dataclass
class HomeDemoResult:
    """What was added: amendments, the invitation, and the open quarter's new due date."""

    amendments: list[int] = field(default_factory=list)
    invited: str | None = None
    due_on: date | None = None


def _at(day: date, hour: int = 10) -> datetime:
    """A plausible office-hours moment on a day (UTC)."""
    return datetime.combine(day, time(hour, 15), tzinfo=timezone.utc)


def _people() -> dict[str, User]:
    """The demo people by e-mail."""
    return {user.email: user for user in db.session.scalars(select(User).where(User.email.like("%demo@%")))}


def _redate(entity: str, entity_id: int, action: str, moment: datetime) -> None:
    """Move an audit entry to the day the demo says it happened."""
    for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.entity == entity,
                                                             AuditEntry.entity_id == str(entity_id),
                                                             AuditEntry.action == action)):
        entry.at = moment


def _amendments(strategy, people: dict, today: date, result: HomeDemoResult) -> None:
    """Propose the demo amendments (and endorse the first) unless the demo proposed them before."""
    if db.session.scalar(select(Amendment.id).where(Amendment.rationale.startswith(DEMO_RATIONALE)).limit(1)):
        return
    for email, code, english, french, rationale, proposed_ago, endorsed_ago in AMENDMENTS:
        activity = db.session.scalar(select(Activity).where(Activity.strategy_id == strategy.id, Activity.code == code))
        if activity is None or email not in people:
            continue
        change = governance.Change("edit_text", activity=activity, text={"fr": french, "en": english})
        amendment = governance.propose(strategy, change, DEMO_RATIONALE + rationale, people[email])
        amendment.proposed_at = _at(today - timedelta(days=proposed_ago))
        _redate("amendment", amendment.id, "amendment.proposed", amendment.proposed_at)
        db.session.commit()
        if endorsed_ago is not None and SAG_MEMBER in people:
            governance.decide_sag(amendment, people[SAG_MEMBER], endorse=True,
                                  note="Endorsed at the SAG call; to be verified at the next GLM.")
            amendment.sag_at = _at(today - timedelta(days=endorsed_ago), 15)
            _redate("amendment", amendment.id, "amendment.endorsed", amendment.sag_at)
            db.session.commit()
        result.amendments.append(amendment.id)


def _invitation(people: dict, today: date, result: HomeDemoResult) -> None:
    """A person the secretariat invited to the training working group, who has not chosen a password yet.

    No e-mail goes out (the demo addresses are not real); the secretariat can send the invitation again from the
    person's page."""
    email, name, language, organisation, body, invited_ago = INVITEE
    if email in people or SECRETARIAT not in people:
        return
    organisation_id = db.session.scalar(select(Organisation.id).where(Organisation.acronym == organisation))
    person = accounts.NewPerson(email=email, name=name, language=language, organisation_id=organisation_id,
                                is_admin=False, body_slug=body, role="member")
    user = accounts.create_user(person, actor=people[SECRETARIAT])
    user.created_at = _at(today - timedelta(days=invited_ago), 9)
    _redate("user_account", user.id, "user.created", user.created_at)
    db.session.commit()
    result.invited = email


def _overdue(strategy, people: dict, today: date, result: HomeDemoResult) -> None:
    """While no report of the open quarter is overdue, the secretariat brings its due date forward to OVERDUE_BY
    days ago (never before the day it opened), so that the groups that have not delivered are overdue."""
    rows = reporting_queries.my_reports(reporting_queries.reporting_bodies(today), strategy, today)
    if not rows or any(row.delivery == "overdue" for row in rows):
        return
    period = rows[0].period
    due_on = today - timedelta(days=OVERDUE_BY)
    if period.opens_on is None or due_on < period.opens_on or (period.due_on and period.due_on <= due_on):
        return
    reporting.open_period(period, due_on, people.get(SECRETARIAT), opens_on=period.opens_on)
    result.due_on = due_on


def create_demo_home(today: date) -> HomeDemoResult:
    """Add what the home pages of the demo people need to show real work (once); return what was added."""
    result = HomeDemoResult()
    strategy = current_strategy()
    people = _people()
    if strategy is None or SECRETARIAT not in people:
        return result
    _amendments(strategy, people, today, result)
    _invitation(people, today, result)
    _overdue(strategy, people, today, result)
    return result
