"""The outcome matrix as data: loaded by `flask seed` exactly as the data file words it, shown to
anyone, and changed only by admins (wording, retiring, measures' proxy values), every change
audited; what is retired leaves new offers' choices but stays on the offers that used it."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.extensions import db
from portal.seed import SEED_STEPS
from portal.social_value import matrix
from portal.social_value.models import Indicator, Measure, OfferState, Outcome, Theme, Unit
from portal.social_value.seed import seed_matrix, seed_measures
from portal.time import utcnow
from tests.conftest import post_form, session_csrf_token
from tests.social_value.conftest import (
    add_offer,
    audits,
    error_summary,
    html_of,
    indicator_id,
    measure_id,
    outcome_id,
    start_offer,
    text_of,
)

DATA = Path(__file__).resolve().parents[2] / "data"
MATRIX = json.loads((DATA / "social-value-matrix.json").read_text(encoding="utf-8"))
MEASURES = list(csv.DictReader((DATA / "social-value-measures.csv").read_text(encoding="utf-8").splitlines()))
UNICODE_WORDING = "Gwella iechyd – “health” for Cymru’s communities: ŵ, 中文, 🎉 & <em>not markup</em>"


def test_the_seed_steps_are_registered_for_flask_seed():
    assert SEED_STEPS["social value matrix"] is seed_matrix
    assert SEED_STEPS["social value measures"] is seed_measures


def test_the_matrix_is_loaded_exactly_as_the_data_file_words_it(app, transaction):
    with app.app_context():
        themes = db.session.scalars(sa.select(Theme).order_by(Theme.position)).all()
        assert (
            [t.id for t in themes]
            == [t["id"] for t in MATRIX["themes"]]
            == ["social", "economic", "environmental"]
        )
        for theme, expected in zip(themes, MATRIX["themes"], strict=True):
            assert (theme.name, theme.aim, theme.aims) == (
                expected["name"],
                expected["aim"],
                expected["aims"],
            )
            assert [(o.position, o.text) for o in theme.outcomes] == list(
                enumerate(expected["outcomes"], start=1)
            )
            assert [(i.position, i.text) for i in theme.indicators] == list(
                enumerate(expected["indicators"], start=1)
            )
            assert all(o.retired_at is None for o in theme.outcomes)
            assert all(i.retired_at is None for i in theme.indicators)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == sum(
            len(t["outcomes"]) for t in MATRIX["themes"]
        )
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Indicator)) == sum(
            len(t["indicators"]) for t in MATRIX["themes"]
        )
        # The policy's wording, spot-checked against the published text.
        assert themes[0].outcomes[2].text == "Improve conditions for victims of domestic abuse."
        assert themes[2].indicators[1].text.startswith("Being a good neighbour – minimise negative local")


def test_the_measures_are_loaded_as_the_file_says_with_no_proxy_value(app, transaction):
    with app.app_context():
        measures = {m.key: m for m in db.session.scalars(sa.select(Measure))}
        assert set(measures) == {row["key"] for row in MEASURES}
        for row in MEASURES:
            measure = measures[row["key"]]
            assert (measure.name, measure.unit) == (row["name"], Unit(row["unit"]))
            evidenced = sorted(f"{i.theme_id}:{i.position}" for i in measure.indicators)
            assert evidenced == sorted(row["indicators"].split(";")), row["key"]
            assert (measure.proxy_gbp, measure.proxy_source, measure.proxy_dated) == (None, None, None)
            assert measure.retired_at is None
        # Every indicator has at least one measure to evidence it.
        for indicator in db.session.scalars(sa.select(Indicator)):
            assert indicator.measures, f"{indicator.theme_id}:{indicator.position}"


def test_seeding_again_adds_nothing_and_keeps_an_admins_changes(app, transaction):
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id("social", 1))
        outcome.text = "Reworded by an admin."
        measure = db.session.get(Measure, measure_id("volunteering_hours"))
        measure.proxy_gbp, measure.proxy_source, measure.proxy_dated = (
            Decimal("17.5"),
            "A study",
            date(2025, 4, 1),
        )
        db.session.commit()
        assert seed_matrix() == "0 added"
        assert seed_measures() == "0 added"
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Outcome, outcome_id("social", 1)).text == "Reworded by an admin."
        assert db.session.get(Measure, measure_id("volunteering_hours")).proxy_gbp == Decimal("17.50")
        # A missing outcome comes back from the file.
        db.session.execute(sa.delete(Outcome).where(Outcome.id == outcome_id("environmental", 2)))
        assert seed_matrix() == "1 added"
        db.session.flush()
        assert db.session.get(Outcome, outcome_id("environmental", 2)).text == "Health related outcomes."
        db.session.rollback()


def test_anyone_can_read_the_matrix_worded_as_the_policy_words_it(client):
    response = client.get("/social-value/matrix")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for theme in MATRIX["themes"]:
        assert str(escape(f"{theme['name']}: {theme['aim']}")) in html
        for text in (*theme["aims"], *theme["outcomes"], *theme["indicators"]):
            assert str(escape(text)) in html, text
    for row in MEASURES:
        assert str(escape(row["name"])) in html, row["name"]
    assert "proxy £" not in html  # none is set
    assert "Your organisation's social value offers" not in html  # for members only


def test_the_matrix_shows_a_proxy_value_with_its_source_and_date(app, client):
    with app.app_context():
        measure = db.session.get(Measure, measure_id("volunteering_hours"))
        measure.proxy_gbp, measure.proxy_source, measure.proxy_dated = (
            Decimal("1234.5"),
            "Local volunteering study",
            date(2025, 4, 1),
        )
        db.session.commit()
    page = text_of(html_of(client, "/social-value/matrix"))
    assert "(hours): proxy £1,234.50 a unit (Local volunteering study, April 2025)" in page


# --- the admin's pages ---------------------------------------------------------------------------


def test_an_officer_is_refused_every_matrix_page_and_changes_nothing(app, officer_client):
    with app.app_context():
        outcome, measure = outcome_id("social", 1), measure_id("volunteering_hours")
    token = session_csrf_token(officer_client)
    for method, url, data in (
        ("GET", "/officer/social-value/matrix", None),
        ("GET", f"/officer/social-value/outcome/{outcome}", None),
        ("POST", f"/officer/social-value/outcome/{outcome}", {"text": "Officer's words"}),
        ("POST", f"/officer/social-value/outcome/{outcome}/retire", {}),
        ("GET", f"/officer/social-value/measures/{measure}", None),
        ("POST", f"/officer/social-value/measures/{measure}", {"name": "Officer's measure"}),
    ):
        if data is not None:
            data = {"csrf_token": token, **data}
        assert officer_client.open(url, method=method, data=data).status_code == 403, url
    with app.app_context():
        assert db.session.get(Outcome, outcome).text == "An effective and resilient VCS sector."
        assert db.session.get(Outcome, outcome).retired_at is None
        assert db.session.get(Measure, measure).name.startswith("Staff time volunteered")
    assert audits(app, "matrix.") == []


def test_the_admin_sees_every_outcome_indicator_and_measure(admin_client):
    page = html_of(admin_client, "/officer/social-value/matrix")
    for theme in MATRIX["themes"]:
        for text in (*theme["outcomes"], *theme["indicators"]):
            assert str(escape(text)) in page
    for row in MEASURES:
        assert str(escape(row["name"])) in page


@pytest.mark.parametrize("kind", ["outcome", "indicator"])
def test_an_admin_rewords_an_outcome_or_indicator_and_offers_that_chose_it_show_the_new_words(
    app, client, member, admin_client, kind
):
    with app.app_context():
        item_id = outcome_id("social", 1) if kind == "outcome" else indicator_id("social", 1)
        offer_id = add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED)
    url = f"/officer/social-value/{kind}/{item_id}"
    assert "Change the wording of an" in html_of(admin_client, url)
    response = post_form(admin_client, url, {"text": UNICODE_WORDING})
    assert response.headers["Location"] == "/officer/social-value/matrix"
    with app.app_context():
        model = Outcome if kind == "outcome" else Indicator
        assert db.session.get(model, item_id).text == UNICODE_WORDING
    escaped = str(escape(UNICODE_WORDING))
    for page in (
        html_of(client, "/social-value/matrix"),
        html_of(client, f"/social-value/offers/{offer_id}"),
        html_of(admin_client, f"/officer/offers/{offer_id}"),
    ):
        assert escaped in page and "<em>not markup</em>" not in page
    [audit] = audits(app, "matrix.")
    assert audit.action == f"matrix.{kind}_changed"
    assert (audit.record_id, audit.actor_id) == (str(item_id), admin_client.user.id)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the wording"),
        ("x" * 501, "Wording must be 500 characters or fewer"),
        ("bad\x1b[31m", "special"),
    ],
)
def test_wording_that_is_empty_too_long_or_has_control_characters_is_refused(
    app, admin_client, text, message
):
    with app.app_context():
        item_id = outcome_id("social", 2)
    response = post_form(admin_client, f"/officer/social-value/outcome/{item_id}", {"text": text})
    assert response.status_code == 200
    assert message in error_summary(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Outcome, item_id).text.startswith("Improve health inequalities")
    assert audits(app, "matrix.") == []


def test_retiring_an_outcome_and_an_indicator_hides_them_from_new_offers_until_restored(
    app, client, member, admin_client
):
    with app.app_context():
        outcome, indicator = outcome_id("social", 3), indicator_id("social", 2)
        texts = (db.session.get(Outcome, outcome).text, db.session.get(Indicator, indicator).text)
        offer_id = add_offer(
            member.organisation_id, member.id, state=OfferState.SUBMITTED, outcomes=(3,), indicator=2
        )
    for kind, item in (("outcome", outcome), ("indicator", indicator)):
        response = post_form(
            admin_client,
            f"/officer/social-value/{kind}/{item}/retire",
            {},
            page="/officer/social-value/matrix",
        )
        assert response.headers["Location"] == "/officer/social-value/matrix"
    assert "Retired" in html_of(admin_client, "/officer/social-value/matrix")
    draft = start_offer(client)
    post_form(client, f"/social-value/offers/{draft}/theme", {"theme_id": "social"})
    assert texts[0] not in html_of(client, f"/social-value/offers/{draft}/outcomes")
    assert str(escape(texts[1])) not in html_of(client, f"/social-value/offers/{draft}/indicator")
    public = html_of(client, "/social-value/matrix")
    assert texts[0] not in public and str(escape(texts[1])) not in public
    # The offer that chose them keeps them.
    kept = html_of(client, f"/social-value/offers/{offer_id}")
    assert texts[0] in kept and str(escape(texts[1])) in kept
    # Choosing them now is refused.
    response = post_form(client, f"/social-value/offers/{draft}/outcomes", {"outcomes": [str(outcome)]})
    assert "Select outcomes of the theme you chose" in error_summary(response.get_data(as_text=True))
    # Restored, they are offered again.
    post_form(
        admin_client,
        f"/officer/social-value/outcome/{outcome}/restore",
        {},
        page="/officer/social-value/matrix",
    )
    assert texts[0] in html_of(client, f"/social-value/offers/{draft}/outcomes")
    assert [a.action for a in audits(app, "matrix.")] == [
        "matrix.outcome_retired",
        "matrix.indicator_retired",
        "matrix.outcome_restored",
    ]


def test_an_admin_sets_a_measures_proxy_value_with_its_source_and_date(app, admin_client):
    with app.app_context():
        measure = measure_id("volunteering_hours")
    url = f"/officer/social-value/measures/{measure}"
    page = text_of(html_of(admin_client, url))
    assert "Unit: hours. Evidences: Social indicator 1, Social indicator 2, Social indicator 3." in page
    response = post_form(
        admin_client,
        url,
        {
            "name": "Staff time volunteered in Cheshire",
            "proxy_gbp": "£1,017.25",
            "proxy_source": "Cheshire volunteering study, table 3",
            "proxy_dated": ["1", "4", "2025"],
        },
    )
    assert response.headers["Location"] == "/officer/social-value/matrix"
    with app.app_context():
        stored = db.session.get(Measure, measure)
        assert (stored.name, stored.proxy_gbp, stored.proxy_source, stored.proxy_dated) == (
            "Staff time volunteered in Cheshire",
            Decimal("1017.25"),
            "Cheshire volunteering study, table 3",
            date(2025, 4, 1),
        )
        assert stored.retired_at is None
    [audit] = audits(app, "matrix.")
    assert audit.action == "matrix.measure_changed"
    assert audit.details == {"fields": ["name", "proxy_gbp", "proxy_source", "proxy_dated"], "retired": False}
    assert "£1,017.25 a unit (Cheshire volunteering study, table 3)" in text_of(
        html_of(admin_client, "/officer/social-value/matrix")
    )
    # Emptied again, the source and date go with it.
    post_form(admin_client, url, {"name": "Staff time volunteered in Cheshire", "proxy_gbp": ""})
    with app.app_context():
        stored = db.session.get(Measure, measure)
        assert (stored.proxy_gbp, stored.proxy_source, stored.proxy_dated) == (None, None, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"proxy_gbp": "12"}, "Say where the proxy value comes from"),
        ({"proxy_gbp": "12", "proxy_source": "A study"}, "Enter the date of the proxy value"),
        ({"proxy_gbp": "-5", "proxy_source": "A study"}, "must be 0 or more"),
        ({"proxy_gbp": "twelve", "proxy_source": "A study"}, "must be an amount in pounds"),
        ({"name": ""}, "Enter the measure's name"),
        ({"name": "Line\nbreak"}, "must not contain special characters"),
    ],
)
def test_a_proxy_value_without_its_source_or_date_or_a_bad_name_is_refused(app, admin_client, data, message):
    with app.app_context():
        measure = measure_id("volunteering_hours")
    response = post_form(
        admin_client,
        f"/officer/social-value/measures/{measure}",
        {"name": "Staff time", "proxy_dated": ["", "", ""], **data},
    )
    assert response.status_code == 200
    assert message in error_summary(response.get_data(as_text=True))
    with app.app_context():
        stored = db.session.get(Measure, measure)
        assert stored.proxy_gbp is None and stored.name.startswith("Staff time volunteered with")
    assert audits(app, "matrix.") == []


def test_a_retired_measure_leaves_new_offers_choices_but_stays_on_offers_that_used_it(
    app, client, member, admin_client
):
    with app.app_context():
        measure = measure_id("volunteering_hours")
        name = db.session.get(Measure, measure).name
        offer_id = add_offer(member.organisation_id, member.id, state=OfferState.SUBMITTED)
        draft = add_offer(member.organisation_id, member.id)
    post_form(admin_client, f"/officer/social-value/measures/{measure}", {"name": name, "retired": "y"})
    with app.app_context():
        assert db.session.get(Measure, measure).retired_at is not None
    [audit] = audits(app, "matrix.")
    assert audit.details == {"fields": [], "retired": True}
    assert name not in html_of(client, f"/social-value/offers/{draft}/quantity")
    assert name not in html_of(client, "/social-value/matrix")
    assert name in html_of(client, f"/social-value/offers/{offer_id}")
    assert name in html_of(admin_client, f"/officer/offers/{offer_id}")


def test_retired_items_of_the_matrix_keep_their_place(app, transaction):
    """Retiring never deletes: positions (the seed's key) stay taken, so seeding adds nothing."""
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id("economic", 2))
        outcome.retired_at = utcnow()
        db.session.commit()
        assert seed_matrix() == "0 added"
        db.session.rollback()


