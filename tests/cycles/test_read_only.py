"""A closed strategy is read-only, whatever writes to it: every route that takes a POST, PUT, PATCH or DELETE, sent by
the secretariat under the closed strategy's address and with the closed strategy's objects in its arguments, leaves
every row of that strategy as it was; and each kind of write refuses at the service level.

The world (tests/cycles/two_strategies.py) is built once for the module: the demo's 2022–2026 record closed, the
2027–2031 plan current. Each request is followed by a checksum of every table registered with sip.plan.closed,
restricted to the closed strategy's rows. A route added later whose arguments cannot be filled fails
`test_every_writing_route_is_covered` until it is given a value here (or listed in UNFILLABLE with the reason).
"""
import os
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from sip.accounts.models import Membership, Organisation, User
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan import closed
from sip.plan.models import Activity, Strategy
from tests.conftest import DEFAULT_PASSWORD
from tests.cycles.two_strategies import CLOSED_SLUG, SAG_MEMBER, SECRETARIAT, make_world, owned_rows

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Routes whose only write to a closed strategy is allowed: the secretariat's closing notes (sip/cycles, being built);
# the checksum leaves the notes out, so these must leave everything else as it was too.
ALLOWED = {"/strategies/<slug>/notes": "the closing notes, the one thing written once a strategy is closed"}
# The SAG endorses: the one write the secretariat may not make, tried by a SAG member.
ACTORS = {"governance.sag_decision": SAG_MEMBER}
# Routes whose arguments cannot be filled, with the reason (none today).
UNFILLABLE: dict[str, str] = {}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The two strategies, CSRF on, and the closed strategy's objects by argument name."""
    built = make_world(tmp_path_factory, "read-only")
    app = built["app"]
    app.config["WTF_CSRF_ENABLED"] = True  # every request carries a real token, as a browser's does
    with app.app_context():
        built["values"] = _values(built)
        db.session.remove()
    yield built
    with app.app_context():
        db.engine.dispose()


def _values(world) -> dict:
    """What each argument name stands for, taken from the closed strategy (and people nobody else needs)."""
    from sip.accounts.passwords import hash_password
    from sip.governance.models import Amendment
    from sip.meetings.models import Meeting
    from sip.reporting.models import ReportingPeriod

    closed_id = world["closed"]
    periods = {p.code: p for p in db.session.scalars(select(ReportingPeriod)
                                                      .where(ReportingPeriod.strategy_id == closed_id))}
    open_code = next(code for code, p in periods.items() if p.state == "open")
    upcoming = next(code for code, p in periods.items() if p.state == "upcoming")
    amendment = db.session.scalar(select(Amendment).where(Amendment.strategy_id == closed_id,
                                                          Amendment.state == "proposed"))
    other = db.session.scalar(select(Amendment).where(Amendment.strategy_id == closed_id,
                                                      Amendment.id != amendment.id).limit(1))
    # The secretariat files the country teams' report (a draft in the open quarter), so that saving and submitting
    # it are really tried; a body is not part of a strategy's record.
    country = db.session.scalar(select(Body).where(Body.slug == "country-support-teams"))
    country.focal_point_id = world["secretariat"]
    target = User(email="someone.else@example.org", name="Someone Else", password_hash=None)
    db.session.add(target)
    db.session.flush()
    body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
    membership = Membership(user=target, body=body, role="member")
    db.session.add(membership)
    db.session.commit()
    # A partner's focal point who has not acknowledged the closed strategy's commitments yet, to try to.
    from sip.partners.models import CommitmentAcknowledgement, FocalPoint

    acknowledged = select(CommitmentAcknowledgement.organisation_id).where(
        CommitmentAcknowledgement.strategy_id == closed_id)
    point = db.session.scalar(select(FocalPoint).join(Organisation).where(
        Organisation.kind == "partner", FocalPoint.until.is_(None), FocalPoint.organisation_id.not_in(acknowledged))
        .order_by(FocalPoint.id).limit(1))
    point.user.password_hash = hash_password(DEFAULT_PASSWORD)
    ACTORS["partners.acknowledge"] = point.user.email
    meeting = db.session.scalar(select(Meeting).join(ReportingPeriod, Meeting.period_id == ReportingPeriod.id)
                                .where(ReportingPeriod.strategy_id == closed_id, Meeting.kind == "glm")
                                .order_by(Meeting.starts_at.desc()).limit(1))
    db.session.commit()
    return {
        "period": open_code, "slug": "country-support-teams", "code": open_code, "upcoming": upcoming,
        "activity": "1.1.1.2", "kind": "edit_text", "amendment_id": amendment.id, "other": other.id,
        "user_id": target.id, "membership_id": membership.id, "organisation_id": point.organisation_id,
        "strategy": CLOSED_SLUG, "token": "not-a-real-token", "meeting_id": meeting.id, "attendance_id": 1, "point_id": 1, "token_id": 1,
        "focal_point_id": 1, "request_id": 1, "revision": 1, "glm": next(c for c, p in periods.items() if p.glm),
    }


