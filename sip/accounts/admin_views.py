"""Administration by the secretariat: people, organisations and memberships."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
