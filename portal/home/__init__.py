"""A supplier's home (`/account`): where its organisation stands and what waits for it, read from
the areas' queries and services. Like the officers' workspace it sits above the areas: no area
imports it."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from portal.home import views  # noqa: E402,F401  (views register on bp)
