import os
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.accounts.models import User
from portal.accounts.sessions import ENDED, RENEW_AFTER_SECONDS, SEEN_AT, SIGNED_IN_AT, WITH_ORGANISATION
from portal.extensions import db
from tests.conftest import count_queries, post_form, session_csrf_token, skip_or_fail
from tests.factories import PASSWORD, make_staff, make_supplier, sign_in
from tests.hostile import HOSTILE_VALUES

VAGUE = "Enter a correct email address and password"


@pytest.fixture
def supplier(app, transaction):
    with app.app_context():
        return make_supplier("sam@example.com")


def attempt(client: FlaskClient, email: str, password: str, url: str = "/login"):
    return post_form(client, url, {"email": email, "password": password})


def test_supplier_signs_in_and_lands_on_their_account(client, supplier):
    response = attempt(client, "SAM@example.com ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "Your account" in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password"),
    [("sam@example.com", "wrong password entirely"), ("nobody@example.com", PASSWORD)],
)
def test_a_failed_sign_in_says_one_vague_thing(client, supplier, email, password):
    response = attempt(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert VAGUE in html
    assert f'value="{email}"' in html  # the address is kept; the password never is
    assert "wrong password entirely" not in html


def test_a_disabled_account_fails_like_a_wrong_password(app, client, supplier):
    with app.app_context():
        db.session.get(User, supplier.id).is_disabled = True
        db.session.commit()
    unknown = attempt(client, "nobody@example.com", PASSWORD).get_data(as_text=True)
    disabled = attempt(client, "sam@example.com", PASSWORD).get_data(as_text=True)
    assert VAGUE in disabled
    strip = lambda html: html.replace("sam@example.com", "X").replace("nobody@example.com", "X")  # noqa: E731
    assert _without_tokens(strip(unknown)) == _without_tokens(strip(disabled))


def _without_tokens(html: str) -> str:
    import re

    return re.sub(r'(value|nonce|content)="[^"]{20,}"', "", html)


@pytest.mark.parametrize(
    ("field", "message"), [("email", "Enter your email address"), ("password", "Enter your password")]
)
def test_an_empty_field_is_explained(client, supplier, field, message):
    data = {"email": "sam@example.com", "password": PASSWORD, field: ""}
    html = post_form(client, "/login", data).get_data(as_text=True)
    assert html.count(message) >= 2


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
@pytest.mark.parametrize("field", ["email", "password"])
def test_hostile_input_never_causes_a_server_error(client, supplier, field, kind):
    data = {"email": "sam@example.com", "password": PASSWORD, field: HOSTILE_VALUES[kind]}
    assert post_form(client, "/login", data).status_code == 200


def test_signing_in_without_a_csrf_token_is_refused(client, supplier):
    response = client.post("/login", data={"email": "sam@example.com", "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("next_page", "lands_on"),
    [
        ("/account/password", "/account/password"),
        ("https://evil.example/phish", "/account"),
        ("//evil.example/phish", "/account"),
        ("/\\evil.example", "/account"),
        ("javascript:alert(1)", "/account"),
        ("/%0d%0aSet-Cookie:x=1", "/account"),
        ("\t//evil.example", "/account"),
    ],
)
def test_only_a_path_on_the_portal_is_followed_after_sign_in(client, supplier, next_page, lands_on):
    response = attempt(client, "sam@example.com", PASSWORD, url=f"/login?next={next_page}")
    assert response.headers["Location"] == lands_on


def test_a_page_that_needs_sign_in_sends_you_there_and_back(client, supplier):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Faccount%2Fpassword"


def test_signing_in_starts_a_new_session(app, client, supplier):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    attempt(client, "sam@example.com", PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session[SIGNED_IN_AT] and session[SEEN_AT]


def account_loads(app, client) -> list[str]:
    """The statements that loaded the signed-in account for a page."""
    with count_queries(app) as statements:
        assert client.get("/account").status_code == 200
    return [statement for statement in statements if "FROM users" in statement]


def test_a_suppliers_account_is_loaded_with_its_organisation_in_one_statement(app, client, supplier):
    sign_in(client, "sam@example.com")
    with client.session_transaction() as session:
        assert session[WITH_ORGANISATION] is True
    [load] = account_loads(app, client)
    assert "JOIN organisations" in load


def test_a_staff_account_is_loaded_without_joining_an_organisation(app, client):
    with app.app_context():
        make_staff("olive@example.com")
    sign_in(client, "olive@example.com")
    with client.session_transaction() as session:
        assert session[WITH_ORGANISATION] is False
    [load] = account_loads(app, client)
    assert "organisations" not in load


def test_a_session_from_before_the_note_still_loads_the_organisation(app, client, supplier):
    """A cookie without the note (signed in before it was kept) loads as it always did."""
    sign_in(client, "sam@example.com")
    with client.session_transaction() as session:
        del session[WITH_ORGANISATION]
    [load] = account_loads(app, client)
    assert "JOIN organisations" in load
    assert "Your account" in client.get("/account").get_data(as_text=True)


def test_a_cookie_replayed_after_sign_out_is_refused(app, client, supplier):
    sign_in(client, "sam@example.com")
    cookie = client.get_cookie("session", domain="portal.test").value
    response = post_form(client, "/logout", {}, page="/account")
    assert response.headers["Location"] == "/login"
    client.set_cookie("session", cookie, domain="portal.test")
    assert client.get("/account").status_code == 302


def test_a_password_change_ends_every_other_session(app, supplier):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, "sam@example.com")
    sign_in(elsewhere, "sam@example.com")
    response = post_form(
        here, "/account/password", {"current_password": PASSWORD, "password": "a brand new passphrase"}
    )
    assert response.headers["Location"] == "/account"
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302


def test_a_disabled_accounts_live_session_is_refused_at_its_next_request(app, client, supplier):
    sign_in(client, "sam@example.com")
    with app.app_context():
        db.session.get(User, supplier.id).is_disabled = True
        db.session.commit()
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    ("key", "age", "reason"), [(SEEN_AT, 31 * 60, "idle"), (SIGNED_IN_AT, 12 * 3600 + 1, "absolute")]
)
def test_a_session_past_its_limit_ends_on_the_server(app, client, supplier, key, age, reason):
    sign_in(client, "sam@example.com")
    with client.session_transaction() as session:
        session[key] = int(time.time()) - age
    response = client.get("/account")
    assert response.headers["Location"].startswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert ("had not done anything" if reason == "idle" else "had been signed in for") in page
    assert client.get("/account").status_code == 302


def test_each_request_renews_the_idle_limit_without_writing_to_the_database(app, client, supplier):
    sign_in(client, "sam@example.com")
    with client.session_transaction() as session:
        session[SEEN_AT] = int(time.time()) - 20 * 60
    from tests.conftest import count_queries

    with count_queries(app) as statements:
        assert client.get("/account").status_code == 200
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)
    with client.session_transaction() as session:
        assert session[SEEN_AT] >= int(time.time()) - 5


