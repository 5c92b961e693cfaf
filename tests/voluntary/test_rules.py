"""The directory's and the needs board's rules: UK phone numbers and tel: links, the moves a need
makes, who may post and manage a need, the daily job that closes ended needs, the seed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import DAILY_TASKS, run_daily
from portal.organisations.models import Classification, ClassificationDecision
from portal.organisations.rules import LegalForm
from portal.postcodes.lookup import FORCE_AREA_AUTHORITIES
from portal.time import utcnow
from portal.voluntary import services
from portal.voluntary.models import AREAS, DirectoryEntry, Need, NeedState
from portal.voluntary.services import tel_link, uk_phone
from portal.voluntary.workflow import NEEDS, OPEN_STATES
from portal.workflow import Refused, transition
from tests.factories import make_organisation, make_staff, make_supplier
from tests.hostile import HOSTILE_VALUES
from tests.voluntary.conftest import (
    CHARITY_NUMBER,
    SEEDED,
    ST_HELENS,
    STRATEGY,
    add_entry,
    add_need,
    audits,
    in_days,
    vcse_organisation,
)

# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "national"),
    [
        ("01244 401272", "01244401272"),
        ("01244 401 272", "01244401272"),
        ("01244401272", "01244401272"),
        ("  01244 401272  ", "01244401272"),
        ("01244-401-272", "01244401272"),
        ("(01244) 401272", "01244401272"),
        ("+44 1244 401272", "01244401272"),
        ("+441244401272", "01244401272"),
        ("0044 1244 401272", "01244401272"),
        ("+44 (0)1244 401272", "01244401272"),  # the international form with the trunk 0 kept
        ("07700 900123", "07700900123"),
        ("0800 123 4567", "08001234567"),
        ("0800 123456", "0800123456"),  # some freephone numbers have 10 digits
        ("020 7946 0000", "02079460000"),
    ],
)
def test_uk_phone_reads_the_usual_ways_of_writing_a_uk_number(written, national):
    assert uk_phone(written) == national


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        "12345",
        "01244",
        "012444012721",  # 12 digits
        "01244 40127a",
        "+1 212 555 0100",  # not a UK number
        "+33 1 23 45 67 89",
        "44 1244 401272",  # no + or 00
        "01244 401272 ext 3",
        "01244.401272",
        "00000000000",  # no UK number starts 00 once the 0 is taken off
        "\u0660\u0661\u0662\u0664\u0664 \u0664\u0660\u0661\u0662\u0667\u0662",  # Arabic-Indic digits
        *HOSTILE_VALUES.values(),
    ],
)
def test_uk_phone_refuses_anything_else(written):
    assert uk_phone(written) is None


def test_tel_link_is_the_international_form_or_nothing():
    assert tel_link("01244 401 272") == "+441244401272"
    assert tel_link("+44 1744 457100") == "+441744457100"
    assert tel_link("(01928) 592-405") == "+441928592405"
    assert tel_link("not a number") == ""
    assert tel_link("") == ""
    assert tel_link(None) == ""


# --- areas and moves -------------------------------------------------------------------------


def test_the_areas_are_the_force_areas_four_authorities_and_st_helens():
    assert {code: AREAS[code] for code in FORCE_AREA_AUTHORITIES} == FORCE_AREA_AUTHORITIES
    assert set(AREAS) - set(FORCE_AREA_AUTHORITIES) == {ST_HELENS}
    assert AREAS[ST_HELENS] == "St Helens"


def test_the_moves_a_need_makes():
    table = {name: (set(m.sources), m.target, set(m.by), m.note) for name, m in NEEDS.moves.items()}
    assert table == {
        "approve": ({NeedState.PENDING}, NeedState.PUBLISHED, {"officer"}, None),
        "decline": ({NeedState.PENDING}, NeedState.DECLINED, {"officer"}, "required"),
        "change": (
            {NeedState.PENDING, NeedState.PUBLISHED},
            NeedState.PENDING,
            {"supplier", "officer"},
            None,
        ),
        "met": ({NeedState.PUBLISHED}, NeedState.MET, {"supplier", "officer"}, None),
        "close": (
            {NeedState.PENDING, NeedState.PUBLISHED},
            NeedState.CLOSED,
            {"supplier", "officer", "system"},
            None,
        ),
    }
    assert {NeedState.PENDING, NeedState.PUBLISHED} == OPEN_STATES


KINDS = ["officer", "supplier", "system"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(NEEDS.moves))
@pytest.mark.parametrize("state", list(NeedState))
def test_each_move_is_allowed_only_from_its_states_and_to_whoever_may_make_it(
    app, transaction, name, state, kind
):
    """Every state x move x kind of actor: made, or refused with the page's message, nothing changed."""
    move = NEEDS.moves[name]
    with app.app_context():
        officer = make_staff()
        actors = {"officer": officer, "supplier": make_supplier(), "system": None}
        need_id = add_need(officer.id, state=state)
        need = db.session.get(Need, need_id)
        actor = actors[kind] and db.session.get(type(officer), actors[kind].id)
        note = "Not for this board" if move.note == "required" else ""
        if state in move.sources and kind in move.by:
            transition(need, name, actor=actor, note=note)
            db.session.commit()
            assert db.session.get(Need, need_id).state == move.target
            assert [record.action for record in audits(app, "needs", need_id)] == [
                move.audited_as or f"need.{move.target.value}"
            ]
            return
        expected = (
            f"This need is {state.value}: it cannot be {move.target.value} now"
            if kind in move.by
            else "Only the procurement unit can do that"
            if move.by == {"officer"}
            else "Only the supplier or the procurement unit can do that"
        )
        with pytest.raises(Refused, match=expected):
            transition(need, name, actor=actor, note=note)
        db.session.rollback()
        assert db.session.get(Need, need_id).state == state
        assert audits(app, "needs", need_id) == []


