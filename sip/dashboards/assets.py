"""plotly.js from the installed plotly package (never a CDN): a versioned address, cached for a year, gzipped once."""
import gzip
import hashlib
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint, Response, abort, request, url_for

bp = Blueprint("dashboards_assets", __name__, url_prefix="/assets")

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# The file starts with a banner: "/**\n* plotly.js v4.1.1\n...".
BANNER_VERSION = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)")
# The address carries the version, so the file never changes under an address: browsers keep it for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@cache
def plotly_js_version() -> str:
    """The version of the plotly.js file plotly ships (from its banner; plotly's own version if it has none)."""
    with PLOTLY_JS.open("rb") as handle:
        match = BANNER_VERSION.search(handle.read(512))
    return match.group(1).decode("ascii") if match else plotly.__version__


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
    """plotly.js read and gzipped once per process (about 4.8 MB → 1.4 MB), kept in memory."""
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
