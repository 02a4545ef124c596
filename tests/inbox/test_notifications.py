"""Notifications as services: who is told of each event, in which language, exactly once; instant mails in the
event's transaction, daily digests, and "never"."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sip.accounts.models import Membership, User
from sip.bodies.queries import find_body
from sip.core.models import OutboxMail
from sip.core.outbox import expand_due
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment
from sip.inbox import events, services
from sip.inbox.models import Notification, NotificationPreference
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services as reporting
from sip.reporting.services import UpdateData
from tests.reporting.conftest import make_accountable

FIRST, SECOND = "3.1.1.2", "3.1.2.1"  # the training working group's activities
GLM_DAY, SAG_DAY = date(2026, 11, 20), date(2026, 11, 2)
NEW_TEXT = {"fr": "Organiser des formations régionales en logistique humanitaire.",
            "en": "Run regional trainings in humanitarian logistics."}

# (name, memberships, options): one person per place that an event may concern.
PEOPLE = {
    "lead": ([("wg-training", "lead")], {"language": "fr"}),
    "member": ([("wg-training", "member")], {"language": "en"}),
    "ended": ([("wg-training", "member")], {}),  # membership ended yesterday
    "inactive": ([("wg-training", "member")], {"active": False}),
    "secretariat": ([("rome-support-team", "member")], {"language": "fr"}),
    "secretariat_en": ([("rome-support-team", "member")], {"language": "en"}),
    "admin": ([], {"admin": True}),
    "sag": ([("sag", "member")], {"language": "fr"}),
    "sag_lead": ([("sag", "lead")], {}),
    "other_lead": ([("wg-partnerships", "lead")], {}),
    "viewer": ([], {}),
}


@pytest.fixture
def people(seeded, make_user):
    """The real plan with its periods (2026-Q4 open, and marked as a GLM) and one person per place ({name: id})."""
    ids = {name: make_user(f"{name.replace('_', ' ').title()} Person", bodies=bodies, **options)
           for name, (bodies, options) in PEOPLE.items()}
    with seeded.app_context():
        ended = db.session.scalar(select(Membership).where(Membership.user_id == ids["ended"]))
        ended.since, ended.until = date.today() - timedelta(days=90), date.today() - timedelta(days=1)
        make_accountable("wg-training", SECOND)
        strategy = current_strategy()
        reporting.ensure_periods(strategy)
        db.session.commit()
        period = reporting.find_period(strategy, "2026-Q4")
        reporting.set_glm(period, True, "GLM November 2026", actor=None)
        reporting.open_period(period, date(2027, 1, 15), actor=None, opens_on=date(2026, 10, 1))
    return ids


@pytest.fixture
def ctx(seeded, people):
    """An application context with the people at hand."""
    with seeded.app_context():
        yield Context(people)
        db.session.remove()


class Context:
    """Look-ups and actions of the tests below."""

    def __init__(self, ids):
        self.ids = ids
        self.strategy = current_strategy()
        self.body = find_body("wg-training")

    def user(self, name: str) -> User:
        return db.session.get(User, self.ids[name])

    def period(self, code="2026-Q4"):
        return reporting.find_period(self.strategy, code)

    def updates(self):
        codes = {a.code: a.id for a in db.session.scalars(select(Activity).where(Activity.code.in_([FIRST, SECOND])))}
        return {codes[FIRST]: UpdateData(status="on_track", progress_pct=50, achievements="Trained 40 people."),
                codes[SECOND]: UpdateData(status="planned", no_progress=True)}

    def submitted(self):
        """The training group's report for 2026-Q4, submitted by its lead."""
        report = reporting.find_report(self.body, self.period())
        return reporting.write_report(self.body, self.period(), self.user("lead"), report.version if report else 0,
                                      "A good quarter.", self.updates(), submit=True)

    def told(self, kind: str) -> dict[str, Notification]:
        """{person's name: their notification} of a kind."""
        names = {v: k for k, v in self.ids.items()}
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
        found = {}
        for row in rows:
            assert names[row.user_id] not in found, f"{names[row.user_id]} was told twice of {kind}"
            found[names[row.user_id]] = row
        return found

    def mails_to(self, name: str) -> list[OutboxMail]:
        """The e-mails queued for a person, once the worker has written each event's own (outbox.expand_due)."""
        expand_due()
        return list(db.session.scalars(select(OutboxMail).where(OutboxMail.to_address == self.user(name).email)
                                       .order_by(OutboxMail.id)))

    def propose(self, role="lead") -> Amendment:
        activity = db.session.scalar(select(Activity).where(Activity.code == FIRST))
        return governance.propose(self.strategy, governance.Change("edit_text", activity=activity, text=NEW_TEXT),
                                  "Clearer wording agreed in the group.", self.user(role))

    def endorsed(self) -> Amendment:
        amendment = self.propose()
        governance.decide_sag(amendment, self.user("sag"), True)
        moment = datetime(SAG_DAY.year, SAG_DAY.month, SAG_DAY.day, 9, tzinfo=timezone.utc)
        amendment.proposed_at = amendment.sag_at = moment  # before the GLM, as it must be
        db.session.commit()
        return amendment


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- who is told of what ------------------------------------------------------------------------


