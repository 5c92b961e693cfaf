"""A supplier's answers to a need, listed back to its organisation on the need's page ("Your
answers"); a second answer confirmed before it is sent; never another organisation's answers;
the poster's and officers' views as before; the statements the page runs; and the
organisation's newest answers to any need, as the supplier's home lists them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.extensions import db
from portal.organisations.models import Organisation
from portal.pagination import first_few
from portal.time import london_datetime, utcnow
from portal.voluntary.models import NeedResponse, NeedState
from portal.voluntary.queries import organisation_answers
from tests.conftest import count_queries, csrf_token_from, session_csrf_token
from tests.factories import make_supplier
from tests.hostile import HOSTILE_VALUES
from tests.voluntary.conftest import (
    ESCAPED_SCRIPT,
    OFFER,
    SCRIPT,
    add_need,
    add_response,
    client_for,
    emails,
    error_summary,
    field_error,
    html_of,
    need_url,
    respond,
    responses_count,
)

SECOND = "And two mentors from our workshop, from April."
CONFIRM = "Confirm you want to send another answer to this need"
SENT = "Your offer has been sent to Vera Volunteer, who will contact you."


def your_answers(html: str) -> list[str]:
    """The answers listed under "Your answers", as text ("Sent by ... on ...: message")."""
    match = re.search(r'<ul class="govuk-list" id="your-answers">(.*?)</ul>', html, re.S)
    if match is None:
        return []
    items = re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)
    return [": ".join(text_of(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", item, re.S)) for item in items]


def text_of(markup: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def sent_times(app, need_id: int) -> list[str]:
    """When each answer to the need was sent, as pages show it, newest first."""
    with app.app_context():
        times = db.session.scalars(
            sa.select(NeedResponse.created_at)
            .where(NeedResponse.need_id == need_id)
            .order_by(NeedResponse.id.desc())
        ).all()
        return [london_datetime(time) for time in times]


@pytest.fixture
def need_id(app, poster):
    """A published need posted by Vera (signed in with `client`)."""
    with app.app_context():
        return add_need(poster.id, organisation_id=poster.organisation_id)


@pytest.fixture
def colleague_client(app, supplier):
    """Another member of the supplier's organisation (Bollin Valley Joinery), signed in."""
    with app.app_context():
        organisation = db.session.get(Organisation, supplier.organisation_id)
        colleague = make_supplier(
            "sue@bollin-valley.example", name="Sue Colleague", organisation=organisation
        )
    return client_for(app, colleague.email)


# --- the first answer, and the second ----------------------------------------------------------


def test_a_supplier_sends_a_first_answer_without_confirming_and_sees_it_listed(app, need_id, supplier_client):
    page = html_of(supplier_client, need_url(need_id))
    assert "Your answers" not in page and 'name="another"' not in page
    response = respond(supplier_client, need_id)
    assert response.status_code == 302 and response.headers["Location"] == need_url(need_id)
    page = html_of(supplier_client, need_url(need_id))
    assert SENT in page
    [sent] = sent_times(app, need_id)
    assert your_answers(page) == [f"Sent by Sam Supplier on {sent}: {OFFER}"]
    assert page.index("Your answers") < page.index("Offer help") < page.index('name="message"')
    assert "Send another answer as well as the one above" in page
    assert f">{OFFER}</textarea>" not in page  # the form comes back empty
    assert responses_count(app) == 1


def test_a_second_answer_is_refused_without_confirmation_with_what_was_typed_kept(
    app, need_id, supplier_client
):
    respond(supplier_client, need_id)
    response = respond(supplier_client, need_id, SECOND)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CONFIRM in error_summary(html) and 'href="#another"' in error_summary(html)
    assert field_error(html, "another") == f"Error: {CONFIRM}"
    assert "<title>Error: Mentors for a youth project in Winsford" in html
    assert f">{SECOND}</textarea>" in html  # what was typed is kept
    assert len(your_answers(html)) == 1 and OFFER in your_answers(html)[0]  # the earlier answer is shown
    assert responses_count(app) == 1 and len(emails(app, "voluntary/need_answered")) == 1


def test_an_empty_second_answer_is_told_both_its_errors_at_once(app, need_id, supplier_client):
    respond(supplier_client, need_id)
    html = respond(supplier_client, need_id, "").get_data(as_text=True)
    summary = error_summary(html)
    assert "Say what your organisation can offer" in summary and CONFIRM in summary
    assert responses_count(app) == 1


