"""Offers need a registered organisation with a current Code of Ethics pledge: `member` is one,
signed in. Create data inside `app.app_context()`; make requests outside it."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.ethics import services as ethics
from portal.ethics.versions import versions_by_day
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.outbox.models import OutboxMessage
from portal.social_value import services
from portal.social_value.models import Indicator, Measure, Offer, OfferState, Outcome
from portal.time import london_today, utcnow
from tests.conftest import post_form
from tests.factories import make_directory_entry, make_organisation, make_staff, make_supplier, sign_in


def registered(name: str = "Winsford Widgets") -> Organisation:
    organisation = make_organisation(name)
    organisation.registered_at = utcnow()
    db.session.commit()
    db.session.refresh(organisation)
    return organisation


def pledge(organisation_id: int, user_id: int) -> None:
    """The organisation's current pledge, signed through the service."""
    from portal.accounts.models import User

    organisation = db.session.get(Organisation, organisation_id)
    user = db.session.get(User, user_id)
    _, version = versions_by_day()
    ethics.sign(
        organisation,
        user,
        version,
        representative_name=user.name,
        representative_position="Director",
        signature=user.name,
        client_address="127.0.0.1",
        user_agent="test",
    )
    db.session.commit()


@pytest.fixture
def member(app, client):
    with app.app_context():
        organisation = registered()
        user = make_supplier("member@example.com", name="Mo Member", organisation=organisation)
        pledge(organisation.id, user.id)
    sign_in(client, user.email)
    return user


@pytest.fixture
def officer_client(app, transaction):
    with app.app_context():
        officer = make_staff("reviewer@example.com", name="Rita Reviewer")
    client = app.test_client()
    sign_in(client, officer.email)
    client.officer = officer
    return client


def matrix_choice() -> dict:
    """The social theme's first outcome and indicator and a measure that evidences it."""
    outcome = db.session.scalar(sa.select(Outcome).where(Outcome.theme_id == "social", Outcome.position == 1))
    indicator = db.session.scalar(
        sa.select(Indicator).where(Indicator.theme_id == "social", Indicator.position == 1)
    )
    measure = db.session.scalar(sa.select(Measure).where(Measure.key == "volunteering_hours"))
    return {"outcome": outcome.id, "indicator": indicator.id, "measure": measure.id}


def due_date_parts(days: int = 90) -> list[str]:
    day = london_today() + timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def answer_every_step(client, offer_id: int, choice: dict, **overrides) -> None:
    answers = {
        "theme": {"theme_id": "social"},
        "outcomes": {"outcomes": [str(choice["outcome"])]},
        "indicator": {"indicator_id": str(choice["indicator"])},
        "description": {"description": "Staff mentor young people at a Winsford youth club."},
        "quantity": {"measure_id": str(choice["measure"]), "quantity": "40"},
        "where": {"authority": "E06000050"},
        "when": {"due_on": due_date_parts()},
        "partner": {"partner_entry_id": ""},
    }
    answers.update(overrides)
    for slug, data in answers.items():
        response = post_form(client, f"/social-value/offers/{offer_id}/{slug}", data)
        assert response.status_code == 302, (slug, response.get_data(as_text=True)[-2000:])


def start_offer(client) -> int:
    response = post_form(client, "/social-value/offers/new", {})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return int(response.headers["Location"].split("/offers/")[1].split("/")[0])


def offer_of(app, offer_id: int) -> Offer:
    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        db.session.refresh(offer)
        db.session.expunge(offer)
        return offer


# --- more people -----------------------------------------------------------------------------
#
# `officer_client` above takes only `app`: these take `transaction` so that, in whatever order a
# test asks for them, what they create is rolled back with the test.


@pytest.fixture
def officer(app, transaction):
    with app.app_context():
        return make_staff("olive@example.com", name="Olive Officer")


@pytest.fixture
def admin_client(app, transaction):
    with app.app_context():
        admin = make_staff("hana.head@example.com", name="Hana Head", admin=True)
    client = app.test_client()
    sign_in(client, admin.email)
    client.user = admin
    return client


def member_of(name: str, email: str, *, person: str = "Nia Other", pledged: bool = True):
    """A member of another registered organisation (with a pledge unless told otherwise)."""
    organisation = registered(name)
    user = make_supplier(email, name=person, organisation=organisation)
    if pledged:
        pledge(organisation.id, user.id)
    return user


@pytest.fixture
def rival_client(app, transaction):
    """A signed-in member of another registered organisation, with a current pledge."""
    with app.app_context():
        user = member_of("Northwich Nuts and Bolts", "rival@example.com", person="Rhys Rival")
    client = app.test_client()
    sign_in(client, user.email)
    client.user = user
    return client


PARTNER_BODY = "Vale Royal Volunteer Centre"


