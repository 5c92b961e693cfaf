"""The matrix for everyone; offers, their steps, moves and delivery for an organisation's members."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import files
from portal.accounts.access import member_organisation, public
from portal.changes import committed
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.opportunities.models import Opportunity
from portal.opportunities.services import responses
from portal.organisations.models import Organisation
from portal.pagination import own_list
from portal.social_value import bp, queries, rules, services, steps, workflow
from portal.social_value.forms import DeliveryReportForm, MoveForm
from portal.social_value.models import Commitment, DeliveryReport, Offer
from portal.voluntary.models import Need, NeedState
from portal.workflow import Refused

# Each state's tag, for the offers' pages (lists show one a row).
bp.add_app_template_global(workflow.STATE_TAGS, "offer_state_tags")
# How every page that shows an offer, a commitment or a report writes its area and amounts.
bp.add_app_template_global(rules.area_name, "area_name")
bp.add_app_template_global(rules.quantity_text, "quantity_text")


@bp.get("/matrix")
@public
def matrix():
    themes = db.session.scalars(queries.matrix()).all()
    return render_template("social_value/matrix.html", themes=themes)


def own_offer(offer_id: int) -> Offer:
    """One of the organisation's offers. :raise 404: another organisation's, or none."""
    organisation = member_organisation()
    offer = db.session.scalar(queries.offer(offer_id))
    if offer is None or offer.organisation_id != organisation.id:
        abort(404)
    return offer


@bp.get("/offers")
def offers():
    return own_list("social_value/offers.html", queries.organisation_offers(), Offer.id)


@bp.route("/offers/new", methods=["GET", "POST"])
def new_offer():
    organisation = member_organisation()
    need = _need_from(request.values.get("need", ""))
    opportunity = _opportunity_from(request.values.get("opportunity", ""))
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        return _start_offer(organisation, need, opportunity)
    return render_template(
        "social_value/new_offer.html",
        form=ConfirmForm(),
        need=need,
        opportunity=opportunity,
        organisation=organisation,
    )


def _start_offer(organisation: Organisation, need: Need | None, opportunity: Opportunity | None):
    """A draft offer, for the opportunity or answering the need it was started from (with the
    need's outcome, while the matrix has it), and on to its first step."""
    offer = services.start_offer(organisation, user=current_user._get_current_object())
    if opportunity is not None:
        offer.opportunity_id = opportunity.id
    if need is not None:
        offer.need_id, offer.partner_entry_id = need.id, need.entry_id
        if need.outcome is not None and need.outcome.retired_at is None:
            offer.theme_id, offer.outcomes = need.outcome.theme_id, [need.outcome]
    db.session.commit()
    return redirect(url_for("social_value.offer_step", offer_id=offer.id, slug=steps.STEPS[0].slug))


def _opportunity_from(value: str) -> Opportunity | None:
    """An opportunity taking social value responses on the portal (from its page's button)."""
    if not (value.isascii() and value.isdigit() and len(value) < 19):
        return None
    opportunity = db.session.get(Opportunity, int(value))
    return opportunity if opportunity is not None and responses.takes_responses(opportunity) else None


def _need_from(value: str) -> Need | None:
    """A published need the offer answers (from the needs board's "offer help")."""
    if not (value.isascii() and value.isdigit()):
        return None
    need = db.session.get(Need, int(value))
    return need if need is not None and need.state == NeedState.PUBLISHED else None


@bp.route(f"/offers/<int:offer_id>/<any({', '.join(steps.BY_SLUG)}):slug>", methods=["GET", "POST"])
def offer_step(offer_id: int, slug: str):
    offer = own_offer(offer_id)
    step = steps.BY_SLUG[slug]
    if offer.state not in workflow.EDITABLE:
        flash("This offer can no longer be changed.")
        return redirect(url_for("social_value.offer", offer_id=offer.id))
    if not steps.reachable(offer, step):
        return redirect(url_for("social_value.offer_step", offer_id=offer.id, slug="theme"))
    form = step.form(data=step.load(offer) if request.method == "GET" else None)
    step.choose(offer, form)
    if form.validate_on_submit():
        step.save(offer, form)
        db.session.commit()
        return redirect(_after_step(offer, step))
    return render_template(
        "social_value/offer_step.html", form=form, offer=offer, step=step, steps=steps.STEPS
    )


def _after_step(offer: Offer, step: steps.Step) -> str:
    """The next step; after the last, the check page, and straight back to it where the step was
    changed from there and the offer is complete again."""
    following = steps.next_step(step)
    back_to_check = (
        request.args.get("from") == "check"
        and not rules.incomplete(offer)
        and not rules.matrix_problems(offer)
    )
    if following is None or back_to_check:
        return url_for("social_value.check_offer", offer_id=offer.id)
    return url_for("social_value.offer_step", offer_id=offer.id, slug=following.slug)


@bp.get("/offers/<int:offer_id>/check")
def check_offer(offer_id: int):
    offer = own_offer(offer_id)
    return render_template(
        "social_value/check.html",
        offer=offer,
        missing=rules.incomplete(offer),
        problems=rules.matrix_problems(offer),
        form=MoveForm(revision=offer.revision),
    )


@bp.route("/offers/<int:offer_id>/delete", methods=["GET", "POST"])
def delete_draft(offer_id: int):
    """Confirm, then delete a draft. A submitted offer goes back to its page, which says why."""
    shown = own_offer(offer_id)
    try:
        services.refuse_unless_deletable(shown)
    except Refused as refusal:
        flash(f"{refusal}.")
        return redirect(url_for("social_value.offer", offer_id=shown.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_draft(shown, user=current_user._get_current_object())
        db.session.commit()
        flash("Your draft offer has been deleted.", "success")
        return redirect(url_for("social_value.offers"))
    return render_template("social_value/delete_draft.html", offer=shown, form=form)


@bp.get("/offers/<int:offer_id>")
def offer(offer_id: int):
    return _offer_page(own_offer(offer_id))


def _offer_page(shown: Offer, refused: MoveForm | None = None) -> str:
    return offer_page(
        "social_value/offer.html",
        shown,
        "supplier",
        refused,
        report_form=DeliveryReportForm(),
        feedback=responses.feedback_for(shown),
    )


def offer_page(template: str, offer: Offer, role: str, refused: MoveForm | None = None, **context) -> str:
    """An offer's page for `role` ("supplier" or "officer"): its answers, timeline and the moves
    that role may make; after a refused move, its form as posted with the error at the field."""
    blank = MoveForm(formdata=None)
    return render_template(
        template,
        offer=offer,
        moves=workflow.allowed(offer, role),
        labels=workflow.LABELS,
        form=refused or blank,
        refused=refused and refused.move,
        blank=blank,
        names=workflow.STATE_NAMES,
        commitment_state=services.commitment_state,
        **context,
    )


@bp.post("/offers/<int:offer_id>/<any(submit, resubmit, withdraw, seal, withdraw_response):move>")
def move_offer(offer_id: int, move: str):
    shown = own_offer(offer_id)
    refused = apply_move(shown, move, done=SUPPLIER_DONE[move])
    if refused is not None:
        return _offer_page(shown, refused)
    return redirect(url_for("social_value.offer", offer_id=shown.id))


SUPPLIER_DONE = {
    "submit": "Your offer has been sent to the procurement unit.",
    "resubmit": "Your answer has been sent and the offer resubmitted.",
    "withdraw": "Your offer has been withdrawn.",
    "seal": "Your offer is sealed until the opportunity closes: no officer can read it before then.",
    "withdraw_response": "Your offer has been withdrawn from the opportunity.",
}


def apply_move(offer: Offer, move: str, *, done: str) -> MoveForm | None:
    """Make a move from a posted MoveForm, for a supplier or an officer, and commit it, saying
    `done`. A refusal is rolled back: one that belongs to the message (missing, too long) returns
    the posted form with the error at its field, for the page to show again with what was typed;
    any other (the offer moved on meanwhile) is said on the offer's page as it now is."""
    form = MoveForm()
    form.move = move
    form.message.id = f"message-{move}"  # the error summary links to this move's field
    if form.validate_on_submit():
        made = _make_move(offer, move, form, done)
        if made or not form.errors:  # made, or refused for a reason the offer's page shows
            return None
    return form


def _make_move(offer: Offer, move: str, form: MoveForm, done: str) -> bool:
    return committed(
        lambda: services.transition(
            offer,
            move,
            actor=current_user._get_current_object(),
            revision=form.revision.data,
            message=form.message.data or "",
        ),
        done,
        fields={"note": form.message},
    )


@bp.route("/offers/<int:offer_id>/report", methods=["GET", "POST"])
def report_delivery(offer_id: int):
    shown = own_offer(offer_id)
    commitment = shown.commitment or abort(404)
    form = DeliveryReportForm(whole=commitment.measure.whole)
    if form.validate_on_submit():
        report = DeliveryReport(
            quantity=form.amount, delivered_on=form.delivered_on.data, description=form.description.data
        )
        if _attach_evidence(report, form):
            services.report_delivery(commitment, report, user=current_user._get_current_object())
            db.session.commit()
            flash("Your delivery report has been sent for the procurement unit to verify.", "success")
            return redirect(url_for("social_value.offer", offer_id=shown.id))
    return render_template("social_value/report.html", form=form, offer=shown, commitment=commitment)


def _attach_evidence(report: DeliveryReport, form: DeliveryReportForm) -> bool:
    """Store the evidence file uploaded, if any, and name it on the report; False where the file
    is refused (the field says why)."""
    upload = form.evidence.data
    try:
        if upload and upload.filename:
            stored = files.store(upload)
            report.evidence_name, report.evidence_filename = stored.name, stored.filename
            report.evidence_type, report.evidence_size = stored.content_type, stored.size
    except files.EvidenceRefused as error:
        form.evidence.errors.append(str(error))
        return False
    return True


@bp.get("/reports/<int:report_id>/evidence")
def report_evidence(report_id: int):
    """The report's evidence file: for the organisation's members and officers only."""
    report = db.get_or_404(DeliveryReport, report_id)
    commitment = db.session.get(Commitment, report.commitment_id)
    allowed = current_user.is_staff or current_user.organisation_id in {
        commitment.organisation_id,
        queries.partner_organisation_id(commitment),
    }
    if not allowed or not report.evidence_name:
        abort(404)
    return files.send(report)


@bp.get("/partner-reports")
def partner_reports():
    """Delivery reports naming a directory body the member's organisation acts for."""
    organisation = member_organisation()
    reports = db.session.scalars(queries.reports_for_partner(organisation.id)).all()
    return render_template("social_value/partner_reports.html", reports=reports, form=ConfirmForm())


@bp.post("/reports/<int:report_id>/confirm")
def confirm_report(report_id: int):
    organisation = member_organisation()
    report = db.get_or_404(DeliveryReport, report_id)
    if queries.partner_organisation_id(report.commitment) != organisation.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        committed(
            lambda: services.confirm_report(report, user=current_user._get_current_object()),
            "Thank you: the delivery is confirmed.",
        )
    return redirect(url_for("social_value.partner_reports"))


@bp.get("/totals")
def totals():
    organisation = member_organisation()
    return render_template(
        "social_value/totals.html", rows=queries.totals(organisation.id), organisation=organisation
    )
