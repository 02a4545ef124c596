"""One accountable body per activity, changed by amendment: the proposal names it, the amendment page shows it before
and after, applying it changes the live plan and the revision, and a hand-over moves it to the receiver."""
from datetime import date

import pytest
from sqlalchemy import select

from sip.extensions import db
from sip.governance import history, queries, services
from sip.governance.history import resolve_as_of
from sip.governance.models import Amendment
from sip.governance.services import Change, GovernanceError
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, open_period, reportable_activities, save_report
from tests.governance.conftest import GLM_DAY, TRAINING, activity, body, client_as, glm_period, person
from tests.test_access import snapshot

SHARED = "3.1.2.1"  # the global cluster and the training group
BOTH = [{"body": "wg-training", "role": "lead"}, {"body": "wg-partnerships", "role": "contributor"}]


def accountable_slug(code: str) -> str | None:
    """The slug of the live activity's accountable body."""
    found = activity(code)
    return found.accountable_body.slug if found.accountable_body else None


def latest_amendment() -> Amendment:
    """The most recent amendment, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(Amendment).order_by(Amendment.id.desc()).limit(1))


# --- services -----------------------------------------------------------------------------------


def test_a_change_of_accountable_body_alone_is_a_change_that_applies(seeded, world, propose, endorse, verify):
    with seeded.app_context():
        listed = services.snapshot(activity(SHARED))["responsibilities"]
        now = accountable_slug(SHARED)
    other = next(item["body"] for item in listed if item["body"] != now)
    made = propose("responsibilities", of=SHARED, responsibilities=[
        {"body": item["body"], "role": item["role"], "accountable": item["body"] == other} for item in listed])
    endorse(made)
    verify(made)
    with seeded.app_context():
        assert accountable_slug(SHARED) == other
        assert [(r.body.slug, r.role) for r in activity(SHARED).responsibilities] == [
            (i["body"], i["role"]) for i in listed]
        assert history.current_revision(activity(SHARED)).accountable_body.slug == other
        earlier = queries.find_revision(resolve_as_of(current_strategy(), "2023-11"), SHARED)
        assert earlier.accountable_body.slug == now


def test_a_proposal_that_names_no_accountable_body_is_given_the_current_one_and_says_so(seeded, world, propose):
    made = propose("responsibilities", responsibilities=BOTH + [{"body": "glc", "role": "contributor"}])
    with seeded.app_context():
        found = db.session.get(Amendment, made)
        assert services.accountable_of(found.proposed_responsibilities) == "wg-training"
        assert found.before["accountable"] == "wg-training"


def test_a_new_activity_is_accountable_to_its_lead_by_default(seeded, world, propose):
    made = propose("add", code="3.1.1.3", output_code="3.1.1", text={"fr": "Nouvelle.", "en": ""},
                   responsibilities=[{"body": "glc", "role": "contributor"}, {"body": "wg-training", "role": "lead"}])
    with seeded.app_context():
        assert services.accountable_of(db.session.get(Amendment, made).proposed_responsibilities) == "wg-training"


def test_two_accountable_bodies_are_refused_with_a_message_and_nothing_is_written(seeded, world):
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change("responsibilities", activity=activity(TRAINING),
                                                        responsibilities=[{**i, "accountable": True} for i in BOTH]),
                             "Both.", person(world, "wg_lead"))
        db.session.rollback()
        assert ("Only one body is accountable for an activity; Training Working Group, Partnerships Working Group are "
                "all marked accountable.") in refusal.value.problems
        assert snapshot() == before


def test_the_same_bodies_with_the_same_accountable_body_are_no_change(seeded, world):
    with seeded.app_context():
        now = services.snapshot(activity(TRAINING))["responsibilities"]
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change("responsibilities", activity=activity(TRAINING),
                                                        responsibilities=now), "Same.", person(world, "wg_lead"))
        assert "with the same accountable body" in " ".join(refusal.value.problems)


def test_a_change_of_accountable_body_since_proposing_is_a_conflict(seeded, world, propose, endorse):
    made = propose("responsibilities", responsibilities=BOTH + [{"body": "glc", "role": "contributor"}])
    endorse(made)
    with seeded.app_context():
        moved = activity(TRAINING)
        moved.accountable_body_id = body("glc").id  # as another amendment would have done meanwhile
        db.session.commit()
        problems = services.conflicts(db.session.get(Amendment, made))
        assert problems == ["The body accountable for 3.1.1.2 has changed since this was proposed."]
        with pytest.raises(GovernanceError):
            services.record_glm(db.session.get(Amendment, made), person(world, "secretariat"), True, glm_period(),
                                GLM_DAY, today=date(2026, 12, 31))


def test_a_hand_over_of_the_accountable_body_makes_the_receiver_accountable(seeded, world):
    with seeded.app_context():
        training, partnerships = body("wg-training"), body("wg-partnerships")
        change = services.hand_over_change(training, activity(TRAINING), partnerships)
        assert services.accountable_of(change.responsibilities) == "wg-partnerships"
        kept = services.hand_over_change(body("glc"), activity(TRAINING), partnerships)
        assert services.accountable_of(kept.responsibilities) == "wg-training"  # the cluster was not accountable
        shared = activity(SHARED)
        shared.accountable_body_id = training.id
        dropped = services.hand_over_change(training, shared, None)
        assert [i["body"] for i in dropped.responsibilities] == ["glc"]
        assert services.accountable_of(dropped.responsibilities) == "glc"


def test_an_applied_hand_over_moves_accountability_with_the_activity(seeded, world, endorse, verify):
    with seeded.app_context():
        made = services.propose_hand_over(current_strategy(), body("wg-training"),
                                          [services.HandOver(activity(TRAINING), body("wg-partnerships"))],
                                          "The mandate ends.", person(world, "secretariat"))[0].id
    endorse(made)
    verify(made)
    with seeded.app_context():
        assert accountable_slug(TRAINING) == "wg-partnerships"
        assert queries.unaccountable_activities(current_strategy()) == []


# --- amendments reach open reports --------------------------------------------------------------


def test_an_added_activity_appears_at_once_in_its_groups_open_draft_report(seeded, world, propose, endorse, verify):
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        open_period(find_period(strategy, "2026-Q4"), date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
        draft = save_report(body("wg-training"), find_period(strategy, "2026-Q4"), person(world, "wg_lead"), 0,
                            "Draft.", {})
        db.session.commit()
        assert "3.1.1.3" not in {u.activity.code for u in draft.updates}
    made = propose("add", code="3.1.1.3", output_code="3.1.1", text={"fr": "Nouvelle activité.", "en": ""},
                   responsibilities=[{"body": "wg-training", "role": "lead", "accountable": True}])
    endorse(made)
    verify(made)
    with seeded.app_context():
        from sip.reporting.services import find_report

        report = find_report(body("wg-training"), find_period(current_strategy(), "2026-Q4"))
        assert report.state == "draft"
        assert "3.1.1.3" in [a.code for a in reportable_activities(body("wg-training"), report)]


# --- pages --------------------------------------------------------------------------------------


def test_the_responsibilities_form_offers_the_accountable_body_chosen_now(seeded, world):
    html = client_as(seeded, world, "wg_lead").get(f"/plan/activities/{TRAINING}/propose/responsibilities?lang=en")
    page = html.get_data(as_text=True)
    assert html.status_code == 200 and "Accountable" in page
    assert 'name="accountable" id="accountable-0" value="0" checked' in page
    assert 'id="accountable-1" value="1" checked' not in page


def form_rows(items: list[tuple[str, str]], accountable: str | None) -> dict:
    """What the responsibilities form posts for these (body, role) rows."""
    data = {"rationale": "The cluster leads the training now."}
    for index, (slug, role) in enumerate(items):
        data[f"rows-{index}-body"], data[f"rows-{index}-role"] = slug, role
    if accountable is not None:
        data["accountable"] = accountable
    return data


def test_the_form_proposes_the_accountable_body_chosen_and_the_page_shows_it_before_and_after(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    response = client.post(f"/plan/activities/{TRAINING}/propose/responsibilities?lang=en",
                           data=form_rows([("wg-training", "lead"), ("wg-partnerships", "contributor")], "1"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with seeded.app_context():
        made = latest_amendment()
        assert services.accountable_of(made.proposed_responsibilities) == "wg-partnerships"
        made_id = made.id
    page = client.get(f"/amendments/{made_id}?lang=en").get_data(as_text=True)
    assert "Accountable body: Training WG before, Partnerships WG after." in page
    assert 'data-accountable="wg-partnerships"' in page


@pytest.mark.parametrize("accountable", [None, "5", "x"])
def test_the_form_refuses_an_accountable_body_that_is_not_listed_and_saves_nothing(seeded, world, accountable):
    client = client_as(seeded, world, "wg_lead")
    with seeded.app_context():
        before = snapshot()
    response = client.post(f"/plan/activities/{TRAINING}/propose/responsibilities?lang=en",
                           data=form_rows([("wg-training", "lead"), ("wg-partnerships", "contributor")], accountable))
    assert response.status_code == 400
    assert "Choose which of the bodies listed is accountable" in response.get_data(as_text=True)
    with seeded.app_context():
        assert snapshot() == before


def test_with_one_body_listed_it_is_the_accountable_one(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    response = client.post(f"/plan/activities/{TRAINING}/propose/responsibilities?lang=en",
                           data=form_rows([("wg-partnerships", "lead")], None))
    assert response.status_code == 302
    with seeded.app_context():
        assert services.accountable_of(latest_amendment().proposed_responsibilities) == "wg-partnerships"


def test_the_plan_as_of_a_version_shows_who_was_accountable_then(seeded, world, propose, endorse, verify, client):
    made = propose("responsibilities", responsibilities=[{"body": "wg-partnerships", "role": "lead"}])
    endorse(made)
    verify(made)
    old = client.get(f"/plan/activities/{TRAINING}?as_of=2023-11&lang=en").get_data(as_text=True)
    new = client.get(f"/plan/activities/{TRAINING}?as_of=glm-2026-11-20&lang=en").get_data(as_text=True)
    assert 'id="accountable"><a href="/bodies/wg-training">' in old
    assert 'id="accountable"><a href="/bodies/wg-partnerships">' in new


def test_an_activity_handed_over_leaves_the_old_groups_draft_and_the_audit_names_who_verified(seeded, world, endorse,
                                                                                           verify):
    from sip.core.models import AuditEntry
    from sip.reporting.services import UpdateData, find_report

    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        open_period(find_period(strategy, "2026-Q4"), date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
        target = activity(TRAINING)
        save_report(body("wg-training"), find_period(strategy, "2026-Q4"), person(world, "wg_lead"), 0, "Draft.",
                    {target.id: UpdateData(status="on_track", achievements="Typed before the hand-over.")})
        db.session.commit()
        made = services.propose_hand_over(strategy, body("wg-training"),
                                          [services.HandOver(target, body("wg-partnerships"))],
                                          "The mandate ends.", person(world, "secretariat"))[0].id
    endorse(made)
    verify(made)
    with seeded.app_context():
        report = find_report(body("wg-training"), find_period(current_strategy(), "2026-Q4"))
        assert TRAINING not in [u.activity.code for u in report.updates]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.update_removed"))
        assert entry.before["achievements"] == "Typed before the hand-over."
        assert entry.user_id == world["secretariat"]


def test_an_older_proposal_without_an_accountable_mark_that_drops_the_accountable_body_falls_back_to_the_lead(
        seeded, world, propose, endorse, verify):
    made = propose("responsibilities", responsibilities=BOTH)
    with seeded.app_context():
        found = db.session.get(Amendment, made)
        # As proposals were stored before accountability: the list of bodies with no mark, the accountable one gone.
        found.proposed_responsibilities = [{"body": "wg-partnerships", "role": "contributor", "note": None},
                                           {"body": "glc", "role": "lead", "note": None}]
        db.session.commit()
    endorse(made)
    verify(made)
    with seeded.app_context():
        assert accountable_slug(TRAINING) == "glc"  # the first lead of the new list
