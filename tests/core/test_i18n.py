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
