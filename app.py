"""Entry point for `flask --app app` and gunicorn (`gunicorn app:app`)."""
from sip import create_app

app = create_app()
