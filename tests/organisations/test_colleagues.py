"""Colleagues: invite by email, join from the link (signed in or by registering), remove a member;
an organisation always keeps at least one member and sees only its own people."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import tokens
from portal.accounts.models import User
from portal.audit import AuditRecord
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationInvitation
from portal.outbox.models import OutboxMessage
from portal.outbox.worker import run_until_idle
from portal.time import utcnow
from tests.conftest import count_queries, post_form
from tests.factories import PASSWORD, make_organisation, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

COLLEAGUES = "/organisation/colleagues"
JOIN_LINK = re.compile(r"http://portal\.test(/organisation/join/(\S+))")
NEW_PASSWORD = "kettle lantern orbit canal"


# --- helpers ---------------------------------------------------------------------------------


def invite(client, email: str):
    return post_form(client, COLLEAGUES, {"email": email})


def join_path(app, email: str) -> str:
    """The join link in the newest message the outbox holds for `email` (not yet sent)."""
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).all()
        for message in messages:
            if any(email in recipient for recipient in message.recipients):
                return JOIN_LINK.search(message.body_text).group(1)
    raise AssertionError(f"no invitation to {email} in the outbox")


def invited(client, app, email: str) -> str:
    assert invite(client, email).status_code == 302
    return join_path(app, email)


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)))


def invitations(app) -> list[OrganisationInvitation]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(OrganisationInvitation).order_by(OrganisationInvitation.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def user_by_email(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def member_emails(app, organisation_id: int) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(User.email).where(User.organisation_id == organisation_id)))


@pytest.fixture
def other_client(app, transaction):
    return app.test_client()


@pytest.fixture
def colleague(app, member):
    """A second member of the member's organisation."""
    with app.app_context():
        return make_supplier(
            "colleague@example.com",
            name="Cal Colleague",
            organisation=db.session.get(Organisation, member.organisation_id),
        )


@pytest.fixture
def newcomer(app, transaction):
    """Someone with an account of their own: the only member of a draft organisation."""
    with app.app_context():
        return make_supplier(
            "newcomer@example.com", name="Nia Newcomer", organisation=make_organisation("Nia's Draft")
        )


# --- the page --------------------------------------------------------------------------------


def test_member_sees_the_members_and_can_remove_only_others(client, member, colleague):
    html = client.get(COLLEAGUES).get_data(as_text=True)
    assert "member@example.com" in html and "colleague@example.com" in html
    assert ">You</strong>" in html
    assert f"/organisation/colleagues/{colleague.id}/remove" in html
    assert f"/organisation/colleagues/{member.id}/remove" not in html
    assert "No invitations are waiting" in html


def test_the_account_page_leads_members_to_their_colleagues(client, member):
    assert 'href="/organisation/colleagues"' in client.get("/account").get_data(as_text=True)


def test_staff_have_no_colleagues_page_and_visitors_must_sign_in(app, client):
    from tests.factories import make_staff

    assert client.get(COLLEAGUES).headers["Location"].startswith("/login")
    with app.app_context():
        officer = make_staff()
    sign_in(client, officer.email)
    assert client.get(COLLEAGUES).status_code == 403


# --- inviting --------------------------------------------------------------------------------


def test_member_invites_a_colleague_who_gets_the_link_by_email(app, client, member, smtp_server):
    response = invite(client, "New.Person@Example.com")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have sent an invitation to new.person@example.com" in html
    assert "new.person@example.com" in html and "Cancel invitation" in html and "Sam Supplier" in html
    [invitation] = invitations(app)
    assert invitation.email == "new.person@example.com"
    assert invitation.invited_by_id == member.id and invitation.accepted_at is None
    assert actions(app)[-1] == "organisation.invitation_sent"
    with app.app_context():
        message = db.session.scalar(sa.select(OutboxMessage))
        assert message.has_secret
        assert timedelta(days=6, hours=23) < message.secret_expires_at - utcnow() <= timedelta(days=7)
        run_until_idle()
    [email] = smtp_server.to("new.person@example.com")
    assert email["Subject"].strip() == "Sam Supplier has invited you to join Winsford Widgets"
    text = email.get_body(("plain",)).get_content()
    assert JOIN_LINK.search(text), text
    assert "Winsford Widgets" in email.get_body(("html",)).get_content()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter your colleague&#39;s email address"),
        ("not-an-email", "Enter an email address in the correct format"),
        ("a" * 250 + "@example.com", "254 characters or fewer"),
        ("member@example.com", "This person is already a member of Winsford Widgets"),
        ("COLLEAGUE@example.com", "This person is already a member of Winsford Widgets"),
    ],
)
def test_a_bad_address_is_explained_at_the_field(app, client, member, colleague, value, message):
    response = invite(client, value)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "<title>Error: " in html
    assert html.count(message) >= 2  # in the summary and at the field
    assert invitations(app) == []