@pytest.fixture
def partner_client(app, transaction):
    """A signed-in member of the registered organisation that acts for a directory body
    (DirectoryEntry.organisation_id); `client.entry_id` is the body's entry."""
    with app.app_context():
        user = member_of("Vale Royal Volunteers CIO", "vera@vale-royal.example", person="Vera Volunteer")
        entry = make_directory_entry(
            PARTNER_BODY,
            brokers="Volunteering in Northwich and Winsford.",
            organisation_id=user.organisation_id,
        )
        db.session.commit()
        entry_id = entry.id
    client = app.test_client()
    sign_in(client, user.email)
    client.user, client.entry_id = user, entry_id
    return client


# --- the matrix --------------------------------------------------------------------------------


def outcome_id(theme: str, position: int) -> int:
    return db.session.scalar(
        sa.select(Outcome.id).where(Outcome.theme_id == theme, Outcome.position == position)
    )


def indicator_id(theme: str, position: int) -> int:
    return db.session.scalar(
        sa.select(Indicator.id).where(Indicator.theme_id == theme, Indicator.position == position)
    )


def measure_id(key: str) -> int:
    return db.session.scalar(sa.select(Measure.id).where(Measure.key == key))


# --- offers made directly (inside an app context) ----------------------------------------------


def add_offer(
    organisation_id: int,
    user_id: int,
    *,
    state: OfferState = OfferState.DRAFT,
    theme: str = "social",
    outcomes: tuple[int, ...] = (1,),
    indicator: int = 1,
    measure: str = "volunteering_hours",
    quantity: str = "40",
    due_on: date | None = None,
    description: str = "Staff mentor young people at a Winsford youth club.",
    partner_entry_id: int | None = None,
    queued_at: datetime | None = None,
) -> int:
    """A complete offer in `state`, written as it would stand there (queued, decided)."""
    offer = Offer(
        organisation_id=organisation_id,
        created_by_id=user_id,
        state=state,
        theme_id=theme,
        indicator_id=indicator_id(theme, indicator),
        description=description,
        measure_id=measure_id(measure),
        quantity=Decimal(quantity),
        authority="E06000050",
        due_on=due_on or london_today() + timedelta(days=90),
        partner_entry_id=partner_entry_id,
        partner_answered=True,
        queued_at=None if state == OfferState.DRAFT else queued_at or utcnow(),
        decided_at=utcnow() if state in {OfferState.ACCEPTED, OfferState.DECLINED} else None,
    )
    offer.outcomes = [db.session.get(Outcome, outcome_id(theme, p)) for p in outcomes]
    db.session.add(offer)
    db.session.commit()
    return offer.id


def make_move(offer_id: int, name: str, user_id: int, message: str = "Because.") -> None:
    """One move through the service, committed (inside an app context)."""
    from portal.accounts.models import User

    offer = db.session.get(Offer, offer_id)
    services.transition(
        offer, name, actor=db.session.get(User, user_id), revision=offer.revision, message=message
    )
    db.session.commit()


def accepted_offer(organisation_id: int, user_id: int, officer_id: int, **columns) -> int:
    """A submitted offer taken through review to acceptance: a commitment (inside a context)."""
    offer_id = add_offer(organisation_id, user_id, state=OfferState.SUBMITTED, **columns)
    make_move(offer_id, "pick_up", officer_id)
    make_move(offer_id, "accept", officer_id, "")
    return offer_id


# --- reading back ------------------------------------------------------------------------------


def html_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def error_summary(html: str) -> str:
    """The error summary's text, unescaped."""
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    return text_of(match.group(0)) if match else ""


def text_of(html: str) -> str:
    """The page's words as a person reads them: tags gone, entities unescaped, spaces collapsed."""
    inline = re.sub(r"</?(?:strong|b|em|span|a|abbr|bdi)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def social_value_emails(app) -> list[OutboxMessage]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.template.like("social_value/%"))
            .order_by(OutboxMessage.id)
        ).all()
        for message in found:
            db.session.expunge(message)
        return list(found)


def audits(app, action_prefix: str) -> list[AuditRecord]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(AuditRecord)
            .where(AuditRecord.action.like(f"{action_prefix}%"))
            .order_by(AuditRecord.id)
        ).all()
        for record in found:
            db.session.expunge(record)
        return list(found)


def count_of(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def report_data(quantity: str = "40", **changes) -> dict:
    day = london_today() - timedelta(days=1)
    data = {
        "quantity": quantity,
        "delivered_on": [str(day.day), str(day.month), str(day.year)],
        "description": "40 hours of mentoring at the youth club.",
    }
    data.update(changes)
    return data


def report(client, offer_id: int, content: bytes | None = None, filename: str = "photos.pdf", **changes):
    """Post a delivery report on the offer's commitment (with an evidence file if given)."""
    data = report_data(**changes)
    if content is not None:
        data["evidence"] = (io.BytesIO(content), filename)
    return post_form(
        client, f"/social-value/offers/{offer_id}/report", data, content_type="multipart/form-data"
    )
