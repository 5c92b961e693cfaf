"""Settings for the portal, read from the environment.

`create_app()` picks the class named by `PORTAL_CONFIG` (development when unset). Production fails
fast without its secrets; development makes a secret key into `instance/` on first run.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigError(RuntimeError):
    """A setting that must come from the environment is missing."""


def _development_secret_key() -> str:
    """A random key kept in instance/ so development sessions survive a restart."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def security_txt_expiry(value: str) -> datetime | None:
    """SECURITY_TXT_EXPIRES, a date or an ISO 8601 time (UTC unless it says otherwise).

    :raise ConfigError: neither."""
    if not value:
        return None
    try:
        expires = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"SECURITY_TXT_EXPIRES must be a date like 2027-12-31, not {value!r}") from None
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    # 12 MB: evidence uploads of up to 10 MB plus the rest of the form.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A session ends after 30 minutes without a request and 12 hours after sign-in, whatever
    # happens; the warning opens 2 minutes before the idle limit (cookies page states these).
    SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "1800"))
    SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", "43200"))
    SESSION_WARNING_SECONDS = int(os.environ.get("SESSION_WARNING_SECONDS", "120"))
    # argon2id, RFC 9106's second recommended option: 3 passes over 64 MiB with 4 lanes.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536  # KiB
    ARGON2_PARALLELISM = 4
    RATELIMIT_HEADERS_ENABLED = True
    # How many proxies in front of the portal set X-Forwarded-For (0: trust no forwarded header).
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    HSTS = False
    # How many open opportunities PostgreSQL's search walks by closing date before it reads the
    # index of words instead (portal.opportunities.queries.by_closing_date).
    OPPORTUNITY_SEARCH_WALK = 300
    # Facts the force supplies (DPO contact, retention, accessibility test date): a TOML file whose
    # empty values show as placeholders, never as invented text.
    FORCE_FACTS_FILE = os.environ.get("FORCE_FACTS_FILE", str(BASE_DIR / "content" / "force-facts.toml"))
    FEEDBACK_EMAIL = os.environ.get("FEEDBACK_EMAIL", "")

    # Email. Links in messages are built from BASE_URL: the worker has no request to take a host
    # from, and a request's Host header must never decide where a reset link points.
    # localhost, not 127.0.0.1: browsers refuse passkeys on an IP address (portal.accounts.passkeys).
    BASE_URL = os.environ.get("BASE_URL", "http://localhost:5000")
    # static/ built with hashed names and compressed copies (portal.assets), as the app starts.
    STATIC_BUILD_FOLDER = os.environ.get("STATIC_BUILD_FOLDER", str(INSTANCE_DIR / "static"))
    # Evidence files (accreditation certificates): outside static/, shared by every server.
    EVIDENCE_FOLDER = os.environ.get("EVIDENCE_FOLDER", str(INSTANCE_DIR / "evidence"))
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    # The procurement unit's shared inbox: told of each new registration and classification change.
    PROCUREMENT_INBOX = os.environ.get("PROCUREMENT_INBOX", "procurement@example.org")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "1025"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS") == "1"
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Supplier Portal <portal@localhost>")
    MAIL_SUPPRESS_SEND = False
    # The send worker (see README "Email"): a socket timeout for every SMTP connection and read;
    # up to OUTBOX_MAX_ATTEMPTS tries, waiting BACKOFF * 2^(attempt - 1) seconds between them,
    # capped at BACKOFF_MAX; a claim left in `sending` by a dead worker expires after
    # CLAIM_TIMEOUT; OUTBOX_RATE_PER_SECOND (0: no limit) paces deliveries.
    OUTBOX_SMTP_TIMEOUT = float(os.environ.get("OUTBOX_SMTP_TIMEOUT", "10"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))
    OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))
    OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
    OUTBOX_CLAIM_TIMEOUT_SECONDS = float(os.environ.get("OUTBOX_CLAIM_TIMEOUT_SECONDS", "300"))
    OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "50"))
    OUTBOX_BROADCAST_BATCH_SIZE = int(os.environ.get("OUTBOX_BROADCAST_BATCH_SIZE", "200"))
    OUTBOX_RATE_PER_SECOND = float(os.environ.get("OUTBOX_RATE_PER_SECOND", "0"))
    OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "2"))
    BENCHMARK_ANCHORS = os.environ.get("BENCHMARK_ANCHORS") == "1"
    # The OCDS feed's ocid prefix: a publisher registers its own with the Open Contracting
    # Partnership ("ocds-" and six characters); until then this marks the feed as unregistered.
    OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", "ocds-000000")
    OCDS_PUBLISHER_NAME = os.environ.get(
        "OCDS_PUBLISHER_NAME", "Cheshire Constabulary and the Police and Crime Commissioner for Cheshire"
    )

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = self.database_url()
        # memory:// for one process; redis://host:6379 whenever more than one worker serves.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        # /.well-known/security.txt (RFC 9116): where to report a vulnerability (mailto: or https:
        # addresses, space-separated), until when that holds, and the disclosure policy's address.
        # No contact, no file (404).
        self.SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "")
        self.SECURITY_TXT_EXPIRES = security_txt_expiry(os.environ.get("SECURITY_TXT_EXPIRES", ""))
        self.SECURITY_POLICY = os.environ.get("SECURITY_POLICY", "")
        if self.SECURITY_CONTACT and self.SECURITY_TXT_EXPIRES is None:
            raise ConfigError("SECURITY_TXT_EXPIRES must be set with SECURITY_CONTACT, like 2027-12-31")

    def database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.db'}"


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger would run code from the browser; `flask run --debug` opts in

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
        if not self.SECURITY_CONTACT:  # a file to look at on a development server, a year ahead
            self.SECURITY_CONTACT = "mailto:security@localhost"
            self.SECURITY_TXT_EXPIRES = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-use-anywhere-else"  # noqa: S105 (tests only)
    # Where a link in a test email would lead if one ever escaped a test.
    BASE_URL = "http://portal.test"
    MAIL_SERVER = "you-forgot-to-start-the-test-smtp-server.invalid"
    MAIL_DEFAULT_SENDER = "Supplier Portal <portal@portal.test>"
    OUTBOX_SMTP_TIMEOUT = 2.0
    # Cheap hashing keeps the suite fast; the production parameters are tested on their own.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1

    def __init__(self) -> None:
        super().__init__()
        if not self.SECURITY_CONTACT:
            self.SECURITY_CONTACT = "mailto:security@portal.test"
            self.SECURITY_TXT_EXPIRES = datetime(2099, 12, 31, tzinfo=UTC)

    def database_url(self) -> str:
        return os.environ.get("TEST_DATABASE_URL", "sqlite://")


