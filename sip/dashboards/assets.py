"""plotly.js, the partial bundle vendored in static/vendor/plotly (never a CDN): a versioned address, cached for a
year, gzipped once.

The plotly Python package ships the full bundle (1.4 MB gzipped, 99 % of the SAG dashboard's first visit); the
vendored one holds only the trace types `charts.py` draws and the French locale (440 KB gzipped), and the
dashboards load it only when the reader asks for the interactive charts (static/js/charts.js).
"""
import gzip
import hashlib
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, request, url_for

bp = Blueprint("dashboards_assets", __name__, url_prefix="/assets")

PLOTLY_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "plotly" / "plotly-sip.min.js"
# The file starts with a banner: "/*! plotly.js v4.1.1-sip1 | …"; the "-sipN" part changes with every rebuild.
BANNER_VERSION = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)")
# The address carries the version, so the file never changes under an address: browsers keep it for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@cache
def plotly_js_version() -> str:
    """The version of the vendored plotly.js bundle, from its banner ("unknown" if it has none)."""
    with PLOTLY_JS.open("rb") as handle:
        match = BANNER_VERSION.search(handle.read(512))
    return match.group(1).decode("ascii") if match else "unknown"


@dataclass(frozen=True)
class Asset:
    """A file's bytes, its gzipped bytes and the strong ETag of each."""

    raw: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str


_lock = threading.Lock()
_asset: Asset | None = None


def plotly_asset() -> Asset:
    """plotly.js read and gzipped once per process (about 1.27 MB → 440 KB), kept in memory."""
    global _asset
    if _asset is None:
        with _lock:  # threads that ask at the same time wait for one compression
            if _asset is None:
                raw = PLOTLY_JS.read_bytes()
                digest = hashlib.sha256(raw).hexdigest()[:32]
                _asset = Asset(raw, gzip.compress(raw, compresslevel=9, mtime=0), digest, f"{digest}-gzip")
    return _asset


def plotly_js_url() -> str:
    """The address of plotly.js for templates."""
    return url_for("dashboards_assets.plotly", version=plotly_js_version())


def plotly_js_kilobytes() -> int:
    """What loading the charts costs on the wire, in KB (gzipped), for the button that offers them."""
    return round(len(plotly_asset().gzipped) / 1024)


def _accepts_gzip() -> bool:
    """True when the client takes gzip (and has not refused it with q=0)."""
    return request.accept_encodings["gzip"] > 0


@bp.get("/plotly-<version>.min.js", endpoint="plotly")
def plotly_js(version: str):
    """The plotly.js library: public, cached for a year, gzipped when the browser accepts it, 304 when unchanged."""
    if version != plotly_js_version():
        abort(404)
    asset = plotly_asset()
    gzipped = _accepts_gzip()
    etag = asset.gzip_etag if gzipped else asset.etag
    if request.if_none_match.contains_weak(asset.etag) or request.if_none_match.contains_weak(asset.gzip_etag):
        response = Response(status=304)
    else:
        response = Response(asset.gzipped if gzipped else asset.raw, mimetype="text/javascript")
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Vary"] = "Accept-Encoding"
    return response
