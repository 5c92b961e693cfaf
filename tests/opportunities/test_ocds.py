"""The OCDS feed at /opportunities.ocds.json: valid against the OCDS 1.1.5 schemas (copied beside
this file with their Apache 2.0 licence, resolved through a local registry so that nothing is
fetched); the extension fields (lots, suitability, gross value, links), which the core schema
does not know, checked by their own tests; pages and their links; 404s; drafts never shown;
hostile cursors; a fixed number of SQL statements a page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from werkzeug.test import TestResponse

from portal.extensions import db
from portal.opportunities.models import PROCEDURE_NAMES, Lot, Opportunity, Procedure
from portal.time import utcnow
from tests.conftest import count_queries
from tests.factories import make_opportunity, make_staff
from tests.hostile import HOSTILE_VALUES

URL = "/opportunities.ocds.json"
FEED = f"http://portal.test{URL}"  # the test settings' BASE_URL
SCHEMAS = Path(__file__).with_name("ocds-1.1.5")
CLEANING = {
    "scheme": "CPV",
    "id": "90000000-7",
    "description": "Sewage, refuse, cleaning and environmental services",
}
BUSINESS = {
    "scheme": "CPV",
    "id": "79000000-4",
    "description": "Business services: law, marketing, consulting, recruitment, printing and security",
}
EXTENSIONS = {
    f"https://raw.githubusercontent.com/{repository}/extension.json"
    for repository in (
        "open-contracting-extensions/ocds_lots_extension/v1.1.5",
        "open-contracting-extensions/ocds_suitability_extension/master",
        "cabinetoffice/ocds_uk_extension/main",  # suitability.vcse, Value.amountGross
        "open-contracting-extensions/ocds_pagination_extension/master",
    )
}


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    """The release package schema, its $ref to the release schema's https address answered from
    the local copy: a registry without a retriever fails rather than fetch. (Formats are not
    checked without further packages: tests parse the dates themselves.)"""
    package, release = (
        json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        for name in ("release-package-schema.json", "release-schema.json")
    )
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema)) for schema in (package, release)
    )
    Draft4Validator.check_schema(package)
    return Draft4Validator(package, registry=registry)


def assert_valid(validator: Draft4Validator, body: dict) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(body)]
    assert not errors, "\n".join(errors)


def publish(app: Flask, count: int = 1, **values) -> list[int]:
    """Published opportunities (make_opportunity's defaults unless `values` say otherwise), committed."""
    with app.app_context():
        officer = make_staff()
        ids = [make_opportunity(officer=officer, **values).id for _ in range(count)]
        db.session.commit()
    return ids


def feed(client: FlaskClient, **params) -> TestResponse:
    return client.get(URL, query_string=params)


def only_release(client: FlaskClient) -> dict:
    response = feed(client)
    assert response.status_code == 200, response.get_data(as_text=True)
    (release,) = response.get_json()["releases"]
    return release


def moment(text: str) -> datetime:
    """An OCDS date-time, which must carry its offset."""
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, text
    return parsed


# --- the package and its releases -----------------------------------------------------------


def test_a_published_opportunity_without_lots_is_a_valid_release_package(app, client, validator):
    (opportunity_id,) = publish(app)
    with app.app_context():
        opportunity = db.session.get(Opportunity, opportunity_id)
        reference, title, closes_at = opportunity.reference, opportunity.title, opportunity.closes_at
    response = feed(client)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_json()
    assert_valid(validator, body)
    assert body["uri"] == FEED
    assert body["version"] == "1.1"
    assert body["publisher"] == {"name": app.config["OCDS_PUBLISHER_NAME"]}
    assert set(body["extensions"]) == EXTENSIONS
    assert "links" not in body  # one page only
    (release,) = body["releases"]
    ocid = f"{app.config['OCDS_OCID_PREFIX']}-{opportunity_id}"
    assert release["ocid"] == ocid
    assert release["id"].startswith(f"{ocid}-")
    assert release["tag"] == ["tender"]
    assert release["initiationType"] == "tender"
    assert body["publishedDate"] == release["date"]
    assert moment(release["date"])
    buyer = release["buyer"]
    assert buyer["name"] == app.config["OCDS_PUBLISHER_NAME"]
    assert release["parties"] == [{**buyer, "roles": ["buyer"]}]
    tender = release["tender"]
    assert tender["id"] == reference
    assert tender["title"] == title
    assert tender["description"] == "Cleaning of police stations across Cheshire."
    assert tender["status"] == "active"
    assert tender["items"] == [{"id": "1", "classification": CLEANING}]
    assert moment(tender["tenderPeriod"]["endDate"]) == closes_at.replace(microsecond=0)
    assert moment(tender["tenderPeriod"]["startDate"]) <= moment(tender["tenderPeriod"]["endDate"])
    assert tender["documents"] == [
        {
            "id": "notice",
            "documentType": "tenderNotice",
            "title": "Notice where bids are made",
            "url": "https://www.find-tender.service.gov.uk/Notice/000000-2026",
        }
    ]
    assert "lots" not in tender


def test_an_opportunity_without_a_notice_lists_no_documents(app, client, validator):
    publish(app, notice_url=None)
    body = feed(client).get_json()
    assert_valid(validator, body)
    assert "documents" not in body["releases"][0]["tender"]


def test_dates_carry_the_offset_in_force_in_cheshire(app, client):
    summer = datetime.fromisoformat("2027-07-01T11:00:00+00:00")  # noon in Cheshire (BST)
    publish(app, closes_in=summer - utcnow())
    end = only_release(client)["tender"]["tenderPeriod"]["endDate"]
    assert end.startswith("2027-07-01T12:00:") and end.endswith("+01:00")


# --- value and VAT ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_ex_vat", "vat_rate", "amount", "gross"),
    [
        ("120000", "20", 120000, 144000),
        ("49999.50", "20", 49999.5, 59999.4),
        ("50000.01", "20", 50000.01, 60000.01),  # 60000.012 rounds to the penny
        ("80000", "0", 80000, 80000),
        ("1000", "5", 1000, 1050),
    ],
)
def test_the_value_is_a_number_excluding_vat_with_the_gross_beside_it(
    app, client, value_ex_vat, vat_rate, amount, gross
):
    publish(app, value_ex_vat=Decimal(value_ex_vat), vat_rate=Decimal(vat_rate))
    value = only_release(client)["tender"]["value"]
    assert value == {"amount": amount, "amountGross": gross, "currency": "GBP"}
    assert all(isinstance(value[key], int | float) for key in ("amount", "amountGross"))


