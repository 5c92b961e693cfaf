"""Every write to an organisation's profile. Services flush; the view commits."""

from __future__ import annotations

from collections.abc import Iterable, KeysView
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
from portal.postcodes.lookup import lookup_postcode
from portal.reference.figures import figures_on
from portal.time import utcnow

if TYPE_CHECKING:
    from portal.files import StoredEvidence


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
    return Classifications(
        local=_local(organisation),
        sme=rules.classify_sme(*size, figures),
        size_band=rules.size_band(*size, figures),
        vcse=rules.classify_vcse(organisation.legal_form, organisation.vcse_declared),
        modern_slavery=rules.needs_modern_slavery_statement(organisation.turnover, figures),
    )


def _local(organisation: Organisation) -> rules.Result:
    """The local status as last worked out (`work_out_local_status`), with its explanation."""
    explanation = organisation.local_explanation or "Local: not known until the registered address is given"
    return rules.Result(organisation.local_status, explanation)


def premises(organisation: Organisation) -> list[tuple[str, Organisation | OrganisationSite]]:
    """(what, where its address is kept) for the registered address and every other site that
    has a postcode."""
    found = [("the registered address", organisation), *((site.label, site) for site in organisation.sites)]
    return [(what, place) for what, place in found if place.postcode]


def work_out_local_status(organisation: Organisation) -> None:
    """Look up each premises' postcode, mark those whose council area the supplier must say, and
    apply the local rule (`rules.classify_local`)."""
    result = rules.classify_local([_looked_up(what, place) for what, place in premises(organisation)])
    if result is None:  # no premises with a postcode
        organisation.local_status, organisation.local_explanation = None, None
    else:
        organisation.local_status = LocalStatus(result.value) if result.value else None
        organisation.local_explanation = result.explanation


def _looked_up(what: str, place: Organisation | OrganisationSite) -> rules.Premises:
    found = rules.Premises(what, place.postcode, lookup_postcode(place.postcode), place.declared_authority)
    place.needs_council_area = found.needs_council_area
    return found


def update_profile(organisation: Organisation, changes: dict[str, Any], *, actor: User) -> None:
    """Apply one step's answers. A registered organisation whose classification changes as a
    result is reported to the procurement inbox."""
    before = classify(organisation).values() if organisation.is_registered else None
    for name, value in changes.items():
        setattr(organisation, name, value)
    _work_out_from(organisation, changes.keys())
    db.session.flush()
    if before is not None:
        _report_classification_change(organisation, before, actor=actor)


def _work_out_from(organisation: Organisation, changed: KeysView[str]) -> None:
    """What the `changed` answers decide: the local status, and the name it is known by."""
    if {"postcode", "declared_authority", "sites"} & changed:
        work_out_local_status(organisation)
    if "legal_name" in changed or "trading_name" in changed:
        organisation.name = organisation.trading_name or organisation.legal_name or organisation.name


def _report_classification_change(organisation: Organisation, before: dict[str, Any], *, actor: User) -> None:
    """Audit and tell the procurement inbox where the answers changed a classification."""
    after = classify(organisation).values()
    if after == before:
        return
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
    others = sa.select(Organisation.id).where(column == value, Organisation.id != organisation.id)
    return db.session.scalar(others.limit(1)) is not None


def add_accreditation(organisation: Organisation, form, stored, *, actor: User) -> Accreditation:
    accreditation = _accreditation_from(form, stored)
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


def _accreditation_from(form, stored) -> Accreditation:
    """The form's answers, with the evidence file `stored` (portal.files.store's answer) if any."""
    accreditation = Accreditation(
        kind=AccreditationKind(form.kind.data),
        other_name=form.other_name.data if form.kind.data == AccreditationKind.OTHER.value else None,
        certificate_number=form.certificate_number.data,
        expires_on=form.expires_on.data,
    )
    if stored is not None:
        _attach_evidence(accreditation, stored)
    return accreditation


def _attach_evidence(accreditation: Accreditation, stored: StoredEvidence) -> None:
    accreditation.evidence_name = stored.name
    accreditation.evidence_filename = stored.filename
    accreditation.evidence_type = stored.content_type
    accreditation.evidence_size = stored.size


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
    _record_decision(decision, "verified" if _agrees(computed, value) else "overridden", officer=officer)
    return decision


