"""Writing email into the outbox, inside the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email.utils import formataddr
from typing import Any

from flask import current_app, url_for

from portal import audit
from portal.extensions import db
from portal.outbox.audiences import AUDIENCES
from portal.outbox.models import Broadcast, MessageState, OutboxMessage
from portal.time import utcnow

# Any line break or other control character: in a header it could start a new header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")

Address = str | tuple[str, str]


def clean_header(value: str, limit: int = 300) -> str:
    """One line of header text: control characters (CR, LF, NUL, ...) become a space."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def format_recipient(recipient: Address) -> str:
    if isinstance(recipient, tuple):
        name, address = recipient
        return formataddr((clean_header(name, 100), clean_header(address, 254)))
    return clean_header(recipient, 254)


def link(endpoint: str, **values: Any) -> str:
    """An absolute URL for an email, always on BASE_URL's scheme and host (never the request's)."""
    return url_for(endpoint, _external=True, _scheme=current_app.config["PREFERRED_URL_SCHEME"], **values)


def render_bodies(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies from templates/mail/<template>.txt and .html.

    Rendered without Flask's context processors: an email depends only on what it is given
    (links included), never on the request or the signed-in user that caused it.
    """
    context = {"base_url": current_app.config["BASE_URL"], **context}
    environment = current_app.jinja_env
    return (
        environment.get_template(f"mail/{template}.txt").render(context),
        environment.get_template(f"mail/{template}.html").render(context),
    )


def _cause(cause: Any) -> tuple[str | None, str | None]:
    if cause is None:
        return None, None
    if getattr(cause, "id", None) is None:
        db.session.flush()  # the cause is new in this transaction: give it its id
    return cause.__tablename__, str(cause.id)


def notify_procurement(
    template: str, *, subject: str, context: dict[str, Any] | None = None, cause: Any = None
) -> OutboxMessage | None:
    """Queue an email to the procurement unit's shared inbox (PROCUREMENT_INBOX). Where none is
    set (development without one) nothing is queued and the log says what was not sent."""
    inbox = current_app.config["PROCUREMENT_INBOX"]
    if not inbox:
        current_app.logger.warning(
            "PROCUREMENT_INBOX is not set: officers were not emailed about %s", subject
        )
        return None
    return notify(template, to=inbox, subject=subject, context=context, cause=cause)


def notify(
    template: str,
    *,
    to: Address | Sequence[Address],
    subject: str,
    context: dict[str, Any] | None = None,
    cause: Any = None,
    secret_expires_at: datetime | None = None,
) -> OutboxMessage:
    """Queue an email in the current transaction: it exists if and only if the caller commits.

    `secret_expires_at` marks a message that carries a secret link (verification, reset,
    invitation): officers never see its body, which is purged once sent or once the link expires.
    """
    recipients = [to] if isinstance(to, str | tuple) else list(to)
    body_text, body_html = render_bodies(template, context or {})
    cause_type, cause_id = _cause(cause)
    message = OutboxMessage(
        recipients=[format_recipient(r) for r in recipients],
        subject=clean_header(subject),
        template=template,
        body_text=body_text,
        body_html=body_html,
        has_secret=secret_expires_at is not None,
        secret_expires_at=secret_expires_at,
        cause_type=cause_type,
        cause_id=cause_id,
    )
    db.session.add(message)
    return message


def queue_broadcast(
    template: str,
    *,
    audience: str,
    subject: str,
    audience_params: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    cause: Any = None,
) -> Broadcast:
    """Queue one event for a whole audience; the worker writes each recipient's message."""
    if audience not in AUDIENCES:
        raise ValueError(f"no audience named {audience!r}")
    cause_type, cause_id = _cause(cause)
    broadcast = Broadcast(
        audience=audience,
        audience_params=audience_params or {},
        template=template,
        subject=clean_header(subject),
        context=context or {},
        cause_type=cause_type,
        cause_id=cause_id,
    )
    db.session.add(broadcast)
    return broadcast


def retry(message: OutboxMessage, *, actor: Any = None) -> None:
    """Queue a failed message again. :raise ValueError: it has not failed, or its secret body
    was purged (the person must ask for a new link)."""
    if message.state != MessageState.FAILED:
        raise ValueError(f"message {message.id} is {message.state.value}, not failed")
    if message.purged_at is not None:
        raise ValueError(
            f"message {message.id} carried a link that has been purged: the person must ask for a new one"
        )
    message.state = MessageState.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    audit.record("outbox.retried", message, actor=actor, source="cli")
