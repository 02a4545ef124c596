"""Loading the seed through the plan's service: every row, position, responsibility and count it writes, once."""
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.governance.models import ActivityRevision, PlanVersion
from sip.plan.models import Activity, Commitment, GlossaryTerm, Outcome, Output, Pillar, Responsibility, Strategy
from sip.plan.services import SeedResult, check_plan, load_seed


def t(text: str) -> dict:
    """A text in both languages."""
    return {"fr": f"{text} (fr)", "en": text}


def body(slug: str, kind: str = "working_group") -> dict:
    """A body of the seed."""
    return {"slug": slug, "kind": kind, "name": t(slug), "short_name": None, "description": None, "aliases": [],
            "formed_on": None, "dissolved_on": None, "terms_of_reference_url": None}


def activity(code: str, status: str = "planned", responsibilities=(), **extra) -> dict:
    """An activity of the seed; responsibilities are (body, role, note)."""
    return {"code": code, "text": t(f"Activity {code}"), "status": status, "responsible_text": "",
            "responsibilities": [{"body": b, "role": role, "note": note} for b, role, note in responsibilities],
            **extra}


BODIES = [body("wg-a"), body("sag", "advisory_group")]
PLAN = {
    "strategy": {"code": "test-sip", "title": t("Test plan"), "revision": t("Draft"), "starts_on": "2022-01-01",
                 "ends_on": "2026-12-31", "sections": [{"heading": t("Purpose"), "paragraphs": [t("Why")]}]},
    "pillars": [
        {"number": 1, "title": t("Partners"), "goal": t("Goal 1"), "outcomes": [
            {"code": "1.1", "text": t("Outcome 1.1"), "outputs": [
                {"code": "1.1.1", "text": t("Output 1.1.1"), "activities": [
                    activity("1.1.1.1", "completed", [("sag", "contributor", t("under the SAG")),
                                                      ("wg-a", "lead", None)]),
                    activity("1.1.1.2", footnote=t("A reference"), footnote_url="https://example.org/ref"),
                ]},
                {"code": "1.1.2", "text": t("Output 1.1.2"), "activities": [
                    activity("1.1.2.1", responsibilities=[("sag", "contributor", None)]),
                ]},
            ]},
            {"code": "1.2", "text": t("Outcome 1.2"), "outputs": [
                {"code": "1.2.1", "text": t("Output 1.2.1"), "activities": []},
            ]},
        ]},
        {"number": 2, "title": t("Services"), "goal": t("Goal 2"), "outcomes": [
            {"code": "2.1", "text": t("Outcome 2.1"), "outputs": [
                {"code": "2.1.1", "text": t("Output 2.1.1"), "activities": [
                    activity("2.1.1.1", responsibilities=[("wg-a", "organiser", None), ("sag", "lead", None)]),
                ]},
            ]},
        ]},
    ],
}
COMMITMENTS = {"title": t("Annex I"), "lead_in": t("The commitments are:"),
               "items": [{"number": 1, "text": t("Respect the principles")}, {"number": 2, "text": t("Take part")}]}
GLOSSARY = [{"term": t("GLC"), "definition": t("The cluster"), "body": "sag", "source": None},
            {"term": t("SOP"), "definition": t("A procedure"), "source": t("The handbook")}]
COUNTS = {"pillars": 2, "outcomes": 3, "outputs": 4, "activities": 4, "responsibilities": 5, "commitments": 2,
          "glossary": 2}


@pytest.fixture
def loaded(app):
    """The small plan loaded into an empty database; yields the result of the first load."""
    with app.app_context():
        result = load_seed(PLAN, BODIES, COMMITMENTS, GLOSSARY)
        db.session.commit()
    return result


def test_loading_the_seed_says_what_it_created(loaded):
    assert loaded == SeedResult(bodies_created=2, strategy_created=True, counts=COUNTS)


def test_the_strategy_is_stored_with_its_dates_sections_and_commitments_intro(app, loaded):
    with app.app_context():
        strategy = db.session.scalar(select(Strategy))
        assert (strategy.code, strategy.title, strategy.revision) == ("test-sip", t("Test plan"), t("Draft"))
        assert (strategy.starts_on, strategy.ends_on) == (date(2022, 1, 1), date(2026, 12, 31))
        assert strategy.sections == PLAN["strategy"]["sections"]
        assert strategy.commitments_intro == {"title": t("Annex I"), "lead_in": t("The commitments are:")}
        assert [(c.number, c.text) for c in strategy.commitments] == [(1, t("Respect the principles")),
                                                                     (2, t("Take part"))]


def test_the_tree_keeps_the_seeds_order_in_one_numbering_of_positions(app, loaded):
    with app.app_context():
        assert [(p.number, p.title, p.goal) for p in db.session.scalars(select(Pillar).order_by(Pillar.number))] == [
            (1, t("Partners"), t("Goal 1")), (2, t("Services"), t("Goal 2"))]
        rows = [(o.pillar.number, o.code, o.text, o.position) for o in db.session.scalars(select(Outcome))]
        assert sorted(rows, key=lambda row: row[3]) == [(1, "1.1", t("Outcome 1.1"), 1), (1, "1.2", t("Outcome 1.2"), 7),
                                                        (2, "2.1", t("Outcome 2.1"), 9)]
        rows = [(u.outcome.code, u.code, u.text, u.position) for u in db.session.scalars(select(Output))]
        assert sorted(rows, key=lambda row: row[3]) == [
            ("1.1", "1.1.1", t("Output 1.1.1"), 2), ("1.1", "1.1.2", t("Output 1.1.2"), 5),
            ("1.2", "1.2.1", t("Output 1.2.1"), 8), ("2.1", "2.1.1", t("Output 2.1.1"), 10)]


