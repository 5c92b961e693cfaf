import re

import pyotp
import sqlalchemy as sa

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.outbox.worker import run_until_idle
from tests.factories import make_staff


def test_create_officer_emails_a_link_to_set_a_password(app, runner, smtp_server):
    result = runner.invoke(
        args=["users", "create-officer", "Hana@Example.com", "--name", "Hana Head", "--admin"]
    )
    assert result.exit_code == 0, result.output
    assert "emailed a link" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert (user.email, user.role, user.password_hash) == ("hana@example.com", Role.ADMIN, None)
        run_until_idle()
    body = smtp_server.to("hana@example.com")[0].get_body(("plain",)).get_content()
    assert re.search(r"/invitation/\S+", body)
    assert "as an admin" in body


def test_create_officer_with_a_typed_password(app, runner):
    result = runner.invoke(
        args=["users", "create-officer", "olive@example.com", "--name", "Olive Officer", "--prompt-password"],
        input="kettle lantern orbit canal\nkettle lantern orbit canal\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.role == Role.OFFICER
        assert user.is_verified


def test_create_officer_refuses_a_weak_password_and_an_address_in_use(app, runner):
    weak = runner.invoke(
        args=["users", "create-officer", "olive@example.com", "--name", "Olive", "--prompt-password"],
        input="password1234\npassword1234\n",
    )
    assert weak.exit_code != 0
    assert "too easy to guess" in weak.output
    with app.app_context():
        make_staff("taken@example.com")
    taken = runner.invoke(args=["users", "create-officer", "TAKEN@example.com", "--name", "Twin"])
    assert taken.exit_code != 0
    assert "already has an account" in taken.output


def test_the_development_admin_exists_only_in_development(app, runner):
    result = runner.invoke(args=["users", "dev-admin"])
    assert result.exit_code != 0
    assert "only in the development configuration" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_development_admin_gets_a_new_password_each_time(app_factory, fresh_database):
    dev = app_factory(fresh_database, ENV_NAME="development")
    runner = dev.test_cli_runner()
    first = runner.invoke(args=["users", "dev-admin"]).output
    second = runner.invoke(args=["users", "dev-admin"]).output
    passwords = [re.search(r"password: (\S+)", output).group(1) for output in (first, second)]
    assert passwords[0] != passwords[1]
    client = dev.test_client()
    from tests.conftest import post_form

    response = post_form(client, "/login", {"email": "dev-admin@example.org", "password": passwords[1]})
    assert (
        response.headers["Location"] == "/login/code"
    )  # the development admin has an app: its key is printed
    keys = [
        re.search(r"authenticator app key: ([A-Z2-7]{32})", output).group(1) for output in (first, second)
    ]
    assert keys[0] != keys[1]
    response = post_form(client, "/login/code", {"code": pyotp.TOTP(keys[1]).now()})
    assert response.headers["Location"] == "/officer/"
