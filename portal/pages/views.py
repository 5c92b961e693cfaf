from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from flask import Response, abort, current_app, jsonify, render_template, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts.access import accountless, public
from portal.extensions import db
from portal.outbox.models import MessageState, OutboxMessage
from portal.pages import bp
from portal.time import UTCDateTime, utcnow


@bp.get("/")
@public
def start():
    return render_template("pages/start.html")


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("pages/accessibility.html")


@bp.get("/privacy")
@public
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/cookies")
@public
def cookies():
    return render_template("pages/cookies.html")


@bp.get("/.well-known/security.txt")
@accountless
def security_txt() -> Response:
    """Where to report a vulnerability (RFC 9116), from configuration: 404 where none is set."""
    config = current_app.config
    if not config["SECURITY_CONTACT"]:
        abort(404)
    fields = [("Contact", contact) for contact in config["SECURITY_CONTACT"].split()]
    fields.append(("Expires", config["SECURITY_TXT_EXPIRES"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    fields.append(("Preferred-Languages", "en"))
    fields.append(("Canonical", url_for("pages.security_txt", _external=True)))
    if config["SECURITY_POLICY"]:
        fields.append(("Policy", config["SECURITY_POLICY"]))
    body = "".join(f"{name}: {value}\n" for name, value in fields)
    return Response(body, mimetype="text/plain")


@bp.get("/healthz")
@accountless
def healthz():
    """Liveness and the database's reachability: 200 when healthy, 503 when not."""
    checks: dict[str, object] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.error("health check: database unreachable: %s", error)
        checks["database"] = "unreachable"
    if checks["database"] == "ok":
        checks["outbox"] = outbox_health()
    healthy = checks["database"] == "ok"
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return jsonify(body), 200 if healthy else 503


def outbox_health() -> dict[str, object]:
    """How many messages wait to be sent, and how long the oldest has waited."""
    depth, oldest = db.session.execute(_waiting_messages()).one()
    age = None
    if oldest is not None:
        age = round((utcnow() - UTCDateTime().process_result_value(oldest, None)).total_seconds())
    return {"depth": depth, "oldest_queued_seconds": age}


def _waiting_messages() -> sa.Select:
    """How many messages are queued or being sent, and when the oldest of them was made."""
    return sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
        OutboxMessage.state.in_([MessageState.QUEUED, MessageState.SENDING])
    )
