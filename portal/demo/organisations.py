"""Demo organisations for `flask demo-data`: `rows` organisations, oldest first, most of them
registered with a completed profile, and their other sites, accreditations and CPV divisions, so
the officers' list and the profile pages are measured over full tables.

Each organisation gets 0-2 other sites (outside the force area, so its registered address decides
whether it is local), 0-2 accreditations and 1-3 CPV divisions (none where the CPV divisions have
not been loaded with `flask seed`); the seeder returns every row it wrote. Local status is written
by the local rule (`rules.classify_local`) from what the postcode district table says of the
postcodes chosen (local, declared or not local), without a look-up per organisation.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.demo import insert_in_chunks, next_id, seeder
from portal.extensions import db
from portal.organisations.models import (
    Accreditation,
    AccreditationKind,
    LivingWage,
    LocalStatus,
    Organisation,
    OrganisationSite,
    organisation_cpv_divisions,
)
from portal.organisations.rules import VCSE_FORMS, LegalForm, Premises, classify_local
from portal.postcodes.lookup import district_answer
from portal.postcodes.models import ForceArea
from portal.reference.models import CpvDivision
from portal.time import utcnow

PLACES = ["Northwich", "Crewe", "Chester", "Warrington", "Runcorn", "Widnes", "Macclesfield", "Leeds"]
TRADES = [
    "Fencing",
    "Catering",
    "Vehicle Services",
    "Cleaning",
    "Print",
    "Security",
    "IT Services",
    "Joinery",
]
FORMS = {
    LegalForm.PRIVATE_LIMITED: 60,
    LegalForm.PUBLIC_LIMITED: 3,
    LegalForm.LLP: 5,
    LegalForm.PARTNERSHIP: 5,
    LegalForm.SOLE_TRADER: 10,
    LegalForm.CHARITY: 5,
    LegalForm.CIO: 2,
    LegalForm.CIC: 5,
    LegalForm.COOPERATIVE: 2,
    LegalForm.COMMUNITY_BENEFIT: 1,
    LegalForm.UNINCORPORATED: 1,
    LegalForm.OTHER: 1,
}
SUFFIXES = {
    LegalForm.PRIVATE_LIMITED: " Ltd",
    LegalForm.PUBLIC_LIMITED: " plc",
    LegalForm.LLP: " LLP",
    LegalForm.CIC: " CIC",
}
COMPANY_FORMS = {LegalForm.PRIVATE_LIMITED, LegalForm.PUBLIC_LIMITED, LegalForm.LLP, LegalForm.CIC}
CHARITY_FORMS = {LegalForm.CHARITY, LegalForm.CIO}
# (postcode, town, its district against the force area, the force-area councils it may be in):
# districts as data/cheshire-postcode-districts.csv has them. An organisation whose district
# cannot tell says it is in the first council.
POSTCODES = [
    ("CW7 2UA", "Winsford", ForceArea.INSIDE, ("E06000050",)),
    ("CW9 5DD", "Northwich", ForceArea.INSIDE, ("E06000050", "E06000049")),
    ("CH2 1AA", "Chester", ForceArea.INSIDE, ("E06000050",)),
    ("CW1 2BJ", "Crewe", ForceArea.INSIDE, ("E06000049",)),
    ("WA1 1UH", "Warrington", ForceArea.INSIDE, ("E06000007",)),
    ("SK10 1DX", "Macclesfield", ForceArea.INSIDE, ("E06000049",)),
    ("CH65 0AA", "Ellesmere Port", ForceArea.UNCONFIRMED, ("E06000050",)),
    ("WA7 1AB", "Runcorn", ForceArea.UNCONFIRMED, ("E06000006", "E06000050")),
    ("M1 1AE", "Manchester", None, ()),
    ("L1 8JQ", "Liverpool", None, ()),
    ("ST4 1AA", "Stoke-on-Trent", None, ()),
    ("LS1 4DY", "Leeds", None, ()),
]
# What the postcode look-up answers for each, from the district table alone.
ANSWERS = {
    postcode: district_answer(postcode, postcode.split(" ")[0], force_area, codes, "")
    for postcode, _town, force_area, codes in POSTCODES
}
OUTSIDE = [(postcode, town) for postcode, town, force_area, _codes in POSTCODES if force_area is None]
SITE_LABELS = ["Depot", "Warehouse", "Workshop", "Branch office", "Yard"]
YEAR_ENDS = [date(2025, 12, 31), date(2026, 3, 31), date(2026, 6, 30)]
KINDS = [kind for kind in AccreditationKind if kind != AccreditationKind.OTHER]
# Each organisation's other sites, as (postcode, town), in the organisations' order.
SitePostcodes = list[list[tuple[str, str]]]


@seeder("organisations")
def seed_organisations(rows: int, rng: random.Random) -> int:
    now = utcnow()
    first_id = next_id(Organisation)
    site_postcodes: SitePostcodes = []
    written = insert_in_chunks(Organisation, _organisations(rows, first_id, now, site_postcodes, rng))
    ids = _ids_written(first_id, rows)
    return written + _seed_links(ids, site_postcodes, now.date(), rng)


def _ids_written(first_id: int, rows: int) -> Sequence[int]:
    """The ids of the `rows` organisations just written from `first_id`, in order."""
    return db.session.scalars(
        sa.select(Organisation.id).where(Organisation.id >= first_id).order_by(Organisation.id).limit(rows)
    ).all()


def _seed_links(ids: Sequence[int], site_postcodes: SitePostcodes, today: date, rng: random.Random) -> int:
    """The organisations' other sites, accreditations and CPV divisions; returns the rows written."""
    divisions = db.session.scalars(sa.select(CpvDivision.division).order_by(CpvDivision.division)).all()
    written = insert_in_chunks(OrganisationSite, _sites(ids, site_postcodes, rng))
    written += insert_in_chunks(Accreditation, _accreditations(ids, today, rng))
    return written + insert_in_chunks(organisation_cpv_divisions, _division_links(ids, divisions, rng))