def test_declining_needs_its_reason_said_at_the_field(app, transaction):
    with app.app_context():
        officer = make_staff()
        need = db.session.get(Need, add_need(officer.id, state=NeedState.PENDING))
        with pytest.raises(Refused, match="Say why the need is declined") as refused:
            transition(need, "decline", actor=officer, note="  ")
        assert refused.value.field == "note"


def test_a_move_from_a_stale_page_is_refused(app, transaction):
    with app.app_context():
        officer = make_staff()
        need = db.session.get(Need, add_need(officer.id, state=NeedState.PENDING))
        with pytest.raises(Refused, match="This need has changed since you opened the page"):
            transition(need, "approve", actor=officer, revision=need.revision - 1)
        assert need.state == NeedState.PENDING


def test_approving_and_declining_record_who_and_when_and_closing_records_when(app, transaction):
    with app.app_context():
        officer = make_staff()
        actor = db.session.get(type(officer), officer.id)
        declined = db.session.get(Need, add_need(officer.id, state=NeedState.PENDING))
        services.move(declined, "decline", actor=actor, reason="Please say which project")
        closed = db.session.get(Need, add_need(officer.id, state=NeedState.PUBLISHED))
        services.move(closed, "met", actor=actor)
        db.session.commit()
        assert declined.decided_by_id == officer.id and declined.decided_at is not None
        assert declined.decline_reason == "Please say which project"
        assert closed.closed_at is not None and closed.decided_by_id is None


# --- who may post, who may manage ----------------------------------------------------------


def test_who_may_post_a_need(app, transaction):
    with app.app_context():
        charity = vcse_organisation("A Charity", charity_number=CHARITY_NUMBER)
        declared = vcse_organisation(
            "A Social Enterprise Ltd", legal_form=LegalForm.PRIVATE_LIMITED, vcse_declared=True
        )
        company = vcse_organisation(
            "A Company Ltd", legal_form=LegalForm.PRIVATE_LIMITED, vcse_declared=False
        )
        unregistered = vcse_organisation("Unfinished Charity", registered=False)
        no_form = vcse_organisation("No Form Yet", legal_form=None)
        users = {
            org.name: make_supplier(organisation=org)
            for org in (charity, declared, company, unregistered, no_form)
        }

        def poster(name):
            return services.poster_for(db.session.get(type(users[name]), users[name].id))

        assert poster("A Charity") == (db.session.get(type(charity), charity.id), None)
        assert poster("A Social Enterprise Ltd")[0].id == declared.id
        assert poster("A Company Ltd") is None
        assert poster("Unfinished Charity") is None
        assert poster("No Form Yet") is None

        # A company linked to a directory body acts for it, though it is not a VCSE itself...
        linked = add_entry("Linked Body", [ST_HELENS], organisation_id=company.id)
        organisation, entry = poster("A Company Ltd")
        assert (organisation.id, entry.id) == (company.id, linked)
        # ... until the body is retired.
        db.session.get(DirectoryEntry, linked).retired_at = utcnow()
        db.session.commit()
        assert poster("A Company Ltd") is None


def test_an_officers_decision_that_an_organisation_is_not_a_vcse_stops_it_posting(app, transaction):
    with app.app_context():
        charity = vcse_organisation(charity_number=CHARITY_NUMBER)
        user = make_supplier(organisation=charity)
        officer = make_staff()
        assert services.is_vcse(charity)
        db.session.add(
            ClassificationDecision(
                organisation_id=charity.id,
                classification=Classification.VCSE,
                computed_value="True",
                decided_value=False,
                note="A trading arm, not the charity",
                officer_id=officer.id,
            )
        )
        db.session.commit()
        db.session.expire_all()
        assert not services.is_vcse(db.session.get(type(charity), charity.id))
        assert services.poster_for(db.session.get(type(user), user.id)) is None
        assert services.vcse_organisation_by_number(CHARITY_NUMBER) is None


