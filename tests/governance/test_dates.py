"""Dates that cannot lie: a GLM decision is dated neither before the SAG's endorsement nor in the future, a plan
version carries its GLM's date, and the plan as of a date never shows text proposed after that date."""
from datetime import date

import pytest
from sqlalchemy import func, select

from sip.core.models import AuditEntry
from sip.extensions import db
from sip.governance import history, importer, services
from sip.governance.models import ActivityRevision, Amendment, PlanVersion
from sip.governance.services import GovernanceError
from sip.plan.queries import current_strategy
from sip.reporting.services import find_period, set_glm
from tests.governance.conftest import GLM_DAY, TRAINING, activity, client_as, dated, glm_period, person
from tests.test_access import snapshot

NEW_TEXT = {"fr": "Texte écrit en décembre 2026.", "en": "Wording written in December 2026."}
PROPOSED_ON = date(2026, 12, 2)


def june_2024_glm():
    """2024-Q2 marked as the period "GLM June 2024"."""
    period = find_period(current_strategy(), "2024-Q2")
    set_glm(period, True, "GLM June 2024", actor=None)
    return find_period(current_strategy(), "2024-Q2")


@pytest.fixture
def proposed_in_december(seeded, world, propose, endorse):
    """The issue's case: a rewording proposed and endorsed on 2 December 2026."""
    made = propose(text=NEW_TEXT)
    endorse(made, on=PROPOSED_ON)
    return made


def test_a_verification_at_a_glm_held_before_the_endorsement_is_refused_and_writes_nothing(
        seeded, world, proposed_in_december):
    with seeded.app_context():
        period = june_2024_glm()
        text_before = dict(activity(TRAINING).text)
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
        versions_before = db.session.scalar(select(func.count()).select_from(PlanVersion))
        before = snapshot()
        with pytest.raises(GovernanceError, match="Nothing was recorded") as refusal:
            services.record_glm(db.session.get(Amendment, proposed_in_december), person(world, "secretariat"), True,
                                period, date(2024, 6, 20), today=date(2026, 12, 31))
        db.session.rollback()
        assert refusal.value.problems == [
            "The SAG endorsed this amendment on December 2, 2026; a GLM held on June 20, 2024 cannot have decided on "
            "it. Choose the GLM that met on or after December 2, 2026, and its date."]
        assert snapshot() == before
        assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == versions_before
        assert db.session.get(Amendment, proposed_in_december).state == "endorsed"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
        assert activity(TRAINING).text == text_before


def test_a_glm_rejection_cannot_be_dated_before_the_endorsement_either(seeded, world, proposed_in_december):
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.record_glm(db.session.get(Amendment, proposed_in_december), person(world, "secretariat"), False,
                                glm_period(), GLM_DAY, "Not now.", today=date(2026, 12, 31))
        db.session.rollback()
        assert "The SAG endorsed this amendment on December 2, 2026" in " ".join(refusal.value.problems)
        assert snapshot() == before


def test_a_glm_on_the_day_of_the_endorsement_may_verify_it(seeded, world, proposed_in_december):
    with seeded.app_context():
        version = services.record_glm(db.session.get(Amendment, proposed_in_december), person(world, "secretariat"),
                                      True, glm_period(), PROPOSED_ON, today=date(2026, 12, 31))
        assert (version.effective_on, version.tag) == (PROPOSED_ON, "glm-2026-12-02")


def test_the_glm_page_refuses_an_earlier_glm_with_the_reason_and_changes_nothing(seeded, world, proposed_in_december):
    from tests.meetings.helpers import glm_meeting

    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        meeting = glm_meeting(june_2024_glm(), date(2024, 6, 20), person(world, "secretariat")).id
        before = snapshot()
    response = client.post(
        f"/meetings/{meeting}/verdicts?lang=en",
        data={"amendment": str(proposed_in_december), "method": "consensus", "outcome": "verify", "note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was recorded." in page and "The SAG endorsed this amendment on December 2, 2026" in page
    with seeded.app_context():
        assert snapshot() == before


def test_the_version_of_a_glm_is_dated_on_the_glm_and_every_verification_there_shares_the_date(
        seeded, world, propose, endorse, verify):
    first, second = propose(text=NEW_TEXT), propose("retire", of="3.1.2.1", retire_as="completed")
    endorse(first)
    endorse(second)
    verify(first)
    verify(second)
    with seeded.app_context():
        version = history.latest_version(current_strategy())
        on = {a.glm_on for a in db.session.scalars(select(Amendment).where(Amendment.version_id == version.id))}
        assert on == {version.effective_on} == {GLM_DAY}


def test_the_plan_as_of_a_date_never_shows_text_proposed_after_that_date(seeded, world, propose, endorse, verify):
    """Each version holds only text proposed on or before the day it came into force, so "as of" any day is honest."""
    november = propose(text={"fr": "Texte de novembre.", "en": "November wording."})
    endorse(november)
    verify(november)
    december = propose("edit_text", of="3.1.2.1", text=NEW_TEXT)
    endorse(december, on=PROPOSED_ON)
    with seeded.app_context():
        strategy = current_strategy()
        set_glm(find_period(strategy, "2026-Q3"), True, "GLM December 2026", actor=None)
        services.record_glm(db.session.get(Amendment, december), person(world, "secretariat"), True,
                            find_period(strategy, "2026-Q3"), date(2026, 12, 10), today=date(2026, 12, 31))
        for day in (date(2026, 11, 19), GLM_DAY, date(2026, 12, 1), date(2026, 12, 9), date(2026, 12, 10)):
            version = history.resolve_as_of(strategy, day.isoformat())
            assert version.effective_on <= day
            shown = select(ActivityRevision.activity_id, ActivityRevision.version_id).where(
                *history.valid_in(version))
            for activity_id, version_id in db.session.execute(shown):
                source = db.session.scalar(select(Amendment).where(Amendment.activity_id == activity_id,
                                                                   Amendment.version_id == version_id))
                if source is not None:
                    assert source.proposed_at.date() <= day, (day, source.id)
        as_of_december_first = history.resolve_as_of(strategy, "2026-12-01")
        shown_text = db.session.scalar(select(ActivityRevision.text).where(
            *history.valid_in(as_of_december_first), ActivityRevision.code == "3.1.2.1"))
        assert shown_text != NEW_TEXT
        assert db.session.scalar(select(ActivityRevision.text).where(
            *history.valid_in(history.resolve_as_of(strategy, "2026-12-10")), ActivityRevision.code == "3.1.2.1")
        ) == NEW_TEXT


def test_an_imported_amendment_meets_the_same_date_rule_at_the_glm(seeded, world):
    """The import only proposes; its amendments are verified by the same service, so the same refusal holds."""
    with seeded.app_context():
        strategy = current_strategy()
        change = services.Change("retire", activity=activity("3.1.2.1"), retire_as="discontinued")
        found = importer.RevisionImport(changes=[change])
        made = importer.propose_revision(strategy, found, person(world, "secretariat"), "Next revision.", "sip.txt")
        services.decide_sag(made[0], person(world, "sag"), True)
        made_id = made[0].id
    dated(seeded, made_id, PROPOSED_ON)
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.record_glm(db.session.get(Amendment, made_id), person(world, "secretariat"), True,
                                glm_period(), GLM_DAY, today=date(2026, 12, 31))
        db.session.rollback()
        assert "The SAG endorsed this amendment on December 2, 2026" in " ".join(refusal.value.problems)
        assert snapshot() == before
