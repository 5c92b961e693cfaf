from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.accounts.access import unverified_allowed
from portal.forms import ConfirmForm
from portal.home import bp
from portal.home.queries import home_of
from portal.organisations.models import ACCREDITATION_NAMES, Classification
from portal.social_value.models import UNIT_NAMES
from portal.time import london_today, utcnow

CLASSIFICATION_NAMES = {
    Classification.LOCAL: "Local supplier",
    Classification.SME: "Small or medium-sized enterprise (SME)",
    Classification.VCSE: "Voluntary, community or social enterprise (VCSE)",
}


@bp.get("/account")
@unverified_allowed
def account():
    """The signed-in person's page: for a verified member of an organisation, its home (where it
    stands and what waits for it); for anyone, their own details."""
    organisation = current_user.organisation if current_user.is_verified else None
    return render_template(
        "home/account.html",
        form=ConfirmForm(),
        home=home_of(organisation) if organisation is not None else None,
        classification_names=CLASSIFICATION_NAMES,
        accreditation_names=ACCREDITATION_NAMES,
        unit_names=UNIT_NAMES,
        today=london_today(),
        now=utcnow(),
    )