def test_a_confirmed_second_answer_is_sent_and_listed_newest_first(app, need_id, supplier_client):
    respond(supplier_client, need_id)
    response = respond(supplier_client, need_id, SECOND, another="y")
    assert response.status_code == 302 and response.headers["Location"] == need_url(need_id)
    page = html_of(supplier_client, need_url(need_id))
    assert SENT in page
    newest, first = sent_times(app, need_id)
    assert your_answers(page) == [
        f"Sent by Sam Supplier on {newest}: {SECOND}",
        f"Sent by Sam Supplier on {first}: {OFFER}",
    ]
    assert "Send another answer as well as the ones above" in page
    assert responses_count(app) == 2 and len(emails(app, "voluntary/need_answered")) == 2


def test_a_colleague_sees_the_organisations_answers_and_confirms_even_from_a_page_opened_before(
    app, need_id, supplier_client, colleague_client
):
    opened = html_of(colleague_client, need_url(need_id))  # before Sam answers: no confirmation asked
    assert 'name="another"' not in opened
    respond(supplier_client, need_id)
    # Sent from the page as it was opened: its token, no confirmation.
    response = colleague_client.post(
        f"{need_url(need_id)}/respond", data={"csrf_token": csrf_token_from(opened), "message": SECOND}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and field_error(html, "another") == f"Error: {CONFIRM}"
    assert your_answers(html) == [f"Sent by Sam Supplier on {sent_times(app, need_id)[0]}: {OFFER}"]
    assert f">{SECOND}</textarea>" in html
    assert respond(colleague_client, need_id, SECOND, another="y").status_code == 302
    assert [line.split(" on ")[0] for line in your_answers(html_of(supplier_client, need_url(need_id)))] == [
        "Sent by Sue Colleague",
        "Sent by Sam Supplier",
    ]


def test_an_answer_is_dated_in_london_time(app, need_id, supplier, supplier_client):
    with app.app_context():
        # In summer time: 1:30pm in London.
        add_response(need_id, supplier, created_at=datetime(2026, 7, 1, 12, 30, tzinfo=UTC))
        db.session.commit()
    [listed] = your_answers(html_of(supplier_client, need_url(need_id)))
    assert listed == f"Sent by Sam Supplier on 1 July 2026 at 1:30pm: {OFFER}"


# --- only one's own organisation's answers -------------------------------------------------------


def test_one_organisation_never_sees_anothers_answers(app, need_id, supplier_client, other_poster_client):
    respond(supplier_client, need_id, "Bollin's offer: 40 hours")
    page = html_of(other_poster_client, need_url(need_id))
    assert "Bollin" not in page and "Your answers" not in page and 'name="another"' not in page
    # The other organisation's first answer needs no confirmation, and lists only its own.
    assert respond(other_poster_client, need_id, "Crewe's offer: a van").status_code == 302
    [crewe] = your_answers(html_of(other_poster_client, need_url(need_id)))
    assert crewe.startswith("Sent by Cara Larder") and crewe.endswith("Crewe's offer: a van")
    [bollin] = your_answers(html_of(supplier_client, need_url(need_id)))
    assert bollin.endswith("Bollin's offer: 40 hours")
    assert "Crewe" not in html_of(supplier_client, need_url(need_id))


def test_the_poster_officers_and_visitors_see_the_page_as_before(
    app, client, poster, need_id, supplier_client, other_poster_client, officer_client
):
    respond(supplier_client, need_id, "Bollin's offer: 40 hours")
    respond(other_poster_client, need_id, "Crewe's offer: a van")
    with app.app_context():  # as if sent before the poster's organisation came to manage the need
        add_response(need_id, poster, "Winsford's own offer")
        db.session.commit()
    for reader, url in (
        (client, need_url(need_id)),
        (officer_client, need_url(need_id)),
        (officer_client, f"/officer/needs/{need_id}"),
    ):
        html = html_of(reader, url)
        assert "Offers from suppliers" in html, url
        for offer in ("Bollin&#39;s offer: 40 hours", "Crewe&#39;s offer: a van", "Winsford&#39;s own offer"):
            assert html.count(offer) == 1, (url, offer)
        assert "Your answers" not in html and 'name="another"' not in html
    visitor = html_of(app.test_client(), need_url(need_id))
    assert "Your answers" not in visitor and "offer: " not in visitor


# --- hostile input and CSRF --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_answers_and_confirmations_never_cause_an_error(app, need_id, supplier_client, name):
    value = HOSTILE_VALUES[name]
    first = respond(supplier_client, need_id, value)
    assert first.status_code in (200, 302)
    if first.status_code == 302:
        assert SCRIPT not in html_of(supplier_client, need_url(need_id))
    else:
        respond(supplier_client, need_id)
    again = respond(supplier_client, need_id, SECOND, another=value)
    assert again.status_code in (200, 302)
    assert responses_count(app) == 1 + (again.status_code == 302)


def test_markup_in_an_answer_is_listed_as_text(app, need_id, supplier_client):
    respond(supplier_client, need_id, SCRIPT)
    page = html_of(supplier_client, need_url(need_id))
    assert SCRIPT not in page and f"<bdi>{ESCAPED_SCRIPT}</bdi>" in page


def test_an_answer_without_its_csrf_token_is_refused(app, need_id, supplier_client):
    url = f"{need_url(need_id)}/respond"
    assert supplier_client.post(url, data={"message": OFFER}).status_code == 400
    assert supplier_client.post(url, data={"message": OFFER, "csrf_token": "forged"}).status_code == 400
    respond(supplier_client, need_id)
    assert supplier_client.post(url, data={"message": SECOND, "another": "y"}).status_code == 400
    token = session_csrf_token(app.test_client())  # another session's token
    assert (
        supplier_client.post(url, data={"message": SECOND, "another": "y", "csrf_token": token}).status_code
        == 400
    )
    assert responses_count(app) == 1


# --- statements ----------------------------------------------------------------------------------


def add_answers(app, need_ids: list[int], senders: list[User], count: int) -> None:
    """`count` answers to each need, from each of `senders` in turn."""
    with app.app_context():
        for n in range(count):
            for need in need_ids:
                add_response(need, senders[n % len(senders)], f"Answer {n}")
        db.session.commit()


def test_the_need_page_runs_the_same_statements_for_1_or_60_answers(
    app, poster, need_id, supplier, supplier_client
):
    with app.app_context():
        other_need = add_need(poster.id, organisation_id=poster.organisation_id, title="Another need")
        organisation = db.session.get(Organisation, supplier.organisation_id)
        colleagues = [make_supplier(organisation=organisation, name=f"Colleague {n}") for n in range(9)]
    add_answers(app, [need_id, other_need], [supplier], 1)
    supplier_client.get(need_url(need_id))
    with count_queries(app) as few:
        assert len(your_answers(html_of(supplier_client, need_url(need_id)))) == 1
    add_answers(app, [need_id, other_need], [supplier, *colleagues], 59)  # from ten members
    with count_queries(app) as many:
        listed = your_answers(html_of(supplier_client, need_url(need_id)))
    assert len(listed) == 60 and len({line.split(" on ")[0] for line in listed}) == 10
    assert len(many) == len(few) <= 4, many


# --- the organisation's answers to any need, as its home lists them ------------------------------


def newest_answers(organisation_id: int, size: int):
    sections = {"answers": (organisation_answers(), (NeedResponse.id.desc(),), size)}
    return first_few(sections, {"organisation_id": organisation_id})["answers"]


def test_an_organisations_answers_are_counted_and_its_newest_given(app, poster, supplier, other_poster):
    with app.app_context():
        older = add_need(poster.id, organisation_id=poster.organisation_id, title="Older need")
        closed = add_need(
            poster.id, organisation_id=poster.organisation_id, title="Closed need", state=NeedState.CLOSED
        )
        start = utcnow() - timedelta(days=3)
        for n, need in enumerate([older, closed, older, closed]):
            add_response(need, supplier, f"Answer {n}", created_at=start + timedelta(hours=n))
        add_response(older, other_poster, "Theirs")
        db.session.commit()
        newest = [
            (closed, "Closed need", NeedState.CLOSED, start + timedelta(hours=3)),
            (older, "Older need", NeedState.PUBLISHED, start + timedelta(hours=2)),
        ]
        with count_queries(app) as statements:
            few = newest_answers(supplier.organisation_id, 2)
        shown = [(row.need_id, row.need_title, row.need_state, row.created_at) for row in few.items]
        assert (few.total, shown) == (4, newest)
        assert len(statements) == 1
        assert all(type(row.need_state) is NeedState for row in few.items)
        assert newest_answers(supplier.organisation_id, 10).total == 4
        assert len(newest_answers(supplier.organisation_id, 10).items) == 4
        assert newest_answers(other_poster.organisation_id, 5).total == 1
        assert newest_answers(poster.organisation_id, 5) == (0, [])  # none sent
