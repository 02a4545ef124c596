"""The last GLM's open action points in the GLM pack (issue 17, once meetings exist): the PDF (read with pdftotext),
the deck (python-pptx) and the workbook (openpyxl) list what the GLM before this one asked of the bodies and is still
open, with the owning body (and the owner's organisation, never the person), the due date and whether it is
overdue, in both languages; "no open action point" when there is none."""
import io
import subprocess
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import select

from sip.accounts.models import Organisation, User
from sip.bodies.models import Body
from sip.exports import services
from sip.extensions import db
from sip.meetings.models import ActionPoint, Meeting
from sip.plan.queries import current_strategy
from sip.reporting import services as reporting
from tests.exports.conftest import DEMO_TODAY

OVERDUE = {"en": "Send the training calendar to every partner",
           "fr": "Envoyer le calendrier des formations à chaque partenaire"}
OPEN_ENGLISH_ONLY = {"en": "Draft the terms of reference of the localisation study"}
DONE = {"en": "DONE POINT never shown", "fr": "POINT RÉALISÉ jamais montré"}
OWN = {"en": "THIS GLM'S OWN POINT", "fr": "POINT DE CETTE GLM"}
SAG_POINT = {"en": "SAG POINT not a GLM's", "fr": "POINT DU GCS"}
OWNER_NAME, OWNER_EMAIL = "Odile Proprietaire", "odile.proprietaire@example.org"


def _meeting(body: Body, kind: str, day: date, period=None) -> Meeting:
    """A meeting held on a day (09:30 UTC), linked to a GLM quarter when given."""
    meeting = Meeting(body_id=body.id, kind=kind, title={"en": f"{kind.upper()} {day.isoformat()}"},
                      starts_at=datetime(day.year, day.month, day.day, 9, 30, tzinfo=timezone.utc),
                      timezone="UTC", languages=["en", "fr"], period_id=period.id if period else None)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _point(meeting: Meeting, text: dict, body: Body, due_on: date, owner: User | None = None,
           status: str = "open") -> None:
    db.session.add(ActionPoint(meeting_id=meeting.id, text=text, body_id=body.id, due_on=due_on, status=status,
                               owner_id=owner.id if owner else None))


@pytest.fixture
def meetings(quarters, make_user):
    """The hand-made plan's GLM June 2026 (2026-Q2) met on 20 June and gave four action points: one open and overdue
    (owned by Test WG, a person of ALS named as owner), one open and due in 2027 (Second WG, written in English only),
    one done; the upcoming GLM November 2026 (2026-Q4, fed by 2026-Q3) met on 20 November with a point of its own,
    and a SAG consultation in between gave another."""
    owner = make_user(OWNER_NAME, email=OWNER_EMAIL, bodies=[("wg-test-plan", "member")])
    with quarters.app_context():
        strategy = current_strategy()
        q2, q4 = (reporting.find_period(strategy, code) for code in ("2026-Q2", "2026-Q4"))
        reporting.set_glm(q4, True, "GLM November 2026", None)
        q2.glm_name = {"en": "GLM June 2026", "fr": "GLM juin 2026"}
        q4.glm_name = {"en": "GLM November 2026", "fr": "GLM novembre 2026"}
        organisation = Organisation(name="Association Logistique Solidaire", acronym="ALS", kind="partner",
                                    type="NNGO")
        db.session.add(organisation)
        db.session.flush()
        db.session.get(User, owner).organisation_id = organisation.id
        cluster = Body(slug="glc", kind="cluster", name={"en": "Global Logistics Cluster", "fr": "Cluster logistique"},
                       aliases=[])
        sag = Body(slug="sag", kind="advisory_group", name={"en": "SAG", "fr": "GCS"}, aliases=[])
        db.session.add_all([cluster, sag])
        db.session.flush()
        bodies = {b.slug: b for b in db.session.scalars(select(Body))}
        june = _meeting(cluster, "glm", date(2026, 6, 20), q2)
        _point(june, OVERDUE, bodies["wg-test-plan"], date(2026, 7, 20), owner=db.session.get(User, owner))
        _point(june, OPEN_ENGLISH_ONLY, bodies["wg-second"], date(2027, 1, 15))
        _point(june, DONE, bodies["wg-test-plan"], date(2026, 8, 1), status="done")
        _point(_meeting(sag, "sag", date(2026, 9, 1)), SAG_POINT, sag, date(2026, 12, 1))
        _point(_meeting(cluster, "glm", date(2026, 11, 20), q4), OWN, cluster, date(2027, 2, 1))
        db.session.commit()
    quarters.config["SIP_CHROMIUM"] = "/nonexistent/chromium"  # the text is what is checked: no chart drawn
    return quarters


