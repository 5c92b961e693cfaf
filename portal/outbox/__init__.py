"""Email through an outbox: messages are rows written in the transaction of the event that causes
them, and a worker (`flask outbox work`) delivers them over SMTP with retries.

Named `outbox` so it is never confused with the Flask-Mail object.
"""

from portal.outbox.services import link, notify, notify_procurement, queue_broadcast

__all__ = ["link", "notify", "notify_procurement", "queue_broadcast"]
