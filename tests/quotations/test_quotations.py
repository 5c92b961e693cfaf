"""Quotation exercises: officers record the suppliers invited to quote; the portal suggests local
suppliers in the category, shows each invitee's status, and asks why no Cheshire supplier was
feasible when three or more are invited and none is local; the officers' share of exercises that
invited a local supplier; hostile input; suppliers kept out; a fixed number of statements."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.opportunities.models import Opportunity, Procedure
from portal.opportunities.services import Refused
from portal.organisations.models import Classification, ClassificationDecision, LocalStatus, Organisation
from portal.organisations.rules import LegalForm
from portal.quotations import rules as quotation_rules
from portal.quotations import services as quotations
from portal.quotations.models import QuotationExercise, QuotationInvitee, QuotationState
from portal.quotations.officer_views import NOT_ON_PORTAL
from portal.reference.models import CpvDivision
from portal.time import utcnow
from tests.conftest import count_queries, post_form, session_csrf_token
from tests.factories import make_opportunity, make_organisation, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES, NON_UTF8_BODY


def supplier_org(
    name: str,
    status: LocalStatus | None = LocalStatus.LOCAL,
    *,
    division: str = "90",
    registered: bool = True,
    decided: bool | None = None,
    **columns,
) -> int:
    """A supplier organisation in `division` with this local status and, where `decided` is
    given, an officer's current decision on it; its id."""
    organisation = make_organisation(name)
    organisation.local_status = status
    organisation.registered_at = utcnow() if registered else None
    organisation.divisions.append(db.session.get(CpvDivision, division))
    for column, value in columns.items():
        setattr(organisation, column, value)
    if decided is not None:
        db.session.add(
            ClassificationDecision(
                organisation=organisation,
                classification=Classification.LOCAL,
                computed_value=str(status),
                decided_value=decided,
                note="Checked the lease.",
                officer_id=make_staff().id,
            )
        )
    db.session.commit()
    return organisation.id


def quotation(**values) -> int:
    opportunity = make_opportunity(procedure=Procedure.QUOTATION, value_ex_vat=Decimal("20000"), **values)
    db.session.commit()
    return opportunity.id


def page_of(opportunity_id: int) -> str:
    return f"/officer/opportunities/{opportunity_id}/quotation"


def invite(client, opportunity_id: int, organisation_id: object):
    return post_form(
        client,
        f"{page_of(opportunity_id)}/invite",
        {"organisation_id": str(organisation_id)},
        page=page_of(opportunity_id),
    )


def complete(client, opportunity_id: int, reason: str = ""):
    return post_form(client, f"{page_of(opportunity_id)}/complete", {"reason": reason})


def exercise(app, opportunity_id: int) -> QuotationExercise | None:
    with app.app_context():
        found = db.session.scalar(
            sa.select(QuotationExercise).where(QuotationExercise.opportunity_id == opportunity_id)
        )
        if found is not None:
            db.session.refresh(found)
            found.invitee_count = len(found.invitees)
            db.session.expunge(found)
        return found


def actions(app, opportunity_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditRecord.action)
                .where(
                    AuditRecord.record_type == "opportunities",
                    AuditRecord.record_id == str(opportunity_id),
                    AuditRecord.action.like("quotation.%"),
                )
                .order_by(AuditRecord.id)
            )
        )


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], False),
        ([False, False], False),  # fewer than three: no warning yet
        ([False, False, False], True),
        ([False, False, False, False], True),
        ([True, False, False], False),
        ([True, True, True], False),
    ],
)
def test_a_reason_is_needed_only_when_three_or_more_are_invited_and_none_is_local(flags, expected):
    assert quotation_rules.needs_reason(flags, 3) is expected


def test_the_number_of_quotes_is_the_policy_s_reference_figure(app, transaction):
    with app.app_context():
        assert quotation_rules.quotes_invited() == 3
    assert quotation_rules.needs_reason([False, False, False], 4) is False  # another figure, another rule