def test_a_submitted_report_is_told_to_the_secretariat_only(ctx):
    ctx.submitted()
    told = ctx.told("report_submitted")
    assert set(told) == {"secretariat", "secretariat_en", "admin"}
    assert told["secretariat"].endpoint == "reports.report"
    assert told["secretariat"].endpoint_args == {"period": "2026-Q4", "slug": "wg-training"}
    assert told["secretariat"].read_at is None


def test_a_returned_report_is_told_to_the_current_active_group_with_the_note(ctx):
    report = ctx.submitted()
    reporting.return_report(report, ctx.user("secretariat"), "Add the evidence for 3.1.1.2.")
    told = ctx.told("report_returned")
    assert set(told) == {"lead", "member"}  # not the ended member, not the inactive one, not the reviewer
    with force_locale("en"):
        assert "Add the evidence for 3.1.1.2." in services.text(told["member"])


def test_an_accepted_report_is_told_to_the_group(ctx):
    reporting.accept_report(ctx.submitted(), ctx.user("secretariat"))
    assert set(ctx.told("report_accepted")) == {"lead", "member"}


def test_an_internal_comment_is_told_only_to_the_rest_of_the_secretariat(ctx):
    reporting.add_comment(ctx.submitted(), ctx.user("secretariat"), "Check the figures.", internal=True)
    told = ctx.told("report_comment")
    assert set(told) == {"secretariat_en", "admin"}  # the author is not told of their own comment
    assert told["admin"].params["internal"] is True


def test_a_visible_comment_is_told_to_the_group_and_the_secretariat_but_not_its_author(ctx):
    reporting.add_comment(ctx.submitted(), ctx.user("lead"), "We added the links.", internal=False)
    assert set(ctx.told("report_comment")) == {"member", "secretariat", "secretariat_en", "admin"}


def test_opening_a_quarter_is_told_to_every_working_group_lead(ctx):
    told = ctx.told("period_opened")  # the fixture opened 2026-Q4
    assert set(told) == {"lead", "other_lead"}  # leads of working groups: not the SAG's lead, not members
    assert told["lead"].params == {"period": "2026-Q4", "due_on": "2027-01-15"}


def test_a_proposed_amendment_is_told_to_the_sag(ctx):
    amendment = ctx.propose()
    told = ctx.told("amendment_proposed")
    assert set(told) == {"sag", "sag_lead"}
    assert told["sag"].endpoint_args == {"amendment_id": amendment.id}


