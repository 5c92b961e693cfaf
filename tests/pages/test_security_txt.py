"""/.well-known/security.txt (RFC 9116) from configuration."""

from datetime import UTC, datetime

import pytest

import config
from portal import create_app

EXPIRES = datetime(2027, 12, 31, 23, 0, tzinfo=UTC)


def test_the_file_names_each_contact_its_expiry_language_canonical_address_and_policy(app_factory):
    app = app_factory(
        SECURITY_CONTACT="mailto:security@example.org https://example.org/report",
        SECURITY_TXT_EXPIRES=EXPIRES,
        SECURITY_POLICY="https://example.org/disclosure",
    )
    response = app.test_client().get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == (
        "Contact: mailto:security@example.org\n"
        "Contact: https://example.org/report\n"
        "Expires: 2027-12-31T23:00:00Z\n"
        "Preferred-Languages: en\n"
        "Canonical: http://portal.test/.well-known/security.txt\n"
        "Policy: https://example.org/disclosure\n"
    )
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_without_a_contact_there_is_no_file(app_factory):
    app = app_factory(SECURITY_CONTACT="")
    assert app.test_client().get("/.well-known/security.txt").status_code == 404


@pytest.mark.parametrize(
    ("value", "expires"),
    [
        ("2027-12-31", datetime(2027, 12, 31, tzinfo=UTC)),
        ("2027-06-30T12:00:00+01:00", datetime(2027, 6, 30, 11, tzinfo=UTC)),
        ("", None),
    ],
)
def test_the_expiry_is_a_date_or_a_time_in_utc_unless_it_says(value, expires):
    assert config.security_txt_expiry(value) == expires


def test_a_contact_without_an_expiry_or_with_a_wrong_one_stops_the_start(monkeypatch):
    monkeypatch.setenv("SECURITY_CONTACT", "mailto:security@example.org")
    with pytest.raises(config.ConfigError, match="SECURITY_TXT_EXPIRES must be set"):
        create_app("test")
    monkeypatch.setenv("SECURITY_TXT_EXPIRES", "next year")
    with pytest.raises(config.ConfigError, match="a date like 2027-12-31"):
        create_app("test")


def test_a_development_server_has_a_file_a_year_ahead(monkeypatch, tmp_path):
    monkeypatch.delenv("SECURITY_CONTACT", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'dev.db'}")
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    settings = config.load_config("development")
    assert settings.SECURITY_CONTACT == "mailto:security@localhost"
    assert 364 <= (settings.SECURITY_TXT_EXPIRES - datetime.now(UTC)).days <= 365