def invite_three(app, officer_client, local: int) -> int:
    """An exercise with three registered invitees, `local` of them local; the opportunity's id."""
    with app.app_context():
        opportunity_id = quotation()
        ids = [
            supplier_org(f"Invitee {n}", LocalStatus.LOCAL if n < local else LocalStatus.NOT_LOCAL)
            for n in range(3)
        ]
    for organisation_id in ids:
        assert invite(officer_client, opportunity_id, organisation_id).status_code == 302
    return opportunity_id


def test_an_officer_must_say_why_when_none_of_three_invitees_is_local(app, officer_client):
    opportunity_id = invite_three(app, officer_client, local=0)
    assert "None of the suppliers invited is a Cheshire supplier" in text(
        officer_client.get(page_of(opportunity_id))
    )

    response = complete(officer_client, opportunity_id)
    html = text(response)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert 'id="reason-error"' in html
    assert "Say why inviting a Cheshire supplier was not feasible" in html
    assert exercise(app, opportunity_id).state is QuotationState.IN_PROGRESS

    reason = "No Cheshire supplier makes riot shields."
    assert complete(officer_client, opportunity_id, reason).status_code == 302
    done = exercise(app, opportunity_id)
    assert done.state is QuotationState.COMPLETE
    assert done.has_local_invitee is False
    assert done.not_feasible_reason == reason
    assert done.completed_by_id == officer_client.officer.id
    assert done.completed_at is not None
    page = text(officer_client.get(page_of(opportunity_id)))
    assert reason in page and "Rita Reviewer" in page
    assert actions(app, opportunity_id)[-1] == "quotation.completed"


@pytest.mark.parametrize("local", [1, 3])
def test_an_officer_completes_without_a_reason_when_a_local_supplier_is_invited(app, officer_client, local):
    opportunity_id = invite_three(app, officer_client, local=local)
    page = text(officer_client.get(f"{page_of(opportunity_id)}/complete"))
    assert "None of the suppliers invited" not in page
    assert 'name="reason"' not in page  # the question is not asked
    assert complete(officer_client, opportunity_id, "ignored").status_code == 302
    done = exercise(app, opportunity_id)
    assert done.state is QuotationState.COMPLETE
    assert done.has_local_invitee is True
    assert done.not_feasible_reason is None  # kept only where the rule needs it