def test_amendments_proposed_together_make_one_notification_each_for_the_sag(ctx):
    activities = list(db.session.scalars(select(Activity).where(Activity.code.in_([FIRST, SECOND]))))
    changes = [governance.Change("edit_text", activity=a, text={"fr": f"Texte {a.code}", "en": f"Text {a.code}"})
               for a in activities]
    governance.propose_many(ctx.strategy, changes, "A revision of the group's activities.", ctx.user("lead"),
                            origin="import")
    told = ctx.told("amendment_proposed")
    assert set(told) == {"sag", "sag_lead"}
    with force_locale("en"):
        assert services.text(told["sag"]).startswith("2 amendments to the plan were proposed together")


def test_an_endorsed_amendment_is_told_to_its_proposer(ctx):
    ctx.endorsed()
    assert set(ctx.told("amendment_endorsed")) == {"lead"}


def test_a_rejected_amendment_is_told_to_its_proposer_with_the_note(ctx):
    governance.decide_sag(ctx.propose(), ctx.user("sag"), False, "Out of the plan's scope.")
    told = ctx.told("amendment_rejected")
    assert set(told) == {"lead"}
    assert told["lead"].params["note"] == "Out of the plan's scope." and told["lead"].params["by"] == "sag"


def test_an_amendment_verified_at_a_glm_is_told_to_every_working_group_lead(ctx):
    amendment = ctx.endorsed()
    governance.record_glm(amendment, ctx.user("secretariat"), True, ctx.period(), GLM_DAY, today=date(2026, 12, 31))
    told = ctx.told("amendment_verified")
    assert set(told) == {"lead", "other_lead"}
    with force_locale("en"):
        assert "GLM November 2026" in services.text(told["other_lead"])


# --- exactly once -------------------------------------------------------------------------------


def test_the_same_event_twice_makes_one_notification_per_person(ctx):
    report = ctx.submitted()
    events.on_report_submitted(report, actor=ctx.user("lead"))  # the event announced again
    db.session.commit()
    assert len(ctx.told("report_submitted")) == 3  # told() also fails if anyone was told twice
    assert len([m for m in ctx.mails_to("secretariat") if m.kind == "notification"]) == 1


def test_a_report_submitted_again_after_its_return_is_a_new_event(ctx):
    report = ctx.submitted()
    reporting.return_report(report, ctx.user("secretariat"), "Add the evidence.")
    ctx.submitted()
    assert db.session.scalar(select(func.count()).where(Notification.kind == "report_submitted",
                                                        Notification.user_id == ctx.ids["admin"])) == 2


def test_inactive_people_and_ended_memberships_are_told_nothing(ctx):
    report = ctx.submitted()
    reporting.accept_report(report, ctx.user("secretariat"))
    reporting.add_comment(report, ctx.user("secretariat"), "Well done.", internal=False)
    for name in ("inactive", "ended", "viewer"):
        assert not db.session.scalar(select(func.count()).where(Notification.user_id == ctx.ids[name]))
        assert ctx.mails_to(name) == []


# --- language -----------------------------------------------------------------------------------


def test_each_reader_sees_the_message_in_their_own_language_when_it_is_shown(ctx):
    ctx.submitted()
    notification = ctx.told("report_submitted")["secretariat"]
    with force_locale("fr"):
        french = services.text(notification)
    with force_locale("en"):
        english = services.text(notification)
    assert "GT Formation" in french and "Training WG" not in french
    assert "Training WG" in english and "2026-Q4" in english


def test_instant_mails_are_written_in_each_recipients_language(ctx):
    ctx.submitted()
    french, english = ctx.mails_to("secretariat")[-1], ctx.mails_to("secretariat_en")[-1]
    assert "Training" in english.subject and "Training" not in french.subject
    assert "http://sip.test/reports/2026-Q4/wg-training" in french.body
    assert "http://sip.test/reports/2026-Q4/wg-training" in english.body


def test_the_quarter_opened_mail_gives_the_due_date_as_the_reader_writes_it(ctx):
    body = ctx.mails_to("lead")[-1].body  # French
    assert "15 janvier 2027" in body
    assert "January 15, 2027" in ctx.mails_to("other_lead")[-1].body  # no language: the default, English


