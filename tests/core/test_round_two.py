"""Security review, round two (issue 19): the small findings, each tested as the review reproduced it.

5. the language link of a 404 page led off the site; 6. non-canonical static paths filled the in-memory cache;
9. ids of 2^63 or more gave a 500; 10. signed-in pages were sent without `Cache-Control: no-store`.
"""
import html
import re
from urllib.parse import urljoin, urlsplit

import pytest

from sip.accounts.permissions import SECRETARIAT
from tests.conftest import log_in

# --- 5. open redirect through the language link of a 404 page ----------------------------------------------------

# What a browser sends for each address the review tried (PATH_INFO as a server hands it to the app).
HOSTILE_PATHS = [
    "/\\evil.example/phish",  # GET /%5Cevil.example/phish
    "//evil.example",
    "/\\evil.example",
    "/\\\\evil.example",
    "/\\/evil.example",
    "///evil.example/phish",
    "/\\\tevil.example",
]


def language_links(page: str) -> list[str]:
    """The addresses of the language switcher's links on a page."""
    return [html.unescape(href) for href in re.findall(r'<a href="([^"]*)"[^>]*data-lang="', page)]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_finding_5_the_language_link_of_a_404_page_never_leads_off_the_site(client, path):
    response = client.get("/", environ_overrides={"PATH_INFO": path})
    assert response.status_code == 404
    links = language_links(response.text)
    assert links
    for link in links:
        assert re.match(r"/(\?lang=|[^/\\])", link), link
        resolved = urlsplit(urljoin("http://localhost/here/page", link))
        assert resolved.netloc == "localhost" and resolved.scheme == "http", link
        assert "evil.example" not in resolved.netloc


def test_finding_5_the_language_link_of_a_404_page_keeps_an_ordinary_address(client):
    response = client.get("/no-such-page?x=1")
    assert response.status_code == 404
    assert language_links(response.text) == ["/no-such-page?x=1&lang=fr"]


# --- 6. static files aliasing the in-memory cache -----------------------------------------------------------------

ALIASES = [
    "css/x{}/../report-pdf.css",
    "css/./x{}/../report-pdf.css",
    "./css/x{}/../report-pdf.css",
    "css//x{}/../report-pdf.css",
    "css/x{}\\..\\report-pdf.css",
]


def test_finding_6_non_canonical_static_paths_answer_404_and_are_never_cached(client):
    files = client.application.extensions["sip_static_files"].files
    assert client.get("/static/css/report-pdf.css").status_code == 200
    client.get("/no-such-page")  # the error page itself links (and so keeps) the site's own static files
    before = len(files)
    for n in range(50):
        alias = ALIASES[n % len(ALIASES)].format(n)
        response = client.get("/", environ_overrides={"PATH_INFO": f"/static/{alias}"})
        assert response.status_code == 404, alias
    for alias in ("css/./report-pdf.css", "./css/report-pdf.css", "css/report-pdf.css/", "css/x/../report-pdf.css"):
        assert client.get(f"/static/{alias}").status_code == 404, alias
    assert len(files) == before
    assert "css/report-pdf.css" in files and not any(".." in key or "//" in key for key in files)


def test_finding_6_a_canonical_static_path_still_answers_200_and_is_kept_a_year(client):
    page = client.get("/no-such-page").text
    address = re.search(r'"(/static/css/sip\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = client.get(address)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


# --- 9. ids of 2^63 or more --------------------------------------------------------------------------------------
# These pass once create_app installs sip.core.converters before mounting the blueprints.

HUGE_IDS = ["9223372036854775808", "99999999999999999999", "1" + "0" * 5000]


@pytest.mark.parametrize("number", HUGE_IDS)
@pytest.mark.parametrize("template", ["/amendments/{}", "/admin/people/{}"])
def test_finding_9_ids_of_2_to_the_63_or_more_answer_404_for_the_secretariat(app, make_user, template, number):
    client = app.test_client()
    log_in(client, make_user(bodies=[(SECRETARIAT, "member")]))
    assert client.get(template.format(number)).status_code == 404


def test_finding_9_the_largest_id_is_still_a_number_and_one_more_is_not_found(app, make_user):
    client = app.test_client()
    log_in(client, make_user(bodies=[(SECRETARIAT, "member")]))
    assert client.get(f"/admin/people/{2**31 - 1}").status_code == 404  # no such person, but no 500 or 400
    assert client.get(f"/admin/people/{2**31}").status_code == 404  # PostgreSQL's INTEGER ends here: not a 400


def test_finding_9_the_converter_refuses_numbers_no_id_can_be():
    from flask import Flask

    from sip.core import converters

    app = Flask(__name__)
    converters.install(app)

    @app.get("/things/<int:thing_id>")
    def thing(thing_id):
        return str(thing_id)

    @app.get("/small/<int(max=10):n>")
    def small(n):
        return str(n)

    client = app.test_client()
    assert client.get(f"/things/{2**31 - 1}").text == str(2**31 - 1)
    assert client.get(f"/things/{2**31}").status_code == 404
    assert client.get("/things/-1").status_code == 404
    assert client.get("/small/10").text == "10"
    assert client.get("/small/11").status_code == 404


# --- 10. signed-in pages without Cache-Control: no-store ----------------------------------------------------------


def test_finding_10_a_signed_in_account_page_is_sent_with_no_store(app, make_user):
    client = app.test_client()
    log_in(client, make_user())
    response = client.get("/account")
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_finding_10_a_signed_in_body_page_with_its_members_is_sent_with_no_store(app, make_user):
    client = app.test_client()
    user = make_user(bodies=[("wg-im", "lead")], email="lead@example.org")
    make_user(bodies=[("wg-im", "member")], email="member@example.org")
    log_in(client, user)
    response = client.get("/bodies/wg-im")
    assert response.status_code == 200
    assert "member@example.org" in response.text
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_finding_10_anonymous_public_pages_and_static_files_keep_their_caching(app, make_user, make_plan):
    make_plan()
    anonymous = app.test_client()
    response = anonymous.get("/plan")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    signed_in = app.test_client()
    log_in(signed_in, make_user())
    page = signed_in.get("/account").text
    address = re.search(r'"(/static/css/sip\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = signed_in.get(address)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