def queue_filter_outcomes(client) -> str:
    html = client.get("/officer/offers").get_data(as_text=True)
    return html[html.index('name="outcome"') : html.index("</select>", html.index('name="outcome"'))]


def test_an_admins_new_wording_shows_in_the_queues_filters_at_once(app, admin_client):
    with app.app_context():
        item_id = outcome_id("social", 2)
    assert "Social: Improve health inequalities" in queue_filter_outcomes(admin_client)
    post_form(admin_client, f"/officer/social-value/outcome/{item_id}", {"text": "Healthier Cheshire"})
    filters = queue_filter_outcomes(admin_client)
    assert "Social: Healthier Cheshire" in filters
    assert "Social: Improve health inequalities" not in filters


def test_wording_changed_by_another_process_shows_in_the_queues_filters_within_the_minute(
    app, admin_client, monkeypatch
):
    """Another worker's change: this process keeps the names it read for a minute."""
    assert "Healthier Cheshire" not in queue_filter_outcomes(admin_client)
    with app.app_context():
        db.session.get(Outcome, outcome_id("social", 2)).text = "Healthier Cheshire"
        db.session.commit()
    assert "Healthier Cheshire" not in queue_filter_outcomes(admin_client)
    later = matrix.time.monotonic() + matrix.MATRIX_NAMES_SECONDS + 1
    monkeypatch.setattr(matrix.time, "monotonic", lambda: later)
    assert "Social: Healthier Cheshire" in queue_filter_outcomes(admin_client)
