"""Every form, posted with hostile input: never a server error, every refusal says why and changes nothing.

"Refusal" is any answer of 400 or more (a form shown again with its errors answers 400). A refused login still
records the attempt and its audit entry (that is how throttling works across processes), and nothing else.
"""
import itertools

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from sip.accounts import tokens
from sip.accounts.models import LoginAttempt, Membership, User
from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import GroupReport
from tests.hardening.conftest import (
    OPEN_PERIOD,
    changed_tables,
    examples,
    fingerprint_of,
    log_in,
    shows_a_message,
    signed_in,
)
from tests.hardening.strategies import encodings, form, odd, odd_small, post, value

ADDRESSES = (f"10.{a}.{b}.{c}" for a, b, c in itertools.product(range(1, 250), range(250), range(1, 250)))
AUDITED_LOGIN = ("login_attempt", "audit_entry")


def check(app, response, before, allowed_changes: tuple[str, ...] = ()):
    """No server error; a refusal shows a message and leaves the database as it was (but for `allowed_changes`)."""
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert shows_a_message(response), f"{response.status_code} without a message"
        after = fingerprint_of(app)
        assert [t for t in changed_tables(before, after) if t not in allowed_changes] == [], "a refusal wrote"


# --- signing in and account links ----------------------------------------------------------------------------------


@examples(250)
@given(pairs=form({"email": value("person1@example.org", "PERSON1@example.org "), "password": odd,
                   "next": odd_small}), encoding=encodings)
def test_login_form(app, world, pairs, encoding):
    client = app.test_client()
    before = fingerprint_of(app)
    with app.app_context():
        attempts = db.session.scalar(select(func.count()).select_from(LoginAttempt))
        last_entry = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    response = post(client, "/login", pairs, encoding, environ_overrides={"REMOTE_ADDR": next(ADDRESSES)})
    check(app, response, before, allowed_changes=AUDITED_LOGIN)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) <= attempts + 1
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.id > last_entry)))
    assert actions <= {"login.failed", "login.throttled", "login.succeeded"}
    if response.status_code == 302:
        assert not response.headers["Location"].startswith(("//", "http")), "sent off the site"


@examples(120)
@given(pairs=form({"email": value("person1@example.org", "nobody@example.org")}), encoding=encodings)
def test_password_reset_request_form(app, world, no_mail, pairs, encoding):
    before = fingerprint_of(app)
    response = post(app.test_client(), "/password-reset", pairs, encoding)
    check(app, response, before)


@examples(120)
@given(pairs=form({"password": value("a long and unusual passphrase 42", "short")}), encoding=encodings,
       purpose=st.sampled_from(["invite", "reset"]))
def test_invitation_and_reset_link_forms(app, world, pairs, encoding, purpose):
    with app.app_context():  # a fresh link each time: an accepted one works only once
        count = db.session.scalar(select(func.count()).select_from(User))
        user = User(email=f"link{count}@example.org", name="Link Person",
                    password_hash=None if purpose == "invite" else "$argon2id$v=19$m=1024,t=1,p=1$x$y")
        db.session.add(user)
        db.session.commit()
        token = tokens.make_token(user, purpose)
    path = f"/invitations/{token}" if purpose == "invite" else f"/password-reset/{token}"
    before = fingerprint_of(app)
    response = post(app.test_client(), path, pairs, encoding)
    check(app, response, before)


@examples(60)
@given(token=odd_small, password=odd_small)
def test_account_links_with_a_forged_token(app, world, token, password):
    client = app.test_client()
    before = fingerprint_of(app)
    for path in ("/invitations/", "/password-reset/"):
        response = client.post(path + token.replace("/", "%2F").replace("?", "%3F").replace("#", "%23"),
                               data={"password": password})
        check(app, response, before)
        assert response.status_code in (404, 405, 410, 308), response.status_code


@examples(150)
@given(pairs=form({"profile-name": value("Renamed Person"), "profile-language": value("fr", "en", ""),
                   "profile-phone": value("+39 06 6513 1"), "password-current": value("correct horse battery staple"),
                   "password-new": value("another quite long passphrase 7")}), encoding=encodings)
def test_account_form(app, world, pairs, encoding):
    with app.app_context():  # an accepted password change in an earlier example must not lock the next one out
        person = db.session.get(User, world["viewer"])
        if not hasattr(test_account_form, "original"):
            test_account_form.original = person.password_hash
        person.password_hash, person.name = test_account_form.original, "viewer person"
        db.session.execute(db.delete(LoginAttempt))  # wrong current passwords count towards the sign-in throttle
        db.session.commit()
    client = app.test_client()
    log_in(client, world["viewer"])
    before = fingerprint_of(app)
    response = post(client, "/account", pairs, encoding)
    check(app, response, before, AUDITED_LOGIN)  # a wrong current password is a failed sign-in, recorded


# --- administration ------------------------------------------------------------------------------------------------


def _secretariat(app, world):
    return signed_in(app, world["secretariat"])


@examples(150)
@given(pairs=form({"email": value("new.person@example.org", "person1@example.org"), "name": value("New Person"),
                   "language": value("fr", "en", ""), "organisation": value("", "1"),
                   "body": value("", "wg-training", "glc"), "role": value("lead", "co_lead", "member", ""),
                   "is_admin": value("y", "")}), encoding=encodings)
def test_admin_invite_form(app, world, no_mail, pairs, encoding):
    client = _secretariat(app, world)
    before = fingerprint_of(app)
    response = post(client, "/admin/people/invite", pairs, encoding)
    check(app, response, before)


@examples(200)
@given(pairs=form({"body": value("glc", "wg-training", "sag", ""), "role": value("lead", "co_lead", "member"),
                   "since": value("2026-01-01", "")}), encoding=encodings,
       where=st.sampled_from(["person", "active", "body", "end", "organisation"]),
       active=value("0", "1"), person=value("1", "2"))
