"""What goes over the wire: compressed text responses, and static files under addresses that change with them.

Field connections are slow, so every text response of more than a kilobyte is gzipped when the browser accepts it,
and static files are addressed as `/static/css/sip.css?v=<content hash>`: the address changes when the file does,
so browsers may keep each version for a year without asking again (a repeat visit downloads the page alone).
Static files are read, hashed and gzipped once per process and kept in memory (they are a few small files).
"""
import gzip
import hashlib
import mimetypes
import posixpath
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import safe_join

from sip.core.parts import PartCache

# Content types worth compressing (images other than SVG, and fonts, are compressed already).
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/xml")
MIN_SIZE = 1024
LEVEL = 6  # zlib's default: most of the gain of 9 at a fraction of its time, for responses made per request
IMMUTABLE = "public, max-age=31536000, immutable"
# A static file asked for without its version (or with an old one): usable for an hour, then checked again.
UNVERSIONED = "public, max-age=3600"


def accepts_gzip() -> bool:
    """True when the client takes gzip (and has not refused it with q=0)."""
    return request.accept_encodings["gzip"] > 0


def compressible(response: Response) -> bool:
    """A complete text response of some size, not already encoded."""
    return (not response.direct_passthrough and not response.is_streamed
            and response.status_code == 200 and "Content-Encoding" not in response.headers
            and response.mimetype.startswith(COMPRESSIBLE) and (response.content_length or 0) >= MIN_SIZE)


# Gzipped bodies kept by their digest: a page whose bytes repeat (an anonymous visitor's plan page, kept rendered)
# is compressed once per process rather than once per request; different bytes simply miss.
_compressed = PartCache(size=32)


def compressed(data: bytes, cache: PartCache = _compressed) -> bytes:
    """data gzipped (at LEVEL, without a time stamp, so equal bytes give equal output), once per distinct body."""
    digest = hashlib.blake2b(data, digest_size=16).digest()
    found = cache.get(digest)
    if found is None:
        found = gzip.compress(data, compresslevel=LEVEL, mtime=0)
        cache.put(digest, found)
    return found


def compress_response(response: Response) -> Response:
    """Gzip a text response when the client accepts it; say in Vary that the answer depends on it."""
    if not compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip():
        return response
    response.set_data(compressed(response.get_data()))
    response.headers["Content-Encoding"] = "gzip"
    if response.headers.get("ETag"):  # a strong ETag names the bytes, which changed
        etag, weak = response.get_etag()
        response.set_etag(f"{etag}-gzip", weak=weak)
    return response


def canonical(filename: str) -> bool:
    """True when a static path is written the one way it normalises to: relative, "/" between non-empty segments,
    no "." or ".." segment, no backslash or control character (`css/x/../sip.css` and `css//sip.css` are not)."""
    if not filename or "\\" in filename or any(ord(ch) < 32 or ord(ch) == 127 for ch in filename):
        return False
    segments = filename.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return False
    return posixpath.normpath(filename) == filename


@dataclass(frozen=True)
class StaticFile:
    """A static file's bytes, gzipped bytes (None when not worth it), content type and version."""

    raw: bytes
    gzipped: bytes | None
    mimetype: str
    version: str


class StaticFiles:
    """The app's static folder, each file read once per process."""

    def __init__(self, folder: str):
        self.folder = folder
        self.files: dict[str, StaticFile] = {}
        self.lock = threading.Lock()

    def get(self, filename: str) -> StaticFile | None:
        """The file at this path under the folder, or None when there is none, the path leaves the folder or is not
        written in its one canonical form (only canonical paths are kept, so aliases cannot fill the memory)."""
        found = self.files.get(filename)
        if found is None:
            if not canonical(filename):
                return None
            path = safe_join(self.folder, filename)
            if path is None or not Path(path).is_file():
                return None
            found = self._read(Path(path))
            with self.lock:
                self.files[filename] = found
        return found

    @staticmethod
    def _read(path: Path) -> StaticFile:
        """Read, hash and (for text) gzip one file."""
        raw = path.read_bytes()
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        worth = mimetype.startswith(COMPRESSIBLE) and len(raw) >= MIN_SIZE
        gzipped = gzip.compress(raw, compresslevel=9, mtime=0) if worth else None
        return StaticFile(raw, gzipped, mimetype, hashlib.sha256(raw).hexdigest()[:12])


def serve_static(files: StaticFiles, filename: str) -> Response:
    """A static file: cached for a year when asked for at its current version, gzipped when accepted, 304 when the
    browser already has it."""
    found = files.get(filename) or abort(404)
    gzipped = found.gzipped is not None and accepts_gzip()
    etag = f"{found.version}-gzip" if gzipped else found.version
    if request.if_none_match.contains_weak(found.version) or request.if_none_match.contains_weak(f"{found.version}-gzip"):
        response = Response(status=304)
    else:
        response = Response(found.gzipped if gzipped else found.raw, mimetype=found.mimetype)
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == found.version else UNVERSIONED
    if found.gzipped is not None:
        response.vary.add("Accept-Encoding")
    return response


class PublicResponsesSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, except that a public response (a static file, plotly.js: the same bytes for everyone)
    neither says `Vary: Cookie` nor refreshes the cookie when the request only read the session: a shared office
    proxy may then keep one copy for every reader instead of one per person."""

    def save_session(self, app, session, response) -> None:
        """Save as Flask does, except on a public response whose request changed nothing in the session: no cookie
        refreshed, no Vary (the session is saved again by the next page anyway)."""
        if response.cache_control.public and not session.modified:
            return
        super().save_session(app, session, response)


def install(app: Flask) -> None:
    """Serve static files from memory under versioned addresses, and gzip text responses."""
    app.session_interface = PublicResponsesSessionInterface()
    files = StaticFiles(app.static_folder)
    app.extensions["sip_static_files"] = files
    app.view_functions["static"] = lambda filename: serve_static(files, filename)

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = files.get(values["filename"])
            if found is not None:
                values["v"] = found.version

    app.after_request(compress_response)
