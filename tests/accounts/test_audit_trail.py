"""The audit trail, readable: the secretariat filters it, opens an entry's before and after, downloads it as CSV."""
import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from seed.demo import create_demo_accounts
from seed.demo_reports import create_demo_reports
from sip.accounts import audit_queries
from sip.accounts.audit_queries import AuditFilters, csv_lines, filter_choices, parse_filters, trail_page
from sip.accounts.models import User
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods
from tests.conftest import DEFAULT_PASSWORD, counting_queries, log_in
from tests.helpers import page_text
from tests.reporting.test_demo import DEMO_TODAY
from tests.test_access import ROLES, SECRETARIAT_READ, snapshot, world  # noqa: F401

# This module's routes in tests/test_access.py's format: (endpoint, method, path, form data, status per role).
MATRIX = [
    ("audit.trail", "GET", "/admin/audit", None, SECRETARIAT_READ),
    ("audit.entry", "GET", "/admin/audit/1", None, SECRETARIAT_READ),
    ("audit.trail_csv", "GET", "/admin/audit.csv", None, SECRETARIAT_READ),
]


def moment(day: int, hour: int = 12) -> datetime:
    """A moment of March 2026, in UTC."""
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


def add(action: str, *, entity: str = "user_account", entity_id=None, user_id=None, at=None, before=None, after=None,
        rationale=None, ip=None) -> int:
    """Write one audit entry (in the current app context) and return its id."""
    entry = AuditEntry(action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id),
                       user_id=user_id, at=at or moment(1), before=before, after=after, rationale=rationale, ip=ip)
    db.session.add(entry)
    db.session.commit()
    return entry.id


def actions(page) -> list[str]:
    """The actions of a page's rows, in order."""
    return [row.entry.action for row in page.items]


@pytest.fixture
def people(app, make_user):
    """Two people who act in the trail: Alice Martin and Bruno Keller (ids by first name)."""
    return {"alice": make_user("Alice Martin", email="alice@wfp.example"),
            "bruno": make_user("Bruno Keller", email="bruno@ngo.example")}


@pytest.fixture
def trail(app_ctx, people):
    """A small trail of March 2026 by Alice, Bruno and nobody, oldest first."""
    alice, bruno = people["alice"], people["bruno"]
    add("login.succeeded", entity_id=alice, user_id=alice, at=moment(2, 8), ip="10.0.0.1")
    add("login.failed", entity_id=bruno, user_id=bruno, at=moment(3, 9), ip="10.0.0.2")
    add("login.failed", at=moment(3, 10), ip="10.0.0.3")  # an unknown e-mail address: nobody
    add("report.submitted", entity="group_report", entity_id=7, user_id=alice, at=moment(10),
        before={"state": "draft"}, after={"state": "submitted"})
    add("report.accepted", entity="group_report", entity_id=8, user_id=bruno, at=moment(20),
        before={"state": "submitted"}, after={"state": "accepted"})
    add("membership.added", entity="membership", entity_id=3, user_id=bruno, at=moment(31, 23))
    return people


# --- services ---------------------------------------------------------------------------------------------------


def test_the_trail_lists_the_newest_entry_first_with_who_acted(trail):
    page = trail_page(AuditFilters(), 1)
    assert actions(page) == ["membership.added", "report.accepted", "report.submitted", "login.failed", "login.failed",
                             "login.succeeded"]
    assert [row.name for row in page.items] == ["Bruno Keller", "Bruno Keller", "Alice Martin", None, "Bruno Keller",
                                                "Alice Martin"]
    assert page.items[-1].email == "alice@wfp.example"


