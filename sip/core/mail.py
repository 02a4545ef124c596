"""Sending e-mail through SMTP at SIP_SMTP_URL, or printing it to the console when unset."""
import smtplib
import ssl
import sys
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text e-mail from the configured sender."""
    message = EmailMessage()
    message["From"] = current_app.config.get("SIP_MAIL_FROM", "SIP Tracker <no-reply@localhost>")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    """Send an e-mail; without SIP_SMTP_URL it is printed to the console (never to the log)."""
    message = build_message(to, subject, body)
    url = current_app.config.get("SIP_SMTP_URL")
    if not url:
        print(_readable(message), file=sys.stdout, flush=True)
        return
    _deliver(urlsplit(url), message)


def _readable(message: EmailMessage) -> str:
    """The e-mail as a person reads it: headers and the decoded body, so a link can be copied whole.

    Printing the MIME form would show quoted-printable or base64, which breaks long links and accented text.
    """
    headers = "\n".join(f"{name}: {message[name]}" for name in ("From", "To", "Subject"))
    return f"--- e-mail (SIP_SMTP_URL is not set) ---\n{headers}\n\n{message.get_content()}--- end of e-mail ---"


def _deliver(url, message: EmailMessage) -> None:
    """Deliver through smtp://, smtp+starttls:// or smtps:// (with user:password@ when needed)."""
    port = url.port or {"smtps": 465, "smtp+starttls": 587}.get(url.scheme, 25)
    if url.scheme == "smtps":
        server = smtplib.SMTP_SSL(url.hostname, port, context=ssl.create_default_context(), timeout=20)
    else:
        server = smtplib.SMTP(url.hostname, port, timeout=20)
    with server:
        if url.scheme == "smtp+starttls":
            server.starttls(context=ssl.create_default_context())
        if url.username:
            server.login(unquote(url.username), unquote(url.password or ""))
        server.send_message(message)
