"""WSGI entry point: gunicorn wsgi:app."""

from pointsbank import create_app

app = create_app()
