"""Field readiness through the test client: static caching, the service worker, sign-out, errors the GOV.UK way,
the vendored partial plotly.js, chart configuration and badge contrast."""
import re

from sip.config import ROOT
from sip.dashboards.assets import PLOTLY_JS
from sip.dashboards.charts import plotly_config
from tests.conftest import log_in


def test_static_files_are_public_immutable_and_do_not_vary_by_cookie_even_when_signed_in(seeded, client, make_user):
    log_in(client, make_user())
    html = client.get("/").get_data(as_text=True)
    address = re.search(r'href="(/static/css/sip\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(address)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_the_service_worker_is_served_at_the_root_with_the_versioned_app_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert re.search(r'var SHELL = \[.*"/static/css/sip\.css\?v=[0-9a-f]{12}"', response.get_data(as_text=True))
    assert "no-store" in response.headers["Cache-Control"] or "no-cache" in response.headers["Cache-Control"]


def test_signing_out_tells_the_browser_to_clear_what_it_kept(seeded, client, make_user):
    log_in(client, make_user())
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_a_failed_form_gets_an_error_summary_linking_to_each_invalid_field(seeded, client):
    html = client.post("/password-reset", data={"email": "not an address"}).get_data(as_text=True)
    if "error-summary" not in html:  # the page answers the same whatever was typed (no account enumeration)
        html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert summary and 'tabindex="-1"' in summary.group(0) and "data-error-summary" in summary.group(0)
    for field_id in re.findall(r'<a href="#([\w-]+)">', summary.group(0)):
        control = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in control
        assert f"{field_id}-error" in re.search(r'aria-describedby="([^"]+)"', control).group(1)
        assert f'id="{field_id}-error"' in html


def test_the_vendored_plotly_bundle_is_partial_licensed_and_documented():
    banner = PLOTLY_JS.read_bytes()[:200].decode()
    assert banner.startswith("/*! plotly.js v") and "bar, heatmap, sunburst" in banner
    assert PLOTLY_JS.stat().st_size < 1_400_000  # the full bundle is 4.8 MB
    folder = PLOTLY_JS.parent
    assert (folder / "LICENSE").read_text().startswith("MIT License")
    assert "esbuild" in (folder / "README.md").read_text()


def test_charts_have_no_toolbar_no_cloud_and_the_readers_locale():
    config = plotly_config("fr")
    assert config["displayModeBar"] is False and config["showSendToCloud"] is False
    assert config["plotlyServerURL"] == "" and config["locale"] == "fr"
    assert plotly_config("en")["locale"] == "en"


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_status_badges_with_white_text_read_at_4_5_to_1_or_more():
    css = (ROOT / "static/css/sip.css").read_text()
    palette = dict(re.findall(r"--(\w+): (#[0-9a-f]{6})", css))
    for status in ("planned", "on_track", "delayed", "completed", "discontinued"):
        assert _contrast(palette[status], "#ffffff") >= 4.5, status
    assert _contrast(palette["at_risk"], "#000000") >= 4.5


def test_print_hides_navigation_forms_and_internal_comments():
    css = (ROOT / "static/css/sip.css").read_text()
    printed = css[css.index("@media print {", css.index("Print: the page's content only")):]
    for selector in ("header.site", "nav", "form", ".comments .internal"):
        assert selector in printed.split("}")[0]
