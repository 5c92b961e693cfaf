"""Rules nobody should have to remember: every page needs sign-in unless it is on a short,
explicit public list."""

from tests.conftest import session_csrf_token
from tests.test_security import example_arguments

PUBLIC_ENDPOINTS = {
    "static",
    "pages.start",
    "pages.accessibility",
    "pages.privacy",
    "pages.cookies",
    "pages.healthz",
    "pages.security_txt",
    "pages.feedback",
    "pages.feedback_sent",
    "accounts.register",
    "accounts.login",
    "accounts.enter_code",
    "accounts.enter_recovery_code",
    "accounts.add_app_to_sign_in",
    "accounts.passkey_options",
    "accounts.sign_in_with_passkey",
    "accounts.verify_email",
    "accounts.confirm_email",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.accept_invitation",
    "organisations.join",
    "ethics.code",
    "ethics.versions",
    "ethics.version",
    "voluntary.directory",
    "voluntary.entry",
    "voluntary.needs",
    "voluntary.need",
    "social_value.matrix",
    "opportunities.opportunities",
    "opportunities.opportunity",
    "opportunities.ocds_release_package",
    "opportunities.unsubscribe",
}


def test_the_public_list_is_exactly_the_views_marked_public(app):
    from portal.accounts.access import is_public_endpoint

    with app.test_request_context():
        marked = {rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(rule.endpoint)}
    assert marked == PUBLIC_ENDPOINTS


def test_every_other_endpoint_sends_an_anonymous_visitor_to_sign_in(app, client):
    token = session_csrf_token(client)
    adapter = app.url_map.bind("portal.test")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = adapter.build(rule.endpoint, example_arguments(rule))
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 302, rule.endpoint
        assert response.headers["Location"].startswith("/login"), rule.endpoint
        checked += 1
    assert checked >= 5
