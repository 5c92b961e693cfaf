"""Two first signatures of one version at the same moment give exactly one pledge."""

import threading

import sqlalchemy as sa

from portal.accounts.models import User
from portal.ethics import services
from portal.ethics.models import Pledge
from portal.ethics.versions import versions_by_day
from portal.extensions import db
from portal.organisations.models import Organisation
from tests.conftest import csrf_token_from
from tests.ethics.conftest import registered_organisation, sign_data
from tests.factories import make_supplier, sign_in


def test_two_colleagues_signing_at_once_give_one_pledge(fresh_app, database_kind):
    with fresh_app.app_context():
        organisation = registered_organisation("Race Ltd")
        colleagues = [
            make_supplier(f"colleague{n}@example.com", name="Rhiannon Jones", organisation=organisation)
            for n in range(2)
        ]
        organisation_id = organisation.id
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def sign(user_id: int) -> None:
        try:
            with fresh_app.app_context():
                if database_kind == "sqlite":
                    barrier.wait(10)  # a transaction there takes the write lock at its first read
                user = db.session.get(User, user_id)
                org = db.session.get(Organisation, organisation_id)
                _, version = versions_by_day()
                if database_kind == "postgresql":
                    barrier.wait(10)  # both have read "not signed yet"
                try:
                    services.sign(
                        org,
                        user,
                        version,
                        representative_name="Rhiannon Jones",
                        representative_position="Director",
                        signature="Rhiannon Jones",
                        client_address="127.0.0.1",
                        user_agent="test",
                    )
                    db.session.commit()
                    outcomes.append("signed")
                except services.AlreadySigned:
                    db.session.rollback()
                    outcomes.append("already signed")
                db.session.remove()
        except Exception as error:  # collected for the assertion below
            outcomes.append(error)

    threads = [threading.Thread(target=sign, args=(user.id,)) for user in colleagues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(map(repr, outcomes)) == ["'already signed'", "'signed'"]
    with fresh_app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Pledge)
                .where(Pledge.organisation_id == organisation_id)
            )
            == 1
        )


def test_two_posts_of_a_loaded_form_over_http_give_one_pledge(fresh_app):
    """Two colleagues (or two tabs) both have the form open and sign at once: the second is told
    the Code is signed already."""
    with fresh_app.app_context():
        organisation = registered_organisation("Double Ltd")
        users = [make_supplier(f"double{n}@example.com", organisation=organisation) for n in range(2)]
    clients = []
    for user in users:
        client = fresh_app.test_client()
        sign_in(client, user.email)
        token = csrf_token_from(client.get("/code-of-ethics").get_data(as_text=True))
        clients.append((client, token))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit(client, token) -> None:
        barrier.wait(10)
        statuses.append(client.post("/code-of-ethics", data={"csrf_token": token, **sign_data()}).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302, 302]
    with fresh_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1
