"""Demo organisations for `flask demo-data`: `rows` organisations, oldest first, most of them
registered with a completed profile, and their other sites, accreditations and CPV divisions, so
the officers' list and the profile pages are measured over full tables.

Each organisation gets 0-2 other sites (outside the force area, so its registered address decides
whether it is local), 0-2 accreditations and 1-3 CPV divisions (none where the CPV divisions have
not been loaded with `flask seed`); the seeder returns every row it wrote. Local status is written
as the rules would work it out from the postcodes chosen (local, declared or not local), without a
look-up per organisation.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.demo import insert_in_chunks, seeder
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
from portal.organisations.rules import VCSE_FORMS, LegalForm
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
# (postcode, town, what the rules make of it, the force-area authority the explanation names):
# districts as data/cheshire-postcode-districts.csv has them.
POSTCODES = [
    ("CW7 2UA", "Winsford", LocalStatus.LOCAL, "Cheshire West and Chester"),
    ("CW9 5DD", "Northwich", LocalStatus.LOCAL, "Cheshire West and Chester or Cheshire East"),
    ("CH2 1AA", "Chester", LocalStatus.LOCAL, "Cheshire West and Chester"),
    ("CW1 2BJ", "Crewe", LocalStatus.LOCAL, "Cheshire East"),
    ("WA1 1UH", "Warrington", LocalStatus.LOCAL, "Warrington"),
    ("SK10 1DX", "Macclesfield", LocalStatus.LOCAL, "Cheshire East"),
    ("CH65 0AA", "Ellesmere Port", LocalStatus.DECLARED, "Cheshire West and Chester"),
    ("WA7 1AB", "Runcorn", LocalStatus.DECLARED, "Halton"),
    ("M1 1AE", "Manchester", LocalStatus.NOT_LOCAL, None),
    ("L1 8JQ", "Liverpool", LocalStatus.NOT_LOCAL, None),
    ("ST4 1AA", "Stoke-on-Trent", LocalStatus.NOT_LOCAL, None),
    ("LS1 4DY", "Leeds", LocalStatus.NOT_LOCAL, None),
]
DECLARED_CODES = {"Cheshire West and Chester": "E06000050", "Halton": "E06000006"}
SITE_LABELS = ["Depot", "Warehouse", "Workshop", "Branch office", "Yard"]
YEAR_ENDS = [date(2025, 12, 31), date(2026, 3, 31), date(2026, 6, 30)]
KINDS = [kind for kind in AccreditationKind if kind != AccreditationKind.OTHER]


def explanation(status: LocalStatus, postcode: str, authority: str | None, sites: list[str]) -> str:
    """The sentence services.work_out_local_status writes for these premises."""
    district = postcode.split(" ")[0]
    if status == LocalStatus.LOCAL:
        return (
            f"Local: the registered address is in the force area. {postcode} is in {authority}: "
            f"postcode district {district} lies wholly inside the force area (postcode district table)."
        )
    if status == LocalStatus.DECLARED:
        return (
            f"Declared local, to be verified: you say the registered address ({postcode}) is in "
            f"{authority}, which its postcode cannot confirm."
        )
    return (
        "Not local: no premises in the force area (Cheshire East, Cheshire West and Chester, Halton, "
        f"Warrington); postcodes {', '.join([postcode, *sites])}."
    )


def organisation_row(n: int, key: int, created, sites: list[str], rng: random.Random) -> dict:
    """Organisation n of the run, with other sites at `sites` (postcodes); `key` (unique in the
    table) makes its registration numbers."""
    form = rng.choices(list(FORMS), weights=list(FORMS.values()))[0]
    legal_name = f"{rng.choice(PLACES)} {rng.choice(TRADES)} {n + 1}{SUFFIXES.get(form, '')}"
    postcode, town, status, authority = rng.choice(POSTCODES)
    staff = rng.choice([1, 3, 8, 12, 25, 40, 75, 120, 260, 900])
    turnover = Decimal(staff * rng.randint(40_000, 120_000))
    registered = rng.random() < 0.85
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
        "address_line_1": f"{rng.randint(1, 200)} {rng.choice(['High Street', 'Station Road', 'Mill Lane'])}",
        "town": town,
        "postcode": postcode,
        "declared_authority": DECLARED_CODES.get(authority) if status == LocalStatus.DECLARED else None,
        "local_status": status,
        "local_explanation": explanation(status, postcode, authority, sites),
        "staff_headcount": staff,
        "turnover": turnover,
        "balance_sheet_total": (turnover * Decimal("0.6")).quantize(Decimal("1")),
        "financial_year_end": rng.choice(YEAR_ENDS),
        "vcse_declared": None if form in VCSE_FORMS else rng.random() < 0.05,
        "supported_employment_provider": rng.random() < 0.02,
        "public_service_mutual": rng.random() < 0.01,
        "living_wage": rng.choice(list(LivingWage)),
        # Large enough to need a statement: one (a placeholder address) given.
        "modern_slavery_statement_url": f"https://supplier{key}.example.com/modern-slavery"
        if turnover >= 36_000_000
        else None,
        "tax_compliance_declared_at": created if registered else None,
        "accreditations_answered": registered,
    }


@seeder("organisations")
def seed_organisations(rows: int, rng: random.Random) -> int:
    now = utcnow()
    first_id = (db.session.scalar(sa.select(sa.func.max(Organisation.id))) or 0) + 1
    outside = [entry for entry in POSTCODES if entry[2] == LocalStatus.NOT_LOCAL]
    site_postcodes: list[list[tuple[str, str]]] = []  # per organisation: (postcode, town)

    def organisations():
        for n in range(rows):
            chosen = [rng.choice(outside)[:2] for _ in range(rng.choice([0, 0, 1, 2]))]
            site_postcodes.append(chosen)
            # Oldest first, as ids grow: created over the last rows x 5 minutes.
            created = now - timedelta(minutes=5 * (rows - n))
            yield organisation_row(n, first_id + n, created, [p for p, _ in chosen], rng)

    written = insert_in_chunks(Organisation, organisations())
    ids = db.session.scalars(
        sa.select(Organisation.id).where(Organisation.id >= first_id).order_by(Organisation.id).limit(rows)
    ).all()
    divisions = db.session.scalars(sa.select(CpvDivision.division).order_by(CpvDivision.division)).all()
    today = now.date()

    def sites():
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

    def accreditations():
        for organisation_id in ids:
            for kind in rng.sample(KINDS, rng.choice([0, 0, 1, 2])):
                yield {
                    "organisation_id": organisation_id,
                    "kind": kind,
                    "certificate_number": f"CERT-{organisation_id}-{kind.value[:4].upper()}",
                    "expires_on": today + timedelta(days=rng.randint(-30, 3 * 365)),
                }

    def division_links():
        for organisation_id in ids:
            for division in rng.sample(divisions, min(len(divisions), rng.randint(1, 3))):
                yield {"organisation_id": organisation_id, "division": division}

    written += insert_in_chunks(OrganisationSite, sites())
    written += insert_in_chunks(Accreditation, accreditations())
    written += insert_in_chunks(organisation_cpv_divisions, division_links())
    return written
