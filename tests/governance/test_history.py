"""Plan versions and the plan as of a version or a date: the baseline, resolving ?as_of=, and history that holds."""
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from seed import load_json
from sip.extensions import db
from sip.governance import history, queries, services
from sip.governance.history import AsOfError, resolve_as_of
from sip.governance.models import ActivityRevision, PlanVersion
from sip.plan.models import Activity, Output
from sip.plan.queries import current_strategy
from sip.plan.services import load_seed
from sip.reporting.models import ReportingPeriod
from tests.governance.conftest import TRAINING, activity, person

NEW_TEXT = {"fr": "Organiser des formations régionales.", "en": "Run regional trainings."}


def test_loading_the_seed_records_the_november_2023_revision_once(seeded):
    with seeded.app_context():
        versions = db.session.scalars(select(PlanVersion)).all()
        assert [(v.sequence, v.tag, v.name["en"], v.effective_on) for v in versions] == [
            (1, "2023-11", "November 2023 revision", date(2023, 11, 1))]
        assert db.session.scalar(select(func.count()).select_from(ActivityRevision)) == 50
        load_seed(load_json("plan"), load_json("bodies"), load_json("commitments"), load_json("glossary"))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_the_baseline_states_the_seeds_completed_activities_as_completed(seeded):
    with seeded.app_context():
        completed = db.session.scalars(select(ActivityRevision.code).where(ActivityRevision.state == "completed"))
        assert sorted(completed) == ["1.1.1.1", "2.2.1.1", "2.2.1.4", "2.3.3.1"]


def test_a_plan_loaded_before_versions_existed_gets_its_baseline_at_the_next_setup(seeded):
    with seeded.app_context():
        for table in ("activity_revision_responsibility", "activity_revision", "plan_version"):
            db.session.execute(db.metadata.tables[table].delete())
        db.session.commit()
        load_seed(load_json("plan"), load_json("bodies"), load_json("commitments"), load_json("glossary"))
        db.session.commit()
        assert [v.tag for v in db.session.scalars(select(PlanVersion))] == ["2023-11"]
        assert db.session.scalar(select(func.count()).select_from(ActivityRevision)) == 50


@pytest.mark.parametrize("value,tag", [("2023-11", "2023-11"), ("2023-11-01", "2023-11"), ("2026-11-19", "2023-11"),
                                       ("2026-11-20", "glm-2026-11-20"), ("2030-01-01", "glm-2026-11-20"),
                                       ("GLM-2026-11-20", "glm-2026-11-20")])
def test_as_of_names_a_version_by_its_tag_or_by_a_date(seeded, world, propose, endorse, verify, value, tag):
    made = propose(text=NEW_TEXT)
    endorse(made)
    verify(made)
    with seeded.app_context():
        assert resolve_as_of(current_strategy(), value).tag == tag


@pytest.mark.parametrize("value,message", [
    ("2024-02-30", "is not a date"), ("no-such-tag", "No version of the plan is tagged"),
    ("2023-10-31", "no record of the plan"), ("", "Give a version's tag or a date"), ("x" * 81, "Give a version"),
])
def test_an_unknown_tag_or_a_bad_date_is_refused_with_a_message(seeded, value, message):
    with seeded.app_context():
        with pytest.raises(AsOfError, match=message):
            resolve_as_of(current_strategy(), value)


def test_the_plan_as_of_an_earlier_version_shows_the_old_text_and_the_current_one_the_new(seeded, world, propose,
                                                                                           endorse, verify):
    made = propose(text=NEW_TEXT)
    endorse(made)
    verify(made)
    with seeded.app_context():
        strategy = current_strategy()
        old = queries.find_revision(resolve_as_of(strategy, "2026-11-19"), TRAINING)
        new = queries.find_revision(resolve_as_of(strategy, "2026-11-20"), TRAINING)
        assert old.text["en"].startswith("Set up online training platforms") and new.text == NEW_TEXT
        assert len(queries.revisions_in(resolve_as_of(strategy, "2023-11"))) == 50


def test_an_added_activity_is_not_in_the_plan_as_of_the_version_before(seeded, world, propose, endorse, verify):
    made = propose("add", code="3.1.1.3", output_code="3.1.1", text={"fr": "Nouvelle.", "en": "New."},
                   responsibilities=[{"body": "wg-training", "role": "lead"}])
    endorse(made)
    verify(made)
    with seeded.app_context():
        strategy = current_strategy()
        assert queries.find_revision(resolve_as_of(strategy, "2023-11"), "3.1.1.3") is None
        assert queries.find_revision(resolve_as_of(strategy, "glm-2026-11-20"), "3.1.1.3").text["en"] == "New."


