"""The organisation's data as JSON, for a member to download (UK GDPR: access and portability).

`GET /organisation/data.json` answers with everything the portal holds about the signed-in
member's own organisation: its URL carries no id, so nobody can ask for another's. It only reads
(no audit record, no "last downloaded" column) and runs a fixed number of queries whatever the
number of sites, accreditations, decisions or members.

What it holds, and what it leaves out:
- the profile's answers, sites, CPV divisions and accreditations (evidence files by the name they
  were uploaded with, type and size: not their contents, which the member can download one by one,
  nor the random name they are stored under);
- each classification as the rules give it today, with its explanation;
- the procurement team's decisions about the organisation: classification, the decision, the
  note, the date, what the rules said then, whether it still applies, and the name of the officer
  who made it. A decision about the organisation is part of its record, and who made it is part
  of the decision (officers act in their official role); the officer's email address and account
  are not: they are contact details, not part of the decision, and the team is reached through
  the procurement inbox;
- its members (name and email address) and pending invitations (address, when, and the member
  who invited them);
- its Code of Ethics pledges (reference, version and fingerprint, representative, position,
  signature, time, the member who signed and the pledge each corrects), without the client
  address and browser the pledge keeps as evidence: they are the signer's, not the organisation's;
- its modern slavery due diligence answers with their rating and the rules that raised it (the
  officers' follow-ups are their working notes and stay out).
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.due_diligence.models import DueDiligenceAnswers
from portal.ethics import services as ethics
from portal.ethics.models import Pledge
from portal.extensions import db
from portal.organisations import bp, queries, services
from portal.organisations.models import (
    ACCREDITATION_NAMES,
    Accreditation,
    ClassificationDecision,
    Organisation,
    OrganisationInvitation,
    OrganisationSite,
    council_area_name,
)
from portal.organisations.steps import BY_SLUG
from portal.time import utcnow

FORMAT = "cheshire-supplier-portal/organisation-data"
VERSION = 1


def _value(value: Any) -> Any:
    """JSON for a column: enums by their value, money as an exact decimal string, times in UTC."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(record: Any, *names: str) -> dict[str, Any]:
    """The record's columns under their own names, as JSON."""
    return {name: _value(getattr(record, name)) for name in names}


def _authority(code: str | None) -> dict[str, str] | None:
    return None if code is None else {"code": code, "name": council_area_name(code)}


def _computed(value: str) -> Any:
    """What the rules said when a decision was made, stored as text: back to JSON's own values."""
    return {"True": True, "False": False, "None": None}.get(value, value)


def load(organisation_id: int) -> Organisation:
    """The organisation with everything the export reads (what its officers' page shows), in one
    query per collection."""
    return db.session.scalars(queries.organisation(organisation_id)).one()


def pending_invitations(organisation_id: int) -> list[OrganisationInvitation]:
    return list(
        db.session.scalars(
            sa.select(OrganisationInvitation)
            .where(
                OrganisationInvitation.organisation_id == organisation_id,
                OrganisationInvitation.accepted_at.is_(None),
            )
            .order_by(OrganisationInvitation.id)
        )
    )


def due_diligence_answers(organisation_id: int) -> DueDiligenceAnswers | None:
    return db.session.scalar(
        sa.select(DueDiligenceAnswers)
        .where(DueDiligenceAnswers.organisation_id == organisation_id)
        .options(selectinload(DueDiligenceAnswers.answered_by))
    )


def organisation_data(
    organisation: Organisation,
    invitations: list[OrganisationInvitation],
    pledges: list[Pledge] = (),
    due_diligence: DueDiligenceAnswers | None = None,
) -> dict:
    """Everything the portal holds about the organisation, as the module's notes list it."""
    names = {member.id: member.name for member in organisation.members}  # None for one who has left
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _value(utcnow()),
        "organisation": {**_identity(organisation), **_answers(organisation, names)},
        **_records(organisation),
        **_classifications(organisation),
        **_people(organisation, invitations, names),
        "code_of_ethics_pledges": [_pledge(pledge) for pledge in reversed(pledges)],
        "modern_slavery_due_diligence": None if due_diligence is None else _due_diligence(due_diligence),
    }


def _identity(organisation: Organisation) -> dict:
    """Its ids and times, then the "About the organisation" step's answers."""
    return _columns(organisation, "id", "name", "created_at", "registered_at", *BY_SLUG["about"].columns)


def _answers(organisation: Organisation, names: dict[int, str]) -> dict:
    """The profile's answers after its identity: address, size and declarations."""
    return {
        "registered_address": _address(organisation, *BY_SLUG["address"].columns),
        "size": _size(organisation),
        "vcse_declared": organisation.vcse_declared,
        "supported_employment_provider": organisation.supported_employment_provider,
        "public_service_mutual": organisation.public_service_mutual,
        "living_wage": _value(organisation.living_wage),
        "modern_slavery_statement_url": organisation.modern_slavery_statement_url,
        "tax_compliance": {
            "declared_at": _value(organisation.tax_compliance_declared_at),
            # None when the member who declared it has left the organisation.
            "declared_by": names.get(organisation.tax_compliance_declared_by_id),
        },
        "accreditations_answered": organisation.accreditations_answered,
    }


