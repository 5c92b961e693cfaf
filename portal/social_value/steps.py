"""The offer's steps as data: each one's form, the choices it offers, how it reads and writes the
draft. A step whose answers an earlier change made irrelevant is cleared, so nothing stale stays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from portal.extensions import db
from portal.social_value import forms
from portal.social_value.models import Indicator, Offer, OfferState, Outcome, Theme
from portal.social_value.rules import quantity_text
from portal.social_value.services import current_outcomes, measures_for
from portal.voluntary.models import DirectoryEntry


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form: type[FlaskForm]
    load: Callable[[Offer], dict]  # the draft's answers, as the form's data
    save: Callable[[Offer, FlaskForm], None]
    choose: Callable[[Offer, FlaskForm], None] = lambda offer, form: None  # fill in the choices


def _one_answer(slug: str, title: str, form: type[FlaskForm], name: str) -> Step:
    """A step of one field, kept as it is in the offer's column of the same name."""
    return Step(
        slug,
        title,
        form,
        lambda offer: {name: getattr(offer, name)},
        lambda offer, answered: setattr(offer, name, answered[name].data),
    )


def _choose_theme(offer: Offer, form) -> None:
    themes = db.session.scalars(sa.select(Theme).order_by(Theme.position)).all()
    form.theme_id.choices = [SelectChoice(t.id, f"{t.name}: {t.aim.lower()}") for t in themes]


def _save_theme(offer: Offer, form) -> None:
    if form.theme_id.data != offer.theme_id:
        offer.theme_id = form.theme_id.data
        # Answering a question: a submitted offer stays complete (the database holds it to
        # that), so the old answers stay until replaced; they show as problems meanwhile and
        # the offer cannot be resubmitted until they fit the new theme.
        if offer.state == OfferState.DRAFT:
            # Another theme: its outcomes, indicator and measure no longer apply.
            offer.outcomes, offer.indicator_id, offer.measure_id = [], None, None


def _choose_outcomes(offer: Offer, form) -> None:
    form.outcomes.choices = [SelectChoice(o.id, o.text) for o in current_outcomes(offer.theme_id)]


def _save_outcomes(offer: Offer, form) -> None:
    offer.outcomes = list(
        db.session.scalars(
            sa.select(Outcome).where(Outcome.id.in_(form.outcomes.data)).order_by(Outcome.position)
        )
    )


def _choose_indicator(offer: Offer, form) -> None:
    indicators = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.theme_id == offer.theme_id, Indicator.retired_at.is_(None))
        .order_by(Indicator.position)
    ).all()
    form.indicator_id.choices = [SelectChoice(i.id, i.text) for i in indicators]


def _save_indicator(offer: Offer, form) -> None:
    if form.indicator_id.data != offer.indicator_id:
        offer.indicator_id = form.indicator_id.data
        # The measure evidenced the old one; a submitted offer's is kept until replaced, as for the theme.
        if offer.state == OfferState.DRAFT:
            offer.measure_id = None


def _choose_measure(offer: Offer, form) -> None:
    measures = measures_for(offer.indicator)
    form.measure_id.choices = [SelectChoice(m.id, f"{m.name} ({m.unit_name})") for m in measures]
    form.whole_measures = {m.id for m in measures if m.whole}


def _save_quantity(offer: Offer, form) -> None:
    offer.measure_id, offer.quantity = form.measure_id.data, form.amount


def _choose_partner(offer: Offer, form) -> None:
    entries = db.session.execute(
        sa.select(DirectoryEntry.id, DirectoryEntry.name)
        .where(DirectoryEntry.retired_at.is_(None))
        .order_by(DirectoryEntry.name)
    ).all()
    form.partner_entry_id.choices = [
        SelectChoice("", "No partner"),
        *(SelectChoice(str(i), n) for i, n in entries),
    ]


def _save_partner(offer: Offer, form) -> None:
    offer.partner_entry_id = int(form.partner_entry_id.data) if form.partner_entry_id.data else None
    offer.partner_answered = True


STEPS: list[Step] = [
    Step("theme", "Theme", forms.ThemeForm, lambda o: {"theme_id": o.theme_id}, _save_theme, _choose_theme),
    Step(
        "outcomes",
        "Outcomes",
        forms.OutcomesForm,
        lambda o: {"outcomes": [outcome.id for outcome in o.outcomes]},
        _save_outcomes,
        _choose_outcomes,
    ),
    Step(
        "indicator",
        "What you will offer",
        forms.IndicatorForm,
        lambda o: {"indicator_id": o.indicator_id},
        _save_indicator,
        _choose_indicator,
    ),
    _one_answer("description", "Description", forms.DescriptionForm, "description"),
    Step(
        "quantity",
        "How much",
        forms.QuantityForm,
        lambda o: {"measure_id": o.measure_id, "quantity": quantity_text(o.quantity)},
        _save_quantity,
        _choose_measure,
    ),
    _one_answer("where", "Where", forms.WhereForm, "authority"),
    _one_answer("when", "By when", forms.WhenForm, "due_on"),
    Step(
        "partner",
        "Voluntary-sector partner",
        forms.PartnerForm,
        lambda o: {"partner_entry_id": str(o.partner_entry_id or "")},
        _save_partner,
        _choose_partner,
    ),
]
BY_SLUG = {step.slug: step for step in STEPS}
NEEDS_THEME = {"outcomes", "indicator"}
NEEDS_INDICATOR = {"quantity"}


def reachable(offer: Offer, step: Step) -> bool:
    """A step that depends on an earlier answer waits for it."""
    if step.slug in NEEDS_THEME and offer.theme_id is None:
        return False
    return not (step.slug in NEEDS_INDICATOR and offer.indicator_id is None)


def next_step(step: Step) -> Step | None:
    later = STEPS[STEPS.index(step) + 1 :]
    return later[0] if later else None
