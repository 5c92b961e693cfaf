"""The list rows written in Python (portal/rows.py): every value escaped, as a template would."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from markupsafe import Markup, escape

from portal import rows
from portal.organisations.models import LocalStatus
from portal.outbox.models import MessageState
from portal.social_value.models import OfferState
from portal.social_value.workflow import STATE_TAGS

HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"
WHEN = datetime(2026, 7, 3, 7, 5, tzinfo=UTC)  # 8:05am in Cheshire
LINK = ("/officer/things/", "/view")


@pytest.fixture(autouse=True)
def _app_context(app):
    with app.app_context():
        yield


@pytest.mark.parametrize(
    "value",
    [HOSTILE, "O'Brien & Sons", "a > b", 'say "hi"', "&amp; already", "\u202eevil", 42, None, 1.5, ""],
)
def test_cells_are_escaped_exactly_as_markupsafe_escapes(value):
    assert rows._escape(value) == str(escape(value))


def test_markup_is_kept_as_it_is():
    assert rows._escape(Markup("<strong>Failed</strong>")) == "<strong>Failed</strong>"


def test_outbox_rows_escape_and_shorten_what_they_show():
    message = SimpleNamespace(
        id=7,
        subject=HOSTILE,
        recipients=[HOSTILE, "b@example.com"],
        state=MessageState.FAILED,
        last_error="x" * 200,
        attempts=3,
        created_at=WHEN,
    )
    html = rows.outbox([message], LINK, {MessageState.FAILED: Markup("<strong>Failed</strong>")})
    assert '<a class="govuk-link" href="/officer/things/7/view">' in html
    assert "<script>" not in html and html.count(ESCAPED) == 2
    assert "Queued 3 July 2026 at 8:05am" in html
    assert "<strong>Failed</strong>" in html
    assert "x" * 77 + "..." in html and "x" * 81 not in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' in html


def test_audit_rows_say_who_acted_and_each_detail():
    by_account = SimpleNamespace(
        occurred_at=WHEN,
        actor_kind="officer",
        actor_name=HOSTILE,
        actor_email="o@example.com",
        action="account.disabled",
        details={"was_admin": True, "reason_given": HOSTILE, "count": 2},
        record_type="users",
        record_id="12",
    )
    by_system = SimpleNamespace(
        **{**vars(by_account), "actor_email": None, "actor_kind": "system", "details": {}}
    )
    by_other = SimpleNamespace(**{**vars(by_system), "actor_kind": "worker", "record_type": HOSTILE})
    html = rows.audit([by_account, by_system, by_other], {"users": "Account"})
    assert f"{ESCAPED}<br>o@example.com" in html
    assert "<br>was admin: yes<br>reason given: " + ESCAPED + "<br>count: 2" in html
    assert "The portal" in html and "Worker" in html
    assert "Account 12" in html and f"{ESCAPED} 12" in html
    assert "<script>" not in html


def test_organisation_rows_show_the_local_status_and_registration():
    registered = SimpleNamespace(
        id=5,
        name=HOSTILE,
        companies_house_number="01234567",
        local_status=LocalStatus.LOCAL,
        registered_at=WHEN,
    )
    started = SimpleNamespace(
        id=6, name="B", companies_house_number=None, local_status=None, registered_at=None
    )
    html = rows.organisations([registered, started], LINK)
    assert ESCAPED in html and "<script>" not in html
    assert "Company 01234567" in html and html.count("Company") == 1
    assert "Local" in html and "Not known" in html
    assert "Registered 3 July 2026 at 8:05am" in html and "In progress" in html


def test_offer_rows_link_each_offer_with_its_state():
    queued = SimpleNamespace(
        id=9,
        state=OfferState.SUBMITTED,
        queued_at=WHEN,
        organisation_name=HOSTILE,
        theme_name="Economic",
        measure_name="Jobs",
        reviewer_name=None,
    )
    html = rows.offer_queue([queued], LINK, STATE_TAGS)
    assert ESCAPED in html and "Economic: Jobs; in the queue since 3 July 2026 at 8:05am</span>" in html
    assert STATE_TAGS[OfferState.SUBMITTED] in html
    draft = SimpleNamespace(
        id=10, state=OfferState.DRAFT, created_at=WHEN, description=None, theme_name=None, measure_name=None
    )
    html = rows.organisation_offers([draft], LINK, STATE_TAGS)
    assert '<a class="govuk-link" href="/officer/things/10/view">Draft offer</a>' in html
    assert "Started 3 July 2026 at 8:05am</span>" in html


def test_summary_rows_say_what_was_not_given_and_link_each_change():
    html = rows.summary_rows([("Legal name", HOSTILE), ("Website", None), ("Staff", 0)], "/change?from=check")
    assert f'<dd class="govuk-summary-list__value">{ESCAPED}</dd>' in html
    assert '<dd class="govuk-summary-list__value">Not given</dd>' in html
    assert '<dd class="govuk-summary-list__value">0</dd>' in html  # nought is an answer
    assert html.count('href="/change?from=check"') == 3
    assert '<span class="govuk-visually-hidden"> legal name</span>' in html
    plain = rows.summary_rows([("Legal name", "A")])
    assert "govuk-summary-list__row--no-actions" in plain and "Change" not in plain


def test_opportunity_results_escape_and_say_how_each_closes():
    from decimal import Decimal

    from portal.opportunities.models import PROCEDURE_NAMES, OpportunityState, Procedure
    from portal.organisations.rules import gbp

    def item(**values):
        base = {
            "id": 9,
            "title": HOSTILE,
            "reference": "CC-1",
            "category": HOSTILE,
            "summary": "y" * 300,
            "value_ex_vat": Decimal("120000.50"),
            "procedure": Procedure.TENDER,
            "closes_at": WHEN,
            "closed_at": None,
            "state": OpportunityState.PUBLISHED,
            "suitable_sme": True,
            "suitable_vcse": False,
        }
        return SimpleNamespace(**{**base, **values})

    before, after = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 4, tzinfo=UTC)
    html = rows.opportunity_results([item()], LINK, PROCEDURE_NAMES, before, gbp)
    assert '<a class="govuk-link" href="/officer/things/9/view">' in html
    assert "<script>" not in html and html.count(ESCAPED) == 2
    assert "y" * 197 + "..." in html and "y" * 201 not in html
    assert "<strong>GBP 120,000.50</strong> excluding VAT · Tender (advertised)" in html
    assert "Closes 3 July 2026 at 8:05am" in html
    assert "Suitable for SMEs" in html and "Suitable for VCSEs" not in html
    assert "Closed 3 July 2026 at 8:05am" in rows.opportunity_results(
        [item()], LINK, PROCEDURE_NAMES, after, gbp
    )
    early = item(closed_at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC), state=OpportunityState.CLOSED)
    assert "Closed early on 2 July 2026 at 10:00am" in rows.opportunity_results(
        [early], LINK, PROCEDURE_NAMES, before, gbp
    )
