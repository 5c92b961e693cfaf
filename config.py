"""Settings for the portal, read from the environment.

`create_app()` picks the class named by `PORTAL_CONFIG` (development when unset). Production fails
fast without its secrets; development makes a secret key into `instance/` on first run.
"""

from __future__ import annotations

import os
import secrets
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


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    # 12 MB: evidence uploads of up to 10 MB plus the rest of the form.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    HSTS = False
    # Facts the force supplies (DPO contact, retention, accessibility test date): a TOML file whose
    # empty values show as placeholders, never as invented text.
    FORCE_FACTS_FILE = os.environ.get("FORCE_FACTS_FILE", str(BASE_DIR / "content" / "force-facts.toml"))
    FEEDBACK_EMAIL = os.environ.get("FEEDBACK_EMAIL", "")

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = self.database_url()

    def database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.db'}"


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger would run code from the browser; `flask run --debug` opts in

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-use-anywhere-else"  # noqa: S105 (tests only)

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
        if not os.environ.get("DATABASE_URL"):
            raise ConfigError("DATABASE_URL must be set in production (no default database)")
        super().__init__()
        self.SECRET_KEY = os.environ["SECRET_KEY"]


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
