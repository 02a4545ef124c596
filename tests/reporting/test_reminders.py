"""`flask sip remind`: reminders to leads and the secretariat's summary, through a real SMTP server on loopback."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select

from sip.accounts.models import Membership, User
from sip.bodies.models import Body
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import GroupReport, ReminderLog
from tests.smtp import delivered, message_ids, text_of

TODAY = date.today()  # memberships built by make_user start today, so the reminders run as of today or later
PERIOD = "2026-Q4"
# The groups whose leads file their report, and the bodies that are not a group of people, which report through a
# focal point; the Rome support team (every body accountable for an open activity reports) files through its members.
REPORTING_BODIES = ("sag", "wg-partnerships", "wg-training", "working-groups", "glc", "country-support-teams")
FOCAL_POINT_BODIES = ("glc", "country-support-teams")


@pytest.fixture
def reminders_app(seeded, smtp_server):
    """The real plan, its periods, and e-mail going to the loopback SMTP server."""
    with seeded.app_context():
        services.ensure_periods(current_strategy())
        db.session.commit()
    return seeded


def open_period(app, due: date, code: str = PERIOD) -> None:
    """Open a period for reports due on `due` (opened a month before)."""
    with app.app_context():
        period = services.find_period(current_strategy(), code)
        services.open_period(period, due, None, opens_on=due - timedelta(days=30))
        # Opening a period also tells the leads (the notifications' own tests cover that): not the mail looked at here.
        db.session.execute(delete(OutboxMail))
        db.session.commit()


def leads_everywhere(app, make_user, but=()) -> dict[str, int]:
    """Whoever files each reporting body's report (except `but`): a lead for the groups, a focal point for the
    cluster and the country teams; the support team's members are the `secretariat` fixture's."""
    people = {}
    for slug in REPORTING_BODIES:
        if slug in but:
            continue
        if slug in FOCAL_POINT_BODIES:
            people[slug] = make_user(f"Focal point of {slug}", email=f"lead.{slug}@example.org")
            with app.app_context():
                body = db.session.scalar(select(Body).where(Body.slug == slug))
                body.focal_point_id = people[slug]
                db.session.commit()
        else:
            people[slug] = make_user(f"Lead of {slug}", bodies=[(slug, "lead")], email=f"lead.{slug}@example.org")
    return people


def put_report(app, slug: str, state: str, note: str | None = None, code: str = PERIOD) -> None:
    """Store a body's report for the period in a given state."""
    with app.app_context():
        period = services.find_period(current_strategy(), code)
        body = db.session.scalar(select(Body).where(Body.slug == slug))
        db.session.add(GroupReport(body=body, period=period, state=state, review_note=note))
        db.session.commit()


def remind(app, *args, day: date = TODAY, deliver: bool = True):
    """Run `flask sip remind --today <day> <args>`, then (unless told not to) what the worker does with the outbox."""
    result = app.test_cli_runner().invoke(args=["sip", "remind", "--today", day.isoformat(), *args])
    if deliver:
        delivered(app)
    return result


def recipients(smtp_server) -> list[str]:
    """Every envelope recipient, in order."""
    return [to for envelope in smtp_server.envelopes for to in envelope["rcpt_tos"]]


def mail_to(smtp_server, email: str) -> list:
    """The messages sent to one address."""
    return [m for m in smtp_server.messages if m["To"] == email]


def log_rows(app) -> list[tuple]:
    """The reminder log as (body slug or None, recipient e-mail, kind, sent_on)."""
    with app.app_context():
        rows = db.session.execute(
            select(Body.slug, User.email, ReminderLog.kind, ReminderLog.sent_on)
            .select_from(ReminderLog).join(User, ReminderLog.recipient_id == User.id)
            .outerjoin(Body, ReminderLog.body_id == Body.id).order_by(ReminderLog.id)).all()
        return [tuple(row) for row in rows]


def reminded_audit(app) -> list[AuditEntry]:
    """The audit entries of sent reminders."""
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.reminded")))
        db.session.expunge_all()
        return entries


# --- who gets a reminder ------------------------------------------------------------------------


