"""Who may use which page. Every endpoint needs a signed-in, verified account unless its view is
marked: `@public` for anyone, `@unverified_allowed` for an account still to verify its email.
Every area's officer blueprint (`officer_blueprint`) refuses suppliers; `@admin_required` refuses
officers too; a blueprint of a member's own organisation's pages refuses staff (`members_only`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, TypeVar

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from portal.accounts.models import Role
from portal.accounts.sessions import ENDED
from portal.extensions import login_manager

if TYPE_CHECKING:
    from portal.organisations.models import Organisation

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    view.is_public = True
    return view


def accountless(view: View) -> View:
    """Public, and answered without loading the signed-in account, whose session limits wait for
    the next page: the health check, which must answer while the database is down."""
    view.is_public = view.accountless = True
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
        return redirect(url_for("home.account"))
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


def staff_only() -> None:
    """before_request: suppliers get 403 (visitors have already been sent to sign in)."""
    if current_user.is_authenticated and not current_user.is_staff:
        abort(403)


def members_only() -> None:
    """before_request: pages about the signed-in supplier's own organisation; staff have none."""
    if current_user.is_authenticated and current_user.organisation_id is None:
        abort(403)


def officer_blueprint(name: str, import_name: str) -> Blueprint:
    """Staff pages under /officer/..., refusing suppliers: each area's, named `<area>_officers`,
    and the workspace's own (`officers`). They share the prefix; no URL is any one's."""
    blueprint = Blueprint(name, import_name, url_prefix="/officer")
    blueprint.before_request(staff_only)
    return blueprint


def member_organisation() -> Organisation:
    """The signed-in supplier's organisation. :raise 403: staff, who have none of their own."""
    if current_user.organisation_id is None:
        abort(403)
    return current_user.organisation
