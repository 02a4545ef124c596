"""Bilingual text, language choice and the translation catalogues."""
import re

from tests.helpers import page_text

import pytest

from sip.core.catalogues import problems
from sip.core.i18n import pick


def test_pick_returns_the_text_in_the_wanted_language():
    assert pick({"fr": "Pilier", "en": "Pillar"}, "en") == "Pillar"


def test_pick_falls_back_to_the_other_language_when_missing():
    assert pick({"fr": "Pilier", "en": ""}, "en") == "Pilier"
    assert pick({"en": "Pillar"}, "fr") == "Pillar"


def test_pick_of_nothing_is_empty():
    assert pick(None, "fr") == ""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalogue_is_complete_with_no_fuzzy_entry(lang):
    assert problems(lang) == []


def _lang(response) -> str:
    """The language the page declares."""
    return re.search(r'<html lang="(\w+)"', page_text(response)).group(1)


def test_browser_language_is_the_default(client):
    assert _lang(client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})) == "fr"
    assert _lang(client.get("/", headers={"Accept-Language": "en-GB"})) == "en"


def test_lang_parameter_is_remembered_for_later_pages(client):
    client.get("/?lang=fr", headers={"Accept-Language": "en"})
    response = client.get("/plan/glossary", headers={"Accept-Language": "en"})
    assert _lang(response) == "fr"
    assert "Glossaire" in page_text(response)


def test_unknown_lang_parameter_is_ignored(client):
    assert _lang(client.get("/?lang=xx", headers={"Accept-Language": "en"})) == "en"


def test_language_switcher_links_keep_the_current_filters(seeded, client):
    html = page_text(client.get("/plan?status=completed&lang=en"))
    assert 'href="/plan?status=completed&lang=fr"' in html


def test_open_agrees_with_what_it_qualifies_in_french(app):
    from flask_babel import force_locale

    from sip.meetings.models import ACTION_STATES
    from sip.reporting.models import PERIOD_STATES
    with app.test_request_context(), force_locale("fr"):
        assert str(PERIOD_STATES["open"]) == "Ouverte"  # une période
        assert str(ACTION_STATES["open"]) == "Ouvert"  # un point d'action


def test_a_string_with_a_context_missing_from_the_catalogue_is_reported(monkeypatch):
    from sip.core import catalogues
    extracted = catalogues.extracted_ids()
    monkeypatch.setattr(catalogues, "extracted_ids", lambda: extracted | {"meeting\x04Open"})
    assert problems("fr") == ["missing: meeting\x04Open"]
