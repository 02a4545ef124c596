"""A real SMTP server on loopback (aiosmtpd) that keeps every e-mail the app sends."""
import contextlib
import email
import email.policy
import logging
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    """A loopback port nobody listens on right now (Controller does not accept port 0 in every version)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def delivered(app, smtp_server=None, now=None):
    """Do what the worker does (sip.core.outbox.deliver_due) and return the server's messages (or the Delivery).

    Mail is only queued by the app; tests that expect it at the loopback server call this first.
    """
    from sip.core.outbox import deliver_due

    with app.app_context():
        result = deliver_due(now)
    return smtp_server.messages if smtp_server is not None else result


def capture_queued(monkeypatch) -> list:
    """Record every e-mail queued in the outbox, as (to, subject, body), while still queueing it."""
    from sip.core import outbox

    queued, enqueue = [], outbox.enqueue

    def spy(to, subject, body, **options):
        queued.append((to, subject, body))
        return enqueue(to, subject, body, **options)

    monkeypatch.setattr(outbox, "enqueue", spy)
    return queued


def message_ids(messages) -> list[str]:
    """The Message-ID of each received e-mail, in order."""
    return [message["Message-ID"] for message in messages]


def text_of(message) -> str:
    """The decoded body of a received e-mail, with the wire's CRLF line ends turned back into newlines."""
    return message.get_content().replace("\r\n", "\n")


@dataclass
class ReceivedMail:
    """What the test SMTP server has received: parsed messages and their envelopes, in order."""

    port: int
    messages: list = field(default_factory=list)
    envelopes: list = field(default_factory=list)
    controller: object = None

    def stop(self) -> None:
        """Stop listening (connections are refused) until start(); what was received is kept."""
        self.controller.stop()

    def start(self) -> None:
        """Listen again on the same port (a stopped controller cannot start again: a new one)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        """aiosmtpd's hook: keep the message and accept it."""
        self.envelopes.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)})
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1 that the app sends to; yields an object whose `.messages` fill up."""
    # aiosmtpd logs every DATA line at DEBUG, message text included; that is the test double talking, not
    # the app, and it would drown the tests that check the app never logs a token.
    server_log = logging.getLogger("mail.log")
    level = server_log.level
    server_log.setLevel(logging.WARNING)
    # Tests run in parallel processes: another one may take the free port before the server binds it; try again.
    for attempt in range(5):
        port = _free_port()
        received = ReceivedMail(port=port)
        controller = Controller(received, hostname="127.0.0.1", port=port)
        try:
            controller.start()
            break
        except (OSError, RuntimeError):
            with contextlib.suppress(Exception):
                controller.stop()
            if attempt == 4:
                raise
    app.config["SIP_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    received.controller = controller
    try:
        yield received
    finally:
        with contextlib.suppress(Exception):  # a test may have stopped it already
            received.controller.stop()
        server_log.setLevel(level)
