"""The officers' pages: organisations by rating, highest first (filtered, paginated by keyset,
a fixed number of queries), one organisation's answers with its follow-ups, and the follow-up
form (audited, append-only). Suppliers cannot use them."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.append_only import AppendOnlyError
from portal.audit import AuditRecord
from portal.due_diligence.models import DueDiligenceAnswers, DueDiligenceFollowUp
from portal.due_diligence.queries import EPOCH, parse_cursor
from portal.extensions import db
from portal.time import utcnow
from tests.conftest import count_queries, post_form
from tests.due_diligence.conftest import HIGH, LOW, MEDIUM, answer, count, rated_organisation
from tests.factories import make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

LIST = "/officer/due-diligence"
ROW = re.compile(r'href="/officer/due-diligence/(\d+)"><bdi>([^<]+)</bdi></a>')


def detail(organisation_id: int) -> str:
    return f"{LIST}/{organisation_id}"


def listed(client, url: str = LIST) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [name for _id, name in ROW.findall(response.get_data(as_text=True))]


def rate(app, *rows: tuple[str, dict]) -> dict[str, int]:
    with app.app_context():
        return {name: rated_organisation(name, data).id for name, data in rows}


def set_answered_at(app, organisation_id: int, when) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(DueDiligenceAnswers)
            .where(DueDiligenceAnswers.organisation_id == organisation_id)
            .values(answered_at=when)
        )
        db.session.commit()


# --- access --------------------------------------------------------------------------------------


def test_suppliers_cannot_use_the_officer_pages(app, client):
    ids = rate(app, ("Rated Ltd", HIGH))
    with app.app_context():
        supplier = make_supplier("s@example.com")
    sign_in(client, supplier.email)
    assert client.get(LIST).status_code == 403
    assert client.get(detail(ids["Rated Ltd"])).status_code == 403
    assert post_form(client, detail(ids["Rated Ltd"]), {"note": "x"}, page="/account").status_code == 403
    assert count(app, DueDiligenceFollowUp) == 0


def test_visitors_are_sent_to_sign_in(client):
    assert client.get(LIST).headers["Location"].startswith("/login")


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_the_highest_rating_first_then_the_latest_answered(app, client, officer):
    ids = rate(app, ("Low Ltd", LOW), ("Old High Ltd", HIGH), ("Medium Ltd", MEDIUM), ("New High Ltd", HIGH))
    now = utcnow()
    set_answered_at(app, ids["Old High Ltd"], now - timedelta(days=3))
    set_answered_at(app, ids["New High Ltd"], now - timedelta(days=1))
    assert listed(client) == ["New High Ltd", "Old High Ltd", "Medium Ltd", "Low Ltd"]
    html = client.get(LIST).get_data(as_text=True)
    assert html.count("govuk-tag--red") == 2 and "govuk-tag--yellow" in html and "govuk-tag--green" in html


def test_the_list_counts_each_organisations_follow_ups(app, client, officer):
    ids = rate(app, ("Followed Ltd", HIGH), ("Waiting Ltd", HIGH))
    for note in ("Called them.", "Emailed them."):
        post_form(client, detail(ids["Followed Ltd"]), {"note": note})
    html = client.get(LIST).get_data(as_text=True)
    cells = dict(re.findall(r'"><bdi>([^<]+)</bdi></a></td>(.*?)</tr>', html, re.S))
    assert cells["Followed Ltd"].rstrip().endswith('numeric">2</td>')
    assert cells["Waiting Ltd"].rstrip().endswith('numeric">None</td>')


@pytest.mark.parametrize(
    ("rating", "names"), [("high", ["High Ltd"]), ("medium", ["Medium Ltd"]), ("low", ["Low Ltd"])]
)
def test_the_list_filters_by_rating(app, client, officer, rating, names):
    rate(app, ("Low Ltd", LOW), ("High Ltd", HIGH), ("Medium Ltd", MEDIUM))
    assert listed(client, f"{LIST}?rating={rating}") == names


def test_an_empty_list_says_so(client, officer):
    assert "No organisation has answered with this rating yet" in client.get(LIST).get_data(as_text=True)


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_filters_and_cursors_never_cause_a_server_error(app, client, officer, kind):
    rate(app, ("High Ltd", HIGH))
    value = quote(HOSTILE_VALUES[kind])
    for query in (f"rating={value}", f"before={value}", f"after={value}"):
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, query


@pytest.mark.parametrize(
    "cursor",
    ["3.99999999999999999.1", "4.1.1", "3.1", "3.-1.1", "9" * 40, "3.1.999999999999999999", "3.1.2147483648"],
)
def test_a_malformed_or_extreme_cursor_is_ignored_or_empty(app, client, officer, cursor):
    rate(app, ("High Ltd", HIGH))
    assert client.get(f"{LIST}?before={cursor}").status_code == 200
    assert client.get(f"{LIST}?after={cursor}").status_code == 200


def test_a_cursor_is_read_in_ascii_digits_only():
    assert parse_cursor("3.1000.7") == (3, EPOCH + timedelta(microseconds=1000), 7)
    assert parse_cursor("3.\u0661\u0660\u0660\u0660.7") is None
    assert parse_cursor("3.1000.7\n") is None


def test_the_list_pages_on_and_back_through_every_row_once(app, client, officer):
    rows = [(f"Org {n:02d}", (HIGH, MEDIUM, LOW)[n % 3]) for n in range(30)]
    ids = rate(app, *rows)
    same_time = utcnow() - timedelta(hours=1)
    for name, organisation_id in ids.items():  # ties on the time: the id decides
        set_answered_at(app, organisation_id, same_time if int(name[-2:]) < 10 else utcnow())
    first = client.get(LIST).get_data(as_text=True)
    page_one = [name for _i, name in ROW.findall(first)]
    assert len(page_one) == 25
    next_link = re.search(r'href="(/officer/due-diligence\?before=[^"]+)" rel="next"', first).group(1)
    assert 'rel="prev"' not in first
    second = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    page_two = [name for _i, name in ROW.findall(second)]
    assert len(page_two) == 5 and 'rel="next"' not in second
    assert sorted(page_one + page_two) == sorted(ids)
    ranks = {"high": 3, "medium": 2, "low": 1}
    order = [ranks[("high", "medium", "low")[int(name[-2:]) % 3]] for name in page_one + page_two]
    assert order == sorted(order, reverse=True)
    previous_link = re.search(r'href="(/officer/due-diligence\?after=[^"]+)" rel="prev"', second).group(1)
    back = client.get(previous_link.replace("&amp;", "&")).get_data(as_text=True)
    assert [name for _i, name in ROW.findall(back)] == page_one


def test_paging_keeps_the_filter(app, client, officer):
    rate(app, *[(f"High {n:02d}", HIGH) for n in range(26)], ("Low Ltd", LOW))
    first = client.get(f"{LIST}?rating=high").get_data(as_text=True)
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "rating=high" in next_link
    assert listed(client, next_link) == ["High 00"]


def test_the_list_runs_the_same_queries_for_1_25_and_100_rows(app, client, officer):
    counts = []
    made = 0
    for rows in (1, 25, 100):
        rate(app, *[(f"Org {n}", (HIGH, MEDIUM, LOW)[n % 3]) for n in range(made, rows)])
        made = rows
        for url in (LIST, f"{LIST}?rating=medium"):
            with count_queries(app) as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 2, counts  # the signed-in user, then one query for the page


# --- one organisation --------------------------------------------------------------------------


def test_the_detail_shows_answers_reasons_and_profile_facts(app, client, officer):
    ids = rate(app, ("Threads Ltd", HIGH))
    html = client.get(detail(ids["Threads Ltd"])).get_data(as_text=True)
    assert '<h1 class="govuk-heading-l"><bdi>Threads Ltd</bdi></h1>' in html
    assert "govuk-tag--red" in html and "5 points" in html
    assert "Works in a sector with a higher risk of modern slavery" in html
    assert "Textiles, clothing or uniforms" in html and "Bangladesh" in html
    assert "Profile facts used" in html and "no current SEDEX accreditation" in html
    assert "None recorded yet." in html
    assert f'href="/officer/organisations/{ids["Threads Ltd"]}"' in html


def test_an_organisation_without_answers_is_not_found(app, client, officer):
    with app.app_context():
        supplier = make_supplier()
    assert client.get(detail(supplier.organisation_id)).status_code == 404
    assert client.get(detail(999999)).status_code == 404


def test_an_officer_records_a_follow_up_which_is_audited(app, client, officer):
    ids = rate(app, ("Threads Ltd", HIGH))
    note = "Asked for the SMETA report on the Dhaka factory.\nThey will send it by Friday."
    response = post_form(client, detail(ids["Threads Ltd"]), {"note": note})
    assert response.headers["Location"] == detail(ids["Threads Ltd"])
    html = client.get(detail(ids["Threads Ltd"])).get_data(as_text=True)
    assert "Follow-up recorded." in html
    assert "Asked for the SMETA report on the Dhaka factory." in html
    assert "Olive Officer" in html and "rating then high" in html
    with app.app_context():
        follow_up = db.session.scalar(sa.select(DueDiligenceFollowUp))
        assert (follow_up.note, follow_up.officer_id, follow_up.rating.value) == (note, officer.id, "high")
        record = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "due_diligence.follow_up")
        )
        assert record.record_id == str(ids["Threads Ltd"]) and record.actor_id == officer.id
        assert record.actor_kind == "officer" and record.details["follow_up_id"] == follow_up.id


def test_follow_ups_are_listed_newest_first(app, client, officer):
    ids = rate(app, ("Threads Ltd", HIGH))
    for note in ("First call", "Second call"):
        post_form(client, detail(ids["Threads Ltd"]), {"note": note})
    html = client.get(detail(ids["Threads Ltd"])).get_data(as_text=True)
    assert html.index("Second call") < html.index("First call")


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "Enter what you did or asked for"),
        ("   ", "Enter what you did or asked for"),
        ("x" * 2001, "Follow-up must be 2000 characters or fewer"),
        ("bell\x07", "Follow-up must not contain special characters"),
    ],
)
def test_a_bad_follow_up_is_explained_kept_and_not_stored(app, client, officer, note, message):
    ids = rate(app, ("Threads Ltd", HIGH))
    response = post_form(client, detail(ids["Threads Ltd"]), {"note": note})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Threads Ltd" in html
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#note"' in summary and message in summary
    assert 'id="note-error"' in html
    if note.strip() and len(note) < 3000:
        assert note.replace("\x07", "&#7;")[:50] in html or note[:50] in html
    assert count(app, DueDiligenceFollowUp) == 0


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_follow_ups_never_cause_a_server_error(app, client, officer, kind):
    ids = rate(app, ("Threads Ltd", HIGH))
    response = post_form(client, detail(ids["Threads Ltd"]), {"note": HOSTILE_VALUES[kind]})
    assert response.status_code in {200, 302}
    html = client.get(detail(ids["Threads Ltd"])).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    with app.app_context():
        for note in db.session.scalars(sa.select(DueDiligenceFollowUp.note)):
            assert "\x00" not in note and len(note) <= 2000


def test_follow_ups_cannot_be_changed_or_deleted(app, client, officer, database_kind):
    ids = rate(app, ("Threads Ltd", HIGH))
    post_form(client, detail(ids["Threads Ltd"]), {"note": "Called them."})
    with app.app_context():
        follow_up = db.session.scalar(sa.select(DueDiligenceFollowUp))
        follow_up.note = "Never called them."
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(AppendOnlyError):
            db.session.execute(sa.delete(DueDiligenceFollowUp))
        db.session.rollback()
        # Beneath the ORM, the database refuses too.
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.session.begin_nested():
            db.session.connection().exec_driver_sql("UPDATE due_diligence_follow_ups SET note = 'x'")
        db.session.rollback()
        assert db.session.scalar(sa.select(DueDiligenceFollowUp.note)) == "Called them."


def test_the_detail_runs_the_same_queries_with_1_or_40_follow_ups(app, client, officer):
    ids = rate(app, ("Threads Ltd", HIGH))
    counts = []
    for total in (1, 40):
        with app.app_context():
            while db.session.scalar(sa.select(sa.func.count()).select_from(DueDiligenceFollowUp)) < total:
                db.session.add(
                    DueDiligenceFollowUp(
                        organisation_id=ids["Threads Ltd"], officer_id=officer.id, rating="high", note="n"
                    )
                )
                db.session.flush()
            db.session.commit()
        with count_queries(app) as statements:
            assert client.get(detail(ids["Threads Ltd"])).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts


def test_only_the_latest_50_follow_ups_show_with_a_link_to_the_rest(app, client, officer):
    ids = rate(app, ("Threads Ltd", HIGH))
    with app.app_context():
        db.session.add_all(
            DueDiligenceFollowUp(
                organisation_id=ids["Threads Ltd"], officer_id=officer.id, rating="high", note=f"Note {n}"
            )
            for n in range(51)
        )
        db.session.commit()
    html = client.get(detail(ids["Threads Ltd"])).get_data(as_text=True)
    assert "Note 50" in html and "Note 1<" in html and "Note 0<" not in html
    assert "action=due_diligence.follow_up" in html


# --- from the supplier's answer to the officer --------------------------------------------------


def test_the_inbox_email_links_to_the_officers_page(app, client, registered):
    from portal.outbox.models import OutboxMessage

    answer(client, HIGH)
    with app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body_text).where(OutboxMessage.template == "due_diligence/rated_high")
        )
    path = re.search(r"http://portal\.test(/\S+)", body).group(1)
    assert path == detail(registered.organisation_id)