# --- which routes, with which arguments ---------------------------------------------------------------------------


def writing_rules(app) -> list:
    """Every rule that takes a writing method, but static files, in a stable order."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.methods & WRITES and rule.endpoint != "static"), key=lambda rule: rule.rule)


def _value(rule, name: str, values: dict):
    """The closed strategy's value for an argument of this rule."""
    if name == "slug" and rule.rule.startswith("/strategies/"):
        return values["strategy"]
    if name == "code" and (rule.endpoint.startswith("governance.") or rule.rule.startswith("/strategies/")):
        return values["activity"]  # an activity's code
    if name == "code" and rule.endpoint == "reports_overview.open_period":
        return values["upcoming"]
    if name == "code" and rule.endpoint.startswith("exports."):
        return values["glm"]
    return values.get(name)


def argument_sets(rule, values: dict) -> list[dict] | None:
    """The arguments to try the rule with (several objects for the routes that write a report or an amendment),
    or None when one cannot be filled."""
    args = {name: _value(rule, name, values) for name in rule.arguments}
    if any(value is None for value in args.values()):
        return None
    variants = [args]
    if rule.endpoint in ("reports.report", "reports.review", "reports.comment"):
        variants = [args, {**args, "slug": "glc"}, {**args, "slug": "wg-training"}]  # draft, submitted, none yet
    if rule.endpoint == "governance.sag_decision":
        variants = [args, {**args, "amendment_id": values["other"]}]
    return variants


# Where the form of a POST-only route is shown (the same address for the others).
FORM_PAGES = {
    "reports.review": "/reports/{period}/{slug}", "reports.comment": "/reports/{period}/{slug}",
    "reports_overview.open_period": "/reports/periods", "reports_overview.close_period": "/reports/periods",
    "reports_overview.set_glm": "/reports/periods", "governance.sag_decision": "/amendments/{amendment_id}",
    "governance.hand_over": "/bodies/{slug}/dissolve", "partners.acknowledge": "/partners/{organisation_id}",
    "meetings.add_verdict": "/meetings/{meeting_id}", "meetings.add_decision": "/meetings/{meeting_id}",
    "meetings.add_action_point": "/meetings/{meeting_id}",
}
# Plausible data where the page gives none: words in every text field a form of the app has.
GENERIC = {"note": "A note.", "text": "A text.", "rationale": "Because.", "summary": "A summary.",
           "name": "A name", "decision": "accept", "due_on": (date.today() + timedelta(days=30)).isoformat(),
           "glm": "y", "glm_name": "A GLM", "text_fr": "Un texte.", "text_en": "A text.", "summary_fr": "Résumé.",
           "summary_en": "Summary.", "email": "someone.else@example.org", "active": "0", "role": "member", "confirm": "y"}
# What a writer would change on a form the page fills (keeping the hidden fields: version, token).
EDITS = {"summary": "Changed after the closing.", "achievements": "Changed after the closing.",
         "text": "Changed after the closing.", "rationale": "Changed after the closing.", "glm_name": "Renamed GLM"}


class _Forms(HTMLParser):
    """The forms of a page: their action and the values their fields would post."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._in_textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}, "buttons": []})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if kind == "radio" and name in fields and "checked" not in attrs:
                    return
                if kind == "checkbox" and "checked" not in attrs and "required" not in attrs:
                    return  # a box to tick before writing ("I understand …") is ticked
                fields[name] = attrs.get("value", "y")
            elif kind == "submit":
                self.forms[-1]["buttons"].append((name, attrs.get("value", "")))
            elif kind != "file":
                fields[name] = attrs.get("value", "")
        elif tag == "button" and name:
            self.forms[-1]["buttons"].append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._in_textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (self._select not in fields or "selected" in attrs):
            fields[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._in_textarea and self.forms:
            self.forms[-1]["fields"][self._in_textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._in_textarea = None
        elif tag == "select":
            self._select = None


def csrf_token(client) -> str:
    """A valid CSRF token of the client's session (the sign-in page always carries one)."""
    page = client.get("/login").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if found is None:  # signed in: the sign-out form of any page carries it
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/account").get_data(as_text=True))
    return found.group(1)


def signed_in(client, email: str = SECRETARIAT) -> None:
    """Sign the client in as this person (the secretariat) unless it still is (a route may have signed it out)."""
    account = client.get("/account")
    if account.status_code == 200 and email in account.get_data(as_text=True):
        return
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    token = csrf_token(client)
    response = client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"{email} could not sign in"