def test_the_trail_shows_fifty_entries_a_page(app_ctx):
    for n in range(120):
        add("report.saved", entity="group_report", entity_id=n, at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    first, last = trail_page(AuditFilters(), 1), trail_page(AuditFilters(), 3)
    assert (len(first.items), first.pages, len(last.items)) == (50, 3, 20)
    assert first.items[0].entry.entity_id == "119"  # same moment: the later entry first
    assert last.items[-1].entry.entity_id == "0"


def test_filtering_by_person_matches_part_of_the_name_or_the_email(trail):
    assert actions(trail_page(AuditFilters(person="alice"), 1)) == ["report.submitted", "login.succeeded"]
    assert actions(trail_page(AuditFilters(person="NGO.EXAMPLE"), 1)) == ["membership.added", "report.accepted",
                                                                          "login.failed"]
    assert trail_page(AuditFilters(person="%"), 1).total == 0  # a wildcard is a character, not a pattern


def test_filtering_by_action_is_exact_and_a_code_ending_with_a_dot_takes_the_family(trail):
    assert actions(trail_page(AuditFilters(action="login.failed"), 1)) == ["login.failed", "login.failed"]
    assert actions(trail_page(AuditFilters(action="report."), 1)) == ["report.accepted", "report.submitted"]
    assert trail_page(AuditFilters(action="report"), 1).total == 0


def test_filtering_by_object_type_and_id(trail):
    assert actions(trail_page(AuditFilters(entity="group_report"), 1)) == ["report.accepted", "report.submitted"]
    assert actions(trail_page(AuditFilters(entity="group_report", entity_id="7"), 1)) == ["report.submitted"]


def test_filtering_by_days_includes_the_first_and_the_last_day_whole(trail):
    page = trail_page(AuditFilters(date_from=date(2026, 3, 3), date_to=date(2026, 3, 20)), 1)
    assert actions(page) == ["report.accepted", "report.submitted", "login.failed", "login.failed"]
    assert actions(trail_page(AuditFilters(date_from=date(2026, 3, 31)), 1)) == ["membership.added"]
    assert actions(trail_page(AuditFilters(date_to=date(2026, 3, 2)), 1)) == ["login.succeeded"]


def test_filters_combine(trail):
    filters = AuditFilters(person="bruno", action="login.", date_from=date(2026, 3, 3), date_to=date(2026, 3, 3))
    page = trail_page(filters, 1)
    assert [(row.entry.action, row.entry.ip) for row in page.items] == [("login.failed", "10.0.0.2")]


def test_filters_are_read_from_the_query_string_and_kept_for_links(app_ctx):
    filters, errors = parse_filters({"person": " alice ", "action": "login.", "entity": "user_account",
                                     "entity_id": "4", "from": "2026-03-01", "to": "2026-03-31", "page": "2"})
    assert errors == []
    assert filters == AuditFilters("alice", "login.", "user_account", "4", date(2026, 3, 1), date(2026, 3, 31))
    assert filters.args() == {"person": "alice", "action": "login.", "entity": "user_account", "entity_id": "4",
                              "from": "2026-03-01", "to": "2026-03-31"}
    assert not parse_filters({})[0].active


def test_a_bad_date_is_reported_clearly_and_ignored(app_ctx):
    filters, errors = parse_filters({"from": "31/03/2026", "person": "alice"})
    assert filters == AuditFilters(person="alice")
    assert len(errors) == 1 and "31/03/2026" in errors[0] and "YYYY-MM-DD" in errors[0]


def test_a_first_day_after_the_last_one_is_reported(app_ctx):
    filters, errors = parse_filters({"from": "2026-04-01", "to": "2026-03-01"})
    assert (filters.date_from, filters.date_to) == (None, None)
    assert errors == ["The first day (2026-04-01) comes after the last one (2026-03-01)."]


def test_a_malformed_action_or_object_is_reported_and_ignored(app_ctx):
    filters, errors = parse_filters({"action": "login' OR 1=1", "entity": "x" * 81})
    assert (filters.action, filters.entity) == (None, None)
    assert len(errors) == 2


def test_the_action_filter_offers_the_actions_present_grouped_by_prefix(trail):
    choices = filter_choices(AuditFilters())
    groups = dict(choices.action_groups)
    assert [code for code, _label in groups["login"]] == ["login.", "login.failed", "login.succeeded"]
    assert [code for code, _label in groups["report"]] == ["report.", "report.accepted", "report.submitted"]
    assert [code for code, _label in groups["mfa"]] == ["mfa."]  # the quick filter, even before any MFA event
    assert dict(groups["login"])["login.failed"] == "Failed sign-in"
    assert [code for code, _label in choices.entities] == ["user_account", "membership", "group_report"]


def test_an_entrys_changes_mark_only_the_keys_that_differ(app_ctx):
    entry = AuditEntry(action="period.glm", entity="reporting_period", before={"glm": False, "name": None, "note": "x"},
                       after={"glm": True, "name": "GLM 2026", "note": "x", "added": 1})
    changes = audit_queries.changes(entry)
    assert [(c.key, c.before_text, c.after_text, c.changed) for c in changes] == [
        ("glm", "false", "true", True), ("name", "null", "GLM 2026", True), ("note", "x", "x", False),
        ("added", None, "1", True)]


def test_secrets_are_hidden_from_before_and_after(app_ctx):
    value = {"password_hash": "$argon2id$v=19$x", "session_token": "abc", "totp_secret": "JBSWY3DP",
             "nested": {"reset_token": "t"}, "old": "$argon2id$v=19$y", "name": "Alice"}
    assert audit_queries.hide_secrets(value) == {"password_hash": "[hidden]", "session_token": "[hidden]",
                                                 "totp_secret": "[hidden]", "nested": {"reset_token": "[hidden]"},
                                                 "old": "[hidden]", "name": "Alice"}


def test_the_csv_streams_every_filtered_row_newest_first_in_batches(trail):
    lines = list(csv_lines(AuditFilters(action="login."), batch=2))
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows[0] == audit_queries.CSV_HEADER
    assert [(row[1], row[2], row[4]) for row in rows[1:]] == [
        ("2026-03-03T10:00:00Z", "", "login.failed"), ("2026-03-03T09:00:00Z", "Bruno Keller", "login.failed"),
        ("2026-03-02T08:00:00Z", "Alice Martin", "login.succeeded")]


# --- pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_only_the_secretariat_reads_the_audit_trail(seeded, world, role, endpoint, method, path, data, expected):
    client = seeded.test_client()
    if role != "anonymous":
        log_in(client, world["people"][role])
    with seeded.app_context():
        add("report.saved", entity="group_report", entity_id=1)  # so that /admin/audit/1 exists
        before = snapshot()
    response = client.get(path)
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    with seeded.app_context():
        assert snapshot() == before  # reading is not audited and changes nothing


def test_every_route_of_the_audit_trail_is_in_its_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"


@pytest.fixture
def secretariat(app, make_user):
    """A client signed in as a member of the Rome support team; its user id is `client.user_id`."""
    user_id = make_user("Sara Secretariat", email="sara@example.org", bodies=[("rome-support-team", "member")])
    client = app.test_client()
    log_in(client, user_id)
    client.user_id = user_id
    return client


def test_the_admin_navigation_links_to_the_audit_trail(secretariat):
    html = page_text(secretariat.get("/admin/people?lang=en"))
    assert '<a href="/admin/audit">Audit trail</a>' in html


def test_a_failed_sign_in_through_the_login_form_appears_under_failed_sign_ins(app, secretariat, make_user):
    make_user("Lena Lead", email="lena@example.org", bodies=[("wg-training", "lead")])
    app.test_client().post("/login", data={"email": "lena@example.org", "password": "not my password at all"})
    html = page_text(secretariat.get("/admin/audit?lang=en"))
    assert 'href="/admin/audit?action=login.failed"' in html  # the quick filter
    html = page_text(secretariat.get("/admin/audit?action=login.failed&lang=en"))
    assert "1 entry" in html
    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert "Lena Lead" in row and "Failed sign-in" in row and "127.0.0.1" in row
    assert "Sara Secretariat" not in row  # her own sign-in succeeded: not a failure


def test_filters_stay_in_the_pages_links(app, secretariat):
    with app.app_context():
        for n in range(60):
            add("report.saved", entity="group_report", entity_id=n)
    html = page_text(secretariat.get("/admin/audit?action=report.&entity=group_report&lang=en"))
    assert "60 entries" in html and "Page 1 of 2" in html
    assert re.search(r'href="/admin/audit\?[^"]*action=report\.[^"]*page=2', html)
    assert 'href="/admin/audit.csv?action=report.&entity=group_report"' in html
    assert '<option value="report." selected>' in html


def test_a_bad_date_answers_400_with_a_clear_message(secretariat):
    response = secretariat.get("/admin/audit?from=2026-13-45&lang=en")
    assert response.status_code == 400
    assert "From: “2026-13-45” is not a date; write it as YYYY-MM-DD" in page_text(response)


def test_no_matching_entry_says_so(secretariat):
    html = page_text(secretariat.get("/admin/audit?action=mfa.&lang=en"))
    assert "No entry matches these filters." in html
    assert "<table" not in html


def test_the_entry_page_shows_before_and_after_with_the_changed_key_marked(app, secretariat):
    with app.app_context():
        entry_id = add("period.glm", entity="reporting_period", entity_id=12, user_id=secretariat.user_id,
                       before={"glm": False, "glm_name": None}, after={"glm": True, "glm_name": None},
                       rationale="November plenary", ip="192.0.2.7")
    response = secretariat.get(f"/admin/audit/{entry_id}?lang=en")
    html = page_text(response)
    assert response.status_code == 200
    assert "Sara Secretariat" in html and "192.0.2.7" in html and "November plenary" in html
    changed = re.findall(r'<tr class="changed">\s*<th scope="row"><code>(\w+)</code>', html)
    assert changed == ["glm"]
    assert re.search(r"<code>glm</code> <strong class=\"change-mark\">changed</strong>.*?<td>false</td>\s*<td>true</td>",
                     html, re.S)
    assert re.search(r"<tr>\s*<th scope=\"row\"><code>glm_name</code></th>\s*<td>null</td>", html)


def test_an_unknown_entry_is_not_found(secretariat):
    assert secretariat.get("/admin/audit/999999").status_code == 404


def test_the_csv_holds_the_filtered_rows_with_formulas_neutralised(app, secretariat):
    with app.app_context():
        add("report.commented", entity="report_comment", entity_id=5, user_id=secretariat.user_id,
            after={"text": "=HYPERLINK(\"http://evil.example\")"}, rationale="+1 @all", ip="10.1.2.3",
            at=moment(4, 6))
        add("report.saved", entity="group_report", entity_id=1)
    response = secretariat.get("/admin/audit.csv?action=report.commented")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="sip-audit-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"])
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][1:8] == ["2026-03-04T06:00:00Z", "Sara Secretariat", "sara@example.org", "report.commented",
                            "report_comment", "5", "10.1.2.3"]
    assert rows[1][8] == ""  # no before
    assert rows[1][9] == '{"text": "=HYPERLINK(\\"http://evil.example\\")"}'  # JSON starts with {: harmless
    assert rows[1][10] == "'+1 @all"


