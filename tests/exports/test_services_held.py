"""Choosing and building one file of the report pack: quarter and language, refusals, names, builders, the log line."""
import itertools
import logging
from datetime import date

import pytest
from flask_babel import get_locale
from sqlalchemy import select

from sip.bodies.models import Body
from sip.exports import availability, services, store
from sip.exports.services import Choice, Export, ExportError
from sip.extensions import db
from sip.plan.models import Strategy
from sip.reporting.models import GroupReport, ReportingPeriod
from sip.reporting.services import ensure_periods

TODAY = date(2026, 5, 10)  # in 2026-Q2


@pytest.fixture
def plan(app, make_plan):
    """A small plan with its 20 quarters (2022-Q1 … 2026-Q4), all upcoming, none with a report."""
    make_plan()
    with app.app_context():
        ensure_periods(db.session.scalar(select(Strategy)))
        db.session.commit()
    return app


def period(code: str) -> ReportingPeriod:
    """The period with this code (inside an app context)."""
    year, quarter = code.split("-Q")
    return db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.year == int(year),
                                                           ReportingPeriod.quarter == int(quarter)))


def choose(period_value, lang, default_lang: str = "en", today=TODAY) -> Choice:
    """The service's choice for the plan (inside an app context)."""
    return services.choose(db.session.scalar(select(Strategy)), period_value, lang, default_lang, today=today)


def refused(period_value, lang, default_lang: str = "en") -> ExportError:
    """The ExportError that choosing raises."""
    with pytest.raises(ExportError) as error:
        choose(period_value, lang, default_lang)
    return error.value


def accept_a_report(code: str) -> None:
    """An accepted report of the plan's working group for the quarter."""
    body_id = db.session.scalar(select(Body.id))
    db.session.add(GroupReport(body_id=body_id, period_id=period(code).id, state="accepted"))
    db.session.commit()


# --- choosing the quarter and the language ------------------------------------------------------------------------


def test_a_quarter_typed_loosely_is_found_and_the_language_tidied(plan):
    with plan.app_context():
        choice = choose(" 2024-q3 ", " FR ")
        assert (choice.period.code, choice.lang, choice.glm, choice.code) == ("2024-Q3", "fr", None, "2024-Q3")
        assert [p.code for p in choice.periods.all][:2] == ["2022-Q1", "2022-Q2"] and len(choice.periods.all) == 20


@pytest.mark.parametrize("lang", [None, "", "   "])
def test_without_a_language_the_default_one_is_chosen(plan, lang):
    with plan.app_context():
        assert choose("2024-Q3", lang, default_lang="fr").lang == "fr"


def test_without_a_quarter_the_latest_begun_is_chosen_when_no_glm_is_marked(plan):
    with plan.app_context():
        choice = choose(None, "en")
        assert (choice.period.code, choice.glm, choice.code) == ("2026-Q2", None, "2026-Q2")
        assert choose("  ", "en", today=date(2025, 1, 1)).period.code == "2025-Q1"


def test_without_a_quarter_the_upcoming_glm_is_chosen_fed_by_its_latest_accepted_quarter(plan):
    with plan.app_context():
        glm = period("2026-Q4")
        glm.glm = True
        accept_a_report("2025-Q3")
        accept_a_report("2026-Q1")
        choice = choose(None, "en")
        assert (choice.glm.code, choice.period.code, choice.code) == ("2026-Q4", "2026-Q1", "2026-Q4")
        assert choose("2026-Q4", "en").period.code == "2026-Q1"  # asked for by its code too


def test_a_glm_quarter_without_any_accepted_report_feeds_itself(plan):
    with plan.app_context():
        period("2025-Q2").glm = True
        accept_a_report("2025-Q4")  # after the GLM: does not feed it
        choice = choose("2025-Q2", "fr")
        assert (choice.glm.code, choice.period.code, choice.lang) == ("2025-Q2", "2025-Q2", "fr")