def build(app, name: str, code: str, lang: str) -> bytes:
    """One file of the pack, as the download builds it."""
    with app.test_request_context("/"):
        strategy = current_strategy()
        choice = services.choose(strategy, code, lang, "en", today=DEMO_TODAY)
        return services.export(name, strategy, choice, today=DEMO_TODAY).content


def pdf_words(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, lines joined with single spaces."""
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout
    return " ".join(text.decode("utf-8").split())


def section_of(text: str, title: str, next_title: str) -> str:
    """The PDF's text from the section's heading (its second appearance: the first is the contents) to the next."""
    start = text.index(title, text.index(title) + len(title))
    return text[start:text.index(next_title, start)]


def deck_slides(content: bytes, title: str) -> list[list[list[str]]]:
    """The rows of the table of each slide whose title starts with `title` (continued slides included)."""
    found = []
    for slide in Presentation(io.BytesIO(content)).slides:
        if slide.shapes.title is not None and slide.shapes.title.text.startswith(title):
            tables = [shape.table for shape in slide.shapes if getattr(shape, "has_table", False) and shape.has_table]
            texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
            found.append([[cell.text for cell in row.cells] for table in tables for row in table.rows] or [texts])
    return found


def sheet_rows(content: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True))


TEST_WG, SECOND_WG = {"en": "Test WG", "fr": "GT essai"}, {"en": "Second WG", "fr": "Deuxième GT"}
TITLES = {"en": "Open action points · GLM June 2026", "fr": "Points d’action ouverts · GLM juin 2026"}
NEXT = {"en": "Partners by type", "fr": "Partenaires par type"}  # the section after it: participation


def test_the_pdf_lists_the_last_glm_s_open_points_with_owner_due_date_and_state(meetings):
    text = pdf_words(build(meetings, "pdf", "2026-Q4", "en"))
    section = section_of(text, TITLES["en"], NEXT["en"])
    assert "Meeting: GLM June 2026 · June 20, 2026" in section
    assert section.index(OVERDUE["en"]) < section.index(OPEN_ENGLISH_ONLY["en"])  # due date first
    assert "Test WG (ALS)" in section and "Second WG" in section
    assert "Jul 20, 2026" in section and "Overdue" in section
    assert "Jan 15, 2027" in section and "Open" in section
    for hidden in (DONE["en"], OWN["en"], SAG_POINT["en"], OWNER_NAME, OWNER_EMAIL):
        assert hidden not in text, hidden


def test_the_french_pdf_says_it_in_french_and_marks_a_point_written_in_english(meetings):
    text = pdf_words(build(meetings, "pdf", "2026-Q4", "fr"))
    section = section_of(text, TITLES["fr"], NEXT["fr"])
    assert "Réunion : GLM juin 2026 · 20 juin 2026" in section
    assert OVERDUE["fr"] in section and "Délai dépassé" in section
    assert f"{OPEN_ENGLISH_ONLY['en']} (original in English)" in section
    assert "Action point" not in section and "Overdue" not in section


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_deck_has_a_slide_of_the_open_points_in_the_language(meetings, lang):
    slides = deck_slides(build(meetings, "pptx", "2026-Q4", lang), TITLES[lang])
    assert len(slides) == 1
    header, *rows = slides[0]
    assert header == (["Action point", "Owner", "Due on", "Status"] if lang == "en" else
                      ["Point d’action", "Responsable", "Date limite", "Statut"])
    assert [row[0] for row in rows] == (
        [OVERDUE["en"], OPEN_ENGLISH_ONLY["en"]] if lang == "en" else
        [OVERDUE["fr"], f"{OPEN_ENGLISH_ONLY['en']} (original in English)"])
    assert [row[1] for row in rows] == [f"{TEST_WG[lang]} (ALS)", SECOND_WG[lang]]
    assert [row[3] for row in rows] == (["Overdue", "Open"] if lang == "en" else ["Délai dépassé", "Ouvert"])


def test_the_deck_continues_on_new_slides_when_the_points_are_many(meetings):
    with meetings.app_context():
        june = db.session.scalar(select(Meeting).where(Meeting.kind == "glm").order_by(Meeting.starts_at))
        body = db.session.scalar(select(Body).where(Body.slug == "wg-second"))
        for number in range(40):
            _point(june, {"en": f"Follow-up number {number:02d}: " + "a long sentence of what to do " * 4}, body,
                   date(2027, 3, 1))
        db.session.commit()
    slides = deck_slides(build(meetings, "pptx", "2026-Q4", "en"), TITLES["en"])
    assert len(slides) > 1
    assert all(len(rows) > 1 for rows in slides)  # no slide without a row: whole rows on each
    listed = [row[0] for rows in slides for row in rows[1:]]
    assert len(listed) == 42 and len(set(listed)) == 42
    deck = Presentation(io.BytesIO(build(meetings, "pptx", "2026-Q4", "en")))
    titles = [slide.shapes.title.text for slide in deck.slides if slide.shapes.title is not None]
    assert f"{TITLES['en']} (continued)" in titles


@pytest.mark.parametrize(("lang", "sheet"), [("en", "Open action points"), ("fr", "Points d’action ouverts")])
def test_the_workbook_has_a_sheet_of_the_open_points_with_real_dates(meetings, lang, sheet):
    caption, header, *rows = sheet_rows(build(meetings, "xlsx", "2026-Q4", lang), sheet)
    assert caption[0] == ("Meeting: GLM June 2026 (2026-06-20)" if lang == "en" else
                          "Réunion : GLM juin 2026 (2026-06-20)")
    assert header[:4] == (("Action point", "Owner", "Due on", "Status") if lang == "en" else
                          ("Point d’action", "Responsable", "Date limite", "Statut"))
    assert [row[2] for row in rows] == [datetime(2026, 7, 20), datetime(2027, 1, 15)]  # dates, not text
    assert rows[0][:2] == (OVERDUE[lang], f"{TEST_WG[lang]} (ALS)")
    assert rows[1][0] == OPEN_ENGLISH_ONLY["en"] + (" (original in English)" if lang == "fr" else "")
    everything = " ".join(str(value) for row in sheet_rows(build(meetings, "xlsx", "2026-Q4", lang), sheet)
                          for value in row)
    for hidden in (DONE[lang], OWN[lang], SAG_POINT[lang], OWNER_NAME, OWNER_EMAIL):
        assert hidden not in everything, hidden


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_format_says_none_when_the_last_glm_s_points_are_all_closed(meetings, lang):
    with meetings.app_context():
        for point in db.session.scalars(select(ActionPoint).where(ActionPoint.status == "open")):
            point.status = "done"
        db.session.commit()
    none = {"en": "No open action point.", "fr": "Aucun point d’action ouvert."}[lang]
    assert none in section_of(pdf_words(build(meetings, "pdf", "2026-Q4", lang)), TITLES[lang], NEXT[lang])
    [[texts]] = deck_slides(build(meetings, "pptx", "2026-Q4", lang), TITLES[lang])
    assert none in texts
    sheet = "Open action points" if lang == "en" else "Points d’action ouverts"
    caption, _header, *rows = sheet_rows(build(meetings, "xlsx", "2026-Q4", lang), sheet)
    assert none in caption[0] and rows == []


def test_the_first_glm_s_pack_says_none_as_no_glm_met_before_it(meetings):
    title = "Open action points"
    text = pdf_words(build(meetings, "pdf", "2026-Q2", "en"))
    assert "No open action point." in section_of(text, title, NEXT["en"])
    assert "GLM June 2026 ·" not in section_of(text, title, NEXT["en"])
    [[texts]] = deck_slides(build(meetings, "pptx", "2026-Q2", "en"), title)
    assert "No open action point." in texts
    caption, _header = sheet_rows(build(meetings, "xlsx", "2026-Q2", "en"), "Open action points")
    assert caption[0] == "No open action point."


def test_a_kept_pack_is_built_again_once_a_point_is_closed(meetings):
    before = build(meetings, "xlsx", "2026-Q4", "en")
    assert build(meetings, "xlsx", "2026-Q4", "en") == before  # kept: the same file
    with meetings.app_context():
        point = db.session.scalar(select(ActionPoint).where(ActionPoint.due_on == date(2026, 7, 20)))
        point.status = "done"
        db.session.commit()
    rows = sheet_rows(build(meetings, "xlsx", "2026-Q4", "en"), "Open action points")[2:]
    assert [row[0] for row in rows] == [OPEN_ENGLISH_ONLY["en"]]