class ProductionConfig(Config):
    ENV_NAME = "production"
    HSTS = True
    SESSION_COOKIE_SECURE = True
    # __Host- cookies are only sent over HTTPS, to this exact host, for the whole site.
    SESSION_COOKIE_NAME = "__Host-session"

    def __init__(self) -> None:
        if not os.environ.get("SECRET_KEY"):
            raise ConfigError("SECRET_KEY must be set in production")
        for name in ("DATABASE_URL", "BASE_URL", "MAIL_DEFAULT_SENDER", "PROCUREMENT_INBOX"):
            if not os.environ.get(name):
                raise ConfigError(f"{name} must be set in production (there is no safe default)")
        super().__init__()
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        if (
            self.RATELIMIT_STORAGE_URI.startswith("memory://")
            and os.environ.get("RATELIMIT_SINGLE_PROCESS") != "1"
        ):
            # Each gunicorn worker would count alone: with four, no sign-in would ever be refused.
            raise ConfigError(
                "RATELIMIT_STORAGE_URI must name a store every process shares, such as redis://host:6379/0 "
                "(set RATELIMIT_SINGLE_PROCESS=1 only where one process serves)"
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """The settings object for `name`, else `PORTAL_CONFIG`, else development."""
    name = name or os.environ.get("PORTAL_CONFIG") or "development"
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"unknown configuration {name!r}; use one of {', '.join(CONFIGS)}") from None