def test_admin_membership_and_people_forms(app, world, no_mail, pairs, encoding, where, active, person):
    client = _secretariat(app, world)
    with app.app_context():
        membership = db.session.scalar(select(Membership.id).where(Membership.user_id == world["wg_member"]))
    target = world["viewer"]
    paths = {
        "person": (f"/admin/people/{target}/memberships", pairs),
        "active": (f"/admin/people/{target}/active", pairs + [("active", active)]),
        "body": ("/admin/bodies/glc/members", pairs + [("person", person)]),
        "end": (f"/admin/memberships/{membership}/end", pairs + [("back", active)]),
        "organisation": ("/admin/organisations", [(k.replace("body", "name").replace("since", "kind"), v)
                                                  for k, v in pairs]),
    }
    path, data = paths[where]
    before = fingerprint_of(app)
    response = post(client, path, data, encoding)
    check(app, response, before)


@examples(120)
@given(pairs=form({"due_on": value("2027-01-15"), "confirm": value("y"), "glm": value("y", ""),
                   "glm_name": value("GLM 2026, Rome")}), encoding=encodings,
       action=st.sampled_from(["open", "close", "glm"]), code=value("2026-Q3", "2026-Q4", huge_ok=False))
def test_reporting_period_forms(app, world, pairs, encoding, action, code):
    client = _secretariat(app, world)
    before = fingerprint_of(app)
    safe_code = code.replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    response = post(client, f"/reports/periods/{safe_code}/{action}", pairs, encoding)
    check(app, response, before)


# --- the report ----------------------------------------------------------------------------------------------------


def _report_state(app):
    """The wg-training report of the open period: (version, state, activity ids)."""
    with app.app_context():
        body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
        period = services.find_period(current_strategy(), OPEN_PERIOD)
        report = services.find_report(body, period)
        activities = [a.id for a in services.reportable_activities(body, report)]
        return (report.version if report else 0), (report.state if report else None), activities


def _reopen(app, world):
    """A submitted report goes back to the group (the secretariat returns it), so that the next example can write."""
    with app.app_context():
        report = db.session.scalar(select(GroupReport).join(Body).where(Body.slug == "wg-training"))
        if report is not None and report.state == "submitted":
            services.return_report(report, db.session.get(User, world["secretariat"]), "Returned by the test.")


UPDATE_FIELDS = ("status", "progress_pct", "achievements", "challenges", "next_steps", "support_needed",
                 "evidence_links", "no_progress")
GOOD = {"status": ("on_track", "delayed", ""), "progress_pct": ("0", "55", "100", ""),
        "achievements": ("Trained 40 people in Goma.",), "evidence_links": ("https://example.org/report.pdf", ""),
        "no_progress": ("y", "")}


@st.composite
def report_posts(draw, activity_ids):
    """A report form: version, summary, action and some activities' fields, each good or odd, some missing."""
    chosen = draw(st.lists(st.sampled_from(activity_ids), unique=True, max_size=4)) if activity_ids else []
    fields = {"summary": value("A quarter of steady work."), "action": value("save", "submit")}
    for activity in chosen:
        for name in UPDATE_FIELDS:
            fields[f"a{activity}-{name}"] = value(*GOOD.get(name, ("Some text.",)))
    return draw(form(fields))


@examples(250)
@given(data=st.data(), encoding=encodings, who=st.sampled_from(["wg_lead", "wg_lead", "wg_lead", "wg_member"]),
       version_kind=st.sampled_from(["current", "current", "current", "stale", "odd", "missing"]))
def test_report_form(app, world, data, encoding, who, version_kind):
    _reopen(app, world)
    version, _, activities = _report_state(app)
    pairs = data.draw(report_posts(activities))
    versions = {"current": [("version", str(version))], "stale": [("version", str(max(0, version - 1)))],
                "odd": [("version", data.draw(odd_small))], "missing": []}
    client = signed_in(app, world[who])
    before = fingerprint_of(app)
    response = post(client, f"/reports/{OPEN_PERIOD}/wg-training", versions[version_kind] + pairs, encoding)
    text = response.get_data(as_text=True)
    if response.status_code == 400 and "Saved, but not submitted" in text:
        return  # the draft was saved, only submitting was refused (and the page says what is missing)
    check(app, response, before)


def _submitted_report(app, world) -> None:
    """Make sure the wg-training report is submitted (submitting a returned one again, or starting afresh)."""
    with app.app_context():
        lead = db.session.get(User, world["wg_lead"])
        body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
        period = services.find_period(current_strategy(), OPEN_PERIOD)
        report = services.find_report(body, period)
        if report is not None and report.state == "submitted":
            return
        if report is not None and report.state == "accepted":
            for comment in report.comments:
                db.session.delete(comment)
            db.session.delete(report)
            db.session.commit()
            report = None
        updates = {a.id: services.UpdateData(status="on_track", achievements="Done this quarter.")
                   for a in services.reportable_activities(body, report)}
        services.write_report(body, period, lead, report.version if report else 0, "Summary.", updates, submit=True)


@examples(150)
@given(pairs=form({"decision": value("accept", "return"), "note": value("Please add the figures."),
                   "text": value("A comment."), "internal": value("y", "")}), encoding=encodings,
       action=st.sampled_from(["review", "comments"]), who=st.sampled_from(["secretariat", "wg_lead", "sag"]))
def test_review_and_comment_forms(app, world, pairs, encoding, action, who):
    _submitted_report(app, world)
    client = signed_in(app, world[who])
    before = fingerprint_of(app)
    response = post(client, f"/reports/{OPEN_PERIOD}/wg-training/{action}", pairs, encoding)
    check(app, response, before)
