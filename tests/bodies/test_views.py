"""Body pages through the test client."""
import re

from tests.helpers import page_text


def test_bodies_page_lists_the_seven_bodies_with_their_activity_counts(seeded, client):
    html = page_text(client.get("/bodies?lang=en"))
    slugs = set(re.findall(r'href="/bodies/([\w-]+)"', html))
    assert slugs == {"rome-support-team", "country-support-teams", "glc", "sag", "wg-partnerships", "wg-training", "working-groups"}
    assert '<a href="/plan?body=wg-training">2</a>' in html


def section(html: str, name: str) -> str:
    """The HTML of the page's section with this id."""
    return re.search(rf'<section id="{name}".*?</section>', html, re.S).group(0)


def test_body_page_lists_the_activities_it_is_accountable_for_apart_from_those_it_contributes_to(seeded, client):
    html = page_text(client.get("/bodies/sag?lang=en"))
    accountable, contributing = section(html, "accountable"), section(html, "contributing")
    assert re.findall(r'href="/plan/activities/([\d.]+)"', accountable) == ["1.3.1.2", "1.3.1.3"]
    assert re.findall(r'href="/plan/activities/([\d.]+)"', contributing) == ["1.2.1.4", "4.2.3.1"]
    assert "Contributor" in contributing and "Lead" in accountable


def test_body_page_in_french_uses_french_names(seeded, client):
    html = page_text(client.get("/bodies/wg-training?lang=fr"))
    assert "Groupe de travail sur la formation" in html


def test_unknown_body_is_404(seeded, client):
    assert client.get("/bodies/no-such-body").status_code == 404


def test_bodies_page_without_bodies_says_so(client):
    assert "No body is recorded yet." in page_text(client.get("/bodies?lang=en"))