def test_two_changes_to_one_activity_at_one_glm_make_one_revision_in_that_version(seeded, world, propose, endorse,
                                                                                  verify):
    reword = propose(text=NEW_TEXT)
    hand = propose("responsibilities", responsibilities=[{"body": "wg-partnerships", "role": "lead"}])
    for made in (reword, hand):
        endorse(made)
        verify(made)
    with seeded.app_context():
        revisions = queries.activity_revisions(activity(TRAINING))
        assert [r.version.tag for r in revisions] == ["2023-11", "glm-2026-11-20"]
        assert revisions[-1].text == NEW_TEXT
        assert [(r.body.slug, r.role) for r in revisions[-1].responsibilities] == [("wg-partnerships", "lead")]


# --- the history holds, whatever sequence of amendments is applied -----------------------------


def plan_now() -> list[tuple]:
    """The live plan in plan order: (id, code, text, output, state, bodies) of every activity."""
    activities = db.session.scalars(select(Activity).order_by(Activity.position))
    return [(a.id, a.code, a.text, a.output_id, history.plan_state(a), [(r.body_id, r.role) for r in a.responsibilities])
            for a in activities]


def plan_in(version: PlanVersion) -> list[tuple]:
    """The plan as its revisions state it in a version, in the same shape as plan_now()."""
    return [(r.activity_id, r.code, r.text, r.output_id, r.state, [(b.body_id, b.role) for b in r.responsibilities])
            for r in queries.revisions_in(version)]


# Small first numbers, so that one run often changes the same activity twice (one revision per version).
OPERATIONS = st.lists(st.tuples(st.sampled_from(["edit_text", "retire", "move", "responsibilities", "add"]),
                                st.integers(0, 3), st.integers(0, 10_000), st.booleans()),
                      min_size=1, max_size=5)


def test_every_version_keeps_stating_the_plan_as_it_was_when_it_was_made(seeded, world):
    """Property: after any sequence of GLMs, each applying random amendments, the plan as of each version is the
    live plan as it was right after that GLM (same activities, texts, outputs, states, bodies and order)."""
    codes = itertools.count(1)
    glm_days = itertools.count(0)
    recorded: dict[int, list[tuple]] = {}
    years = itertools.count(2100)

    def change_for(kind, first, second, flag, strategy):
        """A change of this kind built from the drawn numbers, or None when there is nothing to change."""
        active = [a for a in db.session.scalars(select(Activity).order_by(Activity.position))
                  if history.plan_state(a) == "active"]
        outputs = db.session.scalars(select(Output).order_by(Output.position)).all()
        bodies = ["wg-training", "wg-partnerships", "sag", "glc", "rome-support-team"]
        if kind == "add":
            return services.Change("add", code=f"9.9.9.{next(codes)}", output=outputs[first % len(outputs)],
                                   text={"fr": f"Nouvelle {first}", "en": ""},
                                   responsibilities=[{"body": bodies[second % 5], "role": "lead"}])
        if not active:
            return None
        target = active[first % len(active)]
        if kind == "edit_text":
            return services.Change(kind, activity=target, text={"fr": f"Texte {first} {second}", "en": "" if flag else "x"})
        if kind == "retire":
            return services.Change(kind, activity=target, retire_as="completed" if flag else "discontinued")
        if kind == "move":
            return services.Change(kind, activity=target, output=outputs[second % len(outputs)],
                                   code=f"8.8.8.{next(codes)}" if flag else None)
        chosen = [bodies[second % 5]] + ([bodies[(second + 1) % 5]] if flag else [])
        return services.Change(kind, activity=target, responsibilities=[{"body": b, "role": "lead"} for b in chosen])

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                     HealthCheck.too_slow])
    @given(OPERATIONS)
    def run(operations):
        with seeded.app_context():
            strategy = current_strategy()
            secretariat, sag = person(world, "secretariat"), person(world, "sag")
            # A GLM of its own for each run (a GLM that made an older version cannot be added to).
            period = ReportingPeriod(strategy_id=strategy.id, year=next(years), quarter=1, glm=True, glm_name="GLM")
            db.session.add(period)
            db.session.commit()
            day = date(2027, 1, 1) + timedelta(days=next(glm_days))
            for kind, first, second, flag in operations:
                change = change_for(kind, first, second, flag, strategy)
                if change is None:
                    continue
                try:
                    made = services.propose(strategy, change, "Property test.", secretariat)
                except services.GovernanceError:
                    db.session.rollback()
                    continue
                services.decide_sag(made, sag, True)
                services.record_glm(made, secretariat, True, period, day, today=date(2030, 1, 1))
            latest = history.latest_version(strategy)
            recorded[latest.id] = plan_now()
            for version_id, expected in recorded.items():
                assert plan_in(db.session.get(PlanVersion, version_id)) == expected
            db.session.remove()

    with seeded.app_context():
        recorded[history.latest_version(current_strategy()).id] = plan_now()
    run()
    assert len(recorded) > 1
