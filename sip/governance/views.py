"""Amendments: propose, endorse, verify at a GLM; plan versions and their differences."""
from flask import Blueprint

bp = Blueprint("governance", __name__)