def _organisations(
    rows: int, first_id: int, now: datetime, site_postcodes: SitePostcodes, rng: random.Random
) -> Iterator[dict]:
    """The organisations' rows, each one's other sites (postcode, town) noted in `site_postcodes`."""
    for n in range(rows):
        chosen = [rng.choice(OUTSIDE) for _ in range(rng.choice([0, 0, 1, 2]))]
        site_postcodes.append(chosen)
        # Oldest first, as ids grow: created over the last rows x 5 minutes.
        created = now - timedelta(minutes=5 * (rows - n))
        yield organisation_row(n, first_id + n, created, [postcode for postcode, _town in chosen], rng)


def organisation_row(n: int, key: int, created: datetime, sites: list[str], rng: random.Random) -> dict:
    """Organisation n of the run, with other sites at `sites` (postcodes); `key` (unique in the
    table) makes its registration numbers."""
    form = rng.choices(list(FORMS), weights=list(FORMS.values()))[0]
    legal_name = f"{rng.choice(PLACES)} {rng.choice(TRADES)} {n + 1}{SUFFIXES.get(form, '')}"
    place = rng.choice(POSTCODES)
    staff = rng.choice([1, 3, 8, 12, 25, 40, 75, 120, 260, 900])
    turnover = Decimal(staff * rng.randint(40_000, 120_000))
    registered = rng.random() < 0.85
    # In this order: each step draws its random numbers in turn.
    return {
        **_identity(legal_name, form, key, created, registered, rng),
        **_address(place, sites, rng),
        **_size(staff, turnover, key, rng),
        **_answers(form, created, registered, rng),
    }


