import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.organisations.models import LocalStatus, Organisation
from portal.outbox.worker import run_until_idle
from tests.conftest import count_queries, post_form
from tests.factories import make_organisation, make_staff, sign_in
from tests.hostile import HOSTILE_VALUES
from tests.organisations.conftest import ABOUT, ADDRESS, SIZE, STATUS, complete_profile, organisation_of


def test_the_task_list_shows_each_step_and_its_state(client, member):
    html = client.get("/organisation/profile").get_data(as_text=True)
    for title in (
        "About the organisation",
        "Registered address",
        "Size",
        "What it supplies",
        "Accreditations",
        "Real Living Wage",
        "Tax compliance",
    ):
        assert title in html
    assert "Modern slavery statement" not in html  # not asked below the turnover threshold
    assert html.count("Incomplete") >= 7
    post_form(client, "/organisation/profile/about", ABOUT)
    assert "Completed" in client.get("/organisation/profile").get_data(as_text=True)


def test_a_step_saves_and_goes_on_to_the_next(app, client, member):
    response = post_form(client, "/organisation/profile/about", ABOUT)
    assert response.headers["Location"] == "/organisation/profile/address"
    org = organisation_of(app, member)
    assert (org.legal_name, org.companies_house_number, org.name) == (
        "Winsford Widgets Ltd",
        "01234567",
        "Winsford Widgets Ltd",
    )
    page = client.get("/organisation/profile/about").get_data(as_text=True)
    assert 'value="Winsford Widgets Ltd"' in page  # saved answers come back


def test_a_supplier_completes_the_profile_registers_and_the_officers_are_emailed(
    app, client, member, smtp_server
):
    complete_profile(client)
    check = client.get("/organisation/profile/check").get_data(as_text=True)
    assert "SME: 42 staff, turnover £3.1m" in check
    assert "Local: the registered address is in the force area" in check
    assert "Small (Companies Act 2006" in check
    response = post_form(client, "/organisation/profile/check", {})
    assert response.headers["Location"] == "/account"
    org = organisation_of(app, member)
    assert org.is_registered
    assert org.local_status == LocalStatus.LOCAL
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditRecord.action).where(AuditRecord.action == "organisation.registered")
        )
        run_until_idle()
    email = smtp_server.to("procurement@example.org")[0]
    assert email["Subject"] == "New registration: Winsford Widgets Ltd"
    assert "/officer/organisations/" in email.get_body(("plain",)).get_content()


def test_check_answers_waits_until_every_step_is_done(client, member):
    post_form(client, "/organisation/profile/about", ABOUT)
    assert client.get("/organisation/profile/check").headers["Location"] == "/organisation/profile"


def test_the_modern_slavery_statement_is_asked_only_at_36m_turnover(app, client, member):
    complete_profile(client, size={**SIZE, "turnover": "36,000,000"})
    html = client.get("/organisation/profile").get_data(as_text=True)
    assert "Modern slavery statement" in html
    assert organisation_of(app, member).modern_slavery_statement_url == "https://example.com/modern-slavery"


def test_the_vcse_question_is_not_asked_of_a_charity(client, member):
    post_form(
        client,
        "/organisation/profile/about",
        {
            "legal_name": "Winsford Youth Trust",
            "legal_form": "registered_charity",
            "charity_number": "1234567",
        },
    )
    html = client.get("/organisation/profile/status").get_data(as_text=True)
    assert "social enterprise, a mutual" not in html
    response = post_form(
        client,
        "/organisation/profile/status",
        {"supported_employment_provider": "no", "public_service_mutual": "no"},
    )
    assert response.status_code == 302


def test_a_registered_organisation_changing_its_classification_tells_the_officers(
    app, client, member, smtp_server
):
    complete_profile(client)
    post_form(client, "/organisation/profile/check", {})
    post_form(client, "/organisation/profile/size", {**SIZE, "staff_headcount": "250"})
    with app.app_context():
        run_until_idle()
    subjects = [m["Subject"] for m in smtp_server.to("procurement@example.org")]
    assert "Classification changed: Winsford Widgets Ltd" in subjects
    # An answer that changes no classification tells nobody.
    post_form(client, "/organisation/profile/living-wage", {"living_wage": "accredited"})
    with app.app_context():
        run_until_idle()
    assert len(smtp_server.to("procurement@example.org")) == 2