# --- instant mails ------------------------------------------------------------------------------


def test_the_worker_writes_each_mail_as_the_person_is_when_it_writes_it(ctx):
    # The request writes one row for the event; the worker writes the e-mails: in the language the person has by
    # then, and none for someone deactivated meanwhile.
    ctx.submitted()
    ctx.user("secretariat_en").language = "fr"
    ctx.user("admin").active = False
    db.session.commit()
    french = ctx.mails_to("secretariat_en")[-1]
    assert "Training" not in french.subject and "Formation" in french.subject
    assert ctx.mails_to("admin") == []


def test_an_instant_mail_carries_a_one_click_unsubscribe(ctx):
    ctx.submitted()
    mail = ctx.mails_to("admin")[-1]
    assert mail.kind == "notification"
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail.headers["List-Unsubscribe"]
    assert link.startswith("<http://sip.test/notifications/unsubscribe/") and link.endswith(">")
    assert link[1:-1] in mail.body


def test_notifications_and_their_mails_commit_or_roll_back_with_the_event(ctx):
    report = reporting.write_report(ctx.body, ctx.period(), ctx.user("lead"), 0, "A good quarter.", ctx.updates())
    notifications, mails = count(Notification), count(OutboxMail)
    reporting.submit_report(report, ctx.user("lead"))  # not committed yet
    # three people told; one outbox row stands for their instant e-mails (the worker writes one per person)
    assert count(Notification) == notifications + 3 and count(OutboxMail) == mails + 1
    db.session.rollback()
    assert count(Notification) == notifications and count(OutboxMail) == mails


def test_a_person_who_chose_never_gets_no_mail_but_keeps_the_item(ctx):
    services.save_preferences(ctx.user("admin"), {"report_submitted": "never"})
    ctx.submitted()
    assert "admin" in ctx.told("report_submitted")
    assert [m for m in ctx.mails_to("admin") if m.kind == "notification"] == []
    assert services.send_digests() == 0 or not [m for m in ctx.mails_to("admin") if m.kind == "digest"]


def test_kinds_that_ask_to_act_come_at_once_by_default_and_the_others_in_the_digest(ctx):
    prefs = services.preferences(ctx.user("viewer"))
    assert {k for k, v in prefs.items() if v == "instant"} == {
        "report_submitted", "report_returned", "amendment_proposed", "period_opened"}
    assert {k for k, v in prefs.items() if v == "digest"} == {
        "report_accepted", "report_comment", "amendment_endorsed", "amendment_rejected", "amendment_verified"}


def test_an_instant_mail_is_delivered_once_by_the_worker(ctx, smtp_server):
    from sip.core.outbox import deliver_due

    deliver_due()  # the quarter-opened mails of the fixture
    before = len(smtp_server.messages)
    ctx.submitted()
    deliver_due()
    deliver_due()
    received = smtp_server.messages[before:]
    assert sorted(m["To"] for m in received) == sorted(ctx.user(n).email for n in ("secretariat", "secretariat_en",
                                                                                   "admin"))
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in received)


# --- digests ------------------------------------------------------------------------------------


