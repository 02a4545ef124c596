"""Entry point for `flask --app app` and gunicorn (`gunicorn app:app`)."""
import sys

from sip import create_app
from sip.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One line per problem, no traceback: what the operator must set (systemd's journal shows it as it is).
    sys.exit("\n".join(f"configuration error: {line}" for line in error.problems))