def _identity(
    legal_name: str, form: LegalForm, key: int, created: datetime, registered: bool, rng: random.Random
) -> dict:
    """Its names, registration numbers and website, and when it was created and registered."""
    return {
        "name": legal_name,
        "created_at": created,
        # Within the 5 minutes before the next one is created: never in the future.
        "registered_at": created + timedelta(minutes=rng.randint(1, 4)) if registered else None,
        "legal_name": legal_name,
        "legal_form": form,
        # Not real numbers' shapes on purpose ("D" + 7 digits), unique however often it runs (up to
        # ten million organisations).
        "companies_house_number": f"D{key % 10**7:07d}" if form in COMPANY_FORMS else None,
        "charity_number": f"D{key}" if form in CHARITY_FORMS else None,
        "website": f"https://supplier{key}.example.com" if rng.random() < 0.6 else None,
    }


def _address(place: tuple, sites: list[str], rng: random.Random) -> dict:
    """The registered address, with the local status the rule makes of it and of the other sites."""
    postcode, town, _force_area, codes = place
    declared = codes[0] if ANSWERS[postcode].status == "ask" else None
    local = classify_local(_premises(postcode, declared, sites))
    return {
        "address_line_1": f"{rng.randint(1, 200)} {rng.choice(['High Street', 'Station Road', 'Mill Lane'])}",
        "town": town,
        "postcode": postcode,
        "declared_authority": declared,
        "local_status": LocalStatus(local.value),
        "local_explanation": local.explanation,
    }


def _premises(postcode: str, declared: str | None, sites: list[str]) -> Sequence[Premises]:
    registered = Premises("the registered address", postcode, ANSWERS[postcode], declared)
    # The explanation never names an outside site, so its label is not needed.
    return [registered, *(Premises("a site", site, ANSWERS[site], None) for site in sites)]


def _size(staff: int, turnover: Decimal, key: int, rng: random.Random) -> dict:
    return {
        "staff_headcount": staff,
        "turnover": turnover,
        "balance_sheet_total": (turnover * Decimal("0.6")).quantize(Decimal("1")),
        "financial_year_end": rng.choice(YEAR_ENDS),
        # Large enough to need a statement: one (a placeholder address) given.
        "modern_slavery_statement_url": f"https://supplier{key}.example.com/modern-slavery"
        if turnover >= 36_000_000
        else None,
    }


def _answers(form: LegalForm, created: datetime, registered: bool, rng: random.Random) -> dict:
    """The profile's other answers: every step done for a registered organisation."""
    return {
        "vcse_declared": None if form in VCSE_FORMS else rng.random() < 0.05,
        "supported_employment_provider": rng.random() < 0.02,
        "public_service_mutual": rng.random() < 0.01,
        "living_wage": rng.choice(list(LivingWage)),
        "tax_compliance_declared_at": created if registered else None,
        "accreditations_answered": registered,
    }


def _sites(ids: Sequence[int], site_postcodes: SitePostcodes, rng: random.Random) -> Iterator[dict]:
    for organisation_id, chosen in zip(ids, site_postcodes, strict=True):
        for postcode, town in chosen:
            yield {
                "organisation_id": organisation_id,
                "label": rng.choice(SITE_LABELS),
                "address_line_1": f"Unit {rng.randint(1, 40)}, {town} Business Park",
                "town": town,
                "postcode": postcode,
                "declared_authority": None,
            }


def _accreditations(ids: Sequence[int], today: date, rng: random.Random) -> Iterator[dict]:
    for organisation_id in ids:
        for kind in rng.sample(KINDS, rng.choice([0, 0, 1, 2])):
            yield {
                "organisation_id": organisation_id,
                "kind": kind,
                "certificate_number": f"CERT-{organisation_id}-{kind.value[:4].upper()}",
                "expires_on": today + timedelta(days=rng.randint(-30, 3 * 365)),
            }


def _division_links(ids: Sequence[int], divisions: Sequence[str], rng: random.Random) -> Iterator[dict]:
    for organisation_id in ids:
        for division in rng.sample(divisions, min(len(divisions), rng.randint(1, 3))):
            yield {"organisation_id": organisation_id, "division": division}