def _record_decision(decision: ClassificationDecision, verb: str, *, officer: User) -> None:
    """The decision's audit record and its email to the organisation's members."""
    organisation, classification = decision.organisation, decision.classification
    audit.record(
        f"organisation.{classification.value}_{verb}",
        organisation,
        actor=officer,
        decided=decision.decided_value,
        computed=decision.computed_value,
        note=decision.note[:500],
    )
    label, value = LABELS[classification], DECISION_WORDS[decision.decided_value]
    emails.classification_decided(
        organisation, decision, verb=verb, label=label, value=value, note=decision.note
    )


LABELS = {
    Classification.LOCAL: "Cheshire (local) supplier",
    Classification.SME: "SME",
    Classification.VCSE: "VCSE",
}


# The local statuses that count as local (a declared one until an officer decides otherwise).
LOCAL_STATUSES = (LocalStatus.LOCAL, LocalStatus.DECLARED)


def _agrees(computed: Any, value: bool) -> bool:
    if computed in LOCAL_STATUSES:
        return value
    if computed == LocalStatus.NOT_LOCAL:
        return not value
    return computed is value


def current_decisions(
    organisation: Organisation, decisions: Iterable[ClassificationDecision] | None = None
) -> dict[Classification, ClassificationDecision]:
    """The newest decision on each classification that still applies: one the supplier's later
    answers have changed the computed value under no longer does. `decisions`: the
    organisation's, oldest first, where the caller read them (as plain rows, say)."""
    computed = {key: str(value) for key, value in classify(organisation).values().items()}
    current: dict[Classification, ClassificationDecision] = {}
    for decision in organisation.decisions if decisions is None else decisions:  # the newest wins
        if decision.computed_value == computed[decision.classification.value]:
            current[decision.classification] = decision
        else:
            current.pop(decision.classification, None)
    return current


# (yes, no) for each classification, as lists beside a record say them; the local ones are the
# rules' words for a local status.
STATUS_WORDS = {
    Classification.LOCAL: (
        rules.LOCAL_STATUS_WORDS[LocalStatus.LOCAL],
        rules.LOCAL_STATUS_WORDS[LocalStatus.NOT_LOCAL],
    ),
    Classification.SME: ("SME", "Not an SME"),
    Classification.VCSE: ("VCSE", "Not a VCSE"),
}


def status_words(organisation: Organisation) -> dict[Classification, str]:
    """Local, SME and VCSE status in a word or two each, an officer's decision winning over the
    rules' answer ("Local (officer decision)"), for lists of organisations beside a record.
    Reads the organisation's decisions: load them with the organisations (selectinload)."""
    computed = classify(organisation).values()
    decided = current_decisions(organisation)
    return {
        classification: _status_word(
            classification, computed[classification.value], decided.get(classification)
        )
        for classification in STATUS_WORDS
    }


def _status_word(classification: Classification, value: Any, decision: ClassificationDecision | None) -> str:
    yes, no = STATUS_WORDS[classification]
    if decision is not None:
        return f"{yes if decision.decided_value else no} (officer decision)"
    if value == LocalStatus.DECLARED:
        # "Local: declared, to be verified": named, as the SME and VCSE words beside it are.
        return f"{yes}: {rules.LOCAL_STATUS_WORDS[LocalStatus.DECLARED].lower()}"
    if value is None:
        return f"{yes}: not known"
    return yes if value in (True, LocalStatus.LOCAL) else no


@dataclass(frozen=True)
class Standing:
    """One classification as the organisation's own home page says it."""

    classification: Classification
    words: str  # "Local", "SME (small)", "Not a VCSE", "Not known"
    decision: ClassificationDecision | None  # the procurement unit's, where one applies


def standings(organisation: Organisation, decisions: Iterable[ClassificationDecision]) -> list[Standing]:
    """Local, SME (with its size band) and VCSE status: the procurement unit's decision where one
    applies (of `decisions`, the organisation's, oldest first), otherwise the rules' answer from
    what the organisation declared, to be verified."""
    found = classify(organisation)
    computed, band = found.values(), found.size_band.value
    decided = current_decisions(organisation, decisions)
    standing = []
    for classification, (yes, no) in STATUS_WORDS.items():
        decision, value = decided.get(classification), computed[classification.value]
        if decision is None and value is None:
            words = "Not known"
        else:
            holds = decision.decided_value if decision else value in (True, *LOCAL_STATUSES)
            words = yes if holds else no
        if classification is Classification.SME and band is not None:
            words = f"{words} ({band.value})"
        standing.append(Standing(classification, words, decision))
    return standing
