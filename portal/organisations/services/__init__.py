"""Every write to an organisation's profile. Services flush; the view commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.accounts.models import User
from portal.extensions import db
from portal.organisations import emails, rules
from portal.organisations.models import (
    Accreditation,
    AccreditationKind,
    Classification,
    ClassificationDecision,
    LocalStatus,
    Organisation,
    OrganisationSite,
)
from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES, lookup_postcode
from portal.reference.figures import figures_on
from portal.time import utcnow


@dataclass(frozen=True)
class Classifications:
    local: rules.Result
    sme: rules.Result
    size_band: rules.Result
    vcse: rules.Result
    modern_slavery: rules.Result

    def values(self) -> dict[str, Any]:
        """What the officers are told changed (and decisions are checked against)."""
        return {"local": self.local.value, "sme": self.sme.value, "vcse": self.vcse.value}


def needs_statement(org: Organisation) -> bool:
    """The modern slavery rule alone (what `services.classify(org).modern_slavery` says): every
    page that lists the steps asks this, and the other classifications cost more to work out."""
    return bool(rules.needs_modern_slavery_statement(org.turnover, figures_on()).value)


def classify(organisation: Organisation) -> Classifications:
    """The rules applied to the organisation's answers, with the figures in force today."""
    figures = figures_on()
    size = (organisation.staff_headcount, organisation.turnover, organisation.balance_sheet_total)
    local = rules.Result(
        organisation.local_status,
        organisation.local_explanation or "Local: not known until the registered address is given",
    )
    return Classifications(
        local=local,
        sme=rules.classify_sme(*size, figures),
        size_band=rules.size_band(*size, figures),
        vcse=rules.classify_vcse(organisation.legal_form, organisation.vcse_declared),
        modern_slavery=rules.needs_modern_slavery_statement(organisation.turnover, figures),
    )


def premises(organisation: Organisation) -> list[tuple[str, Organisation | OrganisationSite]]:
    """(what, where its address is kept) for the registered address and every other site that
    has a postcode."""
    found = [("the registered address", organisation), *((site.label, site) for site in organisation.sites)]
    return [(what, place) for what, place in found if place.postcode]


def work_out_local_status(organisation: Organisation) -> None:
    """Local if any premises is in the force area by its postcode. Otherwise not known while a
    premises whose postcode cannot tell has no answer to "which council area?"; declared (to be
    verified) if the supplier says one is in the force area; not local if none is."""
    declared: list[str] = []
    outside: list[str] = []
    unanswered: list[str] = []
    local: str | None = None
    for what, place in premises(organisation):
        answer = lookup_postcode(place.postcode)
        place.needs_council_area = answer.status == "ask" and place.declared_authority is None
        if answer.status == "local":
            local = local or f"Local: {what} is in the force area. {answer.explanation}"
        elif place.needs_council_area:
            unanswered.append(f"{what} ({place.postcode})")
        elif answer.status == "ask" and place.declared_authority in FORCE_AREA_AUTHORITIES:
            declared.append(
                f"{what} ({place.postcode}) is in {FORCE_AREA_AUTHORITIES[place.declared_authority]}"
            )
        else:
            outside.append(place.postcode)
    if local:
        organisation.local_status, organisation.local_explanation = LocalStatus.LOCAL, local
    elif unanswered:
        organisation.local_status = None
        organisation.local_explanation = (
            f"Local: not known until you say which council area {' and '.join(unanswered)} "
            f"{'is' if len(unanswered) == 1 else 'are'} in."
        )
    elif declared:
        organisation.local_status = LocalStatus.DECLARED
        organisation.local_explanation = f"Declared local, to be verified: you say {'; '.join(declared)}, which its postcode cannot confirm."
    elif outside:
        organisation.local_status = LocalStatus.NOT_LOCAL
        organisation.local_explanation = (
            f"Not local: no premises in the force area (Cheshire East, Cheshire West and Chester, Halton, "
            f"Warrington); postcodes {', '.join(outside)}."
        )
    else:
        organisation.local_status, organisation.local_explanation = None, None


def update_profile(organisation: Organisation, changes: dict[str, Any], *, actor: User) -> None:
    """Apply one step's answers. A registered organisation whose classification changes as a
    result is reported to the procurement inbox."""
    before = classify(organisation).values() if organisation.is_registered else None
    for name, value in changes.items():
        setattr(organisation, name, value)
    if {"postcode", "declared_authority", "sites"} & changes.keys():
        work_out_local_status(organisation)
    if "legal_name" in changes or "trading_name" in changes:
        organisation.name = organisation.trading_name or organisation.legal_name or organisation.name
    db.session.flush()
    if before is not None:
        after = classify(organisation).values()
        if after != before:
            audit.record(
                "organisation.classification_changed",
                organisation,
                actor=actor,
                before=_jsonable(before),
                after=_jsonable(after),
            )
            emails.classification_changed(organisation, before, after)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (str(value) if value is not None and not isinstance(value, bool) else value)
        for key, value in values.items()
    }