def test_each_activity_keeps_its_text_status_footnote_and_place(app, loaded):
    with app.app_context():
        strategy_id = db.session.scalar(select(Strategy.id))
        rows = [(a.output.code, a.code, a.text, a.plan_status, a.position, a.footnote, a.footnote_url, a.strategy_id)
                for a in db.session.scalars(select(Activity).order_by(Activity.position))]
    assert rows == [
        ("1.1.1", "1.1.1.1", t("Activity 1.1.1.1"), "completed", 3, None, None, strategy_id),
        ("1.1.1", "1.1.1.2", t("Activity 1.1.1.2"), "planned", 4, t("A reference"), "https://example.org/ref",
         strategy_id),
        ("1.1.2", "1.1.2.1", t("Activity 1.1.2.1"), "planned", 6, None, None, strategy_id),
        ("2.1.1", "2.1.1.1", t("Activity 2.1.1.1"), "planned", 11, None, None, strategy_id),
    ]


def test_responsibilities_keep_their_order_and_notes_and_the_first_lead_is_accountable(app, loaded):
    with app.app_context():
        rows = [(r.activity.code, r.body.slug, r.role, r.note, r.position)
                for r in db.session.scalars(select(Responsibility).order_by(Responsibility.id))]
        accountable = {a.code: a.accountable_body.slug if a.accountable_body else None
                       for a in db.session.scalars(select(Activity))}
    assert rows == [("1.1.1.1", "sag", "contributor", t("under the SAG"), 0), ("1.1.1.1", "wg-a", "lead", None, 1),
                    ("1.1.2.1", "sag", "contributor", None, 0),
                    ("2.1.1.1", "wg-a", "organiser", None, 0), ("2.1.1.1", "sag", "lead", None, 1)]
    assert accountable == {"1.1.1.1": "wg-a", "1.1.1.2": None, "1.1.2.1": "sag", "2.1.1.1": "wg-a"}


def test_the_glossary_keeps_its_order_sources_and_bodies(app, loaded):
    with app.app_context():
        rows = [(g.position, g.term, g.definition, g.source, g.body.slug if g.body else None)
                for g in db.session.scalars(select(GlossaryTerm).order_by(GlossaryTerm.id))]
    assert rows == [(1, t("GLC"), t("The cluster"), None, "sag"), (2, t("SOP"), t("A procedure"), t("The handbook"), None)]


def test_loading_the_seed_is_audited_with_what_it_created_and_records_the_baseline(app, loaded):
    with app.app_context():
        strategy_id = db.session.scalar(select(Strategy.id))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "plan.seed_loaded"))
        assert (entry.entity, entry.entity_id, entry.before, entry.user_id) == ("strategy", str(strategy_id), None, None)
        assert entry.after == {"code": "test-sip", **COUNTS}
        version = db.session.scalar(select(PlanVersion))
        assert (version.strategy_id, version.sequence, version.tag) == (strategy_id, 1, "2023-11")
        assert db.session.scalar(select(func.count()).select_from(ActivityRevision)) == 4


def test_loading_the_seed_again_changes_nothing(app, loaded):
    with app.app_context():
        before = {model: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Strategy, Body, Pillar, Activity, Responsibility, Commitment, GlossaryTerm, AuditEntry,
                                PlanVersion)}
        assert load_seed(PLAN, BODIES, COMMITMENTS, GLOSSARY) == SeedResult(0, False, {})
        db.session.commit()
        assert {model: db.session.scalar(select(func.count()).select_from(model)) for model in before} == before


def test_a_plan_loaded_before_versions_existed_gets_its_baseline_when_the_seed_is_loaded_again(app, loaded):
    with app.app_context():
        db.session.execute(delete(ActivityRevision))
        db.session.execute(delete(PlanVersion))
        db.session.commit()
        load_seed(PLAN, BODIES + [body("wg-new")], COMMITMENTS, GLOSSARY)
        db.session.commit()
        assert db.session.scalar(select(PlanVersion.tag)) == "2023-11"
        assert db.session.scalar(select(func.count()).select_from(ActivityRevision)) == 4
        assert db.session.scalar(select(Body.kind).where(Body.slug == "wg-new")) == "working_group"


def test_a_strategy_without_revision_or_sections_is_stored_with_none_and_no_sections(app):
    plan = {"strategy": {key: value for key, value in PLAN["strategy"].items() if key not in ("revision", "sections")},
            "pillars": []}
    with app.app_context():
        result = load_seed(plan, BODIES, {"items": []}, [])
        db.session.commit()
        strategy = db.session.scalar(select(Strategy))
        assert (strategy.revision, strategy.sections, strategy.commitments_intro) == (None, [], {})
    assert result.counts == {"pillars": 0, "outcomes": 0, "outputs": 0, "activities": 0, "responsibilities": 0,
                             "commitments": 0, "glossary": 0}


def test_checking_the_stored_plan_finds_the_open_activity_nobody_is_responsible_for(app, loaded):
    with app.app_context():
        _warnings, errors = check_plan(db.session.scalar(select(Strategy)))
    assert [error.code for error in errors] == ["1.1.1.2"]
