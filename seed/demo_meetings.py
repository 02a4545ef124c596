"""The demo's meetings: a GLM plenary for each GLM period of the demo's quarters, SAG consultations and working-group
meetings, with attendance, endorsed minutes, decisions (the last GLM verifies a demo amendment by vote) and action
points open, done and overdue. Everything goes through the services, as the demo people would; it happens once.
"""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment
from sip.meetings import services
from sip.meetings.models import Meeting
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting.models import ReportingPeriod

ROME = "rome.demo@example.org"
SAG_LEAD, SAG_MEMBER = "lead.sag.demo@example.org", "sag.demo@example.org"
TRAINING_LEAD, TRAINING_MEMBER = "lead.training.demo@example.org", "member.training.demo@example.org"
PARTNERSHIPS_LEAD = "lead.partnerships.demo@example.org"
# Who attends a GLM: delegates of three partners (one a national NGO) and of a stakeholder, who observes.
GLM_DELEGATES = (ROME, SAG_MEMBER, TRAINING_LEAD, "viewer.demo@example.org")
VERIFIED = ("1.3.1.2", {"en": "Hold SAG consultations every quarter, and whenever the plan needs a decision.",
                        "fr": "Organiser une consultation du groupe consultatif stratégique (GCS) chaque trimestre, "
                              "et chaque fois que le plan demande une décision."})
GLM_MINUTES = ("The plenary heard the progress of the quarter, pillar by pillar, and the working groups' reports. "
               "Partners asked for the training calendar to be shared earlier. The next GLM is in six months.")


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    """A local moment (naive) on a day."""
    return datetime.combine(day, time(hour, minute))


def _glm_day(period: ReportingPeriod) -> date:
    """The day the GLM of a period meets: the 20th of the quarter's last month but one (June, November)."""
    return date(period.year, 3 * period.quarter - 1 if period.quarter == 4 else 3 * period.quarter, 20)


def _minutes(meeting, author, endorser, text: str, language: str = "en") -> None:
    """Minutes written, circulated and endorsed."""
    services.save_minutes(meeting, author, text, language)
    services.circulate_minutes(meeting, author)
    services.endorse_minutes(meeting, endorser)


def _meeting(body: Body, kind: str, title: dict, starts: datetime, actor, **more) -> Meeting:
    """Schedule a demo meeting."""
    data = services.MeetingData(body=body, kind=kind, title=title, starts=starts, timezone=more.pop("zone", "Europe/Rome"),
                                place=more.pop("place", None), link=more.pop("link", "https://meet.example.org/sip"),
                                languages=more.pop("languages", ["en", "fr"]), period=more.pop("period", None),
                                duration_minutes=more.pop("duration", 90))
    return services.create_meeting(data, actor)


def _point(meeting, actor, text: str, body: Body, due_on: date, owner=None, activity=None) -> None:
    """An action point."""
    services.add_action_point(meeting, actor, services.ActionPointData(
        text={"en": text}, body=body, due_on=due_on, owner=owner, activity=activity))


def create_demo_meetings(today: date) -> int:
    """Create the demo's meetings unless some exist; return how many were created."""
    if db.session.scalar(select(func.count(Meeting.id))):
        return 0
    strategy = current_strategy()
    people = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%demo@%")))}
    bodies = {b.slug: b for b in db.session.scalars(select(Body))}
    if strategy is None or ROME not in people or "glc" not in bodies:
        return 0
    rome = people[ROME]
    periods = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id,
                                                               ReportingPeriod.glm.is_(True))
                                 .order_by(ReportingPeriod.year, ReportingPeriod.quarter)).all()
    created = 0
    last_glm = None
    for period in periods:
        day = _glm_day(period)
        name = period.glm_name or f"GLM {period.code}"
        meeting = _meeting(bodies["glc"], "glm", {"en": name, "fr": name}, _at(day), rome, period=period,
                           place="Rome, WFP headquarters", duration=480)
        created += 1
        if day >= today:
            continue
        for email in GLM_DELEGATES:
            if email in people:
                services.record_attendance(meeting, rome, person=people[email])
        services.record_decision(meeting, rome, {"en": f"The plenary took note of the progress report of {period.code}.",
                                                 "fr": f"La plénière a pris acte du rapport d'avancement {period.code}."})
        _minutes(meeting, rome, rome, f"{name}. {GLM_MINUTES}")
        last_glm = meeting
    if last_glm is not None:
        _verify_by_vote(strategy, last_glm, people)
    created += _sag(bodies, people, today)
    created += _groups(bodies, people, today)
    return created


