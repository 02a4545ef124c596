"""E-mail: printed readably to the console without SIP_SMTP_URL, delivered intact through a real SMTP server."""
import logging

from sip.core.mail import send_mail
from tests.smtp import text_of

LINK = "http://sip.test/password-reset/" + "eyJ1IjoxLCJwIjoicmVzZXQifQ.Zx9aBc.k3yLmN0pQrStUvWxYz_-" * 2
SUBJECT = "Réinitialisez votre mot de passe — SIP Tracker"
BODY = (
    "Bonjour Zoé Éléonore,\n\n"
    "Quelqu'un a demandé à réinitialiser votre mot de passe. Choisissez-en un nouveau ici :\n"
    f"{LINK}\n\n"
    "Coût : 0 € ; « guillemets » et œ ç à ù.\n"
)


def test_without_smtp_url_the_email_is_printed_to_stdout_with_headers_and_body(app_ctx, capsys):
    app_ctx.config["SIP_SMTP_URL"] = None
    send_mail("zoe@example.org", SUBJECT, BODY)
    printed = capsys.readouterr().out
    assert "From: SIP Tracker <no-reply@sip.test>" in printed
    assert "To: zoe@example.org" in printed
    assert f"Subject: {SUBJECT}" in printed
    assert BODY in printed  # decoded: accents readable, not quoted-printable or base64


def test_without_smtp_url_a_long_link_is_printed_whole_so_it_can_be_copied(app_ctx, capsys):
    app_ctx.config["SIP_SMTP_URL"] = None
    send_mail("zoe@example.org", "Reset", f"Choose a new password here:\n{LINK}\n")
    lines = capsys.readouterr().out.splitlines()
    assert LINK in lines  # one line, no soft line breaks in the middle of the link


def test_without_smtp_url_the_email_is_not_logged(app_ctx, caplog, capsys):
    app_ctx.config["SIP_SMTP_URL"] = None
    caplog.set_level(logging.DEBUG)
    send_mail("zoe@example.org", SUBJECT, BODY)
    assert LINK in capsys.readouterr().out
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "eyJ1IjoxLCJwIjoicmVzZXQifQ" not in logged
    assert "zoe@example.org" not in logged


def test_without_smtp_url_nothing_goes_to_an_smtp_server(app_ctx, smtp_server, capsys):
    app_ctx.config["SIP_SMTP_URL"] = None
    send_mail("zoe@example.org", SUBJECT, BODY)
    assert smtp_server.messages == []
    assert "To: zoe@example.org" in capsys.readouterr().out


def test_smtp_delivers_from_to_subject_and_utf8_body_intact(app_ctx, smtp_server, capsys):
    send_mail("zoe@example.org", SUBJECT, BODY)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["From"] == "SIP Tracker <no-reply@sip.test>"
    assert message["To"] == "zoe@example.org"
    assert message["Subject"] == SUBJECT
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert text_of(message) == BODY
    assert smtp_server.envelopes == [{"mail_from": "no-reply@sip.test", "rcpt_tos": ["zoe@example.org"]}]
    assert capsys.readouterr().out == ""  # delivered, not printed


def test_smtp_delivery_keeps_a_long_link_whole(app_ctx, smtp_server):
    send_mail("jean@example.org", "Reset", f"Choose a new password here:\n{LINK}\n")
    assert LINK in text_of(smtp_server.messages[0]).splitlines()


def test_smtp_delivers_each_email_separately(app_ctx, smtp_server):
    send_mail("a@example.org", "First", "One\n")
    send_mail("b@example.org", "Second", "Two\n")
    assert [(m["To"], m["Subject"], text_of(m)) for m in smtp_server.messages] == [
        ("a@example.org", "First", "One\n"),
        ("b@example.org", "Second", "Two\n"),
    ]