def test_leads_and_co_leads_get_a_reminder_and_members_do_not(reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    make_user("Co-lead", bodies=[("wg-training", "co_lead")], email="colead@example.org")
    make_user("Member", bodies=[("wg-training", "member")], email="member@example.org")
    make_user("SAG member", bodies=[("sag", "member")], email="sag.member@example.org")
    open_period(reminders_app, TODAY + timedelta(days=3))
    result = remind(reminders_app)
    assert result.exit_code == 0, result.output
    assert sorted(recipients(smtp_server)) == ["colead@example.org", "lead@example.org"]
    assert "2 reminders queued" in result.output


def test_inactive_and_former_leads_get_no_reminder(reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    make_user("Inactive lead", bodies=[("wg-training", "lead")], email="inactive@example.org", active=False)
    former = make_user("Former lead", bodies=[("wg-training", "lead")], email="former@example.org")
    with reminders_app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == former))
        membership.since, membership.until = TODAY - timedelta(days=400), TODAY - timedelta(days=1)
        db.session.commit()
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    assert recipients(smtp_server) == ["lead@example.org"]


@pytest.mark.parametrize("state, reminded", [
    (None, True), ("draft", True), ("returned", True), ("submitted", False), ("accepted", False),
], ids=["missing", "draft", "returned", "submitted", "accepted"])
def test_only_reports_not_yet_submitted_or_returned_get_a_reminder(reminders_app, smtp_server, make_user, state,
                                                                   reminded):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    open_period(reminders_app, TODAY + timedelta(days=2))
    if state:
        put_report(reminders_app, "wg-training", state, note="Fix it" if state == "returned" else None)
    remind(reminders_app)
    assert recipients(smtp_server) == (["lead@example.org"] if reminded else [])


@pytest.mark.parametrize("days, reminded", [(8, False), (7, True), (0, True), (-30, True)],
                         ids=["due-in-8-days", "due-in-7-days", "due-today", "30-days-late"])
def test_a_reminder_goes_out_from_7_days_before_the_due_date(reminders_app, smtp_server, make_user, days, reminded):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    open_period(reminders_app, TODAY + timedelta(days=days))
    result = remind(reminders_app)
    assert result.exit_code == 0, result.output
    assert recipients(smtp_server) == (["lead@example.org"] if reminded else [])


@pytest.mark.parametrize("state", ["upcoming", "closed"])
def test_periods_that_are_not_open_send_nothing(reminders_app, smtp_server, make_user, state):
    leads_everywhere(reminders_app, make_user)
    if state == "closed":
        open_period(reminders_app, TODAY - timedelta(days=3))
        with reminders_app.app_context():
            services.close_period(services.find_period(current_strategy(), PERIOD), None)
    result = remind(reminders_app)
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    assert "0 reminders queued, 0 summaries to the secretariat, 0 already queued today" in result.output