def _address(place: Organisation | OrganisationSite, *columns: str) -> dict:
    """An address as the registered one and each site keep it: the columns named, then the area."""
    return {
        **_columns(place, *columns),
        "declared_authority": _authority(place.declared_authority),
    }


def _size(organisation: Organisation) -> dict:
    return {
        "staff_headcount": organisation.staff_headcount,
        "turnover_gbp": _value(organisation.turnover),
        "balance_sheet_total_gbp": _value(organisation.balance_sheet_total),
        "financial_year_end": _value(organisation.financial_year_end),
        "size_reminder_sent_at": _value(organisation.size_reminded_at),
    }


def _records(organisation: Organisation) -> dict:
    """Its other sites, CPV divisions and accreditations."""
    return {
        "sites": [_site(site) for site in organisation.sites],
        "cpv_divisions": [
            {"division": division.division, "code": division.code, "title": division.title}
            for division in organisation.divisions
        ],
        "accreditations": [_accreditation(accreditation) for accreditation in organisation.accreditations],
    }


def _site(site: OrganisationSite) -> dict:
    return _address(site, "label", "address_line_1", "town", "postcode")


def _accreditation(accreditation: Accreditation) -> dict:
    """The accreditation with its evidence file (named, not its contents) and reminders sent."""
    return {
        "kind": _value(accreditation.kind),
        "name": accreditation.other_name or ACCREDITATION_NAMES[accreditation.kind],
        "certificate_number": accreditation.certificate_number,
        "expires_on": _value(accreditation.expires_on),
        "evidence": None if accreditation.evidence_name is None else _evidence(accreditation),
        "reminders_sent": _reminders_sent(accreditation),
    }


def _reminders_sent(accreditation: Accreditation) -> dict:
    return {
        "30_days_before": _value(accreditation.reminded_30_at),
        "7_days_before": _value(accreditation.reminded_7_at),
        "expired": _value(accreditation.reminded_expired_at),
    }


def _evidence(accreditation: Accreditation) -> dict:
    return {
        "filename": accreditation.evidence_filename,
        "content_type": accreditation.evidence_type,
        "size_bytes": accreditation.evidence_size,
    }


def _classifications(organisation: Organisation) -> dict:
    """Each classification as the rules give it today, and the officers' decisions on them."""
    still_applying = {decision.id for decision in services.current_decisions(organisation).values()}
    return {
        "classifications": _rules_say(services.classify(organisation)),
        "classification_decisions": [
            _decision(decision, decision.id in still_applying) for decision in organisation.decisions
        ],
    }


def _rules_say(classifications: services.Classifications) -> dict:
    return {
        name: {"value": _value(result.value), "explanation": result.explanation}
        for name, result in (
            ("local", classifications.local),
            ("sme", classifications.sme),
            ("size_band", classifications.size_band),
            ("vcse", classifications.vcse),
            ("modern_slavery_statement_required", classifications.modern_slavery),
        )
    }


def _decision(decision: ClassificationDecision, still_applies: bool) -> dict:
    return {
        "classification": _value(decision.classification),
        "decision": decision.decided_value,
        "note": decision.note,
        "decided_at": _value(decision.decided_at),
        "decided_by": decision.officer.name,
        "rules_said_then": _computed(decision.computed_value),
        "still_applies": still_applies,
    }


def _people(
    organisation: Organisation, invitations: list[OrganisationInvitation], names: dict[int, str]
) -> dict:
    """Its members, and the invitations still waiting with the member who sent each."""
    return {
        "members": [
            {"name": member.name, "email": member.email}
            for member in sorted(organisation.members, key=lambda m: m.id)
        ],
        "pending_invitations": [
            {
                "email": invitation.email,
                "invited_at": _value(invitation.created_at),
                "invited_by": names.get(invitation.invited_by_id),
            }
            for invitation in invitations
        ],
    }


def _pledge(pledge: Pledge) -> dict:
    return {
        "reference": pledge.reference,
        "version": pledge.version.number,
        "text_sha256": pledge.text_sha256,
        "areas_acknowledged": pledge.acknowledged_areas,
        "representative_name": pledge.representative_name,
        "representative_position": pledge.representative_position,
        "signature": pledge.signature,
        "signed_at": _value(pledge.signed_at),
        "signed_by": pledge.user.name,
        "corrects": pledge.supersedes.reference if pledge.supersedes_id else None,
    }


def _due_diligence(answers: DueDiligenceAnswers) -> dict:
    columns = _columns(
        answers,
        "sector",
        "sourcing",
        "countries",
        "agency_labour",
        "agency_checks",
        "social_audits",
        "other_audit",
        "grievance_route",
        "training",
        "rating",
        "score",
        "raised_by",
        "answered_at",
    )
    return {**columns, "answered_by": answers.answered_by.name}


@bp.get("/data.json")
def data_download():
    """The signed-in member's organisation, as a JSON attachment (staff have none: 403)."""
    organisation = load(current_user.organisation_id)
    data = organisation_data(
        organisation,
        pending_invitations(organisation.id),
        ethics.pledges_of(organisation.id, limit=1000),
        due_diligence_answers(organisation.id),
    )
    return _attachment(data, f"organisation-{organisation.id}.json")


def _attachment(data: dict, filename: str):
    """`data` as an indented JSON file to download, never cached."""
    response = current_app.response_class(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", mimetype="application/json"
    )
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Cache-Control"] = "no-store"
    return response