def test_a_declared_local_supplier_counts_and_an_officer_s_decision_wins(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        declared = supplier_org("Declared Ltd", LocalStatus.DECLARED)
        overridden = supplier_org("Overridden Ltd", LocalStatus.LOCAL, decided=False)
        outside = supplier_org("Outside Ltd", LocalStatus.NOT_LOCAL)
    for organisation_id in (overridden, outside):
        invite(officer_client, opportunity_id, organisation_id)
    invite(officer_client, opportunity_id, declared)
    assert "None of the suppliers invited" not in text(officer_client.get(page_of(opportunity_id)))
    started = exercise(app, opportunity_id)
    with app.app_context():
        invitee_id = db.session.scalar(
            sa.select(QuotationInvitee.id).where(
                QuotationInvitee.exercise_id == started.id, QuotationInvitee.organisation_id == declared
            )
        )
    response = post_form(
        officer_client,
        f"{page_of(opportunity_id)}/invitees/{invitee_id}/remove",
        {},
        page=page_of(opportunity_id),
    )
    assert response.status_code == 302
    named = post_form(
        officer_client, f"{page_of(opportunity_id)}/named", {"name": "Crewe Castings", "email": ""}
    )
    assert named.status_code == 302
    # Overridden to not local, outside, and not on the portal (status not known): none counts.
    assert "None of the suppliers invited" in text(officer_client.get(page_of(opportunity_id)))
    assert actions(app, opportunity_id) == [
        "quotation.started",
        "quotation.supplier_invited",
        "quotation.supplier_invited",
        "quotation.supplier_invited",
        "quotation.supplier_removed",
        "quotation.supplier_invited",
    ]


def test_an_exercise_cannot_complete_with_fewer_than_three_invitees(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        ids = [supplier_org(f"Outside {n}", LocalStatus.NOT_LOCAL) for n in range(2)]
    for organisation_id in ids:
        invite(officer_client, opportunity_id, organisation_id)
    page = text(officer_client.get(page_of(opportunity_id)))
    assert "None of the suppliers invited" not in page  # the warning waits for the third
    assert "You can complete the exercise once 3 suppliers are invited" in page
    assert "Invite at least 3 suppliers" in text(officer_client.get(f"{page_of(opportunity_id)}/complete"))
    response = complete(officer_client, opportunity_id, "Only two suppliers exist.")
    assert response.status_code == 302
    assert "Invite at least 3 suppliers" in text(officer_client.get(response.headers["Location"]))
    assert exercise(app, opportunity_id).state is QuotationState.IN_PROGRESS


def test_a_complete_exercise_no_longer_changes(app, officer_client):
    opportunity_id = invite_three(app, officer_client, local=1)
    complete(officer_client, opportunity_id)
    with app.app_context():
        late = supplier_org("Late Ltd")
    response = invite(officer_client, opportunity_id, late)
    assert "This quotation exercise is complete" in text(officer_client.get(response.headers["Location"]))
    assert exercise(app, opportunity_id).invitee_count == 3
    stale = post_form(officer_client, f"{page_of(opportunity_id)}/complete", {}, page=page_of(opportunity_id))
    assert stale.status_code == 302  # a stale form: nothing changes
    assert actions(app, opportunity_id).count("quotation.completed") == 1


def test_the_invitee_limit_is_kept(app, transaction):
    with app.app_context():
        officer = db.session.get(User, make_staff().id)
        opportunity = db.session.get(Opportunity, quotation())
        started = quotations.start(opportunity, actor=officer)
        for n in range(quotations.MOST_INVITEES):
            quotations.invite_named(started, f"Supplier {n}", None, actor=officer)
        with pytest.raises(Refused):
            quotations.invite_named(started, "One too many", None, actor=officer)


# --- suggestions, search and statuses ---------------------------------------------------------


def test_suggestions_are_local_suppliers_in_the_category_verified_first_then_declared(app, officer_client):
    with app.app_context():
        opportunity_id = quotation(cpv_division="90")
        supplier_org("Aardvark Declared Ltd", LocalStatus.DECLARED)
        supplier_org("Bravo Local Ltd", LocalStatus.LOCAL)
        supplier_org("Charlie Verified Ltd", LocalStatus.DECLARED, decided=True)
        supplier_org("Delta Overruled Ltd", LocalStatus.NOT_LOCAL, decided=True)
        supplier_org("Echo Declared Ltd", LocalStatus.DECLARED)
        supplier_org("Alpha Outside Ltd", LocalStatus.NOT_LOCAL)
        supplier_org("Alpha Refused Ltd", LocalStatus.LOCAL, decided=False)
        supplier_org("Alpha Unknown Ltd", None)
        supplier_org("Alpha Other Category Ltd", LocalStatus.LOCAL, division="79")
        supplier_org("Alpha Unregistered Ltd", LocalStatus.LOCAL, registered=False)
        invited = supplier_org("Alpha Invited Ltd", LocalStatus.LOCAL)
    invite(officer_client, opportunity_id, invited)
    expected = [
        "Bravo Local Ltd",
        "Charlie Verified Ltd",
        "Delta Overruled Ltd",
        "Aardvark Declared Ltd",
        "Echo Declared Ltd",
    ]
    with app.app_context():
        opportunity = db.session.get(Opportunity, opportunity_id)
        found = quotations.suggestions(opportunity, quotations.exercise_of(opportunity_id))
        assert [organisation.name for organisation in found.items] == expected
    html = text(officer_client.get(page_of(opportunity_id)))
    suggested = html.split("Suggested: local suppliers")[1]
    assert sorted(expected, key=suggested.index) == expected
    assert "Alpha" not in suggested
    assert "Local (officer decision)" in suggested
    assert "Local: declared, to be verified" in suggested


def test_suggestions_are_paged(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        for n in range(quotations.SUGGESTIONS_PER_PAGE + 2):
            supplier_org(f"Local {n:02d} Ltd")
    first = text(officer_client.get(page_of(opportunity_id)))
    assert "Local 09 Ltd" in first and "Local 10 Ltd" not in first
    assert "?page=2" in first
    second = text(officer_client.get(f"{page_of(opportunity_id)}?page=2"))
    assert "Local 10 Ltd" in second and "Local 11 Ltd" in second and "Local 00 Ltd" not in second


def test_invitees_show_their_local_sme_and_vcse_status(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        charity = supplier_org(
            "Helping Hands",
            LocalStatus.LOCAL,
            legal_form=LegalForm.CHARITY,
            staff_headcount=12,
            turnover=Decimal("400000"),
        )
        large = supplier_org(
            "Big Outside plc",
            LocalStatus.NOT_LOCAL,
            legal_form=LegalForm.PUBLIC_LIMITED,
            vcse_declared=False,
            staff_headcount=900,
            turnover=Decimal("90000000"),
        )
    invite(officer_client, opportunity_id, charity)
    invite(officer_client, opportunity_id, large)
    post_form(
        officer_client,
        f"{page_of(opportunity_id)}/named",
        {"name": "Crewe Castings", "email": "quotes@crewe-castings.example"},
    )
    html = text(officer_client.get(page_of(opportunity_id)))
    table = html.split("Suppliers invited to quote")[1].split("</table>")[0]
    assert "Local; SME; VCSE" in table
    assert "Not local; Not an SME; Not a VCSE" in table
    assert "Crewe Castings" in table and "quotes@crewe-castings.example" in table
    assert NOT_ON_PORTAL in table


def test_an_officer_finds_a_registered_supplier_by_name(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        found = supplier_org("Winsford Widgets", LocalStatus.NOT_LOCAL, division="79")
        supplier_org("Widget Works (unregistered)", registered=False)
    html = text(officer_client.get(f"{page_of(opportunity_id)}?q=widg"))
    assert "Winsford Widgets" in html and "unregistered" not in html
    assert invite(officer_client, opportunity_id, found).status_code == 302
    assert "Invited" in text(officer_client.get(f"{page_of(opportunity_id)}?q=widg"))


def test_a_named_supplier_is_checked_and_its_answers_kept(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        supplier_org("Registered Ltd")
    url = f"{page_of(opportunity_id)}/named"
    missing = text(post_form(officer_client, url, {"name": "", "email": "bad"}))
    assert "Enter the supplier's name" in missing and "govuk-error-summary" in missing
    assert "Enter an email address in the correct format" in missing
    assert 'value="bad"' in missing
    on_portal = text(post_form(officer_client, url, {"name": "registered ltd", "email": ""}))
    assert "is registered on the portal" in on_portal and 'value="registered ltd"' in on_portal
    assert post_form(officer_client, url, {"name": "Crewe Castings", "email": ""}).status_code == 302
    again = text(post_form(officer_client, url, {"name": "CREWE CASTINGS", "email": ""}))
    assert "CREWE CASTINGS is already invited" in again
    assert exercise(app, opportunity_id).invitee_count == 1


# --- the officers' share ---------------------------------------------------------------------


def test_officers_see_the_share_of_exercises_that_invited_a_local_supplier(app, transaction, officer_client):
    with app.app_context():
        officer = db.session.get(User, officer_client.officer.id)
        local = db.session.get(Organisation, supplier_org("Local Ltd"))
        outside = [
            db.session.get(Organisation, supplier_org(f"Outside {n}", LocalStatus.NOT_LOCAL))
            for n in range(3)
        ]

        def exercise_with(
            invitees: list[Organisation], reason: str | None = None, *, done: bool = True
        ) -> int:
            opportunity = db.session.get(Opportunity, quotation())
            started = quotations.start(opportunity, actor=officer)
            for organisation in invitees:
                quotations.invite_organisation(started, organisation, actor=officer)
            if done:
                quotations.complete(started, reason, actor=officer)
            db.session.commit()
            return opportunity.id

        exercise_with([local, *outside[:2]])
        exercise_with([local, *outside[1:]])
        exercise_with(outside, "No local supplier of this kind.")
        exercise_with([local], done=False)
        changed = exercise_with([local, *outside[:2]])
        db.session.get(Opportunity, changed).procedure = Procedure.TENDER  # no longer a quotation
        db.session.commit()
        assert quotations.local_share() == quotations.Share(with_local=2, completed=3, in_progress=1)
    html = text(officer_client.get("/officer/opportunities/quotations"))
    assert "67%" in html
    assert "2 of 3 completed quotation exercises invited a Cheshire supplier" in html
    assert "1 in progress is not counted yet" in html
    assert "No: No local supplier of this kind." in html
    assert "Quotation exercises" in text(officer_client.get("/officer/"))


def test_the_share_says_when_no_exercise_is_complete(officer_client):
    assert "No quotation exercise has been completed yet" in text(
        officer_client.get("/officer/opportunities/quotations")
    )


# --- pages and access --------------------------------------------------------------------------


def test_the_opportunity_page_links_to_its_exercise_only_for_a_quotation(app, officer_client):
    with app.app_context():
        quoted = quotation()
        tendered = make_opportunity(procedure=Procedure.TENDER).id
        db.session.commit()
    assert page_of(quoted) in text(officer_client.get(f"/officer/opportunities/{quoted}"))
    assert "/quotation" not in text(officer_client.get(f"/officer/opportunities/{tendered}"))
    assert officer_client.get(page_of(tendered)).status_code == 404
    assert officer_client.get(page_of(999999)).status_code == 404


def test_a_supplier_is_refused_every_quotation_page(app, client):
    with app.app_context():
        opportunity_id = quotation()
        organisation_id = supplier_org("Hopeful Ltd")
        supplier = make_supplier()
    sign_in(client, supplier.email)
    token = session_csrf_token(client)
    for url in (
        page_of(opportunity_id),
        f"{page_of(opportunity_id)}/named",
        f"{page_of(opportunity_id)}/complete",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/officer/opportunities/quotations").status_code == 403
    for url, data in (
        (f"{page_of(opportunity_id)}/invite", {"organisation_id": str(organisation_id)}),
        (f"{page_of(opportunity_id)}/named", {"name": "Sneaky Ltd"}),
        (f"{page_of(opportunity_id)}/complete", {"reason": "x"}),
    ):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert exercise(app, opportunity_id) is None


def test_a_form_without_its_csrf_token_is_refused(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        organisation_id = supplier_org("Local Ltd")
    response = officer_client.post(
        f"{page_of(opportunity_id)}/invite", data={"organisation_id": organisation_id}
    )
    assert response.status_code == 400
    assert exercise(app, opportunity_id) is None


# --- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_hostile_text_never_breaks_the_forms(app, officer_client, name):
    value = HOSTILE_VALUES[name]
    with app.app_context():
        opportunity_id = quotation()
        ids = [supplier_org(f"Outside {n}", LocalStatus.NOT_LOCAL) for n in range(3)]
    search = officer_client.get(page_of(opportunity_id), query_string={"q": value, "page": value})
    assert search.status_code == 200
    named = post_form(officer_client, f"{page_of(opportunity_id)}/named", {"name": value, "email": value})
    assert named.status_code == 200 and "govuk-error-summary" in named.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in named.get_data(as_text=True)
    for organisation_id in ids:
        invite(officer_client, opportunity_id, organisation_id)
    response = complete(officer_client, opportunity_id, value)
    assert response.status_code in {200, 302}
    done = exercise(app, opportunity_id)
    if response.status_code == 302:
        assert done.state is QuotationState.COMPLETE and done.not_feasible_reason == value
        assert "<script>alert(1)</script>" not in officer_client.get(page_of(opportunity_id)).get_data(
            as_text=True
        )
    else:
        assert "govuk-error-summary" in response.get_data(as_text=True)
        assert done.state is QuotationState.IN_PROGRESS


def test_a_body_that_is_not_utf8_is_refused_by_the_named_supplier_form(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
    token = session_csrf_token(officer_client)
    response = officer_client.post(
        f"{page_of(opportunity_id)}/named",
        data=NON_UTF8_BODY + f"&csrf_token={token}".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "there is a problem with your request" in response.get_data(as_text=True)
    assert exercise(app, opportunity_id) is None


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "99999999999999999999", "1 OR 1=1", "\x00", "1.5"])
def test_a_hostile_organisation_id_invites_nobody(app, officer_client, value):
    with app.app_context():
        opportunity_id = quotation()
    response = invite(officer_client, opportunity_id, value)
    assert response.status_code == 302
    assert "Choose a supplier to invite" in text(officer_client.get(response.headers["Location"]))
    assert exercise(app, opportunity_id) is None


def test_an_unknown_or_unregistered_organisation_is_not_invited(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        draft = supplier_org("Draft Ltd", registered=False)
    assert invite(officer_client, opportunity_id, 999999).status_code == 404
    response = invite(officer_client, opportunity_id, draft)
    assert "Only an organisation that has registered" in text(
        officer_client.get(response.headers["Location"])
    )
    assert exercise(app, opportunity_id) is None


@pytest.mark.parametrize("page", ["-1", "0", "abc", "99999999999999999999", "9999"])
def test_any_page_number_answers(app, officer_client, page):
    with app.app_context():
        opportunity_id = quotation()
    assert officer_client.get(page_of(opportunity_id), query_string={"page": page}).status_code == 200


# --- statements ---------------------------------------------------------------------------------


def test_the_exercise_page_runs_the_same_statements_for_one_invitee_or_many(app, officer_client):
    with app.app_context():
        opportunity_id = quotation()
        for n in range(3):
            supplier_org(f"Suggested {n}", LocalStatus.DECLARED, decided=n == 0)
        first = supplier_org("First Ltd")
    invite(officer_client, opportunity_id, first)
    post_form(officer_client, f"{page_of(opportunity_id)}/named", {"name": "Named 0", "email": ""})

    def statements() -> int:
        with count_queries(app) as seen:
            assert officer_client.get(page_of(opportunity_id)).status_code == 200
        return len(seen)

    few = statements()
    with app.app_context():
        ids = [supplier_org(f"Invitee {n}", LocalStatus.NOT_LOCAL, decided=False) for n in range(12)]
    for organisation_id in ids:
        invite(officer_client, opportunity_id, organisation_id)
    for n in range(1, 4):
        post_form(officer_client, f"{page_of(opportunity_id)}/named", {"name": f"Named {n}", "email": ""})
    assert exercise(app, opportunity_id).invitee_count == 17
    assert statements() == few


def test_the_share_page_runs_the_same_statements_for_one_exercise_or_many(app, transaction, officer_client):
    def statements() -> int:
        with count_queries(app) as seen:
            assert officer_client.get("/officer/opportunities/quotations").status_code == 200
        return len(seen)

    with app.app_context():
        officer = db.session.get(User, officer_client.officer.id)

        def started() -> None:
            quotations.start(db.session.get(Opportunity, quotation()), actor=officer)
            db.session.commit()

        started()
    few = statements()
    with app.app_context():
        officer = db.session.get(User, officer_client.officer.id)
        for _ in range(30):
            started()
    assert statements() == few
