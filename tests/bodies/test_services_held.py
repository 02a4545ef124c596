"""The bodies' writes at the service level: seeding, forming, dissolving, naming a focal point; refusals change nothing."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sip.accounts.models import Membership, User
from sip.bodies import services
from sip.bodies.models import Body
from sip.bodies.services import NewGroup
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import Activity

TODAY = date.today()
FORMED = date(2025, 3, 1)


@pytest.fixture
def people(app, make_user):
    """The secretariat, a member of a working group, two future leads and a deactivated person (ids by role)."""
    return {"secretariat": make_user("Sara Secretariat", bodies=[("rome-support-team", "member")], password=None),
            "member": make_user("Mo Member", bodies=[("wg-data", "member")], password=None),
            "lead": make_user("Lea Lead", password=None), "co_lead": make_user("Cole Colead", password=None),
            "former": make_user("Fred Former", active=False, password=None)}


def user(user_id: int) -> User:
    """The person (inside an app context)."""
    return db.session.get(User, user_id)


def slug_body(slug: str) -> Body:
    """The body with this slug (inside an app context)."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def audit(app, action: str) -> list[tuple]:
    """The audit entries of an action: (entity, entity id, before, after, user id)."""
    with app.app_context():
        return [(e.entity, e.entity_id, e.before, e.after, e.user_id)
                for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def row_counts(app) -> tuple[int, int, int]:
    """Bodies, memberships and audit entries stored."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Body, Membership, AuditEntry))


def group(**changes) -> NewGroup:
    """A valid new working group, with changes."""
    values = dict(slug="wg-logistics-data", name={"fr": "GT données", "en": "Data WG"},
                  short_name={"fr": "GTD", "en": "Data WG"}, description={"en": "Data for logistics."},
                  terms_of_reference_url="https://example.org/tor.pdf", formed_on=FORMED,
                  mandate_ends_on=date(2027, 2, 28))
    values.update(changes)
    return NewGroup(**values)


def refusal(app, call, *args, **kwargs) -> services.BodyError:
    """The BodyError a service call raises; nothing may have been written."""
    before = row_counts(app)
    with app.app_context():
        with pytest.raises(services.BodyError) as error:
            call(*args, **kwargs)
        db.session.rollback()
    assert row_counts(app) == before
    return error.value


# --- the seed's bodies --------------------------------------------------------------------------------------------


def test_the_seeds_missing_bodies_are_created_with_every_field_and_each_is_audited(app):
    records = [
        {"slug": "glc", "kind": "cluster", "name": {"en": "Global Logistics Cluster"}, "short_name": {"en": "GLC"},
         "description": {"en": "All of us."}, "aliases": ["GLC", "Cluster"], "formed_on": "2005-12-01",
         "dissolved_on": None, "terms_of_reference_url": "https://example.org/glc"},
        {"slug": "wg-old", "kind": "working_group", "name": {"fr": "Ancien GT"}, "formed_on": None,
         "dissolved_on": "2021-06-30"},
    ]
    with app.app_context():
        db.session.add(Body(slug="sag", kind="advisory_group", name={"en": "SAG"}, aliases=[]))
        db.session.commit()
        assert services.ensure_bodies([{"slug": "sag", "kind": "cluster", "name": {"en": "Renamed"}}, *records]) == 2
        db.session.commit()
        glc, old, sag = slug_body("glc"), slug_body("wg-old"), slug_body("sag")
        assert (glc.kind, glc.name, glc.short_name, glc.description, glc.aliases, glc.formed_on, glc.dissolved_on,
                glc.terms_of_reference_url) == ("cluster", {"en": "Global Logistics Cluster"}, {"en": "GLC"},
                                                {"en": "All of us."}, ["GLC", "Cluster"], date(2005, 12, 1), None,
                                                "https://example.org/glc")
        assert (old.kind, old.name, old.short_name, old.formed_on, old.dissolved_on) == (
            "working_group", {"fr": "Ancien GT"}, None, None, date(2021, 6, 30))
        assert (sag.kind, sag.name) == ("advisory_group", {"en": "SAG"})  # an existing body is left as it is
        ids = (glc.id, old.id)
    assert audit(app, "body.created") == [
        ("body", str(ids[0]), None, {"slug": "glc", "kind": "cluster"}, None),
        ("body", str(ids[1]), None, {"slug": "wg-old", "kind": "working_group"}, None)]
    with app.app_context():
        assert services.ensure_bodies(records) == 0


# --- forming a working group --------------------------------------------------------------------------------------


def test_the_secretariat_forms_a_group_with_its_names_as_aliases_its_mandate_and_its_leads(app, people):
    lead, co_lead = people["lead"], people["co_lead"]
    with app.app_context():
        body = services.form_working_group(group(lead_ids=[lead, co_lead, lead]), user(people["secretariat"]))
        body_id = body.id
        body = slug_body("wg-logistics-data")
        assert (body.kind, body.name, body.short_name, body.description, body.terms_of_reference_url,
                body.formed_on, body.mandate_ends_on, body.dissolved_on) == (
            "working_group", {"fr": "GT données", "en": "Data WG"}, {"fr": "GTD", "en": "Data WG"},
            {"en": "Data for logistics."}, "https://example.org/tor.pdf", FORMED, date(2027, 2, 28), None)
        assert body.aliases == ["GT données", "Data WG", "GTD"]  # each name once, in order
        memberships = sorted((m.user_id, m.role, m.since, m.until)
                             for m in db.session.scalars(select(Membership).where(Membership.body_id == body_id)))
    assert memberships == sorted([(lead, "lead", FORMED, None), (co_lead, "lead", FORMED, None)])
    [formed] = audit(app, "body.formed")
    assert formed[:3] == ("body", str(body_id), None) and formed[4] == people["secretariat"]
    leads = formed[3].pop("leads")
    assert formed[3] == {"slug": "wg-logistics-data", "kind": "working_group",
                         "name": {"fr": "GT données", "en": "Data WG"}, "formed_on": "2025-03-01",
                         "mandate_ends_on": "2027-02-28", "terms_of_reference_url": "https://example.org/tor.pdf"}
    assert sorted(leads) == sorted([lead, co_lead])
    added = audit(app, "membership.added")
    assert len(added) == 2 and {entry[4] for entry in added} == {people["secretariat"]}


def test_a_group_formed_without_leads_an_end_or_a_link_stores_none(app, people):
    with app.app_context():
        services.form_working_group(group(short_name=None, terms_of_reference_url="", mandate_ends_on=None),
                                    user(people["secretariat"]))
        body = slug_body("wg-logistics-data")
        assert (body.terms_of_reference_url, body.mandate_ends_on, body.aliases) == (None, None, ["GT données", "Data WG"])
        assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.body_id == body.id)) == 0
    [formed] = audit(app, "body.formed")
    assert (formed[3]["mandate_ends_on"], formed[3]["terms_of_reference_url"], formed[3]["leads"]) == (None, None, [])


@pytest.mark.parametrize("slug", ["abc", "wg-" + "d" * 77, "w9-2"])
def test_a_short_address_of_3_to_80_characters_is_accepted(app, people, slug):
    with app.app_context():
        assert services.form_working_group(group(slug=slug), user(people["secretariat"])).slug == slug


@pytest.mark.parametrize("url", ["http://example.org", "HTTPS://EXAMPLE.ORG/ToR"])
def test_a_terms_of_reference_link_over_http_or_https_is_accepted(app, people, url):
    with app.app_context():
        assert services.form_working_group(group(terms_of_reference_url=url),
                                           user(people["secretariat"])).terms_of_reference_url == url


def test_a_mandate_may_end_on_the_day_it_starts(app, people):
    with app.app_context():
        body = services.form_working_group(group(mandate_ends_on=FORMED), user(people["secretariat"]))
        assert body.mandate_ends_on == FORMED


SLUG = "The short address is 3 to 80 lower-case letters, digits and hyphens, for example wg-data."


BAD_GROUPS = [
    ({"slug": "ab"}, [SLUG]),
    ({"slug": "wg-" + "d" * 78}, [SLUG]),
    ({"slug": "new"}, [SLUG]),
    ({"slug": "-wg-data"}, [SLUG]),
    ({"slug": "wg-data-"}, [SLUG]),
    ({"slug": "WG-Data"}, [SLUG]),
    ({"slug": None}, [SLUG]),
    ({"slug": "rome-support-team"}, ["The address “rome-support-team” is taken by another body."]),
    ({"name": {"fr": "", "en": ""}}, ["Give the group a name, in French, English or both."]),
    ({"name": None}, ["Give the group a name, in French, English or both."]),
    ({"terms_of_reference_url": "ftp://example.org/tor"},
     ["The terms of reference link must be a web address (http:// or https://)."]),
    ({"terms_of_reference_url": "https:// example.org"},
     ["The terms of reference link must be a web address (http:// or https://)."]),
    ({"formed_on": None}, ["Give the date the mandate starts."]),
    ({"formed_on": None, "mandate_ends_on": date(2020, 1, 1)}, ["Give the date the mandate starts."]),
    ({"mandate_ends_on": FORMED - timedelta(days=1)}, ["The mandate cannot end before it starts."]),
    ({"slug": "x", "name": {}, "formed_on": None},
     [SLUG, "Give the group a name, in French, English or both.", "Give the date the mandate starts."]),
]


def test_a_bad_new_group_is_refused_with_each_problem_and_nothing_is_written(app, people):
    for changes, problems in BAD_GROUPS:
        error = refusal(app, lambda c=changes: services.form_working_group(group(**c), user(people["secretariat"])))
        assert (str(error), error.problems) == ("The working group was not formed.", problems), changes


def test_leads_must_be_active_people(app, people):
    for lead_ids in ([people["lead"], people["former"]], [people["lead"], max(people.values()) + 1]):
        error = refusal(app, lambda ids=lead_ids: services.form_working_group(group(lead_ids=ids),
                                                                              user(people["secretariat"])))
        assert error.problems == ["Choose the leads among the active people."]


def test_a_group_whose_second_lead_cannot_be_made_lead_is_not_formed_at_all(app, people, monkeypatch):
    from sip.accounts import services as accounts

    real, calls = accounts.add_membership, []

    def refuse_the_second(person, *args, **kwargs):
        """Add the first lead as usual; refuse the second as the membership rules would."""
        calls.append(person.id)
        if len(calls) == 2:
            raise accounts.AccountError("This person already has an overlapping membership of this body.")
        return real(person, *args, **kwargs)

    monkeypatch.setattr(accounts, "add_membership", refuse_the_second)
    error = refusal(app, lambda: services.form_working_group(group(lead_ids=[people["lead"], people["co_lead"]]),
                                                             user(people["secretariat"])))
    assert len(calls) == 2  # the first lead was added before the second was refused: both are undone
    assert (str(error), error.problems) == (
        "The working group was not formed.", ["This person already has an overlapping membership of this body."])
    with app.app_context():
        assert slug_body("wg-logistics-data") is None


def test_only_the_secretariat_forms_a_working_group(app, people):
    error = refusal(app, lambda: services.form_working_group(group(), user(people["member"])))
    assert (str(error), error.problems) == ("Only the secretariat forms working groups.", [])


# --- dissolving a working group -----------------------------------------------------------------------------------


@pytest.fixture
def groups(app, people, make_plan):
    """A working group that holds the plan's two activities (wg-test-plan) and a spare one formed on FORMED."""
    make_plan(activities=2)
    with app.app_context():
        db.session.add(Body(slug="wg-spare", kind="working_group", name={"en": "Spare"}, aliases=[], formed_on=FORMED))
        db.session.add(Body(slug="glc", kind="cluster", name={"en": "Cluster"}, aliases=[]))
        db.session.commit()


def dissolve(app, slug: str, on, actor_id: int, today=None) -> services.BodyError:
    """Try to dissolve a body; the refusal."""
    return refusal(app, lambda: services.dissolve_body(slug_body(slug), on, user(actor_id), today=today))


def test_the_secretariat_dissolves_a_group_that_holds_nothing_and_it_is_audited(app, people, groups):
    with app.app_context():
        services.dissolve_body(slug_body("wg-spare"), TODAY, user(people["secretariat"]))
        body = slug_body("wg-spare")
        assert (body.dissolved_on, body.is_active) == (TODAY, False)
        body_id = body.id
    assert audit(app, "body.dissolved") == [("body", str(body_id), {"dissolved_on": None},
                                             {"dissolved_on": TODAY.isoformat()}, people["secretariat"])]


@pytest.mark.parametrize("on", [FORMED, date(2026, 1, 15)])
def test_a_group_may_be_dissolved_on_the_day_it_was_formed_or_on_the_day_given_as_today(app, people, groups, on):
    with app.app_context():
        services.dissolve_body(slug_body("wg-spare"), on, user(people["secretariat"]), today=date(2026, 1, 15))
        assert slug_body("wg-spare").dissolved_on == on


def test_a_group_holding_activities_is_not_dissolved_and_is_told_which(app, people, groups):
    error = dissolve(app, "wg-test-plan", TODAY, people["secretariat"])
    assert (str(error), error.problems) == ("The group was not dissolved.", [
        "The group still holds 2 activities (1.1.1.1, 1.1.1.2): hand them over first, and dissolve it once the GLM "
        "has verified the hand-over."])


def test_a_group_whose_activities_are_retired_may_be_dissolved(app, people, groups):
    with app.app_context():
        for activity in db.session.scalars(select(Activity)):
            activity.retired_on = TODAY
        db.session.commit()
        services.dissolve_body(slug_body("wg-test-plan"), TODAY, user(people["secretariat"]))
        assert slug_body("wg-test-plan").dissolved_on == TODAY


@pytest.mark.parametrize("on, today, problem", [
    (None, None, "Give the day of the dissolution: today or a day before."),
    (TODAY + timedelta(days=1), None, "Give the day of the dissolution: today or a day before."),
    (date(2026, 1, 16), date(2026, 1, 15), "Give the day of the dissolution: today or a day before."),
    (FORMED - timedelta(days=1), None, "A group cannot be dissolved before it was formed."),
])
def test_a_dissolution_day_in_the_future_or_before_the_group_was_formed_is_refused(app, people, groups, on, today,
                                                                                   problem):
    error = dissolve(app, "wg-spare", on, people["secretariat"], today=today)
    assert (str(error), error.problems) == ("The group was not dissolved.", [problem])


def test_a_group_with_activities_and_a_day_in_the_future_is_told_both(app, people, groups):
    error = dissolve(app, "wg-test-plan", TODAY + timedelta(days=1), people["secretariat"])
    assert len(error.problems) == 2 and error.problems[0] == "Give the day of the dissolution: today or a day before."


@pytest.mark.parametrize("slug, actor, message", [
    ("wg-spare", "member", "Only the secretariat dissolves working groups."),
    ("glc", "secretariat", "Only a working group can be dissolved here."),
])
def test_only_the_secretariat_dissolves_and_only_working_groups(app, people, groups, slug, actor, message):
    error = dissolve(app, slug, TODAY, people[actor])
    assert (str(error), error.problems) == (message, [])


def test_a_dissolved_group_is_not_dissolved_again(app, people, groups):
    with app.app_context():
        services.dissolve_body(slug_body("wg-spare"), TODAY - timedelta(days=3), user(people["secretariat"]))
    error = dissolve(app, "wg-spare", TODAY, people["secretariat"])
    assert (str(error), error.problems) == ("This group is already dissolved.", [])
    with app.app_context():
        assert slug_body("wg-spare").dissolved_on == TODAY - timedelta(days=3)


# --- the reporting focal point ------------------------------------------------------------------------------------


def name_focal_point(app, actor_id, **kwargs) -> None:
    """Name the cluster's focal point (person= an id)."""
    with app.app_context():
        person = kwargs.pop("person", None)
        services.set_reporting_focal_point(slug_body("glc"), user(actor_id) if actor_id else None,
                                           person=user(person) if person else None, **kwargs)


def focal_point(app) -> tuple:
    """The cluster's focal point and whether the secretariat reports for it."""
    with app.app_context():
        body = slug_body("glc")
        return body.focal_point_id, body.reported_by_secretariat


def test_the_secretariat_names_a_person_then_itself_as_focal_point_and_each_change_is_audited(app, people, groups):
    name_focal_point(app, people["secretariat"], person=people["lead"])
    assert focal_point(app) == (people["lead"], False)
    name_focal_point(app, people["secretariat"], secretariat="yes")
    assert focal_point(app) == (None, True)
    name_focal_point(app, None)  # the system (set-up, demo) clears it
    assert focal_point(app) == (None, False)
    with app.app_context():
        glc = str(slug_body("glc").id)
    assert audit(app, "body.focal_point") == [
        ("body", glc, {"focal_point": None, "secretariat": False}, {"focal_point": people["lead"], "secretariat": False},
         people["secretariat"]),
        ("body", glc, {"focal_point": people["lead"], "secretariat": False}, {"focal_point": None, "secretariat": True},
         people["secretariat"]),
        ("body", glc, {"focal_point": None, "secretariat": True}, {"focal_point": None, "secretariat": False}, None)]


@pytest.mark.parametrize("slug, actor, kwargs, message", [
    ("glc", "member", {}, "Only the secretariat names a reporting focal point."),
    ("wg-spare", "secretariat", {}, "The members of wg-spare file its report themselves; only the cluster and the "
                                    "country teams have a reporting focal point."),
    ("wg-spare", None, {}, "The members of wg-spare file its report themselves; only the cluster and the "
                           "country teams have a reporting focal point."),
    ("glc", "secretariat", {"person": "lead", "secretariat": True}, "Choose a person or the secretariat, not both."),
    ("glc", "secretariat", {"person": "former"}, "Fred Former's account is not active."),
])
def test_a_focal_point_that_cannot_be_named_is_refused_with_the_reason(app, people, groups, slug, actor, kwargs,
                                                                       message):
    if "person" in kwargs:
        kwargs = {**kwargs, "person": people[kwargs["person"]]}

    def call():
        person = user(kwargs["person"]) if "person" in kwargs else None
        services.set_reporting_focal_point(slug_body(slug), user(people[actor]) if actor else None, person=person,
                                           secretariat=kwargs.get("secretariat", False))

    assert str(refusal(app, call)) == message
    assert focal_point(app) == (None, False)
