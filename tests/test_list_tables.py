"""The lists' tables: the one list-table macro (templates/_macros/table.html) and each list's rows,
written by its own template's loop, with every value escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import render_template, render_template_string
from werkzeug.datastructures import MultiDict

from portal.officers.forms import AuditFilterForm, OutboxFilterForm
from portal.officers.views import RECORD_LABELS, STATE_TAGS, SYSTEM_ACTORS
from portal.opportunities.forms import SearchForm
from portal.opportunities.models import OpportunityState, Procedure
from portal.organisations.forms import OrganisationFilterForm
from portal.organisations.models import LocalStatus
from portal.organisations.rules import LOCAL_STATUS_WORDS
from portal.organisations.steps import STEPS
from portal.outbox.models import MessageState
from portal.social_value.forms import QueueFilterForm
from portal.social_value.models import OfferState
from portal.social_value.workflow import STATE_TAGS as OFFER_STATE_TAGS

HOSTILE = '<script>alert("x")</script> & co'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co"
WHEN = datetime(2026, 7, 3, 7, 5, tzinfo=UTC)  # 8:05am in Cheshire


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def rows_of(template: str, items: list, **context) -> str:
    """The body of the list on `template`'s page, with `items` as the page's rows."""
    page = SimpleNamespace(items=items, newer=None, older=None)
    html = render_template(template, page=page, **context)
    start, end = ('<ul class="govuk-list">', "</ul>") if "portal-result" in html else ("<tbody", "</tbody>")
    return html.split(start, 1)[1].split(end, 1)[0]


def test_the_list_table_writes_its_caption_and_headings_around_the_callers_rows():
    html = render_template_string(
        '{% from "_macros/table.html" import list_table %}'
        '{% call list_table("things", caption, ["Thing", heading, "Count"], numeric=["Count"]) %}'
        '<tr class="govuk-table__row"><td class="govuk-table__cell">A row</td></tr>{% endcall %}',
        caption=HOSTILE,
        heading=HOSTILE,
    )
    assert (
        '<div class="portal-table-scroll" role="region" aria-labelledby="things-caption" tabindex="0">'
        in html
    )
    assert (
        f'<caption class="govuk-table__caption govuk-table__caption--m" id="things-caption">{ESCAPED}</caption>'
        in html
    )
    assert '<th scope="col" class="govuk-table__header">Thing</th>' in html
    assert f'<th scope="col" class="govuk-table__header">{ESCAPED}</th>' in html
    assert '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Count</th>' in html
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    assert body.strip() == '<tr class="govuk-table__row"><td class="govuk-table__cell">A row</td></tr>'
    assert "<script>" not in html


def test_the_list_tables_caption_can_be_hidden():
    html = render_template_string(
        '{% from "_macros/table.html" import list_table %}'
        '{% call list_table("offers", "Offers", ["Offer"], caption_classes="govuk-visually-hidden") %}{% endcall %}'
    )
    assert (
        '<caption class="govuk-table__caption govuk-visually-hidden" id="offers-caption">Offers</caption>'
        in html
    )


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
    html = rows_of("officers/outbox.html", [message], form=OutboxFilterForm(), state_tags=STATE_TAGS)
    assert '<a class="govuk-link" href="/officer/outbox/7">' in html
    assert "<script>" not in html and html.count(ESCAPED) == 2
    assert f"<bdi>{ESCAPED}</bdi>, <bdi>b@example.com</bdi></td>" in html
    assert "Queued 3 July 2026 at 8:05am" in html
    assert STATE_TAGS[MessageState.FAILED] in html
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
    html = rows_of(
        "officers/audit.html",
        [by_account, by_system, by_other],
        form=AuditFilterForm(),
        record_labels=RECORD_LABELS,
        system_actors=SYSTEM_ACTORS,
    )
    assert f"<bdi>{ESCAPED}</bdi><br><bdi>o@example.com</bdi>" in html
    assert (
        "<br>was admin: yes<br>reason given: <bdi>" + ESCAPED + "</bdi><br>count: <bdi>2</bdi></td>" in html
    )
    assert '<td class="govuk-table__cell govuk-body-s">The portal</td>' in html
    assert '<td class="govuk-table__cell govuk-body-s">Worker</td>' in html
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
    html = rows_of(
        "organisations/officers/organisations.html",
        [registered, started],
        form=OrganisationFilterForm(),
        local_status_words=LOCAL_STATUS_WORDS,
    )
    assert f'<a class="govuk-link" href="/officer/organisations/5"><bdi>{ESCAPED}</bdi></a>' in html
    assert "<script>" not in html
    assert "Company 01234567" in html and html.count("Company") == 1
    assert '<a class="govuk-link" href="/officer/organisations/6"><bdi>B</bdi></a></td>' in html
    assert '<td class="govuk-table__cell">Local</td>' in html
    assert '<td class="govuk-table__cell">Not known</td>' in html
    assert "Registered 3 July 2026 at 8:05am</td>" in html
    assert '<strong class="govuk-tag govuk-tag--grey">In progress</strong>' in html


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
    taken = SimpleNamespace(**{**vars(queued), "id": 10, "reviewer_name": HOSTILE})
    form = QueueFilterForm(MultiDict())
    html = rows_of("social_value/officers/queue.html", [queued, taken], form=form)
    assert f'<a class="govuk-link" href="/officer/offers/9"><bdi>{ESCAPED}</bdi></a>' in html
    assert "Economic: Jobs; in the queue since 3 July 2026 at 8:05am</span>" in html
    assert f"in the queue since 3 July 2026 at 8:05am; with {ESCAPED}</span>" in html
    assert html.count(OFFER_STATE_TAGS[OfferState.SUBMITTED]) == 2
    assert "<script>" not in html
    draft = SimpleNamespace(
        id=10, state=OfferState.DRAFT, created_at=WHEN, description=None, theme_name=None, measure_name=None
    )
    told = SimpleNamespace(
        id=11, state=OfferState.SUBMITTED, created_at=WHEN, description=HOSTILE + " and " + "y" * 100,
        theme_name="Social", measure_name="Volunteering hours",
    )  # fmt: skip
    html = rows_of("social_value/offers.html", [draft, told], organisation=SimpleNamespace(name="Winsford"))
    assert '<a class="govuk-link" href="/social-value/offers/10">Draft offer</a>' in html
    assert "Started 3 July 2026 at 8:05am</span>" in html
    assert f'href="/social-value/offers/11">Social: {ESCAPED} and...</a>' in html
    assert "Started 3 July 2026 at 8:05am; Volunteering hours</span>" in html
    assert OFFER_STATE_TAGS[OfferState.DRAFT] in html and "<script>" not in html


def test_answers_say_what_was_not_given_and_link_each_change():
    steps = [step for step in STEPS if step.slug in {"about", "sites", "size"}]
    org = SimpleNamespace(
        legal_name=HOSTILE,
        trading_name=None,
        legal_form=None,
        companies_house_number="",
        charity_number=None,
        website=None,
        ppon=None,
        sites=[
            SimpleNamespace(
                label="Depot " + HOSTILE,
                address_line_1="1 High Street",
                postcode="CW7 1AA",
                needs_council_area=False,
                declared_authority=None,
            )
        ],
        staff_headcount=0,
        turnover=None,
        balance_sheet_total=None,
        financial_year_end=None,
    )
    template = '{% from "organisations/_answers.html" import answers %}{{ answers(org, steps, links) }}'
    links = {"about": "/change?from=check", "sites": "/sites?from=check"}
    html = render_template_string(template, org=org, steps=steps, links=links)
    assert f'<dd class="govuk-summary-list__value"><bdi>{ESCAPED}</bdi></dd>' in html
    assert '<dd class="govuk-summary-list__value">Not given</dd>' in html
    assert '<dd class="govuk-summary-list__value"><bdi>0</bdi></dd>' in html  # nought is an answer
    assert html.count('href="/change?from=check"') == 7  # each of the section's rows
    assert '<span class="govuk-visually-hidden"> legal name</span>' in html
    assert f'<dt class="govuk-summary-list__key"><bdi>Depot {ESCAPED}</bdi></dt>' in html
    assert (
        f'href="/sites?from=check">Change<span class="govuk-visually-hidden"> depot {ESCAPED}</span>' in html
    )
    assert html.count("govuk-summary-list__row--no-actions") == 4  # the size section's, without a link
    assert "<script>" not in html
    plain = render_template_string(template, org=org, steps=steps, links={})
    assert "Change" not in plain and plain.count("govuk-summary-list__row--no-actions") == 12


def test_opportunity_results_escape_and_say_how_each_closes():
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

    def results(items, now):
        return rows_of(
            "opportunities/list.html",
            items,
            form=SearchForm(MultiDict()),
            closed=False,
            searched=False,
            now=now,
        )

    before, after = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 4, tzinfo=UTC)
    html = results([item()], before)
    assert '<a class="govuk-link" href="/opportunities/9">' in html
    assert "<script>" not in html and html.count(ESCAPED) == 2
    assert f"CC-1 · {ESCAPED}</p>" in html
    assert "y" * 197 + "..." in html and "y" * 201 not in html
    assert "<strong>£120,000.50</strong> excluding VAT · Tender (advertised)" in html
    assert "Closes 3 July 2026 at 8:05am" in html
    assert '<strong class="govuk-tag govuk-tag--green">Suitable for SMEs</strong>' in html
    assert "Suitable for VCSEs" not in html
    assert "Closed 3 July 2026 at 8:05am" in results([item()], after)
    assert "Closed 3 July 2026 at 8:05am" in results([item(state=OpportunityState.CLOSED)], before)
    early = item(closed_at=datetime(2026, 7, 2, 9, 0, tzinfo=UTC), state=OpportunityState.CLOSED)
    assert "Closed early on 2 July 2026 at 10am" in results([early], before)
    vcse = results([item(suitable_sme=False, suitable_vcse=True)], before)
    assert '<strong class="govuk-tag govuk-tag--turquoise">Suitable for VCSEs</strong>' in vcse
    assert "Suitable for SMEs" not in vcse