def form_data(client, rule, args: dict, url: str, prefix: str) -> list[dict]:
    """What to post: the form the page shows for this address (filled as the page fills it, its texts changed, once
    per submit button), else plausible words; always with a valid CSRF token."""
    page = FORM_PAGES.get(rule.endpoint, rule.rule if "GET" in rule.methods else None)
    found = None
    if page is not None:
        address = prefix + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(args[m.group(1)]), page).format(**args)
        parser = _Forms()
        parser.feed(client.get(address).get_data(as_text=True))
        found = next((f for f in parser.forms if f["method"] == "post" and f["action"].split("?")[0] in (
            prefix + url, url, "")), None)
    token = csrf_token(client)
    if found is None:
        return [{**GENERIC, "csrf_token": token}]
    fields = {**found["fields"], "csrf_token": token}
    fields.update({name: GENERIC[name] for name, value in fields.items() if not value and name in GENERIC})
    for name in fields:
        for word, text in EDITS.items():
            if name.endswith(word):
                fields[name] = text
    return [{**fields, name: value} for name, value in found["buttons"]] or [fields]


def build_url(rule, args: dict) -> str:
    """The rule's address with these arguments."""
    return re.sub(r"<(?:[^>:]+:)?(\w+)>", lambda m: str(args[m.group(1)]), rule.rule)


# --- the tests ----------------------------------------------------------------------------------------------------


def test_every_writing_route_is_covered(world):
    app = world["app"]
    rules = writing_rules(app)
    missing = [rule.rule for rule in rules if argument_sets(rule, world["values"]) is None
               and rule.rule not in UNFILLABLE]
    assert not missing, f"give these routes' arguments a value of the closed strategy, or list them: {missing}"
    assert len(rules) >= 60  # the app's writing routes, all found


def test_no_writing_route_changes_a_closed_strategy(world):
    app, values = world["app"], world["values"]
    client = app.test_client()
    with app.app_context():
        before = owned_rows(world["closed"])
        db.session.remove()
    assert all(not total.startswith("0:") for table, total in before.items() if table != "reminder_log"), before
    changed, failed, refused = [], [], set()
    for rule in writing_rules(app):
        for args in argument_sets(rule, values) or []:
            url = build_url(rule, args)
            for prefix in (f"/s/{CLOSED_SLUG}", ""):
                signed_in(client, ACTORS.get(rule.endpoint, SECRETARIAT))
                for data in form_data(client, rule, args, url, prefix):
                    method = "POST" if "POST" in rule.methods else sorted(rule.methods & WRITES)[0]
                    response = client.open(prefix + url, method=method, data=data)
                    if os.environ.get("SIP_DEBUG_ROUTES"):
                        print(response.status_code, method, prefix + url, sorted(data)[:8], response.headers.get("Location"))
                    if response.status_code >= 500:
                        failed.append((method, prefix + url, response.status_code))
                    if response.status_code == 409:
                        refused.add(rule.endpoint)
                    with app.app_context():
                        after = owned_rows(world["closed"])
                        db.session.remove()
                    if after != before:
                        diff = {t: (before[t], after[t]) for t in after if after[t] != before.get(t)}
                        changed.append((method, prefix + url, rule.rule in ALLOWED, diff))
                        before = after
    assert not [c for c in changed if not c[2]], changed
    assert not failed, failed
    # The writes that reach the rule are answered with the closed page (409), not merely refused for a reason of
    # their own: saving and submitting a report, reviewing one, commenting, the periods, highlights, amendments.
    assert {"reports.report", "reports.review", "reports.comment", "reports_overview.close_period",
            "reports_overview.open_period", "reports_overview.set_glm", "exports.highlights",
            "governance.sag_decision", "partners.acknowledge"} <= refused, refused


def test_the_closed_page_says_the_strategy_is_closed_and_links_to_its_record(world):
    client = world["app"].test_client()
    signed_in(client)
    data = {"csrf_token": csrf_token(client), "glm": "y", "glm_name": "Renamed"}
    response = client.post(f"/s/{CLOSED_SLUG}/reports/periods/{world['values']['code']}/glm?lang=en", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The 2022–2026 strategy is closed" in html
    assert f'href="/s/{CLOSED_SLUG}/reports/periods/' in html  # the same page, read-only


# --- each kind of write, at the service level ---------------------------------------------------------------------


@pytest.fixture
def closed_ctx(world):
    """An app context on the world; whatever a test left pending is rolled back."""
    with world["app"].app_context():
        yield world
        db.session.rollback()
        db.session.remove()


def _closed_objects(world) -> dict:
    """The closed strategy, its open period, a draft and a submitted report, an activity, the secretariat."""
    from sip.reporting.models import GroupReport, ReportingPeriod

    strategy = db.session.get(Strategy, world["closed"])
    period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id,
                                                             ReportingPeriod.state == "open"))
    reports = {r.state: r for r in db.session.scalars(select(GroupReport).where(GroupReport.period_id == period.id))}
    activity = db.session.scalar(select(Activity).where(Activity.strategy_id == strategy.id, Activity.code == "1.1.1.2"))
    actor = db.session.get(User, world["secretariat"])
    return {"strategy": strategy, "period": period, "reports": reports, "activity": activity, "actor": actor}


