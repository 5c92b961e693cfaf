"""Entry point for gunicorn: `gunicorn wsgi:app`. Run `flask db upgrade` before starting it."""

from portal import create_app

app = create_app()
