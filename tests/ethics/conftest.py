import re

import pytest
import sqlalchemy as sa

from portal.ethics.models import CodeVersion, Pledge
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.time import utcnow
from tests.conftest import post_form
from tests.factories import make_organisation, make_supplier, sign_in

REPRESENTATIVE = {
    "representative_name": "Rhiannon Jones",
    "representative_position": "Managing Director",
    "signature": "Rhiannon Jones",
    "authority": "y",
}


def registered_organisation(name: str = "Winsford Widgets", *, registered: bool = True) -> Organisation:
    organisation = make_organisation(name)
    organisation.registered_at = utcnow() if registered else None
    db.session.commit()
    db.session.refresh(organisation)
    return organisation


@pytest.fixture
def signer(app, client):
    """A verified member of a registered organisation, signed in with `client`."""
    with app.app_context():
        organisation = registered_organisation()
        user = make_supplier("rhiannon@example.com", name="Rhiannon Jones", organisation=organisation)
    sign_in(client, user.email)
    return user


def latest_version() -> CodeVersion:
    return db.session.scalar(sa.select(CodeVersion).order_by(CodeVersion.number.desc()).limit(1))


def sign_data(version_number: int = 1, areas: int = 4, **changes) -> dict:
    data = {
        "version": str(version_number),
        **REPRESENTATIVE,
        **{f"area_{n}": "y" for n in range(1, areas + 1)},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def sign_code(client, **changes):
    with client.application.app_context():
        version = latest_version()
        number, areas = version.number, len(version.document.areas)
    return post_form(client, "/code-of-ethics", sign_data(number, areas, **changes))


def pledges_of(organisation_id: int) -> list[Pledge]:
    return list(
        db.session.scalars(
            sa.select(Pledge).where(Pledge.organisation_id == organisation_id).order_by(Pledge.id)
        )
    )


def error_summary(html: str) -> str:
    match = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', html, re.S)
    return match.group(0) if match else ""
