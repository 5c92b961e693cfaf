"""The procurement unit's side: the queue (oldest first, filtered, paged by keyset, at a fixed
cost), an offer's moves over HTTP with their timeline and audit, a stale form refused with a clear
message, and the totals for one organisation and for all."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.social_value.models import Commitment, Measure, OfferEvent, OfferState
from portal.time import utcnow
from tests.conftest import count_queries, post_form
from tests.social_value.conftest import (
    accepted_offer,
    add_offer,
    audits,
    count_of,
    error_summary,
    html_of,
    make_move,
    measure_id,
    offer_of,
    outcome_id,
    text_of,
)
from tests.voluntary.conftest import client_for

S = OfferState


def officer_move(client, offer_id: int, name: str, message: str = "", revision: int | None = None):
    if revision is None:
        revision = offer_of(client.application, offer_id).revision
    return post_form(
        client,
        f"/officer/offers/{offer_id}/{name}",
        {"revision": str(revision), "message": message},
        page=f"/officer/offers/{offer_id}",
    )


def queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a class="govuk-link" href="/officer/offers/(\d+)">', html)]


@pytest.fixture
def queued(app, member, rival_client):
    """Offers of two organisations in every state, queued at known times (days ago)."""
    ours, theirs = (
        (member.organisation_id, member.id),
        (rival_client.user.organisation_id, rival_client.user.id),
    )
    now = utcnow()
    plan = [
        ("a", ours, S.RESUBMITTED, 10, {"theme": "social"}),
        (
            "b",
            theirs,
            S.SUBMITTED,
            8,
            {"theme": "economic", "outcomes": (1,), "measure": "local_supplier_spend"},
        ),
        ("c", ours, S.UNDER_REVIEW, 12, {"theme": "social", "outcomes": (2, 5)}),
        ("d", theirs, S.SUBMITTED, 1, {"theme": "social", "outcomes": (5,)}),
        ("e", ours, S.CLARIFICATION, 20, {}),
        ("f", theirs, S.ACCEPTED, 30, {}),
        ("g", ours, S.DECLINED, 25, {}),
        ("h", theirs, S.WITHDRAWN, 5, {}),
        ("i", ours, S.DRAFT, 0, {}),
    ]
    with app.app_context():
        return {
            key: add_offer(*who, state=state, queued_at=now - timedelta(days=days), **columns)
            for key, who, state, days, columns in plan
        }


def test_the_queue_shows_offers_awaiting_officers_oldest_first(app, officer_client, queued):
    html = html_of(officer_client, "/officer/offers")
    assert queue_ids(html) == [queued["c"], queued["a"], queued["b"], queued["d"]]
    page = text_of(html)
    assert "Social value offers to review" in page
    assert "Under review" in page and "Answered and resubmitted" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"theme": "economic"}, ["b"]),
        ({"theme": "social"}, ["c", "a", "d"]),
        ({"state": "accepted"}, ["f"]),
        ({"state": "clarification_requested"}, ["e"]),
        ({"state": "withdrawn"}, ["h"]),
        ({"organisation": "northwich"}, ["b", "d"]),
        ({"organisation": "WINSFORD wid"}, ["c", "a"]),
        ({"organisation": "%"}, []),
        ({"organisation": "_"}, []),
        ({"theme": "social", "organisation": "northwich"}, ["d"]),
    ],
)
def test_the_queue_filters_by_theme_state_and_organisation(app, officer_client, queued, query, expected):
    response = officer_client.get("/officer/offers", query_string=query)
    assert queue_ids(response.get_data(as_text=True)) == [queued[key] for key in expected]


def test_the_queue_filters_by_outcome(app, officer_client, queued):
    with app.app_context():
        fifth = outcome_id("social", 5)
        economic_first = outcome_id("economic", 1)
    html = officer_client.get("/officer/offers", query_string={"outcome": str(fifth)}).get_data(as_text=True)
    assert queue_ids(html) == [queued["c"], queued["d"]]
    html = officer_client.get("/officer/offers", query_string={"outcome": str(economic_first)}).get_data(
        as_text=True
    )
    assert queue_ids(html) == [queued["b"]]


@pytest.mark.parametrize(
    "query", [{"state": "draft"}, {"theme": "cultural"}, {"outcome": "99999"}, {"after": "junk|x"}]
)
def test_a_filter_that_is_not_offered_never_shows_a_draft_or_fails(app, officer_client, queued, query):
    response = officer_client.get("/officer/offers", query_string=query)
    assert response.status_code == 200
    assert queued["i"] not in queue_ids(response.get_data(as_text=True))


def test_a_refused_filter_is_shown_and_ignored_and_the_others_still_apply(app, officer_client, queued):
    html = html_of(officer_client, "/officer/offers?theme=cultural&organisation=northwich")
    assert "Not a valid choice" in error_summary(html)
    assert "<title>Error: " in html
    assert queue_ids(html) == [queued["b"], queued["d"]]


def test_the_queue_filters_by_theme(app, officer_client, queued):
    assert queue_ids(html_of(officer_client, "/officer/offers?theme=economic")) == [queued["b"]]


def test_the_queue_pages_by_keyset_oldest_first(app, officer_client, member):
    now = utcnow()
    with app.app_context():
        ids = [
            add_offer(
                member.organisation_id, member.id, state=S.SUBMITTED, queued_at=now - timedelta(hours=60 - n)
            )
            for n in range(30)
        ]
    first = officer_client.get("/officer/offers").get_data(as_text=True)
    assert queue_ids(first) == ids[:25]
    following = re.search(r'href="(/officer/offers\?after=[^"]+)" rel="next"', first).group(1)
    second = officer_client.get(unescape(following)).get_data(as_text=True)
    assert queue_ids(second) == ids[25:]
    assert 'rel="next"' not in second


@pytest.mark.parametrize("rows", [1, 30])
def test_the_queue_runs_the_same_statements_whatever_its_length(app, officer_client, member, rows):
    with app.app_context():
        for n in range(rows):
            offer_id = add_offer(member.organisation_id, member.id, state=S.SUBMITTED, outcomes=(1, 2))
            if n % 2:
                make_move(offer_id, "pick_up", officer_client.officer.id)  # with a reviewer
    officer_client.get("/officer/offers")
    with count_queries(app) as statements:
        response = officer_client.get("/officer/offers")
    assert response.status_code == 200
    assert len(queue_ids(response.get_data(as_text=True))) == min(rows, 25)
    # The officer, and the page with what its rows show (the matrix's names for the filters were
    # read by the first request, and are kept a minute).
    assert len(statements) == 2, statements


def test_the_unfiltered_queue_reads_the_index_of_offers_awaiting_officers(app, officer_client, member):
    """The queue's condition says what the partial index says, so both databases can read the
    index in order rather than step over every draft and decided offer. The planners are given
    statistics, as the daily job gives them (and PostgreSQL is told not to scan the table, which
    so few rows would make cheaper)."""
    with app.app_context():
        for n in range(60):
            add_offer(member.organisation_id, member.id, state=[S.DRAFT, S.SUBMITTED, S.ACCEPTED][n % 3])
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    executed: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM social_value_offers JOIN organisations" in statement:
            executed.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert officer_client.get("/officer/offers").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    [(statement, parameters)] = executed
    with app.app_context():
        cursor = db.session.connection().connection.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {statement}", parameters)
        plan = " ".join(str(row) for row in cursor.fetchall())
        db.session.rollback()
    assert "ix_social_value_offers_awaiting" in plan, plan


# --- an offer's moves over HTTP ---------------------------------------------------------------------


@pytest.fixture
def submitted(app, member):
    with app.app_context():
        return add_offer(member.organisation_id, member.id, state=S.SUBMITTED)


def test_an_officer_reviews_asks_and_decides_and_the_timeline_shows_each_move(
    app, client, member, officer_client, submitted
):
    page = text_of(html_of(officer_client, f"/officer/offers/{submitted}"))
    assert "Submitted" in page and "Review it" in page and "Accept it" not in page
    officer_move(officer_client, submitted, "pick_up")
    page = text_of(html_of(officer_client, f"/officer/offers/{submitted}"))
    assert "Reviewer: Rita Reviewer" in page
    assert all(label in page for label in ("Ask a question", "Accept it", "Decline it"))
    officer_move(officer_client, submitted, "ask", "Which youth club?")
    assert offer_of(app, submitted).state == S.CLARIFICATION
    timeline = text_of(html_of(client, f"/social-value/offers/{submitted}"))
    assert "Question asked by the procurement unit Which youth club?" in timeline
    assert "Rita Reviewer" not in timeline  # the supplier sees the unit, not the officer
    with app.app_context():
        make_move(submitted, "resubmit", member.id, "Winsford Youth Club.")
    officer_move(officer_client, submitted, "pick_up")
    response = officer_move(officer_client, submitted, "accept", "Thank you: a fine offer.")
    assert "Done: the offer is accepted." in text_of(
        officer_client.get(response.headers["Location"]).get_data(as_text=True)
    )
    page = text_of(html_of(officer_client, f"/officer/offers/{submitted}"))
    for expected in (
        "Draft started",
        "Under review by the procurement unit",
        "Answered and resubmitted by Mo Member Winsford Youth Club.",
        "Accepted by the procurement unit Thank you: a fine offer.",
        "Commitment On track",
    ):
        assert expected in page, expected
    assert "Review it" not in page and "Decline it" not in page
    assert [a.action for a in audits(app, "offer.")] == [
        "offer.pick_up",
        "offer.ask",
        "offer.resubmit",
        "offer.pick_up",
        "offer.accept",
    ]
    with app.app_context():
        assert db.session.scalar(sa.select(Commitment.offer_id)) == submitted


def test_declining_needs_a_reason(app, officer_client, submitted):
    officer_move(officer_client, submitted, "pick_up")
    for reason in ("", "   "):
        response = officer_move(officer_client, submitted, "decline", reason)
        assert response.status_code == 200  # the page again, not a redirect
        html = response.get_data(as_text=True)
        summary = html[
            html.index("govuk-error-summary") : html.index("</ul>", html.index("govuk-error-summary"))
        ]
        assert 'href="#message-decline"' in summary and "Enter the reason for declining" in summary
        assert re.search(r'<p id="message-decline-error" class="govuk-error-message">', html)
        assert text_of(html).startswith("Error: ") or "<title>Error: " in html
        assert offer_of(app, submitted).state == S.UNDER_REVIEW
    officer_move(officer_client, submitted, "decline", "It repeats an offer you made last year.")
    offer = offer_of(app, submitted)
    assert offer.state == S.DECLINED and offer.decided_at is not None
    assert count_of(app, Commitment) == 0


def test_a_refused_message_is_shown_again_as_typed_at_its_own_field(app, officer_client, submitted):
    officer_move(officer_client, submitted, "pick_up")
    typed = "Ring \x07 me about the apprentices, please & thank you"
    response = officer_move(officer_client, submitted, "ask", typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#message-ask"' in html
    # What was typed stays in the question's box; the other moves' boxes stay empty.
    asked = re.search(r'<textarea[^>]*id="message-ask"[^>]*>(.*?)</textarea>', html, re.S)
    assert "about the apprentices, please &amp; thank you" in asked.group(1)
    for other in ("accept", "decline"):
        box = re.search(rf'<textarea[^>]*id="message-{other}"[^>]*>(.*?)</textarea>', html, re.S)
        assert box.group(1).strip() == "", other
    assert 'aria-describedby="message-ask-error"' in html or "message-ask-error" in html
    assert offer_of(app, submitted).state == S.UNDER_REVIEW


def test_a_stale_form_is_refused_when_another_officer_decided_meanwhile(
    app, client, officer_client, submitted
):
    with app.app_context():
        from tests.factories import make_staff

        second = make_staff("second@example.com", name="Sid Second")
    other = client_for(app, second.email)
    officer_move(officer_client, submitted, "pick_up")
    stale = offer_of(app, submitted).revision  # both officers have the page open
    officer_move(officer_client, submitted, "accept", "", revision=stale)
    response = officer_move(other, submitted, "decline", "Not for us.", revision=stale)
    page = text_of(other.get(response.headers["Location"]).get_data(as_text=True))
    assert "This offer has changed since you opened the page: see where it is now." in page
    assert "Accepted" in page
    offer = offer_of(app, submitted)
    assert offer.state == S.ACCEPTED
    with app.app_context():
        actions = db.session.scalars(
            sa.select(OfferEvent.action).where(OfferEvent.offer_id == submitted)
        ).all()
    assert actions == ["pick_up", "accept"]
    # Decided: the supplier is offered no withdrawal any more.
    assert "Withdraw the offer" not in html_of(client, f"/social-value/offers/{submitted}")


def test_a_supplier_may_withdraw_until_a_decision(app, client, member, officer_client, submitted):
    page = text_of(html_of(client, f"/social-value/offers/{submitted}"))
    assert "Withdraw the offer" in page
    officer_move(officer_client, submitted, "pick_up")
    revision = offer_of(app, submitted).revision
    response = post_form(
        client,
        f"/social-value/offers/{submitted}/withdraw",
        {"revision": str(revision), "message": "We lost the contract."},
        page=f"/social-value/offers/{submitted}",
    )
    assert "Your offer has been withdrawn." in text_of(
        client.get(response.headers["Location"]).get_data(as_text=True)
    )
    assert offer_of(app, submitted).state == S.WITHDRAWN
    assert "Withdrawn by the procurement unit" not in html_of(officer_client, f"/officer/offers/{submitted}")
    assert "Withdrawn by Mo Member" in text_of(html_of(officer_client, f"/officer/offers/{submitted}"))
    # Nothing is left to do on it.
    response = officer_move(officer_client, submitted, "accept")
    assert "This offer has changed since you opened the page" in text_of(
        officer_client.get(response.headers["Location"]).get_data(as_text=True)
    )


def test_the_officer_page_links_the_offers_audit_log(app, officer_client, submitted):
    officer_move(officer_client, submitted, "pick_up")
    page = html_of(officer_client, f"/officer/offers/{submitted}")
    link = re.search(r'href="([^"]+)">Audit log for this offer', page).group(1)
    assert "offer.pick_up" in html_of(officer_client, unescape(link))


# --- totals ---------------------------------------------------------------------------------------


@pytest.fixture
def counted(app, member, rival_client, officer_client):
    """Offers in every state for two organisations, one commitment partly delivered."""
    ours, theirs = (
        (member.organisation_id, member.id),
        (rival_client.user.organisation_id, rival_client.user.id),
    )
    officer = officer_client.officer.id
    with app.app_context():
        for who, state, quantity in (
            (ours, S.DRAFT, "1000"),
            (ours, S.SUBMITTED, "10"),
            (ours, S.CLARIFICATION, "5"),
            (ours, S.WITHDRAWN, "1000"),
            (ours, S.DECLINED, "1000"),
            (theirs, S.UNDER_REVIEW, "7.5"),
        ):
            add_offer(*who, state=state, quantity=quantity)
        delivered = accepted_offer(*ours, officer, quantity="40")
        commitment = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == delivered))
        commitment.delivered_quantity = Decimal("12.5")
        accepted_offer(
            *theirs,
            officer,
            theme="economic",
            outcomes=(1,),
            indicator=1,
            measure="local_supplier_spend",
            quantity="250000",
        )
        db.session.commit()


def totals_rows(html: str) -> list[list[str]]:
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S).group(1)
    return [
        [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


HOURS = "Staff time volunteered with community organisations and projects in Cheshire (hours)"
SPEND = "Spend with suppliers based in Cheshire (GBP)"


def test_officers_see_offered_accepted_and_delivered_per_measure_by_theme(app, officer_client, counted):
    rows = totals_rows(html_of(officer_client, "/officer/social-value/totals"))
    assert rows == [
        ["Economic", SPEND, "250000", "250000", "0"],
        ["Social", HOURS, "62.5", "40", "12.5"],
    ]


def test_an_organisation_sees_its_own_totals(app, client, counted, rival_client):
    assert totals_rows(html_of(client, "/social-value/totals")) == [["Social", HOURS, "55", "40", "12.5"]]
    assert totals_rows(html_of(rival_client, "/social-value/totals")) == [
        ["Economic", SPEND, "250000", "250000", "0"],
        ["Social", HOURS, "7.5", "0", "0"],
    ]


def test_totals_add_pounds_where_a_proxy_value_is_set(app, officer_client, counted):
    with app.app_context():
        measure = db.session.get(Measure, measure_id("volunteering_hours"))
        measure.proxy_gbp, measure.proxy_source, measure.proxy_dated = (
            Decimal("20.50"),
            "A study",
            date(2025, 4, 1),
        )
        db.session.commit()
    rows = totals_rows(html_of(officer_client, "/officer/social-value/totals"))
    assert rows[1] == ["Social", HOURS, "62.5 £1,281", "40 £820", "12.5 £256"]
    assert rows[0] == ["Economic", SPEND, "250000", "250000", "0"]  # no proxy: no pounds


def test_totals_with_nothing_offered_say_so(client, member):
    assert "No offers have been submitted yet." in html_of(client, "/social-value/totals")