def test_the_session_cookie_is_renewed_at_most_once_a_minute(app, client, supplier):
    sign_in(client, "sam@example.com")
    client.get("/account")  # the first page after signing in adds its form token to the session
    recent = int(time.time()) - (RENEW_AFTER_SECONDS - 20)
    with client.session_transaction() as session:
        session[SEEN_AT] = recent
    response = client.get("/account")
    assert response.status_code == 200
    # Within the minute: the noted time stands, and the response sets no cookie at all.
    assert not response.headers.getlist("Set-Cookie")
    with client.session_transaction() as session:
        assert session[SEEN_AT] == recent
    older = int(time.time()) - (RENEW_AFTER_SECONDS + 5)
    with client.session_transaction() as session:
        session[SEEN_AT] = older
    response = client.get("/account")
    assert response.headers.getlist("Set-Cookie")
    with client.session_transaction() as session:
        assert session[SEEN_AT] >= int(time.time()) - 5


def test_the_idle_limit_counts_from_the_last_noted_request(app, client, supplier):
    """A request within the minute is not noted, so the idle limit may end a session up to a
    minute early, never late: the timeout warning's countdown reads the same noted time."""
    sign_in(client, "sam@example.com")
    idle = app.config["SESSION_IDLE_SECONDS"]
    with client.session_transaction() as session:
        session[SEEN_AT] = int(time.time()) - idle + 30
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        session[SEEN_AT] = int(time.time()) - idle - 1
    response = client.get("/account")
    assert response.headers["Location"].startswith("/login")


def test_stay_signed_in_renews_the_idle_limit_but_not_the_absolute_one(app, client, supplier):
    sign_in(client, "sam@example.com")
    signed_in_at = int(time.time()) - 11 * 3600
    with client.session_transaction() as session:
        session[SEEN_AT] = int(time.time()) - 25 * 60
        session[SIGNED_IN_AT] = signed_in_at
    response = post_form(client, "/session/renew", {}, page="/account")
    assert response.status_code == 200
    assert response.json["seconds_left"] <= 3600
    with client.session_transaction() as session:
        assert session[SIGNED_IN_AT] == signed_in_at


def test_renewing_without_a_csrf_token_is_refused(client, supplier):
    sign_in(client, "sam@example.com")
    assert client.post("/session/renew").status_code == 400