@pytest.mark.parametrize(
    ("slug", "data", "field", "message"),
    [
        ("about", {**ABOUT, "legal_name": ""}, "legal_name", "Enter your organisation"),
        ("about", {**ABOUT, "legal_form": ""}, "legal_form", "Select your organisation"),
        ("about", {**ABOUT, "companies_house_number": "1234567"}, "companies_house_number", "8 digits"),
        ("about", {**ABOUT, "companies_house_number": "ABC12345"}, "companies_house_number", "8 digits"),
        # Digits of another script would slip past the "registered elsewhere" check: refused.
        (
            "about",
            {**ABOUT, "companies_house_number": "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"},
            "companies_house_number",
            "8 digits",
        ),
        (
            "about",
            {**ABOUT, "companies_house_number": ""},
            "companies_house_number",
            "companies, LLPs and CICs have one",
        ),
        ("about", {**ABOUT, "website": "not a website"}, "website", "full address"),
        (
            "about",
            {"legal_name": "Trust", "legal_form": "registered_charity", "charity_number": "12"},
            "charity_number",
            "6 to 8 digits",
        ),
        (
            "about",
            {"legal_name": "Trust", "legal_form": "registered_charity", "charity_number": "\u0661" * 7},
            "charity_number",
            "6 to 8 digits",
        ),
        ("address", {**ADDRESS, "postcode": "NOT A CODE"}, "postcode", "Enter a full UK postcode"),
        ("address", {**ADDRESS, "address_line_1": ""}, "address_line_1", "Enter address line 1"),
        ("size", {**SIZE, "turnover": "-5"}, "turnover", "must be 0 or more"),
        ("size", {**SIZE, "turnover": "lots"}, "turnover", "amount in pounds"),
        ("size", {**SIZE, "turnover": "1,00,0"}, "turnover", "amount in pounds"),
        ("size", {**SIZE, "staff_headcount": "forty"}, "staff_headcount", "whole number"),
        ("size", {**SIZE, "staff_headcount": "-1"}, "staff_headcount", "whole number"),
        ("size", {**SIZE, "staff_headcount": "\uff14\uff12"}, "staff_headcount", "whole number"),
        ("size", {**SIZE, "turnover": "\u0664\u0662"}, "turnover", "amount in pounds"),
        ("size", {**SIZE, "financial_year_end": ["31", "2", "2026"]}, "financial_year_end", "real date"),
        (
            "size",
            {**SIZE, "financial_year_end": ["", "3", "2026"]},
            "financial_year_end",
            "must include a day",
        ),
        ("size", {**SIZE, "financial_year_end": ["", "", ""]}, "financial_year_end", "Enter the date"),
        ("supplies", {}, "divisions", "Select at least one"),
        ("status", {**STATUS, "public_service_mutual": ""}, "public_service_mutual", "Select yes"),
        ("living-wage", {"living_wage": "sometimes"}, "living_wage", "Not a valid choice"),
        ("tax", {}, "declared", "Confirm the organisation"),
    ],
)
def test_each_bad_answer_is_explained_at_the_field_and_the_rest_kept(
    app, client, member, slug, data, field, message
):
    response = post_form(client, f"/organisation/profile/{slug}", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert message in html
    assert f'href="#{field}' in html  # the summary links to the field
    kept = [
        value
        for name, value in data.items()
        if name != field
        and isinstance(value, str)
        and value
        and name
        not in {"legal_form", "vcse_declared", "supported_employment_provider", "public_service_mutual"}
    ]
    for value in kept:
        assert f'value="{value}"' in html, value
    assert organisation_of(app, member).legal_name is None or slug != "about"


def test_money_accepts_commas_pence_and_a_pound_sign(app, client, member):
    post_form(
        client, "/organisation/profile/size", {**SIZE, "turnover": "£1,250,000.5", "balance_sheet_total": ""}
    )
    org = organisation_of(app, member)
    assert org.turnover == Decimal("1250000.50")
    assert org.balance_sheet_total is None


def test_a_sole_trader_without_a_balance_sheet_gets_a_size_band(app, client, member):
    complete_profile(client)
    answers = {**SIZE, "staff_headcount": "1", "turnover": "38,000", "balance_sheet_total": ""}
    answers["financial_year_end"] = ["5", "April", "2026"]  # a month's name is read as its number
    response = post_form(client, "/organisation/profile/size", answers)
    assert response.status_code == 302, response.get_data(as_text=True)
    check = client.get("/organisation/profile/check").get_data(as_text=True)
    assert "SME: 1 staff, turnover £38,000" in check
    assert "Micro (Companies Act 2006: within the micro limits on headcount and turnover" in check
    assert organisation_of(app, member).financial_year_end == date(2026, 4, 5)


@pytest.mark.parametrize("kind", list(HOSTILE_VALUES))
@pytest.mark.parametrize(("slug", "base"), [("about", ABOUT), ("address", ADDRESS), ("size", SIZE)])
def test_hostile_answers_never_cause_a_server_error(app, client, member, slug, base, kind):
    for field in base:
        response = post_form(client, f"/organisation/profile/{slug}", {**base, field: HOSTILE_VALUES[kind]})
        assert response.status_code in {200, 302}, field
    org = organisation_of(app, member)
    for value in (org.legal_name, org.town, org.address_line_1):
        assert value is None or "\x00" not in value
    assert "<script>alert(1)</script>" not in client.get("/organisation/profile").get_data(as_text=True)


def test_a_companies_house_number_registered_elsewhere_is_refused_with_advice(app, client, member):
    with app.app_context():
        other = make_organisation("Other Ltd")
        other.companies_house_number = "01234567"
        db.session.commit()
    html = post_form(client, "/organisation/profile/about", ABOUT).get_data(as_text=True)
    assert "already registered to another organisation" in html
    assert "Ask a colleague there to invite you" in html
    assert organisation_of(app, member).companies_house_number is None


def test_a_boundary_postcode_asks_which_council_and_marks_local_to_be_verified(app, client, member):
    response = post_form(client, "/organisation/profile/address", {**ADDRESS, "postcode": "CH1 4AA"})
    assert response.headers["Location"] == "/organisation/profile/address/council"
    page = client.get("/organisation/profile/address/council").get_data(as_text=True)
    assert "straddles" in page
    post_form(client, "/organisation/profile/address/council", {"authority": "E06000050"})
    org = organisation_of(app, member)
    assert org.local_status == LocalStatus.DECLARED
    assert "to be verified" in org.local_explanation
    post_form(client, "/organisation/profile/address/council", {"authority": "outside"})
    assert organisation_of(app, member).local_status == LocalStatus.NOT_LOCAL


def step_status(client, slug: str) -> str:
    """What the task list says of a step: "Completed" or "Incomplete"."""
    html = client.get("/organisation/profile").get_data(as_text=True)
    status = re.search(rf'id="status-{slug}">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", status.group(1)).strip()


def test_an_unanswered_council_area_leaves_local_unknown_the_step_unfinished_and_registration_shut(
    app, client, member
):
    complete_profile(client)
    # SK11 6AA (Macclesfield) lies in a district that straddles the boundary: asked, not answered.
    response = post_form(client, "/organisation/profile/address", {**ADDRESS, "postcode": "SK11 6AA"})
    assert response.headers["Location"] == "/organisation/profile/address/council"
    org = organisation_of(app, member)
    assert (org.local_status, org.needs_council_area) == (None, True)
    assert "not known until you say which council area the registered address (SK11 6AA) is in" in (
        org.local_explanation
    )
    assert step_status(client, "address") == "Incomplete"
    assert client.get("/organisation/profile/check").headers["Location"] == "/organisation/profile"
    assert (
        post_form(client, "/organisation/profile/check", {}, page="/organisation/profile/tax").status_code
        == 302
    )
    assert not organisation_of(app, member).is_registered

    post_form(client, "/organisation/profile/address/council", {"authority": "outside"})
    org = organisation_of(app, member)
    assert (org.local_status, org.needs_council_area, org.declared_authority) == (
        LocalStatus.NOT_LOCAL,
        False,
        "outside",
    )
    assert step_status(client, "address") == "Completed"
    check = client.get("/organisation/profile/check").get_data(as_text=True)
    assert "None of these: outside the force area" in check
    assert post_form(client, "/organisation/profile/check", {}).headers["Location"] == "/account"
    assert organisation_of(app, member).is_registered


def test_a_site_whose_council_area_is_unanswered_keeps_the_sites_step_unfinished(app, client, member):
    complete_profile(client)
    post_form(client, "/organisation/profile/address", {**ADDRESS, "postcode": "M1 1AE"})
    site = {
        "label": "Macclesfield shop",
        "address_line_1": "2 Mill Street",
        "town": "Macclesfield",
        "postcode": "SK11 6AA",
    }
    response = post_form(client, "/organisation/profile/sites", site)
    assert "/council" in response.headers["Location"]
    org = organisation_of(app, member)
    assert org.local_status is None
    assert step_status(client, "sites") == "Incomplete"
    sites_page = client.get("/organisation/profile/sites").get_data(as_text=True)
    assert "Say which council area Macclesfield shop is in" in sites_page
    assert client.get("/organisation/profile/check").status_code == 302

    post_form(client, response.headers["Location"], {"authority": "E06000049"})
    org = organisation_of(app, member)
    assert org.local_status == LocalStatus.DECLARED
    assert "Macclesfield shop (SK11 6AA) is in Cheshire East" in org.local_explanation
    assert step_status(client, "sites") == "Completed"
    assert "Council area (as you told us): Cheshire East" in client.get(
        "/organisation/profile/sites"
    ).get_data(as_text=True)


def test_premises_confirmed_local_make_the_organisation_local_while_another_awaits_its_answer(
    app, client, member
):
    complete_profile(client)
    post_form(client, "/organisation/profile/address", {**ADDRESS, "postcode": "SK11 6AA"})
    post_form(
        client,
        "/organisation/profile/sites",
        {"label": "Depot", "address_line_1": "2 Dock Road", "town": "Warrington", "postcode": "WA1 1AA"},
    )
    org = organisation_of(app, member)
    assert (org.local_status, org.needs_council_area) == (LocalStatus.LOCAL, True)
    assert step_status(client, "address") == "Incomplete"  # the question is still unanswered


def test_a_site_in_cheshire_makes_an_organisation_based_elsewhere_local(app, client, member):
    post_form(client, "/organisation/profile/address", {**ADDRESS, "postcode": "M1 1AE"})
    assert organisation_of(app, member).local_status == LocalStatus.NOT_LOCAL
    post_form(
        client,
        "/organisation/profile/sites",
        {
            "label": "Warrington depot",
            "address_line_1": "2 Dock Road",
            "town": "Warrington",
            "postcode": "WA1 1AA",
        },
    )
    assert organisation_of(app, member).local_status == LocalStatus.LOCAL
    with app.app_context():
        site_id = db.session.scalar(sa.text("SELECT id FROM organisation_sites"))
    post_form(client, f"/organisation/profile/sites/{site_id}/remove", {}, page="/organisation/profile/sites")
    assert organisation_of(app, member).local_status == LocalStatus.NOT_LOCAL


def test_staff_have_no_organisation_pages(app, client):
    with app.app_context():
        officer = make_staff()
    sign_in(client, officer.email)
    assert client.get("/organisation/profile").status_code == 403


def test_an_unknown_step_is_not_found(client, member):
    assert client.get("/organisation/profile/favourite-colour").status_code == 404


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # The account with its organisation; then what the page reads: the CPV divisions (is
        # "what it supplies" done), the sites, the accreditations ("check your answers" reads all
        # three in one statement). The figures in force (does the modern slavery step apply) and
        # the divisions' choices are read once a process.
        ("/organisation/profile", 2),
        ("/organisation/profile/check", 2),
        ("/organisation/profile/sites", 2),
        ("/organisation/profile/accreditations", 2),
        ("/organisation/profile/about", 1),
        ("/organisation/profile/size", 1),
        ("/organisation/profile/supplies", 2),
    ],
)
def test_profile_pages_run_a_fixed_number_of_queries(app, client, member, url, expected):
    complete_profile(client)
    counts = []
    for extra in (0, 5):
        with app.app_context():
            org = db.session.get(Organisation, member.organisation_id)
            for n in range(extra):
                make_organisation(f"Padding {n}")
                org.sites.append(
                    __import__("portal.organisations.models", fromlist=["OrganisationSite"]).OrganisationSite(
                        label=f"Site {n}", address_line_1="x", postcode="M1 1AE"
                    )
                )
            db.session.commit()
        with count_queries(app) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts == [expected, expected], counts


