"""Every accountable body reports (issue 13): focal points and the support team file reports, contribution notes,
amendments reaching open drafts, carried text marked and confirmed; services and pages on the real plan."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import CLOSED_STATUSES, Activity, Responsibility
from sip.plan.queries import current_strategy
from sip.reporting import queries, services, statuses
from sip.reporting.services import UpdateData
from tests.conftest import log_in
from tests.helpers import page_text

FIRST, SHARED = "3.1.1.2", "3.1.2.1"  # wg-training is accountable for the first; the GLC for the shared one
PEOPLE = {
    "lead": [("wg-training", "lead")],
    "member": [("wg-training", "member")],
    "team": [("rome-support-team", "member")],
    "sag": [("sag", "member")],
    "viewer": [],
    "focal": [],
    "former_team": [("rome-support-team", "member")],
}


@pytest.fixture
def world(seeded, make_user):
    """The real plan, 2026-Q3 and 2026-Q4 open, one person per role; "focal" is the GLC's focal point and
    "former_team" left the Rome support team yesterday."""
    people = {role: make_user(f"{role.title()} Person", bodies=bodies) for role, bodies in PEOPLE.items()}
    with seeded.app_context():
        strategy = current_strategy()
        services.ensure_periods(strategy)
        db.session.commit()
        for code, opens, due in (("2026-Q3", date(2026, 7, 1), date(2026, 10, 15)),
                                 ("2026-Q4", date(2026, 10, 1), date(2027, 1, 15))):
            services.open_period(services.find_period(strategy, code), due, actor=None, opens_on=opens)
        body("glc").focal_point_id = people["focal"]
        membership = db.session.scalar(select(Membership).where(Membership.user_id == people["former_team"]))
        membership.since, membership.until = date.today() - timedelta(days=400), date.today() - timedelta(days=1)
        db.session.commit()
    return people


@pytest.fixture
def ctx(seeded, world):
    """An application context for calling services."""
    with seeded.app_context():
        yield world
        db.session.remove()


def body(slug) -> Body:
    return db.session.scalar(select(Body).where(Body.slug == slug))


def activity(code) -> Activity:
    return db.session.scalar(select(Activity).where(Activity.code == code))


def period(code="2026-Q4"):
    return services.find_period(current_strategy(), code)


def person(world, role) -> User:
    return db.session.get(User, world[role])


def client_of(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        log_in(client, world[role])
    return client


def complete(of: Body, text="Done this quarter.", **extra) -> dict[int, UpdateData]:
    """A complete update of every activity the body reports on (a note where it only contributes)."""
    return {a.id: (UpdateData(status="on_track", achievements=text, **extra)
                   if services.is_accountable(a, of.id) else UpdateData(achievements=f"Our part: {text}"))
            for a in services.reportable_activities(of)}


def write(of: Body, actor, updates=None, code="2026-Q4", submit=False, confirmed=False):
    report = services.find_report(of, period(code))
    return services.write_report(of, period(code), actor, report.version if report else 0, "A quarter.",
                                 updates if updates is not None else complete(of), submit=submit, confirmed=confirmed)


def posted(of: Body, version=0, action="save", text="Done this quarter.", **extra) -> dict:
    """What the browser posts for a complete report of the body."""
    data = {"version": str(version), "summary": "A quarter.", "action": action, **extra}
    for activity_id, update in complete(of, text).items():
        data.update({f"a{activity_id}-status": update.status or "",
                     f"a{activity_id}-achievements": update.achievements})
    return data


# --- who reports ----------------------------------------------------------------------------------


def test_every_body_accountable_for_an_open_activity_is_a_reporting_body(ctx):
    slugs = [b.slug for b in queries.reporting_bodies()]
    assert {"glc", "country-support-teams", "rome-support-team", "wg-training", "sag"} <= set(slugs)
    unreported = [a.code for a in db.session.scalars(select(Activity).where(Activity.retired_on.is_(None)))
                  if statuses.current_status(a).status not in CLOSED_STATUSES
                  and (a.accountable_body is None or a.accountable_body.slug not in slugs)]
    assert unreported == []  # none of the plan's open activities lacks a body that reports on it


def test_the_bodies_a_person_files_for(ctx):
    assert [b.slug for b in queries.reporting_bodies_of(person(ctx, "focal"))] == ["glc"]
    assert [b.slug for b in queries.reporting_bodies_of(person(ctx, "team"))] == ["rome-support-team"]
    assert queries.reporting_bodies_of(person(ctx, "former_team")) == []  # an ended membership gives nothing
    body("country-support-teams").reported_by_secretariat = True
    db.session.commit()
    assert [b.slug for b in queries.reporting_bodies_of(person(ctx, "team"))] == [
        "rome-support-team", "country-support-teams"]


# --- pages: role × endpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("role, view, save", [
    ("focal", 200, 302), ("team", 200, 403), ("lead", 403, 403), ("viewer", 403, 403), ("sag", 403, 403),
    ("former_team", 403, 403),
])
def test_the_glcs_report_is_written_by_its_focal_point_only(seeded, world, role, view, save):
    client = client_of(seeded, world, role)
    assert client.get("/reports/2026-Q4/glc").status_code == view
    with seeded.app_context():
        data = posted(body("glc"))
    assert client.post("/reports/2026-Q4/glc", data=data).status_code == save
    with seeded.app_context():  # a saved draft for the focal point; nothing at all for anyone refused
        report = services.find_report(body("glc"), period())
        assert (report.state if report else None) == ("draft" if save == 302 else None)


@pytest.mark.parametrize("role, view, submit", [
    ("team", 200, 302), ("focal", 403, 403), ("lead", 403, 403), ("former_team", 403, 403),
])
def test_any_current_support_team_member_writes_and_submits_its_report(seeded, world, role, view, submit):
    client = client_of(seeded, world, role)
    assert client.get("/reports/2026-Q4/rome-support-team").status_code == view
    with seeded.app_context():
        data = posted(body("rome-support-team"), action="submit")
    assert client.post("/reports/2026-Q4/rome-support-team", data=data).status_code == submit
    with seeded.app_context():
        report = services.find_report(body("rome-support-team"), period())
        assert (report.state if report else None) == ("submitted" if submit == 302 else None)


def test_the_focal_point_submits_and_the_page_says_who_filed_for_whom(seeded, world, make_user):
    giulia = make_user("Giulia Rossi", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        body("glc").focal_point_id, body("glc").reported_by_secretariat = None, True
        db.session.commit()
        data = posted(body("glc"), action="submit")
    client = seeded.test_client()
    log_in(client, giulia)
    assert client.post("/reports/2026-Q4/glc?lang=en", data=data).status_code == 302
    page = page_text(client.get("/reports/2026-Q4/glc?lang=en"))
    filed = re.search(r'<p class="filed-by">(.*?)</p>', page, re.S).group(1)
    assert " ".join(filed.split()) == "Filed by Giulia Rossi (GLC Rome) on behalf of the Global Logistics Cluster"
    # and the secretariat may no longer file it once a person is named
    with seeded.app_context():
        body("glc").focal_point_id, body("glc").reported_by_secretariat = world["focal"], False
        db.session.commit()
        assert services.find_report(body("glc"), period()).state == "submitted"
    assert client.post("/reports/2026-Q3/glc", data=data).status_code == 403


def test_a_body_without_a_focal_point_says_so_and_points_the_secretariat_to_its_page(seeded, world):
    with seeded.app_context():
        body("glc").focal_point_id = None
        db.session.commit()
    page = page_text(client_of(seeded, world, "team").get("/reports/2026-Q4/glc?lang=en"))
    assert "has no reporting focal point, so nobody can file its report yet" in page
    assert 'href="/bodies/glc/focal-point"' in page or 'href="/bodies/glc"' in page
    assert "has no reporting focal point" not in page_text(client_of(seeded, world, "team").get(
        "/reports/2026-Q4/wg-training?lang=en"))


def test_my_reports_lists_the_focal_points_body(seeded, world):
    mine = page_text(client_of(seeded, world, "focal").get("/reports?lang=en"))
    assert re.findall(r'data-body="([^"]+)" data-period="2026-Q4"', mine) == ["glc"]


# --- accountable vs contribution ------------------------------------------------------------------


def test_a_contribution_is_a_note_without_status_and_never_holds_the_report_back(ctx):
    training = body("wg-training")
    shared = activity(SHARED)
    updates = complete(training)
    updates[shared.id] = UpdateData(status="completed", progress_pct=90, achievements="", next_steps="Ignored.")
    report = write(training, person(ctx, "lead"), updates, submit=True)
    note = next(u for u in report.updates if u.activity_id == shared.id)
    assert report.state == "submitted"  # an empty contribution note is fine
    assert (note.contribution, note.status, note.progress_pct, note.next_steps) == (True, None, None, "")


def test_accepting_a_contribution_leaves_the_status_to_the_accountable_body(ctx):
    training = body("wg-training")
    shared = activity(SHARED)
    updates = complete(training)
    updates[shared.id] = UpdateData(achievements="We trained the GLC's trainers.")
    report = write(training, person(ctx, "lead"), updates, code="2026-Q3", submit=True)
    services.accept_report(report, person(ctx, "team"))
    assert statuses.current_status(shared).status == "planned"
    [note] = queries.contributions_for(shared)
    assert (note.achievements, note.report.body.slug, note.report.period.code) == (
        "We trained the GLC's trainers.", "wg-training", "2026-Q3")


def test_the_form_labels_a_contribution_with_the_accountable_body(seeded, world):
    page = " ".join(page_text(client_of(seeded, world, "lead").get("/reports/2026-Q4/wg-training?lang=en")).split())
    assert "Contribution (the status is set by GLC's report)" in page
    with seeded.app_context():
        shared_id = activity(SHARED).id
    assert f'name="a{shared_id}-achievements"' in page and f'name="a{shared_id}-status"' not in page


# --- amendments reach open reports ----------------------------------------------------------------


def test_an_activity_added_by_an_amendment_appears_in_the_open_draft_still_to_update(ctx):
    training = body("wg-training")
    write(training, person(ctx, "lead"))
    output = activity(FIRST).output
    added = Activity(strategy_id=output.outcome.pillar.strategy_id, output=output, code="3.1.1.99",
                     text={"en": "New", "fr": "Nouveau"}, position=999, plan_status="planned",
                     added_on=date(2026, 11, 1), accountable_body_id=training.id)
    added.responsibilities.append(Responsibility(body_id=training.id, role="lead"))
    db.session.add(added)
    db.session.flush()
    statuses.refresh(added.strategy_id, [added.id])
    services.sync_open_reports(added.strategy_id, [added.id])
    db.session.commit()
    report = services.find_report(training, period())
    assert added.id in {u.activity_id for u in report.updates}
    [row] = [r for r in queries.my_reports([training], current_strategy()) if r.period.code == "2026-Q4"]
    assert row.outstanding == 1  # the new activity, nothing written yet


def test_moving_accountability_away_removes_the_update_and_keeps_its_text_in_the_history(ctx):
    training, partners = body("wg-training"), body("wg-partnerships")
    report = write(training, person(ctx, "lead"), complete(training, "Trained 40 people."))
    version = report.version
    first = activity(FIRST)
    first.responsibilities.clear()
    first.responsibilities.append(Responsibility(body_id=partners.id, role="lead"))
    first.accountable_body_id = partners.id
    db.session.flush()
    services.sync_open_reports(first.strategy_id, [first.id], actor=person(ctx, "team"))
    db.session.commit()
    report = services.find_report(training, period())
    assert first.id not in {u.activity_id for u in report.updates} and report.version > version
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.update_removed"))
    assert entry.before["activity"] == FIRST and entry.before["achievements"] == "Trained 40 people."
    assert entry.before["status"] == "on_track" and entry.user_id == ctx["team"]


def test_a_new_accountable_body_turns_the_update_into_a_contribution(ctx):
    training = body("wg-training")
    write(training, person(ctx, "lead"), complete(training, "Trained 40 people."))
    first = activity(FIRST)
    first.responsibilities.append(Responsibility(body_id=body("glc").id, role="lead"))
    first.accountable_body_id = body("glc").id
    db.session.flush()
    services.sync_open_reports(first.strategy_id, [first.id])
    db.session.commit()
    update = next(u for u in services.find_report(training, period()).updates if u.activity_id == first.id)
    assert (update.contribution, update.status, update.achievements) == (True, None, "Trained 40 people.")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.update_to_contribution"))
    assert entry.before["status"] == "on_track"


def test_a_retired_activity_leaves_open_drafts_but_not_submitted_reports(ctx):
    training = body("wg-training")
    write(training, person(ctx, "lead"), code="2026-Q3", submit=True)
    write(training, person(ctx, "lead"))
    first = activity(FIRST)
    first.retired_on, first.plan_status = date(2026, 11, 20), "discontinued"
    statuses.refresh(first.strategy_id, [first.id])
    services.sync_open_reports(first.strategy_id, [first.id])
    db.session.commit()
    assert first.id not in {u.activity_id for u in services.find_report(training, period()).updates}
    assert first.id in {u.activity_id for u in services.find_report(training, period("2026-Q3")).updates}


# --- carried text ---------------------------------------------------------------------------------


def accepted_q3(ctx, **texts):
    """wg-training's 2026-Q3 report, accepted, with these texts on every activity it is accountable for."""
    training = body("wg-training")
    report = write(training, person(ctx, "lead"), complete(training, "Q3 work.", **texts), code="2026-Q3",
                   submit=True, confirmed=True)
    services.accept_report(report, person(ctx, "team"))
    return training


