"""Oversized and malformed requests: 413 beyond the limits, 400 for what cannot be read, a page that says so, and the
database unchanged; control characters in text are dropped, not stored (nor refused)."""
import pytest
from sqlalchemy import select

from sip.reporting.models import GroupReport
from sip.extensions import db
from tests.hardening.conftest import OPEN_PERIOD, changed_tables, fingerprint_of, shows_a_message, signed_in
from tests.helpers import page_text

REPORT = f"/reports/{OPEN_PERIOD}/wg-training?lang=en"


@pytest.fixture
def lead(app, world):
    """A client signed in as the lead of wg-training."""
    return signed_in(app, world["wg_lead"])


def _unchanged(app, before):
    assert changed_tables(before, fingerprint_of(app, exclude=("login_attempt",))) == []


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_request_over_max_content_length_answers_413_and_says_the_limit(app, lead, encoding):
    before = fingerprint_of(app, exclude=("login_attempt",))
    data = {"version": "0", "summary": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1), "action": "save"}
    kwargs = {"content_type": "multipart/form-data"} if encoding == "multipart" else {}
    response = lead.post(REPORT, data=data, **kwargs)
    assert response.status_code == 413
    text = page_text(response)
    assert "Request too large" in text and "5 MB" in text and "nothing was saved" in text
    _unchanged(app, before)


def test_a_request_announcing_a_huge_body_is_refused_before_it_is_read(app, lead):
    response = lead.post(REPORT, data=b"version=0", content_type="application/x-www-form-urlencoded",
                         environ_overrides={"CONTENT_LENGTH": str(10 * 1024 * 1024 * 1024)})
    assert response.status_code == 413


def test_a_multipart_text_field_over_the_form_memory_limit_answers_413(app, lead):
    before = fingerprint_of(app, exclude=("login_attempt",))
    response = lead.post(REPORT, data={"version": "0", "summary": "é" * app.config["MAX_FORM_MEMORY_SIZE"]},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    _unchanged(app, before)


def test_too_many_multipart_fields_answer_413(app, lead):
    data = {f"field{n}": "x" for n in range(app.config["MAX_FORM_PARTS"] + 1)}
    response = lead.post(REPORT, data=data, content_type="multipart/form-data")
    assert response.status_code == 413


@pytest.mark.parametrize("body,content_type", [
    (b"--nope\r\nContent-Disposition: form-data; name=\"summary\"\r\n\r\nunterminated", "multipart/form-data"),
    (b"garbage without any boundary", "multipart/form-data; boundary=XYZ"),
    (b"--XYZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XYZ--\r\n", "multipart/form-data; boundary=XYZ"),
    (b"\xff\xfe\x00version=0&summary=\xc3\x28", "application/x-www-form-urlencoded"),
    (b'{"version": 0, "summary": ', "application/json"),
    (b'["not", "an", "object"]', "application/json"),
    (b"\x00" * 1000, "application/octet-stream"),
])
def test_a_malformed_report_post_answers_400_with_a_message_and_saves_nothing(app, lead, body, content_type):
    before = fingerprint_of(app, exclude=("login_attempt",))
    response = lead.post(REPORT, data=body, content_type=content_type)
    assert response.status_code == 400, response.status_code
    assert shows_a_message(response)
    _unchanged(app, before)


@pytest.mark.parametrize("path", ["/login", "/password-reset", "/account", "/admin/organisations"])
def test_malformed_multipart_and_json_bodies_on_other_forms_answer_400(app, world, path):
    client = signed_in(app, world["secretariat"]) if path.startswith(("/account", "/admin")) else app.test_client()
    before = fingerprint_of(app, exclude=("login_attempt",))
    for body, content_type in [(b"--XYZ\r\nbroken", "multipart/form-data; boundary=XYZ"),
                               (b"{not json", "application/json")]:
        response = client.post(path, data=body, content_type=content_type)
        assert response.status_code == 400, (path, content_type, response.status_code)
        assert shows_a_message(response), (path, content_type)
    _unchanged(app, before)


def test_control_characters_are_dropped_from_text_and_the_rest_is_kept(app, world, lead):
    from sip.bodies.models import Body

    with app.app_context():
        activities = [a.id for a in __import__("sip.reporting.services", fromlist=["x"]).reportable_activities(
            db.session.scalar(select(Body).where(Body.slug == "wg-training")))]
    data = {"version": "0", "summary": "Nul\x00 byte,\x07 bell, tab\tand\r\nline kept", "action": "save",
            f"a{activities[0]}-achievements": "Trained\x00 40\x1b people"}
    response = lead.post(REPORT, data=data)
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalar(select(GroupReport))
        assert report.summary == "Nul byte, bell, tab\tand\nline kept"
        assert [u.achievements for u in report.updates if u.activity_id == activities[0]] == ["Trained 40 people"]


def test_a_nul_in_an_address_is_a_404(app, world, lead):
    assert lead.get("/plan/activities/1.1.1.2%00").status_code == 404
    assert lead.get("/reports/2026-Q4/wg-training%00").status_code == 404
