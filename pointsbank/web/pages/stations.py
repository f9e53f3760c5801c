"""Pages: stations."""

from flask import Blueprint

bp = Blueprint("stations", __name__, url_prefix="/stations")
