"""The needs board: voluntary bodies post needs, officers approve them, suppliers answer."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from portal.accounts.access import public
from portal.changes import committed
from portal.database import Plan
from portal.extensions import db
from portal.forms import ConfirmForm, bind_filters
from portal.organisations.models import Organisation
from portal.pagination import newest_first
from portal.social_value.models import Outcome, Theme
from portal.voluntary import bp, queries, services
from portal.voluntary.forms import NeedFilterForm, NeedForm, ResponseForm, response_form
from portal.voluntary.models import DirectoryEntry, Need, NeedKind, NeedResponse, NeedState
from portal.voluntary.workflow import OPEN_STATES

NEED_FIELDS = (
    "title",
    "description",
    "kind",
    "authority",
    "starts_on",
    "ends_on",
    "contact_name",
    "contact_email",
    "contact_phone",
)


@bp.get("/needs")
@public
def needs():
    form, chosen = bind_filters(NeedFilterForm)
    query, values = services.published_needs(chosen["q"], chosen["area"], chosen["kind"])
    page = newest_first(query, Need.id, params=values, plain=True, plan=Plan.searching(chosen["q"]))
    return render_template(
        "voluntary/needs.html",
        form=form,
        page=page,
        can_post=_poster() is not None,
    )


def _poster():
    if not (current_user.is_authenticated and current_user.is_verified) or current_user.is_staff:
        return None
    return services.poster_for(current_user)


def _need_or_404(need_id: int) -> Need:
    need = db.session.scalar(
        sa.select(Need)
        .where(Need.id == need_id)
        .options(selectinload(Need.entry), selectinload(Need.organisation))
    )
    if need is None:
        abort(404)
    return need


def _manages(need: Need) -> bool:
    """The signed-in user manages the need (services.can_manage)."""
    return current_user.is_authenticated and services.can_manage(need, current_user)


def _visible(need: Need) -> bool:
    """Published needs are public; any other state only to those who manage the need."""
    return need.state == NeedState.PUBLISHED or _manages(need)


def _shown_need(need_id: int) -> Need:
    """A need the user may see. :raise 404:"""
    shown = _need_or_404(need_id)
    if not _visible(shown):
        abort(404)
    return shown


def _managed_need(need_id: int) -> Need:
    """A need the user manages. :raise 404: not shown to them; :raise 403: shown, not theirs."""
    shown = _need_or_404(need_id)
    if not _manages(shown):
        abort(404 if not _visible(shown) else 403)
    return shown


@bp.get("/needs/<int:need_id>")
@public
def need(need_id: int):
    shown = _shown_need(need_id)
    answers = _own_answers(shown)
    return _need_page(shown, answers, response_form(len(answers)))


def _need_page(
    shown: Need, answers: list[queries.SentAnswer], answer_form: ResponseForm, **context: object
) -> str:
    """The need's page: its responses to those who manage it; to those who may answer it, their
    organisation's answers and the form to answer it."""
    manages = _manages(shown)
    return render_template(
        "voluntary/need.html",
        need=shown,
        manages=manages,
        responses=_responses(shown) if manages else [],
        can_respond=_can_respond(shown),
        answers=answers,
        response_form=answer_form,
        **context,
    )


def _own_answers(shown: Need) -> list[queries.SentAnswer]:
    """The answers the user's organisation has sent to the need, where the user may answer it."""
    if not _can_respond(shown):
        return []
    return queries.answers_to(shown.id, current_user.organisation_id)


def _responses(need: Need) -> list[NeedResponse]:
    return list(
        db.session.scalars(
            sa.select(NeedResponse)
            .where(NeedResponse.need_id == need.id)
            .order_by(NeedResponse.id)
            .options(selectinload(NeedResponse.organisation), selectinload(NeedResponse.user))
        )
    )


def _can_respond(need: Need) -> bool:
    """A verified supplier (a member of an organisation) answers another's published need."""
    return (
        current_user.is_authenticated
        and current_user.is_verified
        and current_user.organisation_id is not None
        and need.state == NeedState.PUBLISHED
        and not services.can_manage(need, current_user)
    )


@bp.post("/needs/<int:need_id>/respond")
def respond(need_id: int):
    shown = _need_to_answer(need_id)
    answers = _own_answers(shown)
    form = response_form(len(answers))
    if form.validate_on_submit():
        _offer_help(shown, form)
        return redirect(url_for("voluntary.need", need_id=shown.id))
    return _need_page(shown, answers, form, form=form)


def _offer_help(shown: Need, form: ResponseForm) -> None:
    """Send the supplier's offer of help to whoever posted the need."""
    committed(
        lambda: services.respond(shown, user=current_user._get_current_object(), message=form.message.data),
        f"Your offer has been sent to {shown.contact_name}, who will contact you.",
    )