def test_a_second_invitation_to_a_waiting_address_is_refused(app, client, member):
    invite(client, "twice@example.com")
    response = invite(client, "Twice@example.com")
    assert "You have already invited this person" in response.get_data(as_text=True)
    assert len(invitations(app)) == 1


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
def test_hostile_input_is_refused_without_a_server_error(app, client, member, kind):
    response = invite(client, HOSTILE_VALUES[kind])
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert invitations(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_an_address_with_an_account_elsewhere_is_invited_like_any_other(app, client, member, newcomer):
    """Nothing tells the inviter that an address is registered: the join page explains to its owner."""
    registered = client.get(invite(client, "newcomer@example.com").headers["Location"]).get_data(as_text=True)
    unknown = client.get(invite(client, "nobody@example.com").headers["Location"]).get_data(as_text=True)
    assert "We have sent an invitation to newcomer@example.com" in registered
    assert "We have sent an invitation to nobody@example.com" in unknown
    assert "another organisation" not in registered
    assert len(invitations(app)) == 2


def test_forms_without_a_csrf_token_are_refused(app, client, member, colleague):
    path = invited(client, app, "csrf@example.com")
    [invitation] = invitations(app)
    for url, data in [
        (COLLEAGUES, {"email": "someone@example.com"}),
        ("/organisation/colleagues/cancel-invitation", {"invitation_id": invitation.id}),
        (f"/organisation/colleagues/{colleague.id}/remove", {}),
        (path, {}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400, url
        assert "Your form has expired" in response.get_data(as_text=True)
    assert len(invitations(app)) == 1
    assert member_emails(app, member.organisation_id) == {"member@example.com", "colleague@example.com"}


def test_invitations_are_rate_limited_per_member(app, client, member):
    for n in range(20):
        invite(client, f"person{n}@example.com")
    assert invite(client, "one-too-many@example.com").status_code == 429


# --- cancelling --------------------------------------------------------------------------------


def test_member_cancels_an_invitation_and_its_link_stops_working(app, client, member, other_client):
    path = invited(client, app, "cancel.me@example.com")
    [invitation] = invitations(app)
    response = post_form(
        client,
        "/organisation/colleagues/cancel-invitation",
        {"invitation_id": invitation.id},
        page=COLLEAGUES,
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The invitation to cancel.me@example.com is cancelled" in html
    assert invitations(app) == []
    assert actions(app)[-1] == "organisation.invitation_cancelled"
    refused = other_client.get(path)
    assert refused.status_code == 400
    assert "This invitation link does not work" in refused.get_data(as_text=True)


# --- joining when signed in --------------------------------------------------------------------


def test_a_visitor_sees_who_invited_them_and_how_to_join(app, client, member, other_client):
    path = invited(client, app, "visitor@example.com")
    html = other_client.get(path).get_data(as_text=True)
    assert "Join Winsford Widgets" in html
    assert "Sam Supplier has invited <strong>visitor@example.com</strong>" in html
    token = path.rsplit("/", 1)[1]
    assert f'href="/register?invitation={token}"' in html
    assert f'href="/login?next=/organisation/join/{token}"' in html
    assert 'name="csrf_token"' not in html  # nothing to submit until signed in


def test_a_supplier_with_a_draft_of_their_own_joins_when_signed_in(
    app, client, member, newcomer, other_client
):
    path = invited(client, app, "newcomer@example.com")
    response = post_form(
        other_client, "/login", {"email": newcomer.email, "password": PASSWORD}, page="/login"
    )
    assert response.status_code == 302
    html = other_client.get(path).get_data(as_text=True)
    assert "Nia&#39;s Draft and what you entered about it are left behind" in html
    response = post_form(other_client, path, {})
    assert response.headers["Location"] == COLLEAGUES
    page = other_client.get(COLLEAGUES).get_data(as_text=True)
    assert "You have joined Winsford Widgets" in page and "member@example.com" in page
    assert member_emails(app, member.organisation_id) == {"member@example.com", "newcomer@example.com"}
    assert member_emails(app, newcomer.organisation_id) == set()  # the draft is left behind
    [invitation] = invitations(app)
    assert invitation.accepted_at is not None
    assert actions(app)[-2:] == ["organisation.member_left", "organisation.member_joined"]
    reused = other_client.get(path)
    assert reused.status_code == 400 and "does not work" in reused.get_data(as_text=True)


def test_joining_confirms_an_address_not_yet_confirmed(app, client, member, other_client):
    with app.app_context():
        unconfirmed = make_supplier("unconfirmed@example.com", verified=False)
    path = invited(client, app, "unconfirmed@example.com")
    sign_in(other_client, unconfirmed.email)
    post_form(other_client, path, {})
    joined = user_by_email(app, "unconfirmed@example.com")
    assert joined.organisation_id == member.organisation_id and joined.is_verified


def test_a_different_signed_in_address_is_refused_with_words(app, client, member, newcomer, other_client):
    path = invited(client, app, "someone.else@example.com")
    sign_in(other_client, newcomer.email)
    page = other_client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert (
        "You are signed in as newcomer@example.com, but this invitation is for someone.else@example.com"
        in html
    )
    assert "Join Winsford Widgets</button>" not in html
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', other_client.get("/account").get_data(as_text=True)
    )
    refused = other_client.post(path, data={"csrf_token": token.group(1)})
    assert refused.status_code == 403
    assert user_by_email(app, newcomer.email).organisation_id == newcomer.organisation_id
    assert invitations(app)[0].accepted_at is None


@pytest.mark.parametrize("why", ["registered", "has other members"])
def test_a_member_of_a_real_organisation_cannot_join_and_is_told_why(app, client, member, other_client, why):
    with app.app_context():
        theirs = make_organisation("Dee Side Cleaning")
        if why == "registered":
            theirs.registered_at = utcnow()
            db.session.commit()
        else:
            make_supplier("partner@example.com", organisation=theirs)
        joiner = make_supplier("joiner@example.com", organisation=theirs)
    path = invited(client, app, "joiner@example.com")
    sign_in(other_client, joiner.email)
    html = other_client.get(path).get_data(as_text=True)
    assert "You cannot join Winsford Widgets while you are a member of Dee Side Cleaning" in html
    assert f"Dee Side Cleaning {'is registered' if why == 'registered' else 'has other members'}" in html
    assert "Ask a colleague at Dee Side Cleaning to remove you" in html
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', other_client.get("/account").get_data(as_text=True)
    )
    assert other_client.post(path, data={"csrf_token": token.group(1)}).status_code == 403
    assert user_by_email(app, "joiner@example.com").organisation_id == joiner.organisation_id


@pytest.mark.parametrize("how", ["link made 8 days ago", "invitation made 8 days ago"])
def test_an_expired_link_says_so(app, client, member, other_client, monkeypatch, how):
    path = invited(client, app, "late@example.com")
    [invitation] = invitations(app)
    if how == "link made 8 days ago":
        real = time.time
        monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() - 8 * 24 * 3600)
        with app.app_context():
            payload = {"invitation": invitation.id, "email": invitation.email}
            path = f"/organisation/join/{tokens.make_token(tokens.COLLEAGUE_INVITATION, payload)}"
        monkeypatch.undo()
    else:
        with app.app_context():
            db.session.execute(
                sa.update(OrganisationInvitation).values(created_at=utcnow() - timedelta(days=8))
            )
            db.session.commit()
        assert "No invitations are waiting" in client.get(COLLEAGUES).get_data(as_text=True)
    response = other_client.get(path)
    assert response.status_code == 400
    assert "This invitation has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "tamper",
    [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t, lambda t: "nonsense"],
)
def test_a_tampered_link_does_not_work(app, client, member, other_client, tamper):
    path = invited(client, app, "tamper@example.com")
    prefix, token = path.rsplit("/", 1)
    for url in (f"{prefix}/{tamper(token)}", f"/register?invitation={tamper(token)}"):
        response = other_client.get(url)
        assert response.status_code == 400, url
        assert "This invitation link does not work" in response.get_data(as_text=True)


