import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.outbox import notify
from portal.time import utcnow

PUBLIC_PAGES = ["/", "/accessibility", "/privacy", "/cookies"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_visitor_can_read_each_public_page_in_the_forces_design(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cheshire Constabulary and Police and Crime Commissioner" in html
    assert "Supplier Portal" in html
    assert 'href="#main-content"' in html  # skip link
    assert "govuk-phase-banner" in html
    # The crown, the crest, GDS Transport and the GOV.UK name are reserved for GOV.UK.
    assert "govuk-logo" not in html
    assert "crest" not in html
    assert "Crown copyright" not in html
    outside_main = html.split("<main")[0] + html.split("</main>")[1]
    assert "GOV.UK" not in outside_main
    assert re.search(r"<title>[^<]+– Supplier Portal – Cheshire Constabulary and PCC</title>", html)


def test_stylesheet_uses_a_system_font_not_gds_transport(client):
    with client.get("/static/css/portal.css") as response:
        css = response.get_data(as_text=True)
    assert "GDS Transport" not in css
    assert "font-family:arial,sans-serif" in css.replace(" ", "")


@pytest.mark.parametrize(
    ("path", "placeholders"),
    [("/privacy", "data protection officer"), ("/accessibility", "date the website was last tested")],
)
def test_unsupplied_force_facts_show_as_marked_placeholders(client, path, placeholders):
    html = client.get(path).get_data(as_text=True)
    assert "portal-placeholder" in html
    assert "To be supplied by the force" in html
    assert placeholders in html.lower()


def test_supplied_force_facts_replace_the_placeholders(app_factory, tmp_path):
    facts = tmp_path / "facts.toml"
    facts.write_text(
        '[data_protection_officer]\nname = "Data Protection Officer"\nemail = "dpo@example.org"\n'
        'postal_address = "HQ"\n'
    )
    app = app_factory(FORCE_FACTS_FILE=str(facts))
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert 'href="mailto:dpo@example.org"' in html
    assert "the data protection officer&#39;s email" not in html.lower()


def test_the_accessibility_statement_has_the_model_statements_sections(client):
    html = client.get("/accessibility").get_data(as_text=True)
    headings = re.findall(r"<h[23][^>]*>([^<]+)</h[23]>", html)
    for section in (
        "How accessible this website is",
        "Feedback and contact information",
        "If you cannot use this website",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website’s accessibility",
        "Compliance status",
        "Non-accessible content",
        "Non-compliance with the accessibility regulations",
        "Disproportionate burden",
        "Content that’s not within the scope of the accessibility regulations",
        "What we’re doing to improve accessibility",
        "Preparation of this accessibility statement",
    ):
        assert section in headings, section
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert (
        "This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA"
        in text
    )
    assert "2.2.1 (Timing Adjustable)" in text  # each known problem names the criterion it fails
    assert "You are signed out 12 hours after signing in" in text
    assert "Relay UK: dial 18001" in text
    assert "British Sign Language" in text
    assert "working days" in text
    assert "axe-core" in text and "W3C Nu Html Checker" in text and "320 CSS pixels" in text
    assert "We aim for" not in text and "We will confirm" not in text


def test_the_statement_gives_the_limits_the_portal_runs_with(app_factory):
    html = (
        app_factory(SESSION_ABSOLUTE_SECONDS=8 * 3600)
        .test_client()
        .get("/accessibility")
        .get_data(as_text=True)
    )
    assert "You are signed out 8 hours after signing in" in html


def test_privacy_notice_names_the_joint_controllers(client):
    html = client.get("/privacy").get_data(as_text=True)
    assert "Chief Constable" in html
    assert "Police and Crime Commissioner for Cheshire" in html
    assert "joint controllers" in html.lower()


def test_cookies_page_lists_only_essential_cookies(client):
    html = client.get("/cookies").get_data(as_text=True)
    assert "__Host-session" in html
    assert "analytics" in html.lower()  # says there are none


def test_healthz_reports_a_reachable_database_and_an_empty_outbox(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "outbox": {"depth": 0, "oldest_queued_seconds": None},
    }


def test_healthz_reports_the_outbox_depth_and_the_oldest_messages_age(app, client):
    with app.app_context():
        for n in range(3):
            message = notify(
                "outbox/smtp_check", to=f"s{n}@example.com", subject="s", context={"server": "s"}
            )
            message.created_at = utcnow() - timedelta(minutes=10 - n)
        db.session.commit()
    outbox = client.get("/healthz").json["outbox"]
    assert outbox["depth"] == 3
    assert 599 <= outbox["oldest_queued_seconds"] <= 605


def test_healthz_is_503_when_the_database_is_unreachable(app_factory):
    app = app_factory("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
