"""A body's report for a period: the form, review and comments."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
