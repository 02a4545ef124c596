"""Sending e-mail through SMTP at SIP_SMTP_URL, or printing it to the console when unset.

Only the outbox worker (sip/core/outbox.py) sends; web requests write to the outbox instead.
"""
import contextlib
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app

DEFAULT_FROM = "SIP Tracker <no-reply@localhost>"
# Mail a person asked for or was sent by a person (an invitation, a reset link): every other kind is written by the
# app on its own (reminders, notifications, digests) and says so with Auto-Submitted (RFC 3834), so that
# out-of-office answers and mail loops leave it alone.
PERSONAL_KINDS = ("invitation", "password_reset")


class Unreachable(OSError):
    """The mail server could not be reached or refused the connection (the original error is the __cause__)."""


def build_message(to: str, subject: str, body: str, *, headers: dict | None = None,
                  message_id: str | None = None, automatic: bool = False) -> EmailMessage:
    """A plain-text e-mail from the configured sender, dated, with a Message-ID, extra headers (e.g.
    List-Unsubscribe) and, for mail the app writes on its own, Auto-Submitted."""
    message = EmailMessage()
    message["From"] = current_app.config.get("SIP_MAIL_FROM", DEFAULT_FROM)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)  # some filters score mail without a Date as spam
    sender_domain = parseaddr(message["From"])[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = message_id or make_msgid(domain=sender_domain)
    if automatic:
        message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if name.lower() in ("from", "to", "subject", "message-id", "date", "auto-submitted"):
            continue  # the outbox row says who and what; its extra headers may not change them
        message[name] = value
    message.set_content(body)
    return message


def message_id_for(key: str) -> str:
    """A Message-ID made from a stable key (the outbox row), on the sender's domain: the same mail, the same id."""
    domain = parseaddr(current_app.config.get("SIP_MAIL_FROM", DEFAULT_FROM))[1].rpartition("@")[2] or "localhost"
    return f"<{key}@{domain}>"


def send_mail(to: str, subject: str, body: str, *, headers: dict | None = None, message_id: str | None = None) -> None:
    """Send an e-mail at once; without SIP_SMTP_URL it is printed to the console (never to the log)."""
    with Postman() as postman:
        postman.send(build_message(to, subject, body, headers=headers, message_id=message_id))


class Postman:
    """Sends e-mails one after the other over one SMTP connection (opened at the first, reopened after an error)."""

    def __init__(self):
        url = current_app.config.get("SIP_SMTP_URL")
        self.url = urlsplit(url) if url else None
        self.server = None

    def send(self, message: EmailMessage) -> None:
        """Deliver one e-mail, or print it when no SMTP server is configured; raises OSError when it fails."""
        if self.url is None:
            if current_app.config.get("SIP_ENV") == "production":  # never a link on a console that is logged
                raise Unreachable("SIP_SMTP_URL is not set; production does not print e-mails")
            print(_readable(message), file=sys.stdout, flush=True)
            return
        reused = self.server is not None
        try:
            if self.server is None:
                self.server = self._open()
            self.server.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.close()
            if not reused:
                raise
            # The server closed a connection that sat idle between two mails: once more on a fresh one.
            self.server = self._open()
            self.server.send_message(message)
        except OSError:
            self.close()  # the connection is in an unknown state; the next mail opens a new one
            raise

    def _open(self) -> smtplib.SMTP:
        """A new connection; Unreachable when the server cannot be reached or will not talk."""
        try:
            return _connect(self.url)
        except OSError as error:
            raise Unreachable(str(error)) from error

    def close(self) -> None:
        """Say goodbye to the SMTP server, if connected."""
        if self.server is not None:
            with contextlib.suppress(OSError):
                self.server.quit()
            with contextlib.suppress(OSError):
                self.server.close()
            self.server = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


def _readable(message: EmailMessage) -> str:
    """The e-mail as a person reads it: headers and the decoded body, so a link can be copied whole.

    Printing the MIME form would show quoted-printable or base64, which breaks long links and accented text.
    """
    names = ["From", "To", "Subject"] + [name for name in message.keys()
                                         if name not in ("From", "To", "Subject", "Content-Type",
                                                         "Content-Transfer-Encoding", "MIME-Version")]
    headers = "\n".join(f"{name}: {message[name]}" for name in names)
    return f"--- e-mail (SIP_SMTP_URL is not set) ---\n{headers}\n\n{message.get_content()}--- end of e-mail ---"


def _connect(url) -> smtplib.SMTP:
    """An SMTP connection through smtp://, smtp+starttls:// or smtps:// (with user:password@ when needed)."""
    port = url.port or {"smtps": 465, "smtp+starttls": 587}.get(url.scheme, 25)
    if url.scheme == "smtps":
        server = smtplib.SMTP_SSL(url.hostname, port, context=ssl.create_default_context(), timeout=20)
    else:
        server = smtplib.SMTP(url.hostname, port, timeout=20)
    try:
        if url.scheme == "smtp+starttls":
            server.starttls(context=ssl.create_default_context())
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
    except BaseException:
        server.close()
        raise
    return server