def test_a_digest_bundles_the_days_items_into_one_mail_per_person_and_never_twice(ctx):
    report = ctx.submitted()
    reporting.accept_report(report, ctx.user("secretariat"))
    reporting.add_comment(report, ctx.user("secretariat"), "Well done.", internal=False)
    # acceptance and comment for the lead and the member, the comment for the rest of the secretariat
    assert services.send_digests() == 4
    digests = [m for m in ctx.mails_to("lead") if m.kind == "digest"]
    assert len(digests) == 1
    assert digests[0].body.count("\n- ") == 2 and digests[0].body.startswith("Bonjour Lead Person,")
    assert digests[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert all(n.digested_at is not None for n in ctx.told("report_accepted").values())
    assert services.send_digests() == 0
    assert len([m for m in ctx.mails_to("lead") if m.kind == "digest"]) == 1


def test_items_mailed_at_once_are_not_repeated_in_the_digest(ctx):
    services.save_preferences(ctx.user("secretariat"), {"report_comment": "digest"})
    ctx.submitted()  # report_submitted: at once for the secretariat
    assert services.send_digests() == 0
    assert ctx.told("report_submitted")["secretariat"].digested_at is None


def test_a_person_who_moves_a_kind_to_the_digest_gets_it_there(ctx):
    services.save_preferences(ctx.user("admin"), {"report_submitted": "digest"})
    ctx.submitted()
    assert [m for m in ctx.mails_to("admin") if m.kind == "notification"] == []
    assert services.send_digests() == 1
    digest = [m for m in ctx.mails_to("admin") if m.kind == "digest"][0]
    assert "http://sip.test/reports/2026-Q4/wg-training" in digest.body


# --- reading and choosing -----------------------------------------------------------------------


def test_unread_lists_the_newest_first_and_counts_them(ctx):
    report = ctx.submitted()
    reporting.return_report(report, ctx.user("secretariat"), "Add the evidence.")
    lead = ctx.user("lead")
    items = services.unread(lead)
    assert [n.kind for n in items] == ["report_returned", "period_opened"]
    assert services.unread_count(lead) == 2
    services.mark_read(lead, items[0])
    assert services.unread_count(lead) == 1
    assert services.mark_all_read(lead) == 1 and services.unread_count(lead) == 0


def test_saving_an_unknown_delivery_changes_nothing(ctx):
    with pytest.raises(services.PreferenceError):
        services.save_preferences(ctx.user("lead"), {"report_returned": "never", "report_accepted": "hourly"})
    db.session.rollback()
    assert count(NotificationPreference) == 0


# --- the demo -----------------------------------------------------------------------------------


def test_the_demo_gives_the_secretariat_a_lead_and_the_sag_a_lived_in_inbox(app):
    from seed.demo_home import create_demo_home
    from seed.demo_inbox import create_demo_inbox
    from tests.reporting.test_demo import DEMO_TODAY, build_demo

    with app.app_context():
        build_demo()
        create_demo_home(today=DEMO_TODAY)
        assert create_demo_inbox(today=DEMO_TODAY) > 0
        people = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%demo@example.org")))}

        def unread_kinds(email):
            return {n.kind for n in services.unread(people[email], limit=100)}

        assert "report_submitted" in unread_kinds("rome.demo@example.org")
        assert "amendment_proposed" in unread_kinds("sag.demo@example.org")
        assert "period_opened" in unread_kinds("lead.training.demo@example.org")
        lead = people["lead.partnerships.demo@example.org"]
        history = services.notifications_page(lead, 1, size=500).items
        assert any(n.read_at is not None for n in history) and any(n.read_at is None for n in history)
        assert min(n.created_at for n in history).year == 2024  # dated by their events, not by the set-up
        assert not db.session.scalar(select(func.count()).where(OutboxMail.kind == "notification",
                                                               OutboxMail.state == "queued"))
        before = count(Notification)
        assert create_demo_inbox(today=DEMO_TODAY) == 0  # once
        assert count(Notification) == before


def test_the_worker_queues_the_digests_every_morning_and_the_command_does_it_by_hand(ctx, seeded):
    from sip.core.queue import PERIODIC

    job = next(job for job in PERIODIC if job.name == "inbox.digests")
    assert job.cron(seeded.config) == "0 7 * * *"
    reporting.accept_report(ctx.submitted(), ctx.user("secretariat"))
    db.session.remove()
    result = seeded.test_cli_runner().invoke(args=["sip", "digests"])
    assert result.exit_code == 0 and "Queued 2 digest e-mail(s)." in result.output
    assert seeded.test_cli_runner().invoke(args=["sip", "digests"]).output.strip() == "Queued 0 digest e-mail(s)."