def test_a_dissolved_body_gets_no_reminder(reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    with reminders_app.app_context():
        db.session.scalar(select(Body).where(Body.slug == "wg-training")).dissolved_on = TODAY - timedelta(days=1)
        db.session.commit()
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    assert smtp_server.messages == []


# --- what the reminder says ---------------------------------------------------------------------


def test_the_reminder_links_to_the_report(reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org", language="en")
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    [message] = smtp_server.messages
    assert f"http://sip.test/reports/{PERIOD}/wg-training" in text_of(message)


def test_the_reminder_says_the_period_due_date_state_and_days_left(reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org", language="en")
    due = TODAY + timedelta(days=3)
    open_period(reminders_app, due)
    put_report(reminders_app, "wg-training", "returned", note="Add the attendance list for 3.1.2.1.")
    remind(reminders_app)
    [message] = smtp_server.messages
    text = text_of(message)
    assert message["Subject"] == f"Reminder: the Training Working Group report for {PERIOD} is due on " \
                                 f"{due.strftime('%B')} {due.day}, {due.year}"
    assert "Hello Lead," in text
    assert "3 days left" in text
    assert "State: returned with a note: “Add the attendance list for 3.1.2.1.”" in text


@pytest.mark.parametrize("state, says", [(None, "State: not started"), ("draft", "State: draft")])
def test_a_late_reminder_says_how_late_it_is(reminders_app, smtp_server, make_user, state, says):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org", language="en")
    open_period(reminders_app, TODAY - timedelta(days=5))
    if state:
        put_report(reminders_app, "wg-training", state)
    remind(reminders_app)
    [message] = smtp_server.messages
    assert message["Subject"] == f"Reminder: the Training Working Group report for {PERIOD} is late"
    assert "5 days late" in text_of(message) and says in text_of(message)


def test_a_french_speaking_lead_gets_the_reminder_in_french(reminders_app, smtp_server, make_user):
    make_user("Jean Dupont", bodies=[("wg-training", "lead")], email="jean@example.org", language="fr")
    make_user("Sofia García", bodies=[("wg-training", "co_lead")], email="sofia@example.org", language="en")
    open_period(reminders_app, TODAY - timedelta(days=2))
    remind(reminders_app)
    [french] = mail_to(smtp_server, "jean@example.org")
    [english] = mail_to(smtp_server, "sofia@example.org")
    assert french["Subject"] == f"Rappel : le rapport de Groupe de travail sur la formation pour {PERIOD} est en retard"
    assert "Bonjour Jean Dupont," in text_of(french) and "2 jours de retard" in text_of(french)
    assert f"http://sip.test/reports/{PERIOD}/wg-training" in text_of(french)
    assert english["Subject"] == f"Reminder: the Training Working Group report for {PERIOD} is late"


# --- the secretariat's summary ------------------------------------------------------------------


@pytest.fixture
def secretariat(make_user):
    """A member of the Rome support team (French-speaking) and an admin: the summary's readers."""
    return {"team": make_user("Giulia", bodies=[("rome-support-team", "member")], email="rome@example.org",
                              language="fr"),
            "admin": make_user("Ana", admin=True, email="admin@example.org", language="en")}


@pytest.mark.parametrize("days_late, summary", [(15, True), (14, False), (3, False)])
def test_the_secretariat_gets_one_summary_only_when_a_group_is_more_than_14_days_late(
        reminders_app, smtp_server, make_user, secretariat, days_late, summary):
    leads_everywhere(reminders_app, make_user)
    open_period(reminders_app, TODAY - timedelta(days=days_late))
    for slug in ("sag", "wg-partnerships", "working-groups"):
        put_report(reminders_app, slug, "submitted")
    result = remind(reminders_app)
    assert result.exit_code == 0, result.output
    assert mail_to(smtp_server, "lead.wg-training@example.org")  # the lead hears either way
    summaries = [m for m in mail_to(smtp_server, "admin@example.org") + mail_to(smtp_server, "rome@example.org")
                 if m["Subject"].startswith(("SIP Tracker:", "Suivi du SIP"))]  # Giulia files the team's report too
    assert len(summaries) == (2 if summary else 0)
    if summary:
        [english] = mail_to(smtp_server, "admin@example.org")
        assert english["Subject"] == "SIP Tracker: reports that need the secretariat"
        text = text_of(english)
        assert f"Training Working Group, {PERIOD}: not started, {days_late} days late" in text
        assert f"http://sip.test/reports/{PERIOD}/wg-training" in text
        assert "Partnerships" not in text  # submitted: nothing to say
        assert "1 summary to the secretariat" not in result.output and "2 summaries to the secretariat" in result.output


def test_the_summary_is_in_each_readers_language(reminders_app, smtp_server, make_user, secretariat):
    leads_everywhere(reminders_app, make_user)
    open_period(reminders_app, TODAY - timedelta(days=20))
    remind(reminders_app)
    # Giulia also files the Rome support team's own report: the summary is her other e-mail.
    [french] = [m for m in mail_to(smtp_server, "rome@example.org") if m["Subject"].startswith("Suivi du SIP")]
    assert french["Subject"] == "Suivi du SIP : rapports qui demandent l’attention du secrétariat"
    assert "Rapports en retard de plus de 14 jours" in text_of(french)
    assert "Groupe de travail sur la formation, 2026-Q4 : pas commencé, 20 jours de retard" in text_of(french)


def test_bodies_without_a_lead_are_listed_in_the_summary_as_no_lead_to_remind(reminders_app, smtp_server, make_user,
                                                                              secretariat):
    leads_everywhere(reminders_app, make_user, but=("sag",))
    make_user("SAG member", bodies=[("sag", "member")], email="sag.member@example.org")
    open_period(reminders_app, TODAY + timedelta(days=2))
    remind(reminders_app)
    [summary] = mail_to(smtp_server, "admin@example.org")
    text = text_of(summary)
    assert f"Strategic Advisory Group, {PERIOD}: no lead to remind, 2 days left" in text
    assert "Training Working Group" not in text  # due in 2 days, its lead was reminded: not for the secretariat
    assert "sag.member@example.org" not in recipients(smtp_server)


# --- once a day ---------------------------------------------------------------------------------


def test_running_twice_the_same_day_sends_nothing_more(reminders_app, smtp_server, make_user, secretariat):
    leads_everywhere(reminders_app, make_user)
    open_period(reminders_app, TODAY - timedelta(days=20))
    first = remind(reminders_app)
    # Six filers and Giulia for the support team's own report; the summary to Giulia and the admin.
    assert "7 reminders queued, 2 summaries to the secretariat, 0 already queued today" in first.output
    sent, logged = len(smtp_server.messages), log_rows(reminders_app)
    second = remind(reminders_app)
    assert second.exit_code == 0, second.output
    assert "0 reminders queued, 0 summaries to the secretariat, 9 already queued today" in second.output
    assert len(smtp_server.messages) == sent == 9
    assert log_rows(reminders_app) == logged


def test_the_reminders_go_out_again_the_next_day(reminders_app, smtp_server, make_user, secretariat):
    leads_everywhere(reminders_app, make_user)
    open_period(reminders_app, TODAY - timedelta(days=20))
    remind(reminders_app)
    result = remind(reminders_app, day=TODAY + timedelta(days=1))
    assert "7 reminders queued, 2 summaries to the secretariat, 0 already queued today" in result.output
    assert len(smtp_server.messages) == 18
    assert "21 days late" in text_of(mail_to(smtp_server, "lead.wg-training@example.org")[-1])


def test_a_new_lead_gets_a_reminder_the_same_day_others_already_had_one(reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    make_user("New co-lead", bodies=[("wg-training", "co_lead")], email="colead@example.org")
    result = remind(reminders_app)
    assert recipients(smtp_server) == ["lead@example.org", "colead@example.org"]
    assert "1 reminder queued, 0 summaries to the secretariat, 1 already queued today" in result.output


def test_each_sent_reminder_is_logged_and_audited_with_ids_only(reminders_app, smtp_server, make_user, secretariat):
    leads = leads_everywhere(reminders_app, make_user)
    open_period(reminders_app, TODAY - timedelta(days=20))
    remind(reminders_app)
    rows = log_rows(reminders_app)
    assert sorted(rows, key=str) == sorted(
        [(slug, f"lead.{slug}@example.org", "lead", TODAY) for slug in REPORTING_BODIES]
        + [("rome-support-team", "rome@example.org", "lead", TODAY)]
        + [(None, "admin@example.org", "overdue_summary", TODAY), (None, "rome@example.org", "overdue_summary", TODAY)],
        key=str)
    entries = reminded_audit(reminders_app)
    assert len(entries) == 9
    recipients_audited = {entry.after["recipient"] for entry in entries}
    assert recipients_audited == set(leads.values()) | set(secretariat.values())
    assert all("@" not in json.dumps(entry.after) and entry.user_id is None for entry in entries)


# --- dry run ------------------------------------------------------------------------------------


def test_dry_run_says_who_would_get_what_and_sends_and_logs_nothing(reminders_app, smtp_server, make_user,
                                                                    secretariat):
    leads_everywhere(reminders_app, make_user)
    open_period(reminders_app, TODAY - timedelta(days=20))
    result = remind(reminders_app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send lead            to lead.wg-training@example.org: wg-training 2026-Q4 (missing, 20 days late)" \
        in result.output
    assert "would send overdue_summary to rome@example.org" in result.output
    assert "7 reminders would be sent, 2 summaries to the secretariat, 0 already queued today (dry run: nothing was " \
           "sent or logged)." in result.output
    assert smtp_server.messages == []
    assert log_rows(reminders_app) == [] and reminded_audit(reminders_app) == []
    real = remind(reminders_app)  # a dry run does not count as sent
    assert "7 reminders queued" in real.output and len(smtp_server.messages) == 9


def test_when_the_smtp_server_is_down_the_reminder_waits_and_goes_out_once_when_it_is_back(
        reminders_app, smtp_server, make_user):
    make_user("Lead", bodies=[("wg-training", "lead")], email="lead@example.org")
    open_period(reminders_app, TODAY + timedelta(days=3))
    smtp_server.stop()
    result = remind(reminders_app)  # the worker tries at once and fails
    assert result.exit_code == 0, result.output
    assert "1 reminder queued" in result.output
    assert len(log_rows(reminders_app)) == 1  # logged: a second run the same day queues nothing more
    assert "0 reminders queued" in remind(reminders_app).output
    smtp_server.start()
    later = datetime.now(timezone.utc) + timedelta(hours=1)  # past the back-off
    assert delivered(reminders_app, now=later).sent == 1
    assert delivered(reminders_app, now=later + timedelta(hours=1)).sent == 0
    [message] = smtp_server.messages
    assert message["To"] == "lead@example.org" and len(set(message_ids(smtp_server.messages))) == 1
    with reminders_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderLog)) == 1


# --- bodies that report through a focal point, the support team, the secretariat -------------------


def name_focal_point(app, slug: str, person: int | None = None, secretariat: bool = False) -> None:
    """Name who files a body's report: a person, or the secretariat."""
    with app.app_context():
        body = db.session.scalar(select(Body).where(Body.slug == slug))
        body.focal_point_id, body.reported_by_secretariat = person, secretariat
        db.session.commit()


def test_the_focal_point_of_the_cluster_is_reminded_of_its_report(reminders_app, smtp_server, make_user):
    focal = make_user("Fatou", email="fatou@example.org", language="en")
    name_focal_point(reminders_app, "glc", focal)
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    [message] = mail_to(smtp_server, "fatou@example.org")
    text = text_of(message)
    assert message["Subject"].startswith(f"Reminder: the Global Logistics Cluster report for {PERIOD}")
    assert "which you file as its reporting focal point" in text
    assert f"http://sip.test/reports/{PERIOD}/glc" in text


def test_every_member_of_the_support_team_is_reminded_of_its_own_report(reminders_app, smtp_server, make_user):
    make_user("Giulia", bodies=[("rome-support-team", "member")], email="giulia@example.org", language="en")
    make_user("Marco", bodies=[("rome-support-team", "member")], email="marco@example.org", language="en")
    former = make_user("Former", bodies=[("rome-support-team", "member")], email="former@example.org")
    with reminders_app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == former))
        membership.since, membership.until = TODAY - timedelta(days=400), TODAY - timedelta(days=1)
        db.session.commit()
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    team = [m for m in smtp_server.messages if "Support Team" in m["Subject"]]
    assert sorted(m["To"] for m in team) == ["giulia@example.org", "marco@example.org"]
    assert "which any member of" in text_of(team[0])


def test_the_secretariat_is_reminded_of_the_reports_it_files_for_a_body(reminders_app, smtp_server, make_user):
    make_user("Giulia", bodies=[("rome-support-team", "member")], email="giulia@example.org", language="en")
    name_focal_point(reminders_app, "country-support-teams", secretariat=True)
    open_period(reminders_app, TODAY + timedelta(days=3))
    remind(reminders_app)
    [message] = [m for m in mail_to(smtp_server, "giulia@example.org") if "country" in m["Subject"]]
    assert "which the secretariat files on its behalf" in text_of(message)


def test_a_body_without_a_focal_point_is_named_in_the_summary_as_needing_one(reminders_app, smtp_server, make_user,
                                                                             secretariat):
    leads_everywhere(reminders_app, make_user, but=("glc",))
    open_period(reminders_app, TODAY + timedelta(days=2))
    remind(reminders_app)
    [summary] = mail_to(smtp_server, "admin@example.org")
    assert f"Global Logistics Cluster, {PERIOD}: no reporting focal point: name one on the body's page, 2 days left" \
        in text_of(summary)
