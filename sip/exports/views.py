"""The GLM report pack: PDF, PowerPoint, Excel and HXL-tagged CSV."""
from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