def _refused(world, write) -> None:
    """The write raises ClosedStrategyError and the closed strategy's rows are as they were."""
    before = owned_rows(world["closed"])
    with pytest.raises(closed.ClosedStrategyError):
        write(_closed_objects(world))
        db.session.flush()
    db.session.rollback()
    assert owned_rows(world["closed"]) == before


def test_saving_a_report_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.reporting import services

    def save(o):
        report = o["reports"]["draft"]
        services.save_report(report.body, o["period"], o["actor"], report.version, "Changed.", {})
    _refused(closed_ctx, save)


def test_submitting_a_report_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.reporting import services

    def submit(o):
        report = o["reports"]["draft"]
        report.summary = "Written after the closing."
        services.submit_report(report, o["actor"], confirmed=True)
    _refused(closed_ctx, submit)


def test_accepting_or_returning_a_report_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.reporting import services

    _refused(closed_ctx, lambda o: services.accept_report(o["reports"]["submitted"], o["actor"]))
    _refused(closed_ctx, lambda o: services.return_report(o["reports"]["submitted"], o["actor"], "Fix it."))


def test_commenting_a_report_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.reporting import services

    _refused(closed_ctx, lambda o: services.add_comment(o["reports"]["submitted"], o["actor"], "Late.", False))


def test_opening_closing_or_marking_a_period_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.reporting import services

    _refused(closed_ctx, lambda o: services.close_period(o["period"], o["actor"]))
    _refused(closed_ctx, lambda o: services.open_period(o["period"], date.today() + timedelta(days=9), o["actor"]))
    _refused(closed_ctx, lambda o: services.set_glm(o["period"], True, "Late GLM", o["actor"]))


def test_proposing_an_amendment_to_a_closed_strategy_is_refused(closed_ctx):
    from sip.governance import services

    def propose(o):
        change = services.Change("edit_text", activity=o["activity"], text={"fr": "Changé.", "en": "Changed."})
        services.propose(o["strategy"], change, "Because.", o["actor"])
    _refused(closed_ctx, propose)


def test_saving_the_highlights_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.exports.highlights import save_highlights

    _refused(closed_ctx, lambda o: save_highlights(o["period"], {"fr": "Tard.", "en": "Late."}, None, o["actor"]))


def test_rewriting_the_status_table_of_a_closed_strategy_is_refused(closed_ctx):
    from sip.reporting import statuses

    _refused(closed_ctx, lambda o: statuses.refresh(o["strategy"].id))  # bulk delete and insert, no flush


def test_moving_the_activities_of_a_closed_strategy_in_bulk_is_refused(closed_ctx):
    from sqlalchemy import update

    _refused(closed_ctx, lambda o: db.session.execute(
        update(Activity).where(Activity.strategy_id == o["strategy"].id).values(position=Activity.position + 1)))


def test_moving_a_row_out_of_a_closed_strategy_is_refused(closed_ctx):
    def move(o):
        o["activity"].strategy_id = closed_ctx["next"]
    _refused(closed_ctx, move)


def test_a_closed_strategy_cannot_be_renamed_or_reopened(closed_ctx):
    def rename(o):
        o["strategy"].title = {"fr": "Autre", "en": "Other"}

    def reopen(o):
        o["strategy"].state = "draft"
    _refused(closed_ctx, rename)
    _refused(closed_ctx, reopen)


def test_the_closing_notes_of_a_closed_strategy_can_still_be_written(closed_ctx):
    strategy = db.session.get(Strategy, closed_ctx["closed"])
    strategy.closing_notes = {"fr": "Notes.", "en": "Notes."}
    db.session.flush()
    assert strategy.closing_notes["en"] == "Notes."


def test_the_current_strategy_is_written_as_before(closed_ctx):
    from sip.reporting import statuses

    assert statuses.refresh(closed_ctx["next"]) > 0
    activity = db.session.scalar(select(Activity).where(Activity.strategy_id == closed_ctx["next"]).limit(1))
    activity.text = {"fr": "Changé.", "en": "Changed."}
    db.session.flush()
