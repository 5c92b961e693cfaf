"""The profile's steps, in order: what each asks, when it is done, and when it is asked at all.

Each form step maps its form's fields onto the organisation's columns; `answers` reads them back
for the form and for "check your answers". A step that another answer makes irrelevant is not
asked (the modern slavery statement only at or over the turnover threshold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeAlias

import sqlalchemy as sa
from flask_wtf import FlaskForm

from portal.formats import money
from portal.organisations import forms
from portal.organisations.models import ACCREDITATION_NAMES, Organisation, council_area_name
from portal.organisations.rules import VCSE_FORMS
from portal.organisations.services import needs_statement
from portal.time import long_date


class ReadOnlyOrganisation:
    """An organisation as a page that only shows it reads it: the collections it read ("sites",
    "divisions", "accreditations", "decisions") as plain rows of the columns the pages show, not ORM objects
    (whose reading cost "check your answers" about a third of its time over the account page);
    anything else is the organisation's own. It takes no changes: those go to the ORM object."""

    __slots__ = ("accreditations", "decisions", "divisions", "organisation", "sites")

    def __init__(self, organisation: Organisation, collections: dict[str, list[sa.Row]]) -> None:
        self.organisation = organisation
        for name, rows in collections.items():
            setattr(self, name, rows)

    def __getattr__(self, name: str) -> Any:
        # Reached only for what the slots do not hold: the organisation's columns, and a
        # collection the page did not read (which the ORM then loads).
        return getattr(self.organisation, name)


# What the steps and their sections read: the ORM object, or a page's read-only view of it.
Profile: TypeAlias = Organisation | ReadOnlyOrganisation


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form: type[FlaskForm] | None  # None: the step has its own page (sites, accreditations)
    columns: tuple[str, ...] = ()  # form field name == column name
    done: Callable[[Profile], bool] = field(default=lambda org: False)
    applies: Callable[[Profile], bool] = field(default=lambda org: True)


def _has(*columns: str) -> Callable[[Profile], bool]:
    return lambda org: all(getattr(org, column) is not None for column in columns)


STEPS: tuple[Step, ...] = (
    Step(
        "about",
        "About the organisation",
        forms.AboutForm,
        (
            "legal_name",
            "trading_name",
            "legal_form",
            "companies_house_number",
            "charity_number",
            "website",
            "ppon",
        ),
        done=_has("legal_name", "legal_form"),
    ),
    Step(
        "address",
        "Registered address",
        forms.AddressForm,
        ("address_line_1", "address_line_2", "town", "postcode"),
        done=lambda org: _has("address_line_1", "postcode")(org) and not org.needs_council_area,
    ),
    Step(
        "sites",
        "Other operating sites",
        None,
        done=lambda org: org.postcode is not None and not any(site.needs_council_area for site in org.sites),
    ),
    Step(
        "size",
        "Size",
        forms.SizeForm,
        ("staff_headcount", "turnover", "balance_sheet_total", "financial_year_end"),
        done=_has("staff_headcount", "turnover", "financial_year_end"),
    ),
    Step(
        "supplies",
        "What it supplies",
        forms.SuppliesForm,
        ("divisions",),
        done=lambda org: bool(org.divisions),
    ),
    Step(
        "status",
        "Social enterprise and other status",
        forms.VcseForm,
        ("vcse_declared", "supported_employment_provider", "public_service_mutual"),
        done=lambda org: (
            org.supported_employment_provider is not None
            and org.public_service_mutual is not None
            and (org.vcse_declared is not None or org.legal_form in VCSE_FORMS)
        ),
    ),
    Step("accreditations", "Accreditations", None, done=lambda org: org.accreditations_answered),
    Step("living-wage", "Real Living Wage", forms.LivingWageForm, ("living_wage",), done=_has("living_wage")),
    Step(
        "modern-slavery",
        "Modern slavery statement",
        forms.ModernSlaveryForm,
        ("modern_slavery_statement_url",),
        done=_has("modern_slavery_statement_url"),
        applies=needs_statement,
    ),
    Step("tax", "Tax compliance", forms.TaxForm, ("declared",), done=_has("tax_compliance_declared_at")),
)
BY_SLUG = {step.slug: step for step in STEPS}


def steps_for(org: Profile) -> list[Step]:
    return [step for step in STEPS if step.applies(org)]


def next_step(org: Profile, step: Step, steps: list[Step] | None = None) -> Step | None:
    """The step after `step` of those that apply (`steps`, when the caller has them already)."""
    remaining = steps_for(org) if steps is None else steps
    index = next((i for i, candidate in enumerate(remaining) if candidate.slug == step.slug), -1)
    return remaining[index + 1] if 0 <= index < len(remaining) - 1 else None


