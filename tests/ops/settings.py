"""What production requires besides its secret key, for tests elsewhere that build a production configuration."""
import tempfile
from pathlib import Path

# A mail server, a public address and a database: SIP_ENV=production refuses to start without them.
REQUIRED = {
    "SIP_SMTP_URL": "smtp://127.0.0.1:2525",
    "SIP_BASE_URL": "https://sip.example.org",
    "SIP_DATABASE_URL": f"sqlite:///{Path(tempfile.gettempdir()) / 'sip-production-settings-test.sqlite'}",
}


def give_production_what_it_requires(monkeypatch) -> None:
    """Set the mail server, public address and database that production requires (a test may set its own after)."""
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