def test_a_csv_cell_starting_like_a_formula_gets_an_apostrophe(app, secretariat):
    with app.app_context():
        add("report.saved", entity="group_report", entity_id="-1", rationale="=1+1", ip="@x")
    rows = list(csv.reader(io.StringIO(secretariat.get("/admin/audit.csv").get_data(as_text=True).lstrip("\ufeff"))))
    saved = next(row for row in rows if row[4] == "report.saved")
    assert (saved[6], saved[7], saved[10]) == ("'-1", "'@x", "'=1+1")


def test_a_csv_with_a_bad_date_is_refused_and_says_why(secretariat):
    response = secretariat.get("/admin/audit.csv?to=yesterday&lang=en")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "To: “yesterday” is not a date" in page_text(response)


def test_the_number_of_queries_does_not_grow_with_entries_or_people(app, secretariat, make_user):
    def queries_for_the_page() -> int:
        with counting_queries(app) as count:
            assert secretariat.get("/admin/audit").status_code == 200
        return count()

    with app.app_context():
        add("login.failed")
    few = queries_for_the_page()
    for n in range(60):
        user_id = make_user(f"Person {n}")
        with app.app_context():
            add("login.succeeded", entity_id=user_id, user_id=user_id)
    assert queries_for_the_page() == few
    assert few <= 10


