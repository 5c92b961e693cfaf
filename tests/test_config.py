import pytest

import config
from portal import create_app

PRODUCTION = {
    "SECRET_KEY": "x" * 64,
    "DATABASE_URL": "postgresql+psycopg://portal@db/portal",
    "BASE_URL": "https://suppliers.example.org",
    "MAIL_DEFAULT_SENDER": "Supplier Portal <portal@example.org>",
    "PROCUREMENT_INBOX": "procurement@example.org",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize("missing", sorted(PRODUCTION))
def test_production_refuses_to_start_without_each_required_setting(monkeypatch, missing):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(config.ConfigError, match=missing):
        create_app("production")


@pytest.mark.parametrize(("single_process", "starts"), [(None, False), ("0", False), ("1", True)])
def test_production_counts_limits_in_memory_only_where_one_process_serves(
    monkeypatch, single_process, starts
):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    if single_process is not None:
        monkeypatch.setenv("RATELIMIT_SINGLE_PROCESS", single_process)
    if starts:
        assert create_app("production").config["RATELIMIT_STORAGE_URI"] == "memory://"
    else:
        with pytest.raises(config.ConfigError, match="every process shares"):
            create_app("production")


def test_production_uses_secure_host_only_cookies_and_hsts(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["HSTS"] is True
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert options == "-c default_transaction_read_only=on"


def test_development_is_the_default_and_keeps_its_generated_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTAL_CONFIG", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'dev.db'}")
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    first = create_app()
    second = create_app()
    assert first.config["ENV_NAME"] == "development"
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_an_unknown_configuration_name_is_refused():
    with pytest.raises(config.ConfigError, match="unknown configuration"):
        create_app("staging")


def test_the_default_database_is_sqlite_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = config.load_config("development")
    assert f"sqlite:///{config.INSTANCE_DIR / 'portal.db'}" == settings.SQLALCHEMY_DATABASE_URI