def test_saving_records_which_texts_repeat_the_last_accepted_update(ctx):
    training = accepted_q3(ctx, next_steps="Plan Q4.", evidence_links="https://example.org/q3")
    first = activity(FIRST)
    updates = complete(training, "Q4 work.", next_steps="Plan Q4.", evidence_links="https://example.org/q4")
    report = write(training, person(ctx, "lead"), updates)
    update = next(u for u in report.updates if u.activity_id == first.id)
    assert update.carried_fields == ["next_steps"]


def test_submitting_carried_next_steps_asks_to_confirm_and_submits_nothing_until_then(ctx):
    training = accepted_q3(ctx, next_steps="Plan Q4.")
    updates = complete(training, "Q4 work.", next_steps="Plan Q4.")
    with pytest.raises(services.CarriedUnconfirmed) as asked:
        write(training, person(ctx, "lead"), updates, submit=True)
    assert [(a.code, names) for a, names in asked.value.carried] == [(FIRST, ["next_steps"])]
    db.session.rollback()
    assert services.find_report(training, period()).state == "draft"  # saved, not submitted
    write(training, person(ctx, "lead"), updates, submit=True, confirmed=True)
    report = services.find_report(training, period())
    assert report.state == "submitted"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.submitted")
                              .order_by(AuditEntry.id.desc()))
    assert entry.after["carried_confirmed"] == {FIRST: ["next_steps"]}


