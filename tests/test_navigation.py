"""The service navigation on every page, by who is looking, with the current section marked; the
start page's way in; the opportunities' links to alerts and the open data."""

import re

import pytest

from portal.navigation import PUBLIC, STAFF, SUPPLIER
from tests.factories import make_staff, make_supplier, sign_in
from tests.test_security import every_get_url

MENU = re.compile(r'<nav aria-label="Menu"[^>]*>(.*?)</nav>', re.S)
ITEM = re.compile(r'<li class="govuk-service-navigation__item[^"]*">(.*?)</li>', re.S)
LABELS = {
    "visitor": [section.label for section in PUBLIC],
    "supplier": [section.label for section in SUPPLIER],
    "officer": [section.label for section in STAFF],
}


def menu(html: str, url: str = "") -> tuple[list[str], list[str]]:
    """The menu's labels, and those marked current."""
    found = MENU.search(html)
    assert found, f"{url} has no service navigation"
    items = ITEM.findall(found.group(1))
    labels = [re.sub(r"<[^>]+>", "", item).strip() for item in items]
    return labels, [label for label, item in zip(labels, items, strict=True) if "aria-current" in item]


@pytest.fixture(params=list(LABELS))
def role_client(request, app, client):
    if request.param != "visitor":
        with app.app_context():
            user = make_staff() if request.param == "officer" else make_supplier()
        sign_in(client, user.email)
    client.role = request.param
    return client


def test_every_page_has_the_menu_of_whoever_is_looking(app, role_client):
    """Every GET route in the URL map: an HTML page carries its reader's menu, with at most one
    section marked; an error page, which loads no account, may show a visitor's."""
    checked = 0
    for url in every_get_url(app):
        with role_client.get(url) as response:
            page = response.content_type.startswith("text/html") and not 300 <= response.status_code < 400
            html = response.get_data(as_text=True) if page else None
        if html is None:
            continue
        labels, current = menu(html, url)
        expected = LABELS[role_client.role]
        assert labels == expected or (response.status_code >= 400 and labels == LABELS["visitor"]), url
        assert len(current) <= 1, url
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("role", "path", "current"),
    [
        ("visitor", "/", []),
        ("visitor", "/opportunities", ["Opportunities"]),
        ("visitor", "/voluntary-sector/needs", ["Voluntary sector"]),
        ("visitor", "/code-of-ethics", ["Code of Ethics"]),
        ("supplier", "/social-value/offers", ["Social value"]),
        ("supplier", "/organisation/profile", ["Your organisation"]),
        ("supplier", "/account", []),
        ("officer", "/officer/", ["Workspace"]),
        ("officer", "/officer/outbox", ["Workspace"]),
        ("officer", "/officer/offers", ["Offers"]),
        ("officer", "/officer/audit", ["Audit log"]),
        ("officer", "/opportunities", []),
    ],
)
def test_the_section_a_page_is_in_is_marked(app, client, role, path, current):
    if role != "visitor":
        with app.app_context():
            user = make_staff() if role == "officer" else make_supplier()
        sign_in(client, user.email)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert menu(html)[1] == current
    if current:
        assert html.count('aria-current="page"') + html.count('aria-current="true"') == 1


def test_the_start_page_starts_registration_and_offers_sign_in_and_opportunities(client):
    html = client.get("/").get_data(as_text=True)
    start = re.search(r'<a href="([^"]+)" role="button"[^>]*govuk-button--start[^>]*>\s*Start now', html)
    assert start and start.group(1) == "/register"
    assert 'Already registered? <a class="govuk-link" href="/login">Sign in</a>' in html
    assert '<a class="govuk-link" href="/opportunities">Find opportunities without an account</a>' in html


def test_the_opportunities_link_the_alerts_and_the_open_data(client):
    html = client.get("/opportunities").get_data(as_text=True)
    assert 'href="/opportunities/alerts"' in html
    assert 'href="/opportunities.ocds.json"' in html
