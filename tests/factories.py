"""Factories for test data, and a sign-in helper. Call them inside an app context; what they
return can still be read (its columns, not its relationships) after the context ends."""

from __future__ import annotations

import itertools
import time
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.opportunities.models import (
    Award,
    Interest,
    Lot,
    Opportunity,
    OpportunityState,
    Procedure,
    ResponseRoute,
)
from portal.organisations.models import Organisation
from portal.time import utcnow
from portal.voluntary.models import DirectoryEntry

PASSWORD = "correct horse battery staple"
# The authenticator app of every staff account make_staff makes: its codes come from app_code().
APP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_numbers = itertools.count(1)


def make_organisation(name: str | None = None) -> Organisation:
    organisation = Organisation(name=name or f"Supplier {next(_numbers)} Ltd")
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_supplier(
    email: str | None = None,
    *,
    name: str = "Sam Supplier",
    organisation: Organisation | None = None,
    verified: bool = True,
    password: str = PASSWORD,
    disabled: bool = False,
) -> User:
    user = User(
        email=email or f"supplier{next(_numbers)}@example.com",
        name=name,
        password_hash=hash_password(password),
        role=Role.SUPPLIER,
        organisation=organisation or make_organisation(),
        email_verified_at=utcnow() if verified else None,
        is_disabled=disabled,
    )
    db.session.add(user)
    return _loaded(user)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    """Sign in through the real forms (CSRF token and all), with the app's code where the
    account has an app."""
    from tests.conftest import post_form

    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"] == "/login/code":
        response = post_form(client, "/login/code", {"code": app_code(client.application, email)})
        assert response.status_code == 302, response.get_data(as_text=True)
    return response


def app_code(app: Flask, email: str, secret: str = APP_SECRET) -> str:
    """A code the account's app would show that the portal has not accepted before: this time
    step's, else the next one's (both still accepted if the clock ticks before the code is
    posted, which the last step's would not be); past those, a later step's, once it comes."""
    with app.app_context():
        last = db.session.scalar(sa.select(User.totp_last_step).where(User.email == email))
    while True:
        now = int(time.time()) // 30
        for step in (now, now + 1):
            if last is None or step > last:
                return pyotp.TOTP(secret).generate_otp(step)
        time.sleep(30 - time.time() % 30 + 0.1)


def make_staff(
    email: str | None = None, *, admin: bool = False, name: str = "Olive Officer", with_app: bool = True
) -> User:
    """An officer (or admin) with an authenticator app whose secret is APP_SECRET, or none."""
    user = User(
        email=email or f"officer{next(_numbers)}@example.com",
        name=name,
        password_hash=hash_password(PASSWORD),
        role=Role.ADMIN if admin else Role.OFFICER,
        email_verified_at=utcnow(),
        totp_secret=APP_SECRET if with_app else None,
        totp_added_at=utcnow() if with_app else None,
    )
    db.session.add(user)
    return _loaded(user)


def make_directory_entry(name: str, *, areas: list[str] | None = None, **columns) -> DirectoryEntry:
    """A voluntary-sector body in the directory (Cheshire West and Chester unless `areas` says),
    added and flushed: the caller commits."""
    values = {"brokers": f"{name} brokers volunteering.", "source": "Test data", "phones": [], **columns}
    entry = DirectoryEntry(name=name, **values)
    entry.areas = areas or ["E06000050"]
    db.session.add(entry)
    db.session.flush()
    return entry


def _loaded(user: User) -> User:
    """Committed, loaded and let go of, so its columns stay readable after later commits and
    once the context ends."""
    db.session.commit()
    db.session.refresh(user)
    db.session.expunge(user)
    return user


def make_opportunity(
    *,
    officer: User | None = None,
    state: str = "published",
    closes_in: timedelta = timedelta(days=14),
    lots: int = 0,
    **values,
) -> Opportunity:
    """An opportunity (published unless `state` says otherwise), closing `closes_in` from now,
    with `lots` lots sharing its value; `values` override its columns. Flushed, not committed."""
    number = next(_numbers)
    officer_id = officer.id if officer else make_staff().id
    now = utcnow()
    columns = {
        "reference": f"CC-{number:05d}",
        "title": f"Opportunity {number}",
        "summary": "Cleaning of police stations across Cheshire.",
        "cpv_division": "90",
        "value_ex_vat": Decimal("120000"),
        "vat_rate": Decimal("20"),
        "procedure": Procedure.TENDER,
        "closes_at": now + closes_in,
        "notice_url": "https://www.find-tender.service.gov.uk/Notice/000000-2026",
        "suitable_sme": True,
        "suitable_vcse": False,
        "response_route": ResponseRoute.PORTAL,
        "weighting": Decimal("10"),
        "state": OpportunityState(state),
        "created_by_id": officer_id,
        "published_at": None if state == "draft" else now,
    }
    opportunity = Opportunity(**{**columns, **values})
    for lot in range(1, lots + 1):
        opportunity.lots.append(
            Lot(
                number=lot,
                title=f"Lot {lot}",
                value_ex_vat=(opportunity.value_ex_vat / lots).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
                cpv_division=opportunity.cpv_division,
            )
        )
    db.session.add(opportunity)
    db.session.flush()
    return opportunity


def add_interest(opportunity_id: int, organisation_id: int, by_id: int) -> Interest:
    """The organisation's interest in the opportunity, registered by `by_id`; added, not flushed."""
    interest = Interest(
        opportunity_id=opportunity_id, organisation_id=organisation_id, registered_by_id=by_id
    )
    db.session.add(interest)
    return interest


def add_award(opportunity_id: int, organisation_id: int, by_id: int) -> Award:
    """The (whole) opportunity awarded to the organisation by the officer `by_id`; added, not flushed."""
    award = Award(opportunity_id=opportunity_id, organisation_id=organisation_id, awarded_by_id=by_id)
    db.session.add(award)
    return award