def test_a_vcse_organisation_is_found_by_its_charity_or_companies_house_number(app, transaction):
    with app.app_context():
        charity = vcse_organisation("A Charity", charity_number=CHARITY_NUMBER)
        cic = vcse_organisation("A CIC", legal_form=LegalForm.CIC, companies_house_number="SC123456")
        vcse_organisation(
            "A Company", legal_form=LegalForm.PRIVATE_LIMITED, companies_house_number="01234567"
        )
        vcse_organisation("Unregistered", charity_number="7654321", registered=False)
        assert services.vcse_organisation_by_number(" 112 3456 ").id == charity.id
        assert services.vcse_organisation_by_number("sc123456").id == cic.id
        assert services.vcse_organisation_by_number("01234567") is None  # not a VCSE
        assert services.vcse_organisation_by_number("7654321") is None  # not registered
        assert services.vcse_organisation_by_number("9999999") is None
        assert services.vcse_organisation_by_number("   ") is None


def test_who_may_manage_a_need(app, transaction):
    with app.app_context():
        mine = vcse_organisation("Mine", charity_number=CHARITY_NUMBER)
        theirs = vcse_organisation("Theirs", charity_number="2222222")
        acting = make_organisation("Acting For The Body")
        me, them, actor = (make_supplier(organisation=org) for org in (mine, theirs, acting))
        officer = make_staff()
        body = add_entry("A Body", [ST_HELENS], organisation_id=acting.id)
        my_need = db.session.get(Need, add_need(me.id, organisation_id=mine.id))
        body_need = db.session.get(Need, add_need(officer.id, entry_id=body))

        def can(user, need):
            return services.can_manage(need, db.session.get(type(user), user.id))

        assert can(me, my_need) and not can(them, my_need) and not can(actor, my_need)
        assert can(officer, my_need) and can(officer, body_need)
        assert can(actor, body_need) and not can(me, body_need)


# --- the daily job ---------------------------------------------------------------------------


def test_needs_past_their_end_date_close_in_the_daily_job(app, transaction):
    assert DAILY_TASKS["voluntary.close_ended_needs"] is services.close_ended_needs
    with app.app_context():
        officer = make_staff()
        ends = {
            "ended pending": (NeedState.PENDING, -1),
            "ended published": (NeedState.PUBLISHED, -1),
            "ends today": (NeedState.PUBLISHED, 0),
            "ended met": (NeedState.MET, -1),
            "ended declined": (NeedState.DECLINED, -1),
        }
        ids = {
            title: add_need(
                officer.id, title=title, state=state, starts_on=in_days(-10), ends_on=in_days(offset)
            )
            for title, (state, offset) in ends.items()
        }
        now = utcnow()
        assert run_daily(now)["voluntary.close_ended_needs"] == "done"
        db.session.expire_all()
        states = {title: db.session.get(Need, need_id).state for title, need_id in ids.items()}
        assert states == {
            "ended pending": NeedState.CLOSED,
            "ended published": NeedState.CLOSED,
            "ends today": NeedState.PUBLISHED,
            "ended met": NeedState.MET,
            "ended declined": NeedState.DECLINED,
        }
        assert db.session.get(Need, ids["ended published"]).closed_at is not None
        # Run again the same day: nothing more.
        assert run_daily(now)["voluntary.close_ended_needs"] == "already ran today"
        # Tomorrow, the need that ended today closes too.
        assert services.close_ended_needs(now + timedelta(days=1)) == 1
        db.session.commit()
        assert db.session.get(Need, ids["ends today"]).state == NeedState.CLOSED
    for title in ("ended pending", "ended published", "ends today"):
        [record] = audits(app, "needs", ids[title])
        assert record.action == "need.closed"
        assert record.actor_id is None and record.actor_kind == "system"
        assert record.details == {"reason": "end date passed"}
    assert audits(app, "needs", ids["ended met"]) == []


# --- the seed --------------------------------------------------------------------------------


def test_the_seed_holds_the_four_bodies_of_appendix_a(app, transaction):
    with app.app_context():
        seeded = db.session.scalars(sa.select(DirectoryEntry).order_by(DirectoryEntry.name)).all()
        assert {entry.name: entry.areas for entry in seeded} == SEEDED
        for entry in seeded:
            assert entry.source == STRATEGY
            assert entry.checked_on is None and entry.checked_by_id is None
            assert entry.retired_at is None and entry.organisation_id is None
            assert entry.website.startswith("https://")
            assert entry.email and "@" in entry.email
            assert entry.phones and all(uk_phone(phone) for phone in entry.phones)
            assert entry.brokers
        halton = next(entry for entry in seeded if entry.name.startswith("Halton"))
        assert halton.phones == ["01744 457100", "01928 592 405"]


def test_seeding_again_adds_nothing_and_keeps_officers_changes(app, runner):
    with app.app_context():
        cvs = db.session.scalar(sa.select(DirectoryEntry).where(DirectoryEntry.name == "Cheshire East CVS"))
        cvs.retired_at = utcnow()
        cvs.phones = ["01270 000000"]
        db.session.commit()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "voluntary-sector directory: 0 added" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DirectoryEntry)) == 4
        cvs = db.session.scalar(sa.select(DirectoryEntry).where(DirectoryEntry.name == "Cheshire East CVS"))
        assert cvs.retired_at is not None and cvs.phones == ["01270 000000"]
        # A body removed altogether comes back on the next seed.
        db.session.delete(cvs)
        db.session.commit()
    result = runner.invoke(args=["seed"])
    assert "voluntary-sector directory: 1 added" in result.output
