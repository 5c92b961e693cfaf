"""Officers maintain the directory and approve needs (pages in the officer workspace)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired

from portal.accounts.models import User
from portal.extensions import db
from portal.fields import select_field, text_field
from portal.forms import ConfirmForm, FilterForm, Select, bind_filters
from portal.organisations.models import Organisation
from portal.pagination import newest_first
from portal.voluntary import officer_bp, services
from portal.voluntary.forms import AREA_OPTIONS, DecisionForm, EntryForm, NeedForm
from portal.voluntary.models import DirectoryEntry, Need, NeedState
from portal.voluntary.needs import _need_or_404, _responses, choose_outcomes, fill_need
from portal.workflow import Refused


class EntryFilterForm(FilterForm):
    q = text_field("Name or keyword", length=100)
    area = select_field("Area served", AREA_OPTIONS)
    status = select_field("Status", [("current", "Shown to the public"), ("retired", "Retired")])


class NeedQueueForm(FilterForm):
    state = select_field("State", [(state.value, state.value.capitalize()) for state in NeedState])


@officer_bp.get("/voluntary-sector")
def directory_entries():
    form, chosen = bind_filters(EntryFilterForm)
    query = _in_status(services.entries(chosen["q"], chosen["area"], include_retired=True), chosen["status"])
    values = services.matching_values(chosen["q"], chosen["area"])
    page = newest_first(
        query.options(selectinload(DirectoryEntry.organisation)), DirectoryEntry.id, params=values
    )
    return render_template("voluntary/officers/entries.html", form=form, page=page)


def _in_status(query: sa.Select, status: str) -> sa.Select:
    """`query`'s entries shown to the public ("current") or retired; all of them for no status."""
    if status == "current":
        return query.where(DirectoryEntry.retired_at.is_(None))
    if status == "retired":
        return query.where(DirectoryEntry.retired_at.is_not(None))
    return query


def _entry_values(form: EntryForm) -> dict:
    phones = [number for number in (form.phone_1.data, form.phone_2.data) if number]
    return {
        "name": form.name.data,
        "brokers": form.brokers.data,
        "areas": form.areas.data,
        "website": form.website.data or None,
        "phones": phones,
        "email": form.email.data or None,
        "source": form.source.data,
    }


def _linked_organisation(form: EntryForm, entry: DirectoryEntry):
    """The organisation the number names, or None to unlink; False (with an error) if the number
    names no registered VCSE organisation, or one already acting for another body."""
    if not form.organisation_number.data:
        return None
    organisation = services.vcse_organisation_by_number(form.organisation_number.data)
    if organisation is None:
        form.organisation_number.errors.append(
            "No registered VCSE organisation on the portal has that charity or Companies House number"
        )
        return False
    taken = _acting_for(organisation, other_than=entry)
    if taken is not None:
        form.organisation_number.errors.append(f"{organisation.name} already acts for {taken.name}")
        return False
    return organisation


def _acting_for(organisation: Organisation, *, other_than: DirectoryEntry) -> DirectoryEntry | None:
    """The other directory body the organisation already acts for, if any."""
    return db.session.scalar(
        sa.select(DirectoryEntry).where(
            DirectoryEntry.organisation_id == organisation.id, DirectoryEntry.id != other_than.id
        )
    )


@officer_bp.route("/voluntary-sector/new", methods=["GET", "POST"], defaults={"entry_id": None})
@officer_bp.route("/voluntary-sector/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id: int | None):
    entry = db.get_or_404(DirectoryEntry, entry_id) if entry_id else DirectoryEntry(phones=[])
    form = EntryForm(data=_entry_data(entry) if request.method == "GET" and entry_id else None)
    if form.validate_on_submit():
        organisation = _linked_organisation(form, entry)
        if organisation is not False:
            return _save_entry(entry, form, organisation)
    return render_template("voluntary/officers/entry_form.html", form=form, entry=entry if entry_id else None)


def _entry_data(entry: DirectoryEntry) -> dict[str, object]:
    """The entry's answers, to fill the form; the organisation it is linked to by its number."""
    linked = entry.organisation
    return {
        **{name: getattr(entry, name) for name in ("name", "brokers", "website", "email", "source")},
        "areas": entry.areas,
        "phone_1": [*entry.phones, ""][0],
        "phone_2": [*entry.phones, "", ""][1],
        "organisation_number": (linked.charity_number or linked.companies_house_number or "")
        if linked
        else "",
    }


def _save_entry(entry: DirectoryEntry, form: EntryForm, organisation: Organisation | None):
    values = _entry_values(form)
    values["organisation_id"] = organisation.id if organisation else None
    services.save_entry(entry, values, actor=current_user._get_current_object())
    db.session.commit()
    flash(f"{entry.name} is saved.", "success")
    return redirect(url_for("voluntary.entry", entry_id=entry.id))


@officer_bp.post("/voluntary-sector/<int:entry_id>/<any(confirm, retire, restore):action>")
def change_entry(entry_id: int, action: str):
    entry = db.get_or_404(DirectoryEntry, entry_id)
    if ConfirmForm().validate_on_submit():
        message = _change(entry, action, actor=current_user._get_current_object())
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("voluntary.entry", entry_id=entry.id))


