"""plotly.js, the partial bundle vendored under static/vendor/plotly: versioned address, long cache, gzip, ETag and 304."""
import gzip

import pytest

from sip.dashboards.assets import PLOTLY_JS, plotly_js_version


@pytest.fixture
def plotly_url(app):
    with app.test_request_context():
        from sip.dashboards.assets import plotly_js_url

        return plotly_js_url()


def test_address_carries_the_version_of_the_plotly_js_file(plotly_url):
    banner = PLOTLY_JS.read_bytes()[:200].decode()
    assert f"plotly.js v{plotly_js_version()}" in banner
    assert plotly_url == f"/assets/plotly-{plotly_js_version()}.min.js"


def test_plotly_js_is_public_and_served_from_the_installed_package_with_a_year_of_cache(client, plotly_url):
    response = client.get(plotly_url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == PLOTLY_JS.read_bytes()
    assert "Content-Encoding" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["ETag"]
    assert "Accept-Encoding" in response.headers["Vary"]


def test_plotly_js_is_gzipped_when_the_browser_accepts_it(client, plotly_url):
    response = client.get(plotly_url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) < len(PLOTLY_JS.read_bytes()) / 2
    assert gzip.decompress(response.data) == PLOTLY_JS.read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_gzip_refused_with_q_zero_gets_the_plain_file(client, plotly_url):
    response = client.get(plotly_url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data == PLOTLY_JS.read_bytes()


def test_the_file_is_compressed_once_per_process(client, plotly_url):
    from sip.dashboards import assets

    first = client.get(plotly_url, headers={"Accept-Encoding": "gzip"})
    kept = assets.plotly_asset()
    second = client.get(plotly_url, headers={"Accept-Encoding": "gzip"})
    assert assets.plotly_asset() is kept
    assert first.data == second.data == kept.gzipped


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_a_browser_with_the_file_gets_304_without_a_body(client, plotly_url, encoding):
    first = client.get(plotly_url, headers={"Accept-Encoding": encoding})
    again = client.get(plotly_url, headers={"Accept-Encoding": encoding, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_gzipped_and_plain_files_have_different_etags(client, plotly_url):
    plain = client.get(plotly_url, headers={"Accept-Encoding": "identity"}).headers["ETag"]
    zipped = client.get(plotly_url, headers={"Accept-Encoding": "gzip"}).headers["ETag"]
    assert plain != zipped


def test_a_changed_file_gets_a_200_with_the_new_file(client, plotly_url):
    response = client.get(plotly_url, headers={"Accept-Encoding": "identity", "If-None-Match": '"an-old-version"'})
    assert response.status_code == 200
    assert response.data == PLOTLY_JS.read_bytes()


def test_another_version_of_plotly_js_is_not_found(client):
    assert client.get("/assets/plotly-0.0.1.min.js").status_code == 404


def test_plotly_js_is_never_taken_from_a_cdn(seeded, client, make_user):
    from sip.extensions import db
    from sip.plan.queries import current_strategy
    from sip.reporting.services import ensure_periods
    from tests.conftest import log_in

    with seeded.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
    log_in(client, make_user(bodies=[("sag", "member")]))
    html = client.get("/dashboards/sag").get_data(as_text=True)
    assert f'data-plotly="/assets/plotly-{plotly_js_version()}.min.js"' in html  # loaded by charts.js on demand
    assert "cdn" not in html.lower()