# --- joining by registering ------------------------------------------------------------------


def test_a_newcomer_registers_from_the_link_and_joins_the_organisation(app, client, member, other_client):
    path = invited(client, app, "fresh@example.com")
    token = path.rsplit("/", 1)[1]
    form_page = other_client.get(f"/register?invitation={token}").get_data(as_text=True)
    assert 'value="fresh@example.com"' in form_page
    assert 'name="organisation_name"' not in form_page
    with app.app_context():
        organisations_before = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))
        messages_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    response = post_form(
        other_client,
        f"/register?invitation={token}",
        {"name": "Fran Fresh", "email": "Fresh@Example.com", "password": NEW_PASSWORD},
    )
    assert response.headers["Location"] == COLLEAGUES
    page = other_client.get(COLLEAGUES).get_data(as_text=True)  # signed in already
    assert "Your account is ready and you have joined Winsford Widgets" in page
    fresh = user_by_email(app, "fresh@example.com")
    assert fresh.organisation_id == member.organisation_id and fresh.is_verified
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == organisations_before
        # no verification email: the invitation's link already proved the address
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == messages_before
    assert invitations(app)[0].accepted_at is not None
    assert actions(app)[-2:] == ["account.registered", "organisation.member_joined"]
    assert "Sam Supplier" in client.get(COLLEAGUES).get_data(as_text=True)
    assert "fresh@example.com" in client.get(COLLEAGUES).get_data(as_text=True)