def summary(html: str) -> list[tuple[str, str]]:
    """A page's summary list rows as (key, value), spaces squashed, <bdi> tags dropped."""
    rows = re.findall(
        r'__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
        re.sub(r"</?bdi>", "", html),
        re.DOTALL,
    )
    return [(key, " ".join(value.split())) for key, value in rows]


def test_each_page_shows_every_site_division_and_accreditation_in_order(app, client, member):
    complete_profile(client)  # CPV divisions 45 and 79
    for label, postcode in (("Depot", "M1 1AE"), ("Shop", "LS1 1UR")):
        site = {
            "label": label,
            "address_line_1": f"1 {label} Road",
            "town": "Northtown",
            "postcode": postcode,
        }
        post_form(client, "/organisation/profile/sites", site)
    for accreditation in (
        {"kind": "iso_14001", "certificate_number": "EMS 1", "expires_on": ["30", "6", "2027"]},
        {
            "kind": "other",
            "other_name": "Green Kitchens",
            "certificate_number": "GK 2",
            "expires_on": ["1", "1", "2028"],
        },
    ):
        post_form(
            client, "/organisation/profile/accreditations", accreditation, content_type="multipart/form-data"
        )
    sites = [("Depot", "1 Depot Road, Northtown, M1 1AE"), ("Shop", "1 Shop Road, Northtown, LS1 1UR")]
    accreditations = [
        ("ISO 14001 (environmental management)", "Certificate EMS 1, expires 30 June 2027"),
        ("Green Kitchens", "Certificate GK 2, expires 1 January 2028"),
    ]
    divisions = (
        "Construction work; Business services: law, marketing, consulting, recruitment, printing and security"
    )
    shown = {key for key, _ in sites + accreditations} | {"Goods, works and services"}
    check = summary(client.get("/organisation/profile/check").get_data(as_text=True))
    assert [row for row in check if row[0] in shown] == [
        ("Depot", "1 Depot Road, M1 1AE"),
        ("Shop", "1 Shop Road, LS1 1UR"),
        ("Goods, works and services", divisions),
        ("ISO 14001 (environmental management)", "EMS 1, expires 30 June 2027"),
        ("Green Kitchens", "GK 2, expires 1 January 2028"),
    ]
    with app.app_context():
        org = db.session.get(Organisation, member.organisation_id)
        ids = {"sites": [s.id for s in org.sites], "accreditations": [a.id for a in org.accreditations]}
    for page, rows in (("sites", sites), ("accreditations", accreditations)):
        html = client.get(f"/organisation/profile/{page}").get_data(as_text=True)
        assert summary(html) == rows
        assert [int(n) for n in re.findall(rf"/profile/{page}/(\d+)/remove", html)] == ids[page]
    supplies = client.get("/organisation/profile/supplies").get_data(as_text=True)
    assert re.findall(r'value="(\d+)" checked', supplies) == ["45", "79"]