def all_done(org: Profile, steps: list[Step] | None = None) -> bool:
    """Every step that applies is done (`steps`: those that apply, when the caller has them)."""
    return all(step.done(org) for step in (steps_for(org) if steps is None else steps))


# The columns asked as a yes or no question, kept as booleans.
YES_NO_COLUMNS = ("vcse_declared", "supported_employment_provider", "public_service_mutual")


def answers(org: Profile, step: Step) -> dict[str, Any]:
    """The organisation's answers as the step's form takes them."""
    return {column: _answer(org, column) for column in step.columns}


def _answer(org: Profile, column: str) -> Any:
    """One column's answer as its form field takes it."""
    if column == "divisions":
        return [division.division for division in org.divisions]
    if column == "declared":
        return org.tax_compliance_declared_at is not None
    value = getattr(org, column)
    if column in YES_NO_COLUMNS:
        return None if value is None else ("yes" if value else "no")
    return value.value if hasattr(value, "value") else value


LIVING_WAGE_WORDS = {
    "accredited": "Accredited Living Wage Employer",
    "plan": "A written plan to work towards it",
    "not_yet": "Not yet",
}


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _money(value) -> str | None:
    return None if value is None else money(value)


def _day(value: date | None) -> str | None:
    return None if value is None else long_date(value)


def _about_rows(org: Profile) -> list[tuple[str, Any]]:
    from portal.organisations.rules import LEGAL_FORM_NAMES

    return [
        ("Legal name", org.legal_name),
        ("Trading name", org.trading_name),
        ("Legal form", LEGAL_FORM_NAMES.get(org.legal_form)),
        ("Companies House number", org.companies_house_number),
        ("Charity number", org.charity_number),
        ("Website", org.website),
        ("PPON", org.ppon),
    ]


def _site_text(site) -> str:
    text = f"{site.address_line_1}, {site.postcode}"
    if site.needs_council_area:
        return f"{text} (council area not given)"
    return f"{text} ({council_area_name(site.declared_authority)})" if site.declared_authority else text


def _address_rows(org: Profile) -> list[tuple[str, Any]]:
    parts = (org.address_line_1, org.address_line_2, org.town, org.postcode)
    return [("Registered address", ", ".join(part for part in parts if part)), *_council_area_rows(org)]


def _council_area_rows(org: Profile) -> list[tuple[str, Any]]:
    """The council area, where the postcode cannot tell: not given yet, or as the supplier said."""
    if org.needs_council_area:
        return [("Council area", None)]
    if org.declared_authority:
        return [("Council area (as you told us)", council_area_name(org.declared_authority))]
    return []


def _size_rows(org: Profile) -> list[tuple[str, Any]]:
    return [
        ("Number of staff", None if org.staff_headcount is None else f"{org.staff_headcount:,}"),
        ("Annual turnover", _money(org.turnover)),
        ("Balance sheet total", _money(org.balance_sheet_total)),
        ("Financial year end", _day(org.financial_year_end)),
    ]


def _status_rows(org: Profile) -> list[tuple[str, Any]]:
    return (
        []
        if org.legal_form in VCSE_FORMS
        else [("Social enterprise, mutual or voluntary organisation", _yes_no(org.vcse_declared))]
    ) + [
        ("Supported employment provider", _yes_no(org.supported_employment_provider)),
        ("Public service mutual", _yes_no(org.public_service_mutual)),
    ]


def _tax_rows(org: Profile) -> list[tuple[str, Any]]:
    from portal.time import london_datetime

    declared = org.tax_compliance_declared_at
    return [("Tax compliance", f"Confirmed {london_datetime(declared)}" if declared else None)]


# Each section's rows, worked out only when that section is shown.
SECTION_ROWS: dict[str, Callable[[Profile], list[tuple[str, Any]]]] = {
    "about": _about_rows,
    "address": _address_rows,
    "sites": lambda org: [(site.label, _site_text(site)) for site in org.sites] or [("Other sites", "None")],
    "size": _size_rows,
    "supplies": lambda org: [("Goods, works and services", "; ".join(d.title for d in org.divisions))],
    "status": _status_rows,
    "accreditations": lambda org: (
        [
            (
                a.other_name or ACCREDITATION_NAMES[a.kind],
                f"{a.certificate_number}, expires {a.expires_on:%-d %B %Y}",
            )
            for a in org.accreditations
        ]
        or [("Accreditations", "None")]
    ),
    "living-wage": lambda org: [("Real Living Wage", LIVING_WAGE_WORDS.get(org.living_wage))],
    "modern-slavery": lambda org: [("Modern slavery statement", org.modern_slavery_statement_url)],
    "tax": _tax_rows,
}


def section_rows(org: Profile, step: Step) -> list[tuple[str, Any]]:
    """(label, value) rows of one section, for "check your answers" and the officers' view."""
    return SECTION_ROWS[step.slug](org)