def test_registering_from_the_link_needs_the_invited_address(app, client, member, other_client):
    token = invited(client, app, "right@example.com").rsplit("/", 1)[1]
    response = post_form(
        other_client,
        f"/register?invitation={token}",
        {"name": "Wren Wrong", "email": "wrong@example.com", "password": NEW_PASSWORD},
    )
    html = response.get_data(as_text=True)
    assert html.count("Enter the email address your invitation was sent to, right@example.com") >= 2
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "wrong@example.com")) is None


def test_registering_from_the_link_with_an_existing_account_leads_to_sign_in(
    app, client, member, newcomer, other_client
):
    path = invited(client, app, "newcomer@example.com")
    token = path.rsplit("/", 1)[1]
    response = post_form(
        other_client,
        f"/register?invitation={token}",
        {"name": "Nia Newcomer", "email": "newcomer@example.com", "password": NEW_PASSWORD},
    )
    assert response.headers["Location"] == f"/login?next=/organisation/join/{token}"
    assert "You already have an account with newcomer@example.com" in other_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert user_by_email(app, newcomer.email).organisation_id == newcomer.organisation_id
    assert invitations(app)[0].accepted_at is None


# --- removing --------------------------------------------------------------------------------


def test_member_removes_a_colleague_who_is_signed_out_moved_and_emailed(
    app, client, member, colleague, other_client, smtp_server
):
    sign_in(other_client, colleague.email)
    path = invited(other_client, app, "their.friend@example.com")  # sent by the colleague
    confirm = client.get(f"/organisation/colleagues/{colleague.id}/remove").get_data(as_text=True)
    assert "Remove Cal Colleague from Winsford Widgets?" in confirm
    assert "be signed out now, on every device" in confirm
    response = post_form(client, f"/organisation/colleagues/{colleague.id}/remove", {})
    assert response.headers["Location"] == COLLEAGUES
    assert "Cal Colleague has been removed from Winsford Widgets" in client.get(COLLEAGUES).get_data(
        as_text=True
    )
    assert member_emails(app, member.organisation_id) == {"member@example.com"}
    moved = user_by_email(app, colleague.email)
    with app.app_context():
        own = db.session.get(Organisation, moved.organisation_id)
        assert own.name == "Cal Colleague" and not own.is_registered
    assert other_client.get("/account").headers["Location"].startswith("/login")  # sessions ended
    assert invitations(app) == []  # the invitation the colleague sent is cancelled...
    assert other_client.get(path).status_code == 400  # ...so it cannot let anyone back in
    assert actions(app)[-1] == "organisation.member_removed"
    with app.app_context():
        run_until_idle()
    [email] = [m for m in smtp_server.to(colleague.email) if "removed" in m["Subject"]]
    assert email["Subject"].strip() == "You have been removed from Winsford Widgets on the Supplier Portal"
    assert "Sam Supplier has removed you" in email.get_body(("plain",)).get_content()