def test_changing_sites_or_accreditations_from_check_your_answers_returns_there(client, member):
    complete_profile(client)
    site = {"label": "Depot", "address_line_1": "2 Dock Road", "town": "Warrington", "postcode": "WA1 1AA"}
    added = post_form(client, "/organisation/profile/sites?from=check", site)
    assert added.headers["Location"] == "/organisation/profile/sites?from=check"
    assert 'href="/organisation/profile/check"' in client.get(added.headers["Location"]).get_data(
        as_text=True
    )
    done = post_form(
        client,
        "/organisation/profile/accreditations/done?from=check",
        {},
        page="/organisation/profile/accreditations?from=check",
    )
    assert done.headers["Location"] == "/organisation/profile/check"


def test_the_cpv_divisions_choices_are_read_once_a_process_until_the_next_seed(app, client, member, runner):
    from portal.reference import cpv
    from portal.reference.models import CpvDivision

    cpv.forget_division_choices()
    with count_queries(app) as first:
        assert "Construction work (45000000-7)" in client.get("/organisation/profile/supplies").get_data(
            as_text=True
        )
    with count_queries(app) as second:
        assert client.get("/organisation/profile/supplies").status_code == 200
    assert len(first) == len(second) + 1  # the choices, read on the first page only
    with app.app_context():
        db.session.get(CpvDivision, "45").title = "Building work"
        db.session.commit()
    assert "Construction work (45000000-7)" in client.get("/organisation/profile/supplies").get_data(
        as_text=True
    )
    cpv.forget_division_choices()  # what `flask seed` does in the process it runs in
    assert "Building work (45000000-7)" in client.get("/organisation/profile/supplies").get_data(as_text=True)
    assert runner.invoke(args=["seed"]).exit_code == 0  # the shipped title back, and forgotten again
    assert "Construction work (45000000-7)" in client.get("/organisation/profile/supplies").get_data(
        as_text=True
    )