# --- procedure and status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("procedure", "method"),
    [("tender", "open"), ("quotation", "limited"), ("call_off", "selective")],
)
def test_each_procedure_has_its_ocds_method_and_its_name_in_words(app, client, validator, procedure, method):
    publish(app, procedure=Procedure(procedure))
    body = feed(client).get_json()
    assert_valid(validator, body)
    tender = body["releases"][0]["tender"]
    assert tender["procurementMethod"] == method
    assert tender["procurementMethodDetails"] == PROCEDURE_NAMES[procedure]


def test_an_opportunity_past_its_closing_time_is_complete(app, client, validator):
    (opportunity_id,) = publish(app, lots=2, closes_in=timedelta(hours=-1))
    with app.app_context():
        closes_at = db.session.get(Opportunity, opportunity_id).closes_at
    body = feed(client).get_json()
    assert_valid(validator, body)
    tender = body["releases"][0]["tender"]
    assert tender["status"] == "complete"
    assert [lot["status"] for lot in tender["lots"]] == ["complete", "complete"]
    assert moment(tender["tenderPeriod"]["endDate"]) == closes_at.replace(microsecond=0)


def test_an_opportunity_an_officer_closed_early_is_complete_from_then(app, client, validator):
    closed_at = utcnow() - timedelta(hours=2)
    publish(app, state="closed", closed_at=closed_at, closes_in=timedelta(days=3))
    body = feed(client).get_json()
    assert_valid(validator, body)
    release = body["releases"][0]
    assert release["tender"]["status"] == "complete"
    assert moment(release["tender"]["tenderPeriod"]["endDate"]) == closed_at.replace(microsecond=0)


