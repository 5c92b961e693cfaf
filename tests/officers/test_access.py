"""Guard rails: every /officer/ page refuses suppliers and anonymous visitors; admin-only pages
refuse officers."""

import pytest

from tests.conftest import session_csrf_token
from tests.factories import make_staff, make_supplier, sign_in
from tests.test_security import example_arguments

ADMIN_ONLY = {
    "officers.users",
    "officers.invite_officer",
    "officers.disable_user",
    "officers.enable_user",
    "ethics_officers.code_versions",
    "ethics_officers.publish_code",
    "social_value_officers.edit_matrix",
    "social_value_officers.retire_matrix_item",
    "social_value_officers.edit_measure",
    "social_value_officers.edit_matrix_item",
}


def officer_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/officer")]


def request_each(app, client):
    """Every /officer/ endpoint once (GET where it answers GET, else a POST with a CSRF token)."""
    token = session_csrf_token(client)
    adapter = app.url_map.bind("portal.test")
    for rule in officer_rules(app):
        url = adapter.build(rule.endpoint, example_arguments(rule))
        method = "GET" if "GET" in rule.methods else "POST"
        yield (
            rule.endpoint,
            client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None),
        )


def test_the_officer_pages_exist(app):
    assert len(officer_rules(app)) >= 9


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_officer_page(app, client):
    for endpoint, response in request_each(app, client):
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login"), endpoint


def test_a_supplier_is_refused_every_officer_page(app, client):
    with app.app_context():
        supplier = make_supplier()
    sign_in(client, supplier.email)
    for endpoint, response in request_each(app, client):
        assert response.status_code == 403, endpoint
        assert "You do not have permission" in response.get_data(as_text=True)


def test_an_officer_is_refused_the_admin_pages_only(app, client):
    with app.app_context():
        officer = make_staff()
    sign_in(client, officer.email)
    for endpoint, response in request_each(app, client):
        if endpoint in ADMIN_ONLY:
            assert response.status_code == 403, endpoint
        elif endpoint == "accounts_officers.reset_app":
            # An officer resets a supplier's app, never staff's (test_two_factor): either may be the example.
            assert response.status_code in {302, 403, 404}, endpoint
        else:
            assert response.status_code in {200, 302, 404}, endpoint


@pytest.mark.parametrize(("admin", "lands_on"), [(False, "/officer/"), (True, "/officer/")])
def test_staff_land_in_the_officer_workspace(app, client, admin, lands_on):
    with app.app_context():
        staff = make_staff(admin=admin)
    assert sign_in(client, staff.email).headers["Location"] == lands_on
    html = client.get("/officer/").get_data(as_text=True)
    assert "Officer workspace" in html
    assert ("Accounts" in html) is admin
