"""The pack's pages: who reaches them, the highlights form (CSRF, permission, audit), the zip, the progress shown while
the worker builds a file, the files built ahead after an acceptance, and a ready file served without a rebuild."""
import io
import re
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from sip.core import queue
from sip.core.models import AuditEntry
from sip.exports import services, store
from sip.exports.models import GlmHighlights
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.models import ReportingPeriod
from sip.reporting.services import ensure_periods, find_period, open_period, set_glm
from tests.conftest import log_in
from tests.test_access import EXPORTERS, MEMBERSHIPS, ROLES, SECRETARIAT_READ, SECRETARIAT_WRITE, snapshot

HIGHLIGHTS = {"summary_fr": "Résumé pour la plénière.", "summary_en": "Summary for the plenary.",
              "glm_name_fr": "GLM novembre 2026", "glm_name_en": "GLM November 2026"}
MATRIX = [
    ("exports.activities_semicolon", "GET", "/exports/activities-semicolon.csv?period=2026-Q4&lang=fr", None,
     EXPORTERS),
    ("exports.updates_semicolon", "GET", "/exports/updates-semicolon.csv?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("exports.pack_zip", "GET", "/exports/glm-2026-Q4.zip", None, EXPORTERS),
    ("exports.status", "GET", "/exports/status?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("exports.highlights", "GET", "/exports/highlights/2026-Q4", None, SECRETARIAT_READ),
    ("exports.highlights", "POST", "/exports/highlights/2026-Q4", HIGHLIGHTS, SECRETARIAT_WRITE),
]


@pytest.fixture
def world(seeded, make_user, monkeypatch):
    """The real plan, one person per role, 2026-Q4 open and marked as the November GLM's; the PDF stubbed (the
    pages are tested here, the printing in test_glm_pack)."""
    monkeypatch.setattr("sip.exports.pdf.render_pdf", lambda pack: b"%PDF-1.7 stub")
    people = {role: make_user(f"{role} person", bodies=MEMBERSHIPS[role]) for role in ROLES[1:]}
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        period = find_period(strategy, "2026-Q4")
        open_period(period, date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
        set_glm(period, True, "GLM November 2026", None)
        db.session.commit()
    return people


def client_as(app, people, role):
    client = app.test_client()
    if role != "anonymous":
        log_in(client, people[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_only_exporters_reach_the_pack_and_only_the_secretariat_writes_highlights(seeded, world, role, endpoint,
                                                                                   method, path, data, expected):
    client = client_as(seeded, world, role)
    with seeded.app_context():
        before = snapshot()
    response = client.get(path) if method == "GET" else client.post(path, data=data)
    assert response.status_code == expected[role]
    if method == "POST" and expected[role] != 302 or role == "anonymous":
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"


def test_the_highlights_page_is_prefilled_with_a_draft_drawn_from_the_data(seeded, world):
    page = client_as(seeded, world, "secretariat").get("/exports/highlights/2026-Q4").get_data(as_text=True)
    assert "Not saved yet" in page
    assert re.search(r'<textarea[^>]*name="summary_en"[^>]*>\s*As of Q\d\u00a0\d{4}, \d+ of the plan', page)
    assert re.search(r'<textarea[^>]*name="summary_fr"[^>]*>', page)


def test_saving_highlights_stores_both_languages_and_the_glm_names_with_an_audit_entry(seeded, world):
    response = client_as(seeded, world, "secretariat").post("/exports/highlights/2026-Q4", data=HIGHLIGHTS,
                                                            follow_redirects=True)
    assert "Highlights saved" in response.get_data(as_text=True)
    with seeded.app_context():
        saved = db.session.scalar(select(GlmHighlights))
        assert saved.summary == {"fr": "Résumé pour la plénière.", "en": "Summary for the plenary."}
        period = db.session.get(ReportingPeriod, saved.period_id)
        assert period.glm_names == {"fr": "GLM novembre 2026", "en": "GLM November 2026"}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export.highlights_saved"))
        assert entry.after["summary"]["en"] == "Summary for the plenary." and entry.user_id == world["secretariat"]


def test_empty_highlights_are_refused_and_nothing_is_saved(seeded, world):
    response = client_as(seeded, world, "secretariat").post(
        "/exports/highlights/2026-Q4", data={**HIGHLIGHTS, "summary_fr": "", "summary_en": ""})
    assert response.status_code == 400
    assert "Write the summary in at least one language." in response.get_data(as_text=True)
    with seeded.app_context():
        assert db.session.scalar(select(func.count(GlmHighlights.id))) == 0


def test_the_highlights_form_needs_its_csrf_token(seeded, world):
    client = client_as(seeded, world, "secretariat")
    seeded.config["WTF_CSRF_ENABLED"] = True  # after signing in: the test sign-in posts no token
    refused = client.post("/exports/highlights/2026-Q4", data=HIGHLIGHTS)
    assert refused.status_code == 400
    page = client.get("/exports/highlights/2026-Q4").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/exports/highlights/2026-Q4", data={**HIGHLIGHTS, "csrf_token": token}).status_code == 302


def test_saved_highlights_open_the_pack_in_each_language(seeded, world):
    client = client_as(seeded, world, "secretariat")
    client.post("/exports/highlights/2026-Q4", data=HIGHLIGHTS)
    for lang, text in (("fr", "Résumé pour la plénière."), ("en", "Summary for the plenary.")):
        content = client.get(f"/exports/updates.csv?period=2026-Q4&lang={lang}")  # a cheap file: the pack's title
        assert content.status_code == 200
        with seeded.test_request_context():
            choice = services.choose(current_strategy(), "2026-Q4", lang, lang)
            from flask_babel import force_locale

            from sip.exports.content import build_pack
            with force_locale(lang):
                pack = build_pack(current_strategy(), choice.period, lang, periods=choice.periods, glm=choice.glm)
        assert pack.highlights.text == text and pack.highlights_saved
        assert pack.glm_name == HIGHLIGHTS[f"glm_name_{lang}"]


def test_the_zip_holds_every_file_in_both_languages_and_a_readme(seeded, world):
    response = client_as(seeded, world, "sag").get("/exports/glm-2026-Q4.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="sip-glm-pack-2026-Q4.zip"' in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "README.txt" in names and len(names) == 1 + 2 * len(services.FORMATS)


def test_an_unknown_quarter_for_the_zip_answers_400(seeded, world):
    assert client_as(seeded, world, "sag").get("/exports/glm-2031-Q9.zip").status_code == 400


def test_a_ready_file_is_served_without_building_it_again(seeded, world, monkeypatch):
    client = client_as(seeded, world, "sag")
    first = client.get("/exports/sip.xlsx?period=2026-Q4&lang=en")
    assert first.status_code == 200

    def no_build(*_args, **_kwargs):
        raise AssertionError("a ready file was built again")

    monkeypatch.setattr(store, "build_file", no_build)
    again = client.get("/exports/sip.xlsx?period=2026-Q4&lang=en")
    assert again.status_code == 200 and again.data == first.data
    status = client.get("/exports/status?period=2026-Q4&lang=en").get_json()
    assert status["files"]["xlsx"] == "ready" and status["files"]["pdf"] == "missing"


def test_with_a_worker_the_pdf_is_built_there_and_the_page_shows_progress(seeded, world, monkeypatch):
    asked = []
    monkeypatch.setattr(queue, "get_queue", lambda app=None: object())
    monkeypatch.setattr(queue, "enqueue", lambda name, *args: asked.append((name, args)) or True)
    client = client_as(seeded, world, "sag")
    response = client.get("/exports/glm.pdf?period=2026-Q4&lang=fr")
    assert response.status_code == 202 and response.headers["Refresh"] == "3"
    assert "<progress" in response.get_data(as_text=True)
    assert asked == [("exports.build", (current_strategy_id(seeded), "2026-Q4", ["fr"], ["pdf"]))]
    with seeded.test_request_context():  # the worker's task, run here
        store.build_task(current_strategy_id(seeded), "2026-Q4", ["fr"], ["pdf"])
    ready = client.get("/exports/glm.pdf?period=2026-Q4&lang=fr")
    assert ready.status_code == 200 and ready.data == b"%PDF-1.7 stub"


def current_strategy_id(app) -> int:
    with app.app_context():
        return current_strategy().id


def test_the_export_page_lists_each_file_s_state_and_links_the_whole_pack(seeded, world):
    page = client_as(seeded, world, "secretariat").get("/exports").get_data(as_text=True)
    assert 'href="/exports/glm-2026-Q4.zip"' in page
    assert 'href="/exports/highlights/2026-Q4"' in page
    assert page.count('data-state="missing"') == len(services.FORMATS)
    options = re.findall(r'<option[^>]*value="([^"]+)"', page)
    assert options[0] == "2026-Q4"  # the upcoming GLM first


def test_files_are_built_ahead_after_a_report_is_accepted(seeded, world, monkeypatch):
    from sip.reporting.signals import report_accepted

    asked = []
    monkeypatch.setattr(queue, "enqueue", lambda name, *args: asked.append((name, args)) or True)
    assert store._on_report in report_accepted.receivers_for(object())
    with seeded.app_context():
        period = find_period(current_strategy(), "2026-Q4")
        store._on_report(type("Report", (), {"period": period})())  # what accepting a report sends
        assert asked == []  # not before the commit: the worker would read the old data
        db.session.commit()
    assert asked and asked[0][0] == "exports.build" and asked[0][1][1] is None


def test_a_pack_without_pending_amendments_says_none_pending(seeded, world):
    with seeded.test_request_context():
        strategy = current_strategy()
        choice = services.choose(strategy, "2026-Q4", "en", "en")
        deck = services.build_file("pptx", strategy, choice).content
    from pptx import Presentation

    texts = [shape.text_frame.text for slide in Presentation(io.BytesIO(deck)).slides for shape in slide.shapes
             if shape.has_text_frame]
    assert any("None pending" in text for text in texts)
