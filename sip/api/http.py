"""The API's HTTP conventions: problem details for errors, pagination links, ETags, token authentication."""
import json

from flask import Response, current_app, g, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from sip.core.database import intending_to_write
from sip.extensions import db

PROBLEM_TYPE = "about:blank"
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, *, errors: dict | None = None,
            headers: dict | None = None) -> Response:
    """An error as RFC 9457 problem details (application/problem+json)."""
    body = {"type": PROBLEM_TYPE, "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_for(error: HTTPException) -> Response:
    """An HTTP error raised in the API (or at an unknown address under /api) as problem details; invalid query
    parameters (webargs' 422) become a 400 naming each one."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if error.code == 422 or messages:
        errors = messages.get("query", messages) if isinstance(messages, dict) else None
        return problem(400, "Bad Request", _("A query parameter is not valid."), errors=errors)
    headers = {"Allow": ", ".join(sorted(error.valid_methods))} if getattr(error, "valid_methods", None) else None
    detail = error.description if error.code != 500 else None
    return problem(error.code or 500, error.name, detail, headers=headers)


# --- pagination ---------------------------------------------------------------------------------------------------


def paged(page, per_page: int, **extra) -> dict:
    """The envelope of a page: numbers and the links to the first, last, previous and next pages (also sent as a
    Link header by `finish`)."""
    args = {key: value for key, value in request.args.items() if key not in ("page", "per_page")}

    def link(number: int) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **args, page=number, per_page=per_page,
                       _external=False)

    links = {"self": link(page.number), "first": link(1), "last": link(page.pages)}
    if page.has_prev:
        links["prev"] = link(page.number - 1)
    if page.has_next:
        links["next"] = link(page.number + 1)
    g.api_links = links
    return {"page": page.number, "per_page": per_page, "total": page.total, "pages": page.pages, "links": links,
            **extra}


def finish(response: Response) -> Response:
    """After each API response: a Link header for pages, and an ETag with If-None-Match answered by 304."""
    links = g.pop("api_links", None)
    if links:
        response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if rel != "self")
    if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.direct_passthrough:
        response.add_etag()  # a hash of the body: the same data for the same reader gives the same tag
        etag, _weak = response.get_etag()
        for name in ("Authorization", "Cookie", "Accept-Language"):
            response.vary.add(name)
        # The app gzips afterwards and then names the bytes "<tag>-gzip" (sip.core.delivery): either matches.
        sent = request.if_none_match
        if sent and (sent.contains(etag) or sent.contains(f"{etag}-gzip") or sent.star_tag):
            not_modified = Response(status=304)
            not_modified.set_etag(f"{etag}-gzip" if sent.contains(f"{etag}-gzip") else etag)
            not_modified.vary.update(response.vary)
            return not_modified
    return response


# --- who is asking ------------------------------------------------------------------------------------------------


def authenticate():
    """Before each API request: a personal access token in `Authorization: Bearer …` makes the request its owner's
    (read-only: the API has no other method than GET); without one, the reader is whoever the session says (an
    anonymous reader sees the public plan). A bad or expired token is 401, too many requests 429."""
    from sip.api.services import use_token

    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return problem(401, "Unauthorized", _("Send a personal access token as “Authorization: Bearer <token>”."),
                       headers={"WWW-Authenticate": 'Bearer realm="sip"'})
    db.session.commit()  # end whatever the session hooks read, so that the count below starts its own transaction
    with intending_to_write():
        check = use_token(secret.strip())
    if check.refused == "rate_limited":
        return problem(429, "Too Many Requests",
                       _("This token made more than %(count)d requests in a minute; wait and try again.",
                         count=current_app.config["SIP_API_RATE_PER_MINUTE"]),
                       headers={"Retry-After": str(check.retry_after)})
    if check.refused:
        return problem(401, "Unauthorized", _("The token is unknown, revoked or expired, or its owner can no longer "
                                              "sign in."), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    from sip.reporting.queries import load_person

    g._login_user = load_person(check.user_id)  # with memberships, so that role checks need no more queries
    g.api_token_user = True
    return None