def test_a_release_keeps_its_id_until_the_opportunity_changes(app, client):
    (opportunity_id,) = publish(app)
    first = only_release(client)
    assert only_release(client)["id"] == first["id"]
    with app.app_context():
        opportunity = db.session.get(Opportunity, opportunity_id)
        opportunity.title = "Window cleaning"
        opportunity.updated_at = utcnow() + timedelta(seconds=5)
        db.session.commit()
    edited = only_release(client)
    assert edited["ocid"] == first["ocid"]
    assert edited["id"] != first["id"]
    assert moment(edited["date"]) > moment(first["date"])


def test_bidding_ending_makes_a_new_release_dated_at_the_closing_time(app, client):
    (opportunity_id,) = publish(app, closes_in=timedelta(hours=-1))
    with app.app_context():
        opportunity = db.session.get(Opportunity, opportunity_id)
        opportunity.updated_at = opportunity.closes_at - timedelta(days=1)  # last edited before it closed
        closes_at = opportunity.closes_at
        db.session.commit()
    release = only_release(client)
    assert moment(release["date"]) == closes_at.replace(microsecond=0)


# --- extensions: lots and suitability -------------------------------------------------------------


def test_lots_follow_the_lots_extension_each_with_its_item(app, client, validator):
    (opportunity_id,) = publish(app, lots=3, value_ex_vat=Decimal("100000"))
    with app.app_context():
        second = db.session.scalars(
            db.select(Lot).where(Lot.opportunity_id == opportunity_id, Lot.number == 2)
        ).one()
        second.cpv_division = "79"
        second.title = "Security shredding"
        db.session.commit()
    body = feed(client).get_json()
    assert_valid(validator, body)
    tender = body["releases"][0]["tender"]
    value = {"amount": 33333.33, "currency": "GBP"}  # a third each, to the penny below
    assert tender["lots"] == [
        {"id": "1", "title": "Lot 1", "value": value, "status": "active"},
        {"id": "2", "title": "Security shredding", "value": value, "status": "active"},
        {"id": "3", "title": "Lot 3", "value": value, "status": "active"},
    ]
    assert tender["items"] == [
        {"id": "1", "classification": CLEANING, "relatedLot": "1"},
        {"id": "2", "classification": BUSINESS, "relatedLot": "2"},
        {"id": "3", "classification": CLEANING, "relatedLot": "3"},
    ]


def test_lots_stay_with_their_own_opportunity(app, client):
    with_lots, without, with_one = publish(app, lots=2), publish(app), publish(app, lots=1)
    releases = {release["ocid"]: release["tender"] for release in feed(client).get_json()["releases"]}
    prefix = app.config["OCDS_OCID_PREFIX"]
    assert len(releases[f"{prefix}-{with_lots[0]}"]["lots"]) == 2
    assert "lots" not in releases[f"{prefix}-{without[0]}"]
    assert len(releases[f"{prefix}-{with_one[0]}"]["lots"]) == 1


@pytest.mark.parametrize(("sme", "vcse"), [(True, False), (False, True), (True, True), (False, False)])
def test_suitability_says_whether_smes_and_vcses_are_welcome(app, client, sme, vcse):
    publish(app, suitable_sme=sme, suitable_vcse=vcse)
    assert only_release(client)["tender"]["suitability"] == {"sme": sme, "vcse": vcse}


# --- drafts and empty feeds ----------------------------------------------------------------------


def test_the_feed_answers_404_in_json_when_nothing_is_published(app, client):
    publish(app, state="draft")
    response = feed(client)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": "No opportunity has been published yet."}