def test_sign_in_failures_are_limited_per_account(client, supplier):
    for _ in range(10):
        assert attempt(client, "sam@example.com", "wrong password entirely").status_code == 200
    limited = attempt(client, "sam@example.com", PASSWORD)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)
    assert attempt(client, "someone-else@example.com", "wrong password entirely").status_code == 200


def test_successful_sign_ins_do_not_count_against_the_limit(client, supplier):
    for _ in range(12):
        assert attempt(client, "sam@example.com", PASSWORD).status_code == 302
        client.delete_cookie("session", domain="portal.test")


def change_password(client: FlaskClient, current: str):
    return post_form(
        client, "/account/password", {"current_password": current, "password": "a brand new passphrase"}
    )


def test_guesses_at_the_current_password_are_limited_per_account(app, client, supplier):
    sign_in(client, "sam@example.com")
    for _ in range(10):
        assert change_password(client, "not my password").status_code == 200
    other = app.test_client()  # another session of the same account: the count is the account's
    sign_in(other, "sam@example.com")
    limited = change_password(other, PASSWORD)
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)


def test_every_page_that_asks_for_the_password_shares_one_count(client, supplier):
    sign_in(client, "sam@example.com")
    for _ in range(5):
        change_password(client, "not my password")
    for _ in range(5):
        post_form(client, "/account/passkeys", {"name": "Laptop", "password": "not my password"})
    assert (
        post_form(client, "/account/two-factor/app", {"password": PASSWORD, "code": "123456"}).status_code
        == 429
    )


def test_sign_ins_during_a_database_outage_do_not_count_against_the_limit(fresh_app):
    """Twelve sign-ins answered 503 while the database refused connections; once it is back, the
    account is not locked out."""
    with fresh_app.app_context():
        make_supplier("outage@example.com")
        db.session.commit()
        down = threading.Event()
        refused = db.engine.dialect.loaded_dbapi.OperationalError

        @sa.event.listens_for(db.engine, "do_connect")
        def _refuse(*args):
            if down.is_set():
                raise refused("connection refused: could not connect to the database server")

        client = fresh_app.test_client()
        token = session_csrf_token(client)
        down.set()
        db.engine.dispose()
    for _ in range(12):
        response = client.post(
            "/login", data={"csrf_token": token, "email": "outage@example.com", "password": PASSWORD}
        )
        assert response.status_code == 503
    down.clear()
    assert attempt(client, "outage@example.com", PASSWORD).status_code == 302


def test_sign_in_failures_are_limited_per_client_address(client, supplier):
    for n in range(50):
        attempt(client, f"guess{n}@example.com", "wrong password entirely")
    assert attempt(client, "sam@example.com", PASSWORD).status_code == 429


def test_the_client_address_comes_from_the_proxy_only_when_one_is_trusted(app_factory):
    for proxies, expected_limited in [(0, True), (1, False)]:
        app = app_factory(TRUSTED_PROXY_COUNT=proxies)
        client = app.test_client()
        for n in range(50):
            post_form(
                client,
                "/login",
                {"email": f"g{n}@example.com", "password": "wrong password entirely"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
        response = post_form(
            client,
            "/login",
            {"email": "x@example.com", "password": "wrong password again"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert (response.status_code == 429) is expected_limited


def test_the_limits_hold_in_redis_shared_by_every_worker(app_factory):
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        skip_or_fail("REQUIRE_REDIS", f"Redis is not reachable at {url}")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    first = app_factory(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
    from portal.extensions import limiter

    try:
        for _ in range(10):
            post_form(
                first.test_client(), "/login", {"email": "shared@example.com", "password": "wrong one here"}
            )
        # A second worker (another app on the same Redis) sees the same count.
        second = app_factory(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
        response = post_form(
            second.test_client(), "/login", {"email": "shared@example.com", "password": PASSWORD}
        )
        assert response.status_code == 429
        assert "redis" in type(limiter._storage).__name__.lower()
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


@pytest.mark.parametrize(
    ("idle_seconds", "said"),
    [(45, "45 seconds"), (60, "1 minute"), (90, "1 minute and 30 seconds"), (1800, "30 minutes")],
)
def test_the_idle_sign_out_says_the_limit_as_people_read_it(app_factory, idle_seconds, said, transaction):
    short = app_factory(SESSION_IDLE_SECONDS=idle_seconds)
    visitor = short.test_client()
    with visitor.session_transaction() as session:
        session[ENDED] = "idle"
    page = visitor.get("/login").get_data(as_text=True)
    assert f"you had not done anything for {said}." in page
