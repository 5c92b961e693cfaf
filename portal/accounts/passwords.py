"""Password rules (NCSC guidance: length and a block list, no composition rules, no rotation)
and hashing with argon2id."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 256  # long enough for any passphrase, short enough to bound the hashing work
COMMON_PASSWORDS = Path(__file__).resolve().parents[2] / "content" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, in the words shown to the person, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if _too_common(lowered):
        return "Password is too easy to guess: choose a less common password, such as three random words"
    if _contains_name_or_email(lowered, email, name):
        return "Password must not contain your name or email address"
    return None


def _contains_name_or_email(lowered: str, email: str, name: str) -> bool:
    """Whether the password holds the person's name, email address or its part before the "@"
    (any of them 4 characters or more), ignoring spaces."""
    personal = {email.lower(), email.lower().split("@")[0], name.lower().replace(" ", "")} - {""}
    return any(part and part in lowered.replace(" ", "") for part in personal if len(part) >= 4)


def _too_common(lowered: str) -> bool:
    """A common password stays common with digits or symbols added at the end, or repeated."""
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    repeated = re.fullmatch(r"(.+?)\1+", lowered)
    unit = repeated.group(1) if repeated else ""
    return bool(
        lowered in common_passwords()
        or (len(stem) >= 6 and stem in common_passwords())
        or (repeated and (len(unit) <= 3 or unit in common_passwords()))
    )


def hasher() -> PasswordHasher:
    """argon2id with the parameters in config (README: "Passwords")."""
    time_cost, memory_cost, parallelism = _parameters()
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def _parameters() -> tuple[int, int, int]:
    """argon2id's time cost, memory cost and parallelism, from config."""
    config = current_app.config
    return (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches. With no hash (unknown account) the same work is still done,
    so the time taken does not tell whether the email is registered."""
    ph = hasher()
    try:
        return ph.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    return _dummy_for(_parameters())


@cache
def _dummy_for(parameters: tuple[int, int, int]) -> str:
    time_cost, memory_cost, parallelism = parameters
    return PasswordHasher(time_cost, memory_cost, parallelism).hash("not a password anyone has")
