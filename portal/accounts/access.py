"""Who may use which page. Every endpoint needs a signed-in, verified account unless its view is
marked: `@public` for anyone, `@unverified_allowed` for an account still to verify its email.
The officers blueprint refuses suppliers; `@admin_required` refuses officers too."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.sessions import ENDED
from portal.extensions import login_manager

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    view.is_public = True
    return view


def unverified_allowed(view: View) -> View:
    view.unverified_allowed = True
    return view


def is_public_endpoint(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return endpoint == "static" or getattr(view, "is_public", False)


def require_sign_in():
    """before_request: default deny."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or is_public_endpoint(request.endpoint):
        return None  # a 404 or 405 is answered by the router; public pages by their view
    if not current_user.is_authenticated:
        if session.get(ENDED):  # the sign-in page says why; no second message on top
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return login_manager.unauthorized()
    if not current_user.is_verified and not getattr(view, "unverified_allowed", False):
        return redirect(url_for("accounts.account"))
    return None


def init_access(app: Flask) -> None:
    app.before_request(require_sign_in)


def admin_required(view: View) -> View:
    """Only an admin (head of procurement) may use this view: officers get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not (current_user.is_authenticated and current_user.role == Role.ADMIN):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
