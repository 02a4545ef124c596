"""The e-mails of notifications: written in the reader's language with a direct link and a one-click unsubscribe."""
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from sip.core.urls import absolute_url
from sip.inbox.events import KINDS, message

UNSUBSCRIBE_SALT = "unsubscribe"
UNSUBSCRIBE_MAX_AGE = 180 * 24 * 3600  # an old mail's link still works for half a year
DIGEST = "digest"  # the unsubscribe "kind" of a digest: every kind the reader gets in digests
# Put in a text composed once per language, replaced by each reader's own unsubscribe link.
_UNSUBSCRIBE_MARK = "\x00unsubscribe\x00"


def _signer() -> TimestampSigner:
    """The signer of unsubscribe links, keyed on the app's secret (its own salt: no other link of the app passes)."""
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed, dated token that lets its holder stop one kind of e-mail (or digests) for one person:
    "<user id>.<kind>.<time>.<signature>", short enough for a mail header."""
    return _signer().sign(f"{user_id}.{kind}").decode()


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a valid, unexpired unsubscribe token, else None."""
    try:
        value = _signer().unsign(token, max_age=UNSUBSCRIBE_MAX_AGE).decode()
    except (BadSignature, SignatureExpired, UnicodeDecodeError):
        return None
    user_id, _dot, kind = value.partition(".")
    if not user_id.isdigit() or (kind not in KINDS and kind != DIGEST):
        return None
    return int(user_id), kind


def unsubscribe_url(user_id: int, kind: str) -> str:
    """The absolute address of a person's unsubscribe link for one kind."""
    return absolute_url("inbox.unsubscribe", token=unsubscribe_token(user_id, kind))


def unsubscribe_urls(kind: str):
    """A function user id -> unsubscribe link for one kind, for many people at once (the signer and the address
    are made once: an event may tell fifty people)."""
    signer = _signer()
    marker = "TOKEN"
    address = absolute_url("inbox.unsubscribe", token=marker)
    head, tail = address.rsplit(marker, 1)
    return lambda user_id: f"{head}{signer.sign(f'{user_id}.{kind}').decode()}{tail}"


def unsubscribe_headers(url: str) -> dict:
    """RFC 2369 / RFC 8058 headers: mail clients offer a one-click unsubscribe that POSTs to the link."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _language(language: str | None) -> str:
    """A language the app speaks: the person's, else the default."""
    return language if language in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def _footer(kind_label: str) -> list[str]:
    """The end of every notification mail: why it came, where to choose, how to stop it."""
    return [
        "-- ",
        _("You receive this e-mail because of your choices for “%(kind)s” in SIP Tracker.", kind=kind_label),
        _("Choose which e-mails you get: %(link)s", link=absolute_url("inbox.settings")),
        _("Stop these e-mails with one click: %(link)s", link=_UNSUBSCRIBE_MARK),
    ]


def compose_instant(kind: str, params: dict, link: tuple[str, dict], language: str | None) -> tuple[str, str]:
    """Subject and text of an instant notification mail in a language, with the unsubscribe link left to fill."""
    with force_locale(_language(language)):
        text = message(SimpleNamespace(kind=kind, params=params))
        subject = _("SIP Tracker: %(message)s", message=text)
        if len(subject) > 200:
            subject = subject[:199] + "…"
        lines = [text, "", _("Open it: %(link)s", link=absolute_url(link[0], **link[1])), "",
                 *_footer(str(KINDS[kind].label))]
        return subject, "\n".join(lines) + "\n"


def compose_digest(name: str, items: list, language: str | None) -> tuple[str, str]:
    """Subject and text of a person's daily digest: every item with its link, the unsubscribe link left to fill."""
    with force_locale(_language(language)):
        subject = _("SIP Tracker: your daily digest (%(count)d)", count=len(items))
        lines = [_("Hello %(name)s,", name=name), "", _("What happened in SIP Tracker since your last digest:"), ""]
        for item in items:
            lines.append("- " + message(item))
            lines.append("  " + absolute_url(item.endpoint, **(item.endpoint_args or {})))
        lines += ["", "-- ",
                  _("You receive this digest because of your e-mail choices in SIP Tracker."),
                  _("Choose which e-mails you get: %(link)s", link=absolute_url("inbox.settings")),
                  _("Stop daily digests with one click: %(link)s", link=_UNSUBSCRIBE_MARK)]
        return subject, "\n".join(lines) + "\n"


def with_unsubscribe(text: str, url: str) -> str:
    """A composed text with the reader's own unsubscribe link put in."""
    return text.replace(_UNSUBSCRIBE_MARK, url)