def test_an_unknown_quarter_is_refused_with_what_was_typed_cut_to_40_characters(plan):
    with plan.app_context():
        error = refused("2031-q1", "en")
        assert (error.status, error.message, error.details) == (
            400, "“2031-Q1” is not a quarter of the plan: write it as YEAR-Qn, for example 2026-Q2.", [])
        assert str(error) == error.message
        long = refused("x" * 50, "en")
        assert long.message == f"“{'X' * 40}” is not a quarter of the plan: write it as YEAR-Qn, for example 2026-Q2."


def test_an_unknown_language_is_refused_with_what_was_typed_cut_to_20_characters(plan):
    with plan.app_context():
        error = refused("2024-Q3", " De ")
        assert (error.status, error.message) == (
            400, "“ De ” is not a language of the report pack: choose fr (French) or en (English).")
        assert refused("2024-Q3", "d" * 30).message.startswith(f"“{'d' * 20}” is not a language")
        assert refused("2024-Q3", None, default_lang="de").message.startswith("“” is not a language")


def test_a_plan_without_quarters_has_nothing_to_export(app, make_plan):
    make_plan()
    with app.app_context():
        error = refused(None, "en")
        assert (error.status, error.message) == (
            404, "The plan has no reporting period yet, so there is nothing to export.")


def test_a_period_code_is_trimmed_and_upper_cased():
    assert (services.period_code(" 2026-q2\n"), services.period_code(None), services.period_code("")) == (
        "2026-Q2", "", "")


# --- names --------------------------------------------------------------------------------------------------------


def test_each_file_is_named_after_what_it_is_the_quarter_and_the_language():
    names = {name: fmt.filename("2026-Q2", "fr") for name, fmt in services.FORMATS.items()}
    assert names == {"pdf": "sip-glm-report-2026-Q2-fr.pdf", "pptx": "sip-glm-slides-2026-Q2-fr.pptx",
                     "xlsx": "sip-data-2026-Q2-fr.xlsx", "activities_csv": "sip-activities-2026-Q2-fr.csv",
                     "updates_csv": "sip-updates-2026-Q2-fr.csv",
                     "activities_semicolon": "sip-activities-excel-2026-Q2-fr.csv",
                     "updates_semicolon": "sip-updates-excel-2026-Q2-fr.csv"}
    assert services.pack_filename("2026-Q2") == "sip-glm-pack-2026-Q2.zip"


def test_an_export_error_keeps_its_status_message_and_details():
    error = ExportError(503, "Missing.", ["Install it."])
    assert (error.status, error.message, error.details, str(error)) == (503, "Missing.", ["Install it."], "Missing.")
    assert ExportError(400, "Bad.").details == []


# --- building -----------------------------------------------------------------------------------------------------


BUILDERS = {"pdf": ("sip.exports.pdf", "render_pdf"), "pptx": ("sip.exports.slides", "build_deck"),
            "xlsx": ("sip.exports.book", "build_book"), "activities_csv": ("sip.exports.hxl", "activities_csv"),
            "updates_csv": ("sip.exports.hxl", "updates_csv"),
            "activities_semicolon": ("sip.exports.spreadsheet_csv", "activities_semicolon"),
            "updates_semicolon": ("sip.exports.spreadsheet_csv", "updates_semicolon")}


def test_each_format_is_made_by_its_own_builder_from_the_pack(monkeypatch):
    import importlib

    pack = object()
    for name, (module, function) in BUILDERS.items():
        monkeypatch.setattr(importlib.import_module(module), function,
                            lambda given, name=name: f"{name}:{given is pack}".encode())
    assert {name: fmt.build(pack) for name, fmt in services.FORMATS.items()} == {
        name: f"{name}:True".encode() for name in BUILDERS}


def available_everywhere(monkeypatch, missing: dict | None = None):
    """Make every format available on this server, except those given {name: [Missing]}."""
    states = {name: availability.FormatState(name, list((missing or {}).get(name, []))) for name in BUILDERS}
    monkeypatch.setattr(availability, "check", lambda: states)


