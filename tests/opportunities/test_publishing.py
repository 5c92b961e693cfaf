"""Officers create, change, publish and close opportunities and their lots: the rules applied and
shown, bad and hostile input refused with nothing stored, every change audited, suppliers kept out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.audit import AuditRecord
from portal.extensions import db
from portal.opportunities.models import Lot, Opportunity, OpportunityState, ResponseRoute
from portal.outbox.models import Broadcast
from portal.time import LONDON, MONTHS, london_today, utcnow
from tests.conftest import count_queries, post_form, session_csrf_token
from tests.factories import make_opportunity, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES


def closing_parts(days: int = 30) -> list[str]:
    day = london_today() + timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def answers(**overrides) -> dict:
    values = {
        "title": "Cleaning of Winsford police station",
        "reference": "CC-2026-041",
        "summary": "Daily cleaning of the station and its custody suite.",
        "cpv_division": "90",
        "value_ex_vat": "120,000",
        "vat_rate": "20",
        "procedure": "tender",
        "closing_date": closing_parts(),
        "closing_time": "12:00",
        "notice_url": "https://www.find-tender.service.gov.uk/Notice/012345-2026",
        "suitable": ["sme"],
        "response_route": "portal",
        "weighting": "",
        "weighting_reason": "",
    }
    values.update(overrides)
    return values


def create(client, **overrides):
    return post_form(client, "/officer/opportunities/new", answers(**overrides))


def stored(app) -> list[Opportunity]:
    with app.app_context():
        opportunities = db.session.scalars(sa.select(Opportunity).order_by(Opportunity.id)).all()
        for opportunity in opportunities:
            db.session.expunge(opportunity)
        return opportunities


def audit_actions(app, opportunity_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditRecord.action)
                .where(
                    AuditRecord.record_type == "opportunities", AuditRecord.record_id == str(opportunity_id)
                )
                .order_by(AuditRecord.id)
            )
        )


def test_an_officer_creates_a_draft_with_the_default_weighting(app, officer_client):
    response = create(officer_client)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    [opportunity] = stored(app)
    assert opportunity.state is OpportunityState.DRAFT
    assert opportunity.value_ex_vat == Decimal("120000")
    assert opportunity.weighting == Decimal(10)  # social value applies: the policy's default
    assert opportunity.weighting_reason is None
    assert opportunity.suitable_sme and not opportunity.suitable_vcse
    assert opportunity.response_route is ResponseRoute.PORTAL
    local = opportunity.closes_at.astimezone(LONDON)
    assert (local.hour, local.minute) == (12, 0)  # the time as typed, in UK time
    assert response.headers["Location"].endswith(f"/officer/opportunities/{opportunity.id}")
    assert audit_actions(app, opportunity.id) == ["opportunity.created"]
    page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Social value applies: an advertised tender worth £120,000 excluding VAT" in page
    assert "Below the public procurement threshold: £144,000 including VAT" in page
    assert "Draft" in page


def test_a_draft_is_hidden_from_the_public_until_published(app, client, officer_client):
    create(officer_client)
    [opportunity] = stored(app)
    assert client.get(f"/opportunities/{opportunity.id}").status_code == 404
    assert "Cleaning of Winsford" not in client.get("/opportunities").get_data(as_text=True)
    response = post_form(
        officer_client,
        f"/officer/opportunities/{opportunity.id}/publish",
        {},
        page=f"/officer/opportunities/{opportunity.id}",
    )
    assert response.status_code == 302
    [published] = stored(app)
    assert published.state is OpportunityState.PUBLISHED
    assert published.published_at is not None
    assert client.get(f"/opportunities/{opportunity.id}").status_code == 200
    assert "Cleaning of Winsford" in client.get("/opportunities").get_data(as_text=True)
    assert audit_actions(app, opportunity.id) == ["opportunity.created", "opportunity.published"]
    with app.app_context():
        [broadcast] = db.session.scalars(sa.select(Broadcast)).all()
        assert broadcast.audience == "opportunity_alert"
        assert broadcast.audience_params == {"opportunity_id": opportunity.id, "division": "90"}


def test_publishing_twice_queues_one_alert(app, officer_client):
    create(officer_client)
    [opportunity] = stored(app)
    url = f"/officer/opportunities/{opportunity.id}/publish"
    page = f"/officer/opportunities/{opportunity.id}"
    post_form(officer_client, url, {}, page=page)
    response = post_form(officer_client, url, {}, page=page, follow_redirects=True)
    assert "already been published" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Broadcast)) == 1


def test_a_weighting_under_the_default_needs_a_reason_which_the_opportunity_shows(
    app, client, officer_client
):
    response = create(officer_client, weighting="5")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Say why a weighting under 10% is relevant and proportionate" in page
    assert 'value="Cleaning of Winsford police station"' in page  # the rest kept
    assert stored(app) == []
    response = create(officer_client, weighting="5", weighting_reason="A small specialist market.")
    assert response.status_code == 302
    [opportunity] = stored(app)
    assert opportunity.weighting == Decimal(5)
    assert opportunity.weighting_reason == "A small specialist market."
    post_form(
        officer_client,
        f"/officer/opportunities/{opportunity.id}/publish",
        {},
        page=f"/officer/opportunities/{opportunity.id}",
    )
    public = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Why the weighting is under the usual 10%: A small specialist market." in public
    assert "<strong>5%</strong> of the total score" in public


def test_raising_the_weighting_needs_no_reason_and_a_reason_not_needed_is_not_kept(app, officer_client):
    response = create(officer_client, weighting="15%", weighting_reason="Not needed")
    assert response.status_code == 302
    [opportunity] = stored(app)
    assert opportunity.weighting == Decimal(15)
    assert opportunity.weighting_reason is None


def test_below_the_figure_social_value_is_optional_and_starts_at_none(app, officer_client):
    response = create(officer_client, value_ex_vat="50000", weighting="")
    assert response.status_code == 302
    [opportunity] = stored(app)
    assert opportunity.weighting == 0
    page = officer_client.get(f"/officer/opportunities/{opportunity.id}").get_data(as_text=True)
    assert "Social value is optional: £50,000 excluding VAT is not over the policy&#39;s £50,000." in page
    assert "Social value is not scored for this opportunity." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("closing_date", closing_parts(-1), "The closing date and time must be in the future"),
        ("closing_date", ["31", "2", "2027"], "Closing date must be a real date"),
        ("closing_date", ["", "", ""], "Enter the closing date"),
        ("closing_time", "25:00", "Enter the closing time like 9am, 5:30pm, midday or 17:30"),
        ("closing_time", "13pm", "Enter the closing time like 9am, 5:30pm, midday or 17:30"),
        ("closing_time", "soon", "Enter the closing time like 9am, 5:30pm, midday or 17:30"),
        ("value_ex_vat", "12O,000", "must be an amount in pounds"),
        ("value_ex_vat", "-5000", "must be 0 or more"),
        ("value_ex_vat", "", "Enter the estimated value, excluding VAT"),
        ("value_ex_vat", "１２０００", "must be an amount in pounds"),  # full-width digits
        ("cpv_division", "99", "Select the category of what is being bought"),
        ("cpv_division", "", "Select the category of what is being bought"),
        ("vat_rate", "17.5", "Not a valid choice"),
        ("procedure", "auction", "Not a valid choice"),
        ("weighting", "101", "Enter the weighting as a percentage from 0 to 100"),
        ("weighting", "-1", "Enter the weighting as a percentage from 0 to 100"),
        ("weighting", "ten", "Enter the weighting as a percentage from 0 to 100"),
        ("notice_url", "javascript:alert(1)", "starting https://"),
        ("title", "", "Enter the opportunity's title"),
        ("reference", "x" * 51, "Reference must be 50 characters or fewer"),
    ],
)
def test_bad_input_is_refused_at_the_field_with_nothing_stored(app, officer_client, field, value, message):
    response = create(officer_client, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert escape(message) in page
    assert f'href="#{field}' in page  # the summary links to the field
    assert stored(app) == []


def test_the_closing_time_passed_today_is_refused(app, officer_client):
    now = utcnow().astimezone(LONDON) - timedelta(minutes=5)
    response = create(
        officer_client,
        closing_date=[str(now.day), str(now.month), str(now.year)],
        closing_time=f"{now:%H:%M}",
    )
    assert "The closing date and time must be in the future" in response.get_data(as_text=True)
    assert stored(app) == []


@pytest.mark.parametrize(
    ("typed", "clock"),
    [("midday", "12:00"), ("12pm", "12:00"), ("5:30pm", "17:30"), ("9am", "09:00"), ("17.30", "17:30")],
)
def test_the_closing_time_is_read_as_people_write_it_and_the_month_by_name(app, officer_client, typed, clock):
    day = closing_parts(40)
    day[1] = MONTHS[int(day[1]) - 1]  # "April", not "4"
    response = create(officer_client, closing_date=day, closing_time=typed)
    assert response.status_code == 302, response.get_data(as_text=True)
    [opportunity] = stored(app)
    assert f"{opportunity.closes_at.astimezone(LONDON):%H:%M}" == clock


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_text_never_breaks_the_form(app, officer_client, name):
    value = HOSTILE_VALUES[name]
    response = create(officer_client, title=value, summary=value, reference=value[:50])
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert len(stored(app)) == 1
        page = officer_client.get(response.headers["Location"]).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
    else:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert stored(app) == []


def test_a_reference_is_one_opportunity_s(app, officer_client):
    create(officer_client)
    response = create(officer_client, title="Another")
    assert "Another opportunity already has that reference" in response.get_data(as_text=True)
    assert len(stored(app)) == 1


def test_an_officer_changes_an_opportunity_and_the_change_is_audited(app, officer_client):
    create(officer_client)
    [opportunity] = stored(app)
    url = f"/officer/opportunities/{opportunity.id}/edit"
    form = officer_client.get(url).get_data(as_text=True)
    assert 'value="CC-2026-041"' in form and 'value="12:00"' in form
    response = post_form(officer_client, url, answers(value_ex_vat="150000", closing_time="17:30"))
    assert response.status_code == 302
    [changed] = stored(app)
    assert changed.value_ex_vat == Decimal(150000)
    assert f"{changed.closes_at.astimezone(LONDON):%H:%M}" == "17:30"
    with app.app_context():
        record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "opportunity.changed"))
        assert set(record.details) == {"value_ex_vat", "closes_at"}
        assert record.details["value_ex_vat"] == "150000.00"


def test_lots_are_added_removed_and_never_worth_more_than_the_whole(app, client, officer_client):
    create(officer_client, value_ex_vat="100000")
    [opportunity] = stored(app)
    lots_url = f"/officer/opportunities/{opportunity.id}/lots/new"
    first = post_form(
        officer_client, lots_url, {"title": "North", "value_ex_vat": "60000", "cpv_division": "90"}
    )
    assert first.status_code == 302
    too_much = post_form(
        officer_client, lots_url, {"title": "South", "value_ex_vat": "40000.01", "cpv_division": "90"}
    )
    page = too_much.get_data(as_text=True)
    assert "The lots would be worth £100,000.01, more than the whole opportunity&#39;s £100,000" in page
    assert 'value="South"' in page
    unknown = post_form(
        officer_client, lots_url, {"title": "South", "value_ex_vat": "100", "cpv_division": "00"}
    )
    assert "Select the lot&#39;s category" in unknown.get_data(as_text=True)
    second = post_form(
        officer_client, lots_url, {"title": "South", "value_ex_vat": "40000", "cpv_division": "45"}
    )
    assert second.status_code == 302
    with app.app_context():
        lots = db.session.scalars(sa.select(Lot).order_by(Lot.number)).all()
        assert [(lot.number, lot.title, lot.cpv_division) for lot in lots] == [
            (1, "North", "90"),
            (2, "South", "45"),
        ]
        first_lot_id = lots[0].id
    # Lowering the whole below the lots' total is refused.
    lowered = post_form(
        officer_client, f"/officer/opportunities/{opportunity.id}/edit", answers(value_ex_vat="90000")
    )
    assert "must be at least the lots&#39; total, £100,000" in lowered.get_data(as_text=True)
    removed = post_form(
        officer_client,
        f"/officer/opportunities/{opportunity.id}/lots/{first_lot_id}/remove",
        {},
        page=f"/officer/opportunities/{opportunity.id}",
    )
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Lot.title)).all() == ["South"]
    assert audit_actions(app, opportunity.id) == [
        "opportunity.created",
        "opportunity.lot_added",
        "opportunity.lot_added",
        "opportunity.lot_removed",
    ]


def test_closing_early_needs_a_reason_and_keeps_it_readable(app, client, officer_client):
    with app.app_context():
        opportunity_id = make_opportunity(title="Vehicle fleet tyres").id
        db.session.commit()
    url = f"/officer/opportunities/{opportunity_id}/close"
    blank = post_form(officer_client, url, {"reason": "  "})
    assert "Say why the opportunity is closing early" in blank.get_data(as_text=True)
    response = post_form(officer_client, url, {"reason": "The requirement has changed."})
    assert response.status_code == 302
    [closed] = stored(app)
    assert closed.state is OpportunityState.CLOSED and closed.closed_at is not None
    assert client.get(f"/opportunities/{opportunity_id}").status_code == 200
    assert "Vehicle fleet tyres" not in client.get("/opportunities").get_data(as_text=True)
    assert "Vehicle fleet tyres" in client.get("/opportunities?status=closed").get_data(as_text=True)
    # A closed opportunity is not changed any more.
    edit = officer_client.get(f"/officer/opportunities/{opportunity_id}/edit", follow_redirects=True)
    assert "A closed opportunity cannot be changed." in edit.get_data(as_text=True)
    assert officer_client.get(f"/officer/opportunities/{opportunity_id}/lots/new").status_code == 404
    with app.app_context():
        record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.action == "opportunity.closed"))
        assert record.details == {"reason": "The requirement has changed."}


OFFICER_PAGES = [
    ("get", "/officer/opportunities"),
    ("get", "/officer/opportunities/new"),
    ("get", "/officer/opportunities/{id}"),
    ("get", "/officer/opportunities/{id}/edit"),
    ("get", "/officer/opportunities/{id}/close"),
    ("get", "/officer/opportunities/{id}/lots/new"),
    ("post", "/officer/opportunities/{id}/publish"),
    ("post", "/officer/opportunities/{id}/lots/{lot}/remove"),
]


@pytest.mark.parametrize(("method", "path"), OFFICER_PAGES)
def test_suppliers_and_visitors_cannot_use_the_officer_pages(app, client, method, path):
    with app.app_context():
        opportunity = make_opportunity(state="draft", lots=1)
        url = path.format(id=opportunity.id, lot=opportunity.lots[0].id)
        db.session.commit()
        supplier = make_supplier()

    def attempt():
        token = session_csrf_token(client)
        return client.post(url, data={"csrf_token": token}) if method == "post" else client.get(url)

    assert attempt().status_code == 302  # a visitor is sent to sign in
    sign_in(client, supplier.email)
    assert attempt().status_code == 403
    [unchanged] = stored(app)
    assert unchanged.state is OpportunityState.DRAFT
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot)) == 1


def test_a_form_without_its_csrf_token_is_refused(app, officer_client):
    response = officer_client.post("/officer/opportunities/new", data=answers())
    assert response.status_code == 400
    assert stored(app) == []


@pytest.mark.parametrize("path", ["/officer/opportunities/999999", "/officer/opportunities/999999/edit"])
def test_an_unknown_opportunity_is_not_found(officer_client, path):
    assert officer_client.get(path).status_code == 404


def test_the_officers_list_runs_a_fixed_number_of_statements(app, officer_client):
    def statements() -> int:
        with count_queries(app) as seen:
            assert officer_client.get("/officer/opportunities?state=published").status_code == 200
        return len(seen)

    with app.app_context():
        make_opportunity()
        db.session.commit()
    few = statements()
    with app.app_context():
        for _ in range(30):
            make_opportunity(lots=2)
        db.session.commit()
    assert statements() == few


def test_past_its_closing_time_an_opportunity_is_no_longer_changed(app, officer_client):
    """Its sealed responses may be read once it closes: a new closing date must not reopen it."""
    with app.app_context():
        opportunity = make_opportunity(lots=1, closes_in=timedelta(minutes=-1))
        opportunity_id, lot_id = opportunity.id, opportunity.lots[0].id
        db.session.commit()
    edit = post_form(
        officer_client,
        f"/officer/opportunities/{opportunity_id}/edit",
        answers(),
        page=f"/officer/opportunities/{opportunity_id}",
        follow_redirects=True,
    )
    assert "A closed opportunity cannot be changed." in edit.get_data(as_text=True)
    assert officer_client.get(f"/officer/opportunities/{opportunity_id}/lots/new").status_code == 404
    removed = post_form(
        officer_client,
        f"/officer/opportunities/{opportunity_id}/lots/{lot_id}/remove",
        {},
        page=f"/officer/opportunities/{opportunity_id}",
    )
    assert removed.status_code == 404
    [unchanged] = stored(app)
    assert unchanged.reference != "CC-2026-041"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot)) == 1