def _verify_by_vote(strategy, meeting, people) -> None:
    """A rewording of 1.3.1.2 the SAG endorsed three weeks before the last GLM, which verified it by vote."""
    code, text = VERIFIED
    activity = db.session.scalar(select(Activity).where(Activity.strategy_id == strategy.id, Activity.code == code))
    if activity is None or SAG_MEMBER not in people:
        return
    try:
        amendment = governance.propose(strategy, governance.Change("edit_text", activity=activity, text=text),
                                       "[Demo] The SAG now meets every quarter; the plan should say so.", people[ROME])
        governance.decide_sag(amendment, people[SAG_MEMBER], True, "To the GLM.")
        amendment.proposed_at = amendment.sag_at = datetime.combine(meeting.local_date - timedelta(days=21), time(10),
                                                                     tzinfo=timezone.utc)
        db.session.commit()
        services.record_verification(meeting, amendment, people[ROME],
                                     services.Verdict("vote", votes_for=2, votes_against=0, votes_abstaining=1))
    except (governance.GovernanceError, services.MeetingError):
        db.session.rollback()  # another demo already changed the plan's history; the GLM keeps its other decisions


def _sag(bodies, people, today: date) -> int:
    """Two SAG consultations: one held, with minutes endorsed by the SAG's chair; the next one."""
    if "sag" not in bodies or SAG_LEAD not in people:
        return 0
    rome, chair = people[ROME], people[SAG_LEAD]
    held = _meeting(bodies["sag"], "sag", {"en": "SAG consultation", "fr": "Consultation du GCS"},
                    _at(today - timedelta(days=25), 14), rome)
    services.record_attendance(held, rome, person=chair)
    if SAG_MEMBER in people:
        services.record_attendance(held, rome, person=people[SAG_MEMBER])
    _minutes(held, rome, chair, "The SAG reviewed the risks of the quarter and endorsed the hand-over proposals.")
    _point(held, rome, "Prepare the GLM's session on localisation", bodies["sag"], today + timedelta(days=30),
           owner=chair)
    following = _meeting(bodies["sag"], "sag", {"en": "SAG consultation", "fr": "Consultation du GCS"},
                         _at(today + timedelta(days=14), 14), rome)
    # The amendments waiting for the SAG go on its next agenda.
    for amendment in db.session.scalars(select(Amendment).where(Amendment.state == "proposed").order_by(Amendment.id)):
        services.add_agenda_item(following, rome, {"en": "Amendment to endorse or reject",
                                                   "fr": "Amendement à approuver ou rejeter"}, amendment=amendment)
    return 2


def _groups(bodies, people, today: date) -> int:
    """The training group's last meeting (endorsed minutes; action points done, overdue and open) and its next one;
    the partnerships group's meeting last week, whose minutes nobody has written yet."""
    created = 0
    if "wg-training" in bodies and TRAINING_LEAD in people:
        lead, body = people[TRAINING_LEAD], bodies["wg-training"]
        activity = db.session.scalar(select(Activity).where(Activity.code == "3.1.1.2"))
        held = _meeting(body, "wg", {"en": "Training WG monthly call", "fr": "Appel mensuel du GT Formation"},
                        _at(today - timedelta(days=30), 15), lead, zone="Africa/Dakar", languages=["fr"])
        for email in (TRAINING_LEAD, TRAINING_MEMBER):
            if email in people:
                services.record_attendance(held, lead, person=people[email])
        _minutes(held, lead, lead, "Le groupe a revu le calendrier des formations régionales et la plateforme en "
                                   "ligne.", "fr")
        member = people.get(TRAINING_MEMBER)
        _point(held, lead, "Share the draft training calendar with partners", body, today - timedelta(days=5),
               owner=member, activity=activity)
        _point(held, lead, "Collect the partners' training materials for the platform", body,
               today + timedelta(days=20), owner=lead, activity=activity)
        _point(held, lead, "Book the venue of the Dakar session", body, today - timedelta(days=12), owner=member)
        done = db.session.scalars(select(Meeting).where(Meeting.id == held.id)).one().action_points[-1]
        services.set_action_point_status(done, lead, "done", "Booked.")
        following = _meeting(body, "wg", {"en": "Training WG monthly call", "fr": "Appel mensuel du GT Formation"},
                             _at(today + timedelta(days=10), 15), lead, zone="Africa/Dakar", languages=["fr"])
        services.add_agenda_item(following, lead, {"en": "Progress of the online platform",
                                                   "fr": "Avancement de la plateforme en ligne"}, activity=activity)
        created += 2
    if "wg-partnerships" in bodies and PARTNERSHIPS_LEAD in people:
        lead, body = people[PARTNERSHIPS_LEAD], bodies["wg-partnerships"]
        held = _meeting(body, "wg", {"en": "Partnerships WG call"}, _at(today - timedelta(days=6), 11), lead,
                        languages=["en"])
        _point(held, lead, "Draft the model partnership agreement", body, today + timedelta(days=15), owner=lead)
        created += 1
    return created