def _change(entry: DirectoryEntry, action: str, *, actor: User) -> str:
    """Confirm, retire or restore the entry; what the page then says of it."""
    if action == "confirm":
        services.confirm_entry(entry, actor=actor)
        return f"{entry.name}'s details are marked as checked today."
    services.set_retired(entry, action == "retire", actor=actor)
    return f"{entry.name} is {'retired: the public no longer see it' if action == 'retire' else 'shown to the public again'}."


@officer_bp.get("/needs")
def needs_queue():
    form, chosen = bind_filters(NeedQueueForm)
    state = chosen["state"] or NeedState.PENDING.value
    page = newest_first(_needs_in(NeedState(state)), Need.id)
    return render_template("voluntary/officers/needs.html", form=form, page=page, state=state)


def _needs_in(state: NeedState) -> sa.Select:
    """The needs in `state`, with who posted them."""
    return (
        sa.select(Need)
        .where(Need.state == state)
        .options(selectinload(Need.entry), selectinload(Need.organisation))
    )


@officer_bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
def need(need_id: int):
    shown = _need_or_404(need_id)
    form = DecisionForm(revision=shown.revision)
    if form.validate_on_submit() and _decided(shown, form):
        flash(_decision_said(shown), "success")
        return redirect(url_for("voluntary_officers.needs_queue"))
    return render_template("voluntary/officers/need.html", need=shown, form=form, responses=_responses(shown))


def _decision_said(shown: Need) -> str:
    """What the queue says of the decision just made."""
    decided = "published" if shown.state == NeedState.PUBLISHED else "declined"
    return f"“{shown.title}” is {decided}; {shown.contact_name} has been emailed."


def _decided(shown: Need, form: DecisionForm) -> bool:
    """Make the officer's decision and commit it; whether it was made. A refusal is shown on the
    form, beside what the officer typed (the reason is kept)."""
    try:
        services.move(
            shown,
            form.decision.data,
            actor=current_user._get_current_object(),
            reason=form.reason.data or "",
            revision=form.revision.data,
        )
    except Refused as error:
        db.session.rollback()
        (form.reason if error.field == "note" else form.decision).errors.append(str(error))
        return False
    db.session.commit()
    return True


class OfficerNeedForm(NeedForm):
    entry_id = SelectField(
        "For which directory body",
        widget=Select(),
        validators=[InputRequired(message="Select the directory body the need is for")],
    )


@officer_bp.route("/needs/new", methods=["GET", "POST"])
def new_need():
    """An officer posts a need for a directory body (which may have no one on the portal)."""
    form = OfficerNeedForm(data={"contact_name": "", "contact_email": ""})
    bodies = _choose_body(form)
    choose_outcomes(form)
    if form.validate_on_submit():
        entry = next((b for b in bodies if str(b.id) == form.entry_id.data), None)
        if entry is not None:
            return _submit_need(entry, form)
        form.entry_id.errors.append("Select the directory body the need is for")
    return render_template("voluntary/need_form.html", form=form, poster=None, entry=None, officer=True)


def _choose_body(form: OfficerNeedForm) -> list[DirectoryEntry]:
    """The directory's bodies, by name, for the form to choose from."""
    bodies = db.session.scalars(services.entries().order_by(DirectoryEntry.name)).all()
    form.entry_id.choices = [
        SelectChoice("", "Choose a body"),
        *(SelectChoice(str(b.id), b.name) for b in bodies),
    ]
    return bodies


def _submit_need(entry: DirectoryEntry, form: OfficerNeedForm):
    need = Need(entry_id=entry.id, organisation_id=entry.organisation_id)
    fill_need(need, form)
    services.submit_need(need, actor=current_user._get_current_object())
    db.session.commit()
    flash(f"The need is in the approval queue for {entry.name}.", "success")
    return redirect(url_for("voluntary_officers.need", need_id=need.id))