def register(organisation: Organisation, *, actor: User) -> None:
    """ "Check your answers" confirmed: the organisation is registered and the officers told."""
    organisation.registered_at = utcnow()
    audit.record("organisation.registered", organisation, actor=actor)
    emails.registered(organisation, classify(organisation))


def number_taken(column: sa.Column, value: str | None, organisation: Organisation) -> bool:
    """Is this Companies House or charity number already another organisation's?"""
    if not value:
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Organisation)
            .where(column == value, Organisation.id != organisation.id)
        )
        > 0
    )


def add_accreditation(organisation: Organisation, form, stored, *, actor: User) -> Accreditation:
    accreditation = Accreditation(
        kind=AccreditationKind(form.kind.data),
        other_name=form.other_name.data if form.kind.data == AccreditationKind.OTHER.value else None,
        certificate_number=form.certificate_number.data,
        expires_on=form.expires_on.data,
    )
    if stored is not None:
        accreditation.evidence_name = stored.name
        accreditation.evidence_filename = stored.filename
        accreditation.evidence_type = stored.content_type
        accreditation.evidence_size = stored.size
    organisation.accreditations.append(accreditation)
    organisation.accreditations_answered = True
    db.session.flush()
    audit.record(
        "organisation.accreditation_added",
        organisation,
        actor=actor,
        accreditation_id=accreditation.id,
        kind=accreditation.kind.value,
    )
    return accreditation


def remove_accreditation(accreditation: Accreditation, *, actor: User) -> None:
    organisation = accreditation.organisation
    audit.record(
        "organisation.accreditation_removed", organisation, actor=actor, accreditation_id=accreditation.id
    )
    organisation.accreditations.remove(accreditation)


DECISION_WORDS = {True: "yes", False: "no"}


def decide_classification(
    organisation: Organisation, classification: Classification, value: bool, note: str, *, officer: User
) -> ClassificationDecision:
    """An officer verifies (agrees with) or overrides a classification, with a note: audited, and
    emailed to the organisation's members."""
    computed = classify(organisation).values()[classification.value]
    decision = ClassificationDecision(
        organisation=organisation,
        classification=classification,
        computed_value=str(computed),
        decided_value=value,
        note=note,
        officer_id=officer.id,
    )
    db.session.add(decision)
    db.session.flush()
    verb = "verified" if _agrees(computed, value) else "overridden"
    audit.record(
        f"organisation.{classification.value}_{verb}",
        organisation,
        actor=officer,
        decided=value,
        computed=str(computed),
        note=note[:500],
    )
    emails.classification_decided(
        organisation,
        decision,
        verb=verb,
        label=LABELS[classification],
        value=DECISION_WORDS[value],
        note=note,
    )
    return decision


LABELS = {
    Classification.LOCAL: "Cheshire (local) supplier",
    Classification.SME: "SME",
    Classification.VCSE: "VCSE",
}


def _agrees(computed: Any, value: bool) -> bool:
    if computed in (LocalStatus.LOCAL, LocalStatus.DECLARED):
        return value
    if computed == LocalStatus.NOT_LOCAL:
        return not value
    return computed is value


def current_decisions(organisation: Organisation) -> dict[Classification, ClassificationDecision]:
    """The newest decision on each classification that still applies: one the supplier's later
    answers have changed the computed value under no longer does."""
    computed = {key: str(value) for key, value in classify(organisation).values().items()}
    current: dict[Classification, ClassificationDecision] = {}
    for decision in organisation.decisions:  # oldest first, so the newest wins
        if decision.computed_value == computed[decision.classification.value]:
            current[decision.classification] = decision
        else:
            current.pop(decision.classification, None)
    return current


# (yes, no) for each classification, as lists beside a record say them.
STATUS_WORDS = {
    Classification.LOCAL: ("Local", "Not local"),
    Classification.SME: ("SME", "Not an SME"),
    Classification.VCSE: ("VCSE", "Not a VCSE"),
}


def status_words(organisation: Organisation) -> dict[Classification, str]:
    """Local, SME and VCSE status in a word or two each, an officer's decision winning over the
    rules' answer ("Local (officer decision)"), for lists of organisations beside a record.
    Reads the organisation's decisions: load them with the organisations (selectinload)."""
    computed = classify(organisation)
    decided = current_decisions(organisation)
    words = {}
    for classification, value in (
        (Classification.LOCAL, computed.local.value),
        (Classification.SME, computed.sme.value),
        (Classification.VCSE, computed.vcse.value),
    ):
        yes, no = STATUS_WORDS[classification]
        if classification in decided:
            words[classification] = (
                f"{yes if decided[classification].decided_value else no} (officer decision)"
            )
        elif value == LocalStatus.DECLARED:
            words[classification] = "Local: declared, to be verified"
        elif value is None:
            words[classification] = f"{yes}: not known"
        else:
            words[classification] = yes if value in (True, LocalStatus.LOCAL) else no
    return words
