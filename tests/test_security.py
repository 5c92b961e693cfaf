import re

from flask import session

from portal import create_app
from portal.database import LARGEST_ID, RowIdConverter
from tests.factories import make_supplier, sign_in
from tests.test_config import PRODUCTION

EXAMPLE_ARGUMENTS = {
    "filename": "css/portal.css",
    "token": "not-a-real-token",
    "user_id": 1,
    "message_id": 1,
    "organisation_id": 1,
    "accreditation_id": 1,
    "site_id": 1,
    "slug": "about",
    "reference": "CE-0000-0000",
    "number": 1,
    "entry_id": 1,
    "need_id": 1,
    "move": "met",
    "action": "confirm",
    "offer_id": 1,
    "report_id": 1,
    "measure_id": 1,
    "item_id": 1,
    "kind": "outcome",
    "opportunity_id": 1,
    "lot_id": 1,
    "exercise_id": 1,
    "invitee_id": 1,
    "passkey_id": 1,
}
# Where a route's converter takes other values than EXAMPLE_ARGUMENTS' (an `any(...)` of its own).
ENDPOINT_ARGUMENTS = {
    "social_value.offer_step": {"slug": "theme"},
    "social_value.move_offer": {"move": "submit"},
    "social_value_officers.move_offer": {"move": "pick_up"},
    "social_value_officers.retire_matrix_item": {"action": "retire"},
}


def example_arguments(rule) -> dict:
    """Example values for every argument of the rule (EXAMPLE_ARGUMENTS, less the endpoint's own)."""
    values = {**EXAMPLE_ARGUMENTS, **ENDPOINT_ARGUMENTS.get(rule.endpoint, {})}
    return {argument: values[argument] for argument in rule.arguments}


def every_get_url(app) -> list[str]:
    """One concrete URL for every GET route in the URL map (guard rail: new routes are covered)."""
    adapter = app.url_map.bind("portal.test")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        missing = rule.arguments - EXAMPLE_ARGUMENTS.keys()
        assert not missing, f"add an example value for {missing} (in {rule.rule}) to EXAMPLE_ARGUMENTS"
        urls.append(adapter.build(rule.endpoint, example_arguments(rule)))
    return urls


def assert_security_headers(client, url: str) -> None:
    with client.get(url) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    if url.startswith("/static/"):  # a file, which may run and load nothing
        assert csp.startswith("default-src 'none';"), url
    else:
        assert "default-src 'self'" in csp, url
        assert "object-src 'none'" in csp, url
    assert "frame-ancestors 'none'" in csp, url
    assert "'unsafe-inline'" not in csp, url
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["X-Frame-Options"] == "DENY", url
    assert headers["Referrer-Policy"] == "same-origin", url
    assert "Strict-Transport-Security" not in headers, url  # only in production


def test_every_route_sends_the_security_headers(app, client):
    for url in [*every_get_url(app), "/no-such-page"]:
        assert_security_headers(client, url)


def test_every_route_sends_the_security_headers_to_a_signed_in_supplier(app, client):
    with app.app_context():
        user = make_supplier()
    sign_in(client, user.email)
    for url in every_get_url(app):
        assert_security_headers(client, url)


def test_signed_in_pages_are_never_cached(app, client):
    with app.app_context():
        user = make_supplier()
    sign_in(client, user.email)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_the_only_inline_script_carries_this_responses_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", response.get_data(as_text=True))
    inline = [attrs for attrs in scripts if "src=" not in attrs]
    assert inline == [f' nonce="{nonce}"']
    assert all('type="module"' in attrs for attrs in scripts if "src=" in attrs)
    assert "style=" not in response.get_data(as_text=True)


def test_each_response_gets_a_new_nonce(client):
    first = client.get("/").headers["Content-Security-Policy"]
    second = client.get("/").headers["Content-Security-Policy"]
    assert first != second


def test_a_page_rendered_for_a_session_is_never_cached(app, client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    with client.session_transaction() as stored:
        stored["csrf_token"] = "x"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_production_sends_hsts(monkeypatch, database_url):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", database_url)

    response = create_app("production").test_client().get("/cookies")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_is_untouched_by_public_pages(app_factory):
    app = app_factory()
    with app.test_request_context("/"):
        app.preprocess_request()
        assert not session


def test_an_id_larger_than_any_row_is_no_page_on_every_route(app, client):
    """Every `<int:...>` in every route: past the largest INTEGER a 404, never the database's
    overflow (a 500 on PostgreSQL)."""
    adapter = app.url_map.bind("portal.test")
    checked = 0
    for rule in app.url_map.iter_rules():
        numbers = [
            name for name, converter in rule._converters.items() if isinstance(converter, RowIdConverter)
        ]
        if not numbers:
            continue
        for value in (LARGEST_ID + 1, 10**20):
            url = adapter.build(rule.endpoint, {**example_arguments(rule), **dict.fromkeys(numbers, value)})
            method = "GET" if "GET" in rule.methods else "POST"
            assert client.open(url, method=method).status_code == 404, (rule.endpoint, url)
        assert (
            client.open(
                adapter.build(
                    rule.endpoint, {**example_arguments(rule), **dict.fromkeys(numbers, LARGEST_ID)}
                ),
                method="GET" if "GET" in rule.methods else "POST",
            ).status_code
            != 500
        )
        checked += 1
    assert checked > 40