def test_a_removed_member_can_join_another_organisation_by_invitation(
    app, client, member, colleague, other_client
):
    post_form(client, f"/organisation/colleagues/{colleague.id}/remove", {})
    with app.app_context():
        elsewhere = make_organisation("Elsewhere Ltd")
        elsewhere_id = elsewhere.id
        inviter = make_supplier("boss@elsewhere.example", organisation=elsewhere)
    third = app.test_client()
    sign_in(third, inviter.email)
    path = invited(third, app, colleague.email)
    sign_in(other_client, colleague.email)
    post_form(other_client, path, {})
    assert user_by_email(app, colleague.email).organisation_id == elsewhere_id


def test_the_last_member_cannot_be_removed(app, client, member):
    response = post_form(client, f"/organisation/colleagues/{member.id}/remove", {}, page=COLLEAGUES)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "You are the only member of Winsford Widgets, and an organisation always keeps at least one member"
        in html
    )
    assert member_emails(app, member.organisation_id) == {"member@example.com"}
    assert "organisation.member_removed" not in actions(app)


def test_nobody_removes_themselves(app, client, member, colleague):
    response = post_form(client, f"/organisation/colleagues/{member.id}/remove", {}, page=COLLEAGUES)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot remove yourself. Ask a colleague at Winsford Widgets to remove you" in html
    assert member_emails(app, member.organisation_id) == {"member@example.com", "colleague@example.com"}


# --- another organisation --------------------------------------------------------------------


def test_another_organisations_member_finds_none_of_this_ones_records(
    app, client, member, colleague, other_client
):
    invited(client, app, "ours@example.com")
    [invitation] = invitations(app)
    with app.app_context():
        outsider = make_supplier("outsider@example.com", organisation=make_organisation("Rival Ltd"))
    sign_in(other_client, outsider.email)
    html = other_client.get(COLLEAGUES).get_data(as_text=True)
    assert "member@example.com" not in html and "ours@example.com" not in html
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    for target in (member, colleague):
        url = f"/organisation/colleagues/{target.id}/remove"
        assert other_client.get(url).status_code == 404
        assert other_client.post(url, data={"csrf_token": token}).status_code == 404
    cancel = other_client.post(
        "/organisation/colleagues/cancel-invitation",
        data={"csrf_token": token, "invitation_id": invitation.id},
    )
    assert cancel.status_code == 404
    for bad in ("nonsense", "", "99999999"):
        response = other_client.post(
            "/organisation/colleagues/cancel-invitation", data={"csrf_token": token, "invitation_id": bad}
        )
        assert response.status_code == 404
    assert len(invitations(app)) == 1
    assert member_emails(app, member.organisation_id) == {"member@example.com", "colleague@example.com"}


# --- queries ---------------------------------------------------------------------------------


def test_the_colleagues_page_runs_a_fixed_number_of_queries(app, client, member):
    counts = []
    for total in (1, 10):
        with app.app_context():
            organisation = db.session.get(Organisation, member.organisation_id)
            have = len(organisation.members)
            for n in range(have, total):
                db.session.add(
                    User(
                        email=f"m{n}@example.com",
                        name=f"Member {n}",
                        role="supplier",
                        organisation=organisation,
                    )
                )
                db.session.add(
                    OrganisationInvitation(
                        organisation=organisation, email=f"i{n}@example.com", invited_by_id=member.id
                    )
                )
            if have == 1 and total == 1:
                db.session.add(
                    OrganisationInvitation(
                        organisation=organisation, email="i0@example.com", invited_by_id=member.id
                    )
                )
            db.session.commit()
        with count_queries(app) as statements:
            response = client.get(COLLEAGUES)
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Cancel invitation<span") == total
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