def test_the_form_marks_carried_fields_and_the_submit_step_asks_to_confirm(seeded, world):
    with seeded.app_context():
        accepted_q3({**world}, next_steps="Plan Q4.")
        first_id = activity(FIRST).id
    client = client_of(seeded, world, "lead")
    page = page_text(client.get("/reports/2026-Q4/wg-training?lang=en"))
    assert f'id="a{first_id}-next_steps-carried"' in page and "Carried from 2026-Q3 — edit or confirm" in page
    assert 'src="/static/js/carried.js' in page
    with seeded.app_context():
        data = posted(body("wg-training"), action="submit", text="Q4 work.")
    data[f"a{first_id}-next_steps"] = "Plan Q4."
    asked = client.post("/reports/2026-Q4/wg-training?lang=en", data=data)
    page = page_text(asked)
    assert asked.status_code == 200 and "Submit anyway" in page and 'name="confirm_carried"' in page
    assert re.search(rf'href="#activity-{re.escape(FIRST)}" class="code">{re.escape(FIRST)}</a>: Next steps', page)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    with seeded.app_context():
        assert services.find_report(body("wg-training"), period()).state == "draft"
    confirmed = client.post("/reports/2026-Q4/wg-training", data={**data, "version": version, "confirm_carried": "y"})
    assert confirmed.status_code == 302
    review = page_text(client_of(seeded, world, "team").get("/reports/2026-Q4/wg-training?lang=en"))
    section = review.split(f'id="activity-{FIRST}"')[1].split("</section>")[0]
    assert "carried from 2026-Q3" in section and "new this quarter" in section
