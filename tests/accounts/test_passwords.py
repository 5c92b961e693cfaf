import pytest
from argon2 import PasswordHasher

from config import ProductionConfig
from portal.accounts.passwords import hash_password, password_problem, verify_password

ARGON2_SETTINGS = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "12 characters or more"),
        ("a" * 257, "256 characters or fewer"),
        ("password1234", "too easy to guess"),
        ("qwertyuiop123", "too easy to guess"),
        ("Password123456!", "too easy to guess"),
        ("monkeymonkeymonkey"[:12] * 2, "too easy to guess"),
        ("aaaaaaaaaaaaaaaa", "too easy to guess"),
        ("abababababababab", "too easy to guess"),
        ("samsupplier-2026!", "must not contain your name or email"),
        ("jo.bloggs@example.com-x", "must not contain your name or email"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    assert problem in password_problem(password, email="jo.bloggs@example.com", name="Sam Supplier")


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Kettle-Lantern-Orbit-42",
        "a quiet blue canal at dawn",
        "x" * 3 + "y9Z!q2w3e4r5",
    ],
)
def test_long_uncommon_passwords_are_accepted_without_composition_rules(password):
    assert password_problem(password, email="jo@example.com", name="Jo Bloggs") is None


def test_production_hashes_with_argon2id_and_the_documented_parameters(app_factory):
    production = {key: getattr(ProductionConfig, key) for key in ARGON2_SETTINGS}
    assert production == {"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 65536, "ARGON2_PARALLELISM": 4}
    app = app_factory("sqlite://", **production)
    with app.app_context():
        hashed = hash_password("correct horse battery staple")
        assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password(hashed, "correct horse battery staple")
        assert not verify_password(hashed, "correct horse battery stapler")


def test_an_unknown_account_costs_the_same_hashing_work(app, monkeypatch):
    calls = []
    original = PasswordHasher.verify

    def counting(self, hashed, password):
        calls.append(hashed)
        return original(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    with app.app_context():
        assert verify_password(None, "anything at all") is False
        assert verify_password(hash_password("known password here"), "wrong password here") is False
    assert len(calls) == 2
    assert calls[0].startswith("$argon2id$")
