"""Compressed responses and versioned static files: what a slow connection downloads, first visit and repeat."""
import gzip
import re

from sip.core import delivery
from sip.core.parts import PartCache

GZIP = {"Accept-Encoding": "gzip"}


def static_url(html: str, name: str) -> str:
    """The address a page gives for a static file."""
    return re.search(rf'"(/static/{re.escape(name)}\?v=[0-9a-f]{{12}})"', html).group(1)


def test_pages_are_gzipped_when_the_browser_accepts_it_and_say_so_in_vary(seeded):
    client = seeded.test_client()
    plain = client.get("/plan/glossary")
    assert plain.status_code == 200
    zipped = client.get("/plan/glossary", headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    assert "Accept-Encoding" in zipped.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]


def test_a_browser_that_refuses_gzip_gets_the_plain_page(seeded):
    client = seeded.test_client()
    response = client.get("/plan/glossary", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers and b"<html" in response.data


def test_small_responses_and_errors_are_left_as_they_are(client):
    assert "Content-Encoding" not in client.get("/healthz", headers=GZIP).headers
    assert "Content-Encoding" not in client.get("/no-such-page", headers=GZIP).headers


def test_pages_link_static_files_by_version_and_that_version_is_kept_a_year(client):
    html = client.get("/").get_data(as_text=True)
    address = static_url(html, "css/sip.css")
    response = client.get(address, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"--on_track" in gzip.decompress(response.data)


def test_a_static_file_without_its_version_is_kept_an_hour_only(client):
    response = client.get("/static/css/sip.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=3600"
    old = client.get("/static/css/sip.css?v=000000000000")
    assert old.headers["Cache-Control"] == "public, max-age=3600"


def test_an_unchanged_static_file_answers_304(client):
    first = client.get("/static/css/sip.css", headers=GZIP)
    again = client.get("/static/css/sip.css", headers={**GZIP, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_static_paths_cannot_leave_the_static_folder(client):
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/%2e%2e/app.py").status_code == 404
    assert client.get("/static/no-such-file.css").status_code == 404


def test_a_static_files_version_follows_its_bytes(tmp_path):
    (tmp_path / "a.css").write_text("body { color: red; }" * 100)
    files = delivery.StaticFiles(str(tmp_path))
    first = files.get("a.css")
    assert first.mimetype == "text/css" and first.gzipped is not None
    assert gzip.decompress(first.gzipped) == first.raw
    (tmp_path / "b.css").write_text("body { color: blue; }" * 100)
    assert files.get("b.css").version != first.version
    assert files.get("../a.css") is None


def test_equal_bodies_are_compressed_once_and_different_ones_each_time(monkeypatch):
    calls = []
    real = gzip.compress
    monkeypatch.setattr(delivery.gzip, "compress", lambda data, **kw: calls.append(data) or real(data, **kw))
    cache = PartCache(size=2)

    def compressed(data: bytes) -> bytes:
        return delivery.compressed(data, cache)

    page, other, third = b"<p>plan</p>" * 200, b"<p>other</p>" * 200, b"<p>third</p>" * 200
    assert gzip.decompress(compressed(page)) == page
    assert compressed(page) == compressed(page) and len(calls) == 1
    compressed(other), compressed(third)  # the page is now the least recently used of three: dropped
    assert gzip.decompress(compressed(page)) == page and len(calls) == 4