def test_drafts_and_their_lots_are_never_in_the_feed(app, client):
    (before,) = publish(app, lots=1)
    (draft,) = publish(app, state="draft", lots=2)
    (after,) = publish(app)
    releases = feed(client).get_json()["releases"]
    prefix = app.config["OCDS_OCID_PREFIX"]
    assert [release["ocid"] for release in releases] == [f"{prefix}-{before}", f"{prefix}-{after}"]
    # The lots are read for the page's range of ids, the draft's among them: none is shown.
    assert [len(release["tender"].get("lots", [])) for release in releases] == [1, 0]
    # Nor is a draft's page: the cursor just before it finds the next published one.
    assert feed(client, after=str(draft - 1)).get_json()["releases"][0]["ocid"] == f"{prefix}-{after}"


# --- pages ---------------------------------------------------------------------------------------


def test_pages_of_100_link_to_the_next_until_the_last(app, client, validator):
    ids = publish(app, 101, lots=1)
    first = feed(client)
    body = first.get_json()
    assert_valid(validator, body)
    assert [release["ocid"].rsplit("-", 1)[1] for release in body["releases"]] == [str(i) for i in ids[:100]]
    assert body["links"] == {"next": f"{FEED}?after={ids[99]}"}

    last = client.get(body["links"]["next"]).get_json()
    assert_valid(validator, last)
    assert last["uri"] == body["links"]["next"]
    assert [release["ocid"].rsplit("-", 1)[1] for release in last["releases"]] == [str(ids[100])]
    assert "links" not in last

    past = feed(client, after=str(ids[100]))
    assert past.status_code == 404
    assert past.mimetype == "application/json"
    assert past.get_json() == {"error": "No such page: there are no published opportunities after this one."}


def test_a_page_of_exactly_100_has_no_next_link(app, client):
    publish(app, 100)
    body = feed(client).get_json()
    assert len(body["releases"]) == 100
    assert "links" not in body


def test_links_are_on_base_url_whatever_host_the_request_named(app, client):
    ids = publish(app, 101)
    body = client.get(URL, headers={"Host": "evil.example"}).get_json()
    assert body["uri"] == FEED
    assert body["links"]["next"] == f"{FEED}?after={ids[99]}"


# Not ids: signs, points, spaces, hex, exponents, SQL, digits str.isdigit() takes but int() does
# not (full-width, superscript), numbers past 64 bits, and every hostile value.
NOT_IDS = ["abc", "-1", "1.5", "", " 1", "1 ", "0x10", "1e3", "1;DROP TABLE opportunities", "１２", "²"]


@pytest.mark.parametrize("after", [*NOT_IDS, "9" * 19, "9" * 5000, *HOSTILE_VALUES.values()])
def test_a_cursor_that_is_not_an_id_is_404_never_a_server_error(app, client, after):
    publish(app)
    response = feed(client, after=after)
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "No such page: after= takes an opportunity id, as links.next gives it."
    }


@pytest.mark.parametrize(("after", "status"), [("0", 200), ("000", 200), ("999999999999999999", 404)])
def test_any_id_up_to_64_bits_is_a_cursor(app, client, after, status):
    publish(app)
    response = feed(client, after=after)
    assert response.status_code == status
    assert response.mimetype == "application/json"


def test_other_query_parameters_are_ignored(app, client):
    publish(app)
    response = client.get(URL, query_string={"page": "2", "limit": "<script>", "before": "1"})
    assert response.status_code == 200
    assert len(response.get_json()["releases"]) == 1


# --- SQL statements ------------------------------------------------------------------------------


def test_a_page_runs_two_statements_for_one_opportunity_or_many_with_lots(app, client):
    publish(app)
    feed(client)  # anything done once per process is done
    with count_queries(app) as few:
        assert feed(client).status_code == 200
    publish(app, 60, lots=4)
    with count_queries(app) as many:
        body = feed(client).get_json()
    assert len(body["releases"]) == 61
    assert sum(len(release["tender"].get("lots", [])) for release in body["releases"]) == 240
    # The opportunities with their categories, then their lots with theirs.
    assert len(few) == len(many) == 2, many
    assert not any("count(" in statement.lower() for statement in many)