def _need_to_answer(need_id: int) -> Need:
    """A need the user may offer help with. :raise 404: not shown to them; :raise 403: not theirs to answer."""
    shown = _shown_need(need_id)
    if not _can_respond(shown):
        abort(403)
    return shown


@bp.route("/needs/new", methods=["GET", "POST"])
def new_need():
    poster = _poster()
    if poster is None:
        if current_user.is_staff:
            return redirect(url_for("voluntary_officers.new_need"))
        return render_template("voluntary/cannot_post.html"), 403
    organisation, entry = poster
    form = NeedForm(data={"contact_name": current_user.name, "contact_email": current_user.email})
    choose_outcomes(form)
    if form.validate_on_submit():
        return _submit_need(organisation, entry, form)
    return render_template("voluntary/need_form.html", form=form, poster=organisation, entry=entry)


def _submit_need(organisation: Organisation, entry: DirectoryEntry | None, form: NeedForm):
    need = Need(organisation_id=organisation.id, entry_id=entry.id if entry else None)
    fill_need(need, form)
    services.submit_need(need, actor=current_user._get_current_object())
    db.session.commit()
    flash(
        "Your need has been sent to the procurement unit to approve. We will email you when it is published.",
        "success",
    )
    return redirect(url_for("voluntary.my_needs"))


def fill_need(need: Need, form: NeedForm) -> None:
    for name in NEED_FIELDS:
        setattr(need, name, getattr(form, name).data)
    need.kind = NeedKind(form.kind.data)
    need.contact_phone = need.contact_phone or None
    need.outcome_id = int(form.outcome_id.data) if form.outcome_id.data else None


def choose_outcomes(form: NeedForm) -> None:
    """The matrix's outcomes in use, by theme, for the need's optional outcome."""
    rows = db.session.execute(
        sa.select(Outcome.id, Theme.name, Outcome.text)
        .join(Theme, Outcome.theme_id == Theme.id)
        .where(Outcome.retired_at.is_(None))
        .order_by(Theme.position, Outcome.position)
    ).all()
    form.outcome_id.choices = [
        SelectChoice("", "None chosen"),
        *(SelectChoice(str(i), f"{theme}: {text}") for i, theme, text in rows),
    ]


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
def edit_need(need_id: int):
    """The poster changes a need that is still open; a published one goes back for approval."""
    shown = _managed_need(need_id)
    if shown.state not in OPEN_STATES:
        flash("This need is no longer open, so it cannot be changed.")
        return redirect(url_for("voluntary.need", need_id=shown.id))
    form = _edit_form(shown)
    if form.validate_on_submit():
        return _resubmit_need(shown, form)
    return render_template(
        "voluntary/need_form.html", form=form, need=shown, poster=shown.organisation, entry=shown.entry
    )


def _edit_form(shown: Need) -> NeedForm:
    """The need's form, first drawn with its answers, and the outcomes to choose from."""
    form = NeedForm(obj=shown)
    if request.method == "GET":
        form.outcome_id.data = str(shown.outcome_id or "")
    choose_outcomes(form)
    return form


def _resubmit_need(shown: Need, form: NeedForm):
    fill_need(shown, form)
    services.resubmit_need(shown, actor=current_user._get_current_object())
    db.session.commit()
    flash("Your changes have been sent to the procurement unit to approve.", "success")
    return redirect(url_for("voluntary.need", need_id=shown.id))


@bp.get("/needs/mine")
def my_needs():
    poster = _poster()
    if poster is None:
        abort(403)
    organisation, entry = poster
    page = newest_first(_posted_needs(organisation, entry), Need.id)
    counts = _response_counts([need.id for need in page.items])
    return render_template("voluntary/my_needs.html", page=page, organisation=organisation, counts=counts)


def _posted_needs(organisation: Organisation, entry: DirectoryEntry | None) -> sa.Select:
    """The needs the organisation posted, and those posted for its directory body."""
    return sa.select(Need).where(
        sa.or_(Need.organisation_id == organisation.id, (Need.entry_id == entry.id) if entry else sa.false())
    )


def _response_counts(need_ids: list[int]) -> dict[int, int]:
    if not need_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(NeedResponse.need_id, sa.func.count())
            .where(NeedResponse.need_id.in_(need_ids))
            .group_by(NeedResponse.need_id)
        ).all()
    )


@bp.post("/needs/<int:need_id>/<any(met, close):move>")
def close_need(need_id: int, move: str):
    """The poster (or an officer) says the need is met, or closes it."""
    shown = _managed_need(need_id)
    if ConfirmForm().validate_on_submit():
        _close(shown, move)
    return redirect(url_for("voluntary.need", need_id=shown.id))


def _close(shown: Need, move: str) -> None:
    """Mark the need as met, or close it (`move`), and say which."""
    committed(
        lambda: services.move(shown, move, actor=current_user._get_current_object()),
        "The need is marked as met." if move == "met" else "The need is closed.",
    )