@pytest.fixture
def demo(seeded):
    """The real plan with the demo accounts and reports that `setup --demo` makes."""
    with seeded.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
        create_demo_accounts()
        create_demo_reports(today=DEMO_TODAY)
        db.session.remove()
    return seeded


def test_the_csv_never_holds_a_password_hash_a_token_or_a_secret(demo, app, secretariat):
    signed_in = app.test_client()
    user_id = secretariat.user_id
    new_password = "a brand new passphrase for the audit"
    response = secretariat.post("/account", data={"password-current": DEFAULT_PASSWORD, "password-new": new_password})
    assert response.status_code == 302
    signed_in.post("/login", data={"email": "sara@example.org", "password": "wrong password again!"})
    signed_in.post("/login", data={"email": "sara@example.org", "password": new_password})
    text = secretariat.get("/admin/audit.csv").get_data(as_text=True)
    assert "account.password_changed" in text and "login.failed" in text and "user.created" in text
    assert "argon2" not in text.lower()
    assert new_password not in text and DEFAULT_PASSWORD not in text
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        secret_columns = [column.key for column in User.__table__.columns
                          if re.search(r"password|token|secret|hash|otp", column.key)]
        assert secret_columns  # the scan looks at something
        secrets = [getattr(user, column) for user in users for column in secret_columns]
        assert user_id in [user.id for user in users]
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= 8:
            assert secret not in text


def test_the_two_step_quick_filter_shows_every_mfa_event_and_nothing_else(app, secretariat):
    with app.app_context():
        add("mfa.enrolled", entity_id=secretariat.user_id, user_id=secretariat.user_id, after={"recovery_codes": 10})
        add("mfa.failed", entity_id=secretariat.user_id, user_id=secretariat.user_id, after={"for": "sign-in"})
        add("mfa.some_future_event", entity_id=secretariat.user_id)
    html = page_text(secretariat.get("/admin/audit?lang=en"))
    assert 'href="/admin/audit?action=mfa."' in html
    html = page_text(secretariat.get("/admin/audit?action=mfa.&lang=en"))
    row_text = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert "3 entries" in html
    assert "Two-step sign-in set up" in row_text and "Two-step sign-in code refused" in row_text
    assert "mfa.some_future_event" in row_text  # no label yet: the code itself
    assert "Signed in" not in row_text


def test_the_entry_page_hides_a_secret_that_slipped_into_an_entry(app, secretariat):
    with app.app_context():
        entry_id = add("account.updated", entity_id=1, before={"password_hash": "$argon2id$v=19$m=65536$abc"},
                       after={"password_hash": "$argon2id$v=19$m=65536$def"})
    html = page_text(secretariat.get(f"/admin/audit/{entry_id}?lang=en"))
    assert "argon2" not in html and "[hidden]" in html


def test_an_entry_id_beyond_what_a_database_holds_is_not_found(secretariat):
    assert secretariat.get("/admin/audit/9223372036854775808").status_code == 404