def test_a_format_missing_a_part_is_refused_with_what_to_install(app, monkeypatch):
    part = availability.Missing("WeasyPrint", "The PDF needs WeasyPrint.", "Install weasyprint.")
    available_everywhere(monkeypatch, {"pdf": [part]})
    with app.test_request_context("/"):
        with pytest.raises(ExportError) as error:
            services.check_available("pdf")
        assert (error.value.status, error.value.message, error.value.details) == (
            503, "The PDF report cannot be made on this server.", ["The PDF needs WeasyPrint. Install weasyprint."])
        assert services.check_available("xlsx").name == "xlsx"


def test_a_format_the_check_does_not_know_is_taken_as_available(app, monkeypatch):
    monkeypatch.setattr(availability, "check", lambda: {})
    with app.test_request_context("/"):
        state = services.check_available("updates_csv")
        assert (state.name, state.available) == ("updates_csv", True)


def test_a_file_is_built_from_the_chosen_quarters_pack_in_its_language_and_logged(plan, monkeypatch, caplog):
    available_everywhere(monkeypatch)
    seen = {}

    def pack(strategy, period, lang, today=None, periods=None, glm=None):
        seen.update(strategy=strategy.code, period=period.code, lang=lang, today=today, glm=glm and glm.code,
                    periods=len(periods.all), locale=str(get_locale()))
        return "the pack"

    monkeypatch.setattr(services, "build_pack", pack)
    monkeypatch.setattr("sip.exports.hxl.activities_csv", lambda given: b"rows of " + given.encode())
    clock = itertools.chain([100.0], itertools.repeat(102.5))  # started, then every later reading
    monkeypatch.setattr(services.time, "perf_counter", lambda: next(clock))
    with plan.test_request_context("/"), caplog.at_level(logging.INFO, logger="sip.exports.services"):
        period("2026-Q4").glm = True
        accept_a_report("2026-Q1")
        choice = choose("2026-Q4", "fr")
        made = services.build_file("activities_csv", db.session.scalar(select(Strategy)), choice, today=TODAY)
    assert made == Export(b"rows of the pack", "sip-activities-2026-Q4-fr.csv", "text/csv")
    assert seen == {"strategy": "test-plan", "period": "2026-Q1", "lang": "fr", "today": TODAY, "glm": "2026-Q4",
                    "periods": 20, "locale": "fr"}
    [line] = [record.getMessage() for record in caplog.records if record.name == "sip.exports.services"]
    assert line == "export activities_csv 2026-Q4 fr: 16 bytes in 2.5 s"


def test_a_file_is_neither_built_nor_served_from_the_store_while_a_part_it_needs_is_missing(plan, monkeypatch):
    part = availability.Missing("XlsxWriter", "The workbook needs XlsxWriter.", "Install xlsxwriter.")
    available_everywhere(monkeypatch, {"xlsx": [part]})
    monkeypatch.setattr(services, "build_pack", lambda *args, **kwargs: pytest.fail("nothing may be read"))
    monkeypatch.setattr(store, "get", lambda *args: pytest.fail("a kept file may not be served"))
    with plan.test_request_context("/"):
        choice = choose("2024-Q3", "en")
        strategy = db.session.scalar(select(Strategy))
        for call in (services.build_file, services.export):
            with pytest.raises(ExportError) as error:
                call("xlsx", strategy, choice)
            assert error.value.status == 503


def test_an_export_hands_the_store_what_was_chosen(plan, monkeypatch):
    available_everywhere(monkeypatch)
    asked = []
    monkeypatch.setattr(store, "get", lambda *args: asked.append(args) or "kept file")
    with plan.test_request_context("/"):
        choice = choose("2024-Q3", "en")
        strategy = db.session.scalar(select(Strategy))
        assert services.export("updates_csv", strategy, choice, today=TODAY) == "kept file"
    assert asked == [("updates_csv", strategy, choice, TODAY)]
