"""The OCDS feed: published opportunities as an Open Contracting Data Standard 1.1 release package,
100 releases a page in id order, each page naming the next in `links.next` (`?after=<id>`).

One release per opportunity: its latest state, with an id that changes whenever its content does
(an officer's edit, or bidding ending), since an OCDS release never changes once published. A page
is read as plain rows in two statements (the opportunities with their categories, then their
lots), however many opportunities and lots it holds.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict, namedtuple
from datetime import datetime

import sqlalchemy as sa
from flask import Response, current_app, request, url_for

from portal.accounts.access import public
from portal.database import fixed_limit, plain_rows
from portal.opportunities import bp
from portal.opportunities.models import PROCEDURE_NAMES, Lot, Opportunity, OpportunityState, Procedure
from portal.opportunities.rules import value_including_vat
from portal.reference.models import CpvDivision
from portal.time import LONDON, utcnow

PAGE_SIZE = 100
# Harvesters poll; five minutes old is fresh enough for notices open for weeks. A signed-in
# visitor's copy is never cached (portal.security sets no-store for any session).
CACHE_CONTROL = "public, max-age=300"
# The releases refer to the buyer by this id; the buyer's name is the publisher's.
BUYER_ID = "buyer"

# The extensions whose fields the releases use (the package lists them for validators to fetch).
EXTENSIONS = [
    # tender.lots, items' relatedLot
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    # tender.suitability.sme
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/master/extension.json",
    # suitability.vcse and Value.amountGross, as Find a Tender publishes them
    "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json",
    # the package's links.next
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json",
]

# The closed OCDS method codelist. An advertised tender takes a bid from anyone (open); quotes are
# asked of suppliers the officer chooses (limited); a call-off is competed among the suppliers
# already admitted to the framework (selective, as Contracts Finder publishes call-offs).
METHODS = {Procedure.TENDER: "open", Procedure.QUOTATION: "limited", Procedure.CALL_OFF: "selective"}

OPPORTUNITIES = (
    sa.select(
        Opportunity.id,
        Opportunity.reference,
        Opportunity.title,
        Opportunity.summary,
        Opportunity.value_ex_vat,
        Opportunity.vat_rate,
        Opportunity.procedure,
        Opportunity.closes_at,
        Opportunity.notice_url,
        Opportunity.suitable_sme,
        Opportunity.suitable_vcse,
        Opportunity.state,
        Opportunity.updated_at,
        Opportunity.published_at,
        Opportunity.closed_at,
        CpvDivision.code.label("cpv_code"),
        CpvDivision.title.label("cpv_title"),
    )
    .join(CpvDivision, Opportunity.cpv_division == CpvDivision.division)
    # A 64-bit cursor: any id the query string can name compares, past the 32-bit column's range too.
    .where(Opportunity.published_at.is_not(None), Opportunity.id > sa.bindparam("after", type_=sa.BigInteger))
    .order_by(Opportunity.id)
    .limit(fixed_limit(PAGE_SIZE + 1))  # one more than a page: is there a next one?
)

LOTS = (
    sa.select(
        Lot.opportunity_id,
        Lot.number,
        Lot.title,
        # As a float: a lot's value is only shown, and a page reads some 300 of them.
        sa.type_coerce(Lot.value_ex_vat, sa.Float).label("value_ex_vat"),
        CpvDivision.code.label("cpv_code"),
        CpvDivision.title.label("cpv_title"),
    )
    .join(CpvDivision, Lot.cpv_division == CpvDivision.division)
    # The page's range of ids rather than IN (its ids): one statement text, twice as fast. Lots of
    # drafts in the range come too, and are never looked up.
    .where(Lot.opportunity_id.between(sa.bindparam("first"), sa.bindparam("last")))
    .order_by(Lot.opportunity_id, Lot.number)
)

# Rows are copied into named tuples: reading a field of an SQLAlchemy Row cost ten times as much,
# and the tuples can key the cache of encoded releases (_release_json).
OpportunityRow = namedtuple("OpportunityRow", OPPORTUNITIES.selected_columns.keys())
LotRow = namedtuple("LotRow", LOTS.selected_columns.keys())


@bp.get("/opportunities.ocds.json")
@public
def ocds_release_package() -> Response:
    """A page of the feed: the published opportunities after `after` (an id), in id order.

    Answers 404 with a JSON message when nothing is published, the page is past the last one, or
    `after` is not an id: the schema needs at least one release, so no empty package is sent.
    """
    after = request.args.get("after")
    start = _start(after)
    if start is None:
        # Not page one: a harvester that sent a broken cursor must not start again unawares.
        return _not_found("No such page: after= takes an opportunity id, as links.next gives it.")
    rows = plain_rows(OPPORTUNITIES, {"after": start}, row_class=OpportunityRow)
    if not rows:
        if after is None:
            return _not_found("No opportunity has been published yet.")
        return _not_found("No such page: there are no published opportunities after this one.")
    page = rows[:PAGE_SIZE]
    following = _feed_url(str(page[-1].id)) if len(rows) > PAGE_SIZE else None
    return _json(_package(page, _feed_url(after), following), 200)


def _start(after: str | None) -> int | None:
    """The id the page starts after: 0 without `after`; None when `after` is not an id."""
    if after is None:
        return 0
    if after.isascii() and after.isdigit() and len(after) <= 18:  # fits a 64-bit integer
        return int(after)
    return None


def _package(page: list[OpportunityRow], uri: str, following: str | None) -> str:
    """The package's JSON, its releases spliced in already encoded."""
    lots_of = _lots_of(page)
    now = utcnow()
    prefix, publisher = current_app.config["OCDS_OCID_PREFIX"], current_app.config["OCDS_PUBLISHER_NAME"]
    ends = [_bidding_ended_at(row, now) for row in page]
    releases = [
        _release_json(row, tuple(lots_of[row.id]), ended_at, prefix, publisher)
        for row, ended_at in zip(page, ends, strict=True)
    ]
    # Made on demand, so dated by the latest change to what the page holds.
    head = _head(uri, publisher, max(map(_changed_at, page, ends)), following)
    return f'{_dumps(head)[:-1]},"releases":[{",".join(releases)}]}}'


def _lots_of(page: list[OpportunityRow]) -> defaultdict[int, list[LotRow]]:
    """The lots of the page's opportunities, by opportunity id."""
    lots_of = defaultdict(list)
    for lot in plain_rows(LOTS, {"first": page[0].id, "last": page[-1].id}, row_class=LotRow):
        lots_of[lot.opportunity_id].append(lot)
    return lots_of


def _head(uri: str, publisher: str, published: datetime, following: str | None) -> dict:
    """The package's fields but its releases."""
    head = {
        "uri": uri,
        "version": "1.1",
        "extensions": EXTENSIONS,
        "publishedDate": _iso(published),
        "publisher": {"name": publisher},
    }
    if following:
        head["links"] = {"next": following}
    return head


# A release is a pure function of its rows, the time bidding ended and two settings, and never
# changes once published; encoding it was most of a page's time. So each is encoded once a
# process, for the harvesters that walk the pages and the pollers of the first (about 2 KB each:
# 2,000 of them, 20 pages, take about 8 MB a worker with their keys).
@functools.lru_cache(maxsize=2000)
def _release_json(
    row: OpportunityRow, lots: tuple[LotRow, ...], ended_at: datetime | None, prefix: str, publisher: str
) -> str:
    ocid = f"{prefix}-{row.id}"
    changed_at = _changed_at(row, ended_at)
    buyer = {"id": BUYER_ID, "name": publisher}
    release = {
        "ocid": ocid,
        "id": f"{ocid}-{changed_at.isoformat()}",  # to the microsecond, in UTC
        "date": _iso(changed_at),
        "language": "en",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [{**buyer, "roles": ["buyer"]}],
        "buyer": buyer,
        "tender": _tender(row, lots, ended_at),
    }
    return _dumps(release)


def _tender(row: OpportunityRow, lots: tuple[LotRow, ...], ended_at: datetime | None) -> dict:
    status = _tender_status(ended_at)
    tender = {
        "id": row.reference,
        "title": row.title,
        "description": row.summary,
        "status": status,
        "value": _value(row),
        "procurementMethod": METHODS[row.procedure],
        "procurementMethodDetails": PROCEDURE_NAMES[row.procedure],
        "items": _items(row, lots),
        "tenderPeriod": {"startDate": _iso(row.published_at), "endDate": _iso(ended_at or row.closes_at)},
        "suitability": {"sme": row.suitable_sme, "vcse": row.suitable_vcse},
    }
    if lots:
        tender["lots"] = [_lot(lot, status) for lot in lots]
    if row.notice_url:
        tender["documents"] = [_notice(row.notice_url)]
    return tender


def _tender_status(ended_at: datetime | None) -> str:
    # The tender stage ends with the bid deadline (OCDS 1.2 defines tender status "complete" as
    # "the bid submission deadline has passed"); evaluation and award are the award stage's.
    # Not "cancelled" or "unsuccessful": a closed opportunity goes on to be awarded.
    return "complete" if ended_at else "active"


def _value(row: OpportunityRow) -> dict:
    # amount excludes VAT; amountGross (UK extension) includes it, as Find a Tender's do.
    return {
        "amount": float(row.value_ex_vat),
        "amountGross": float(value_including_vat(row.value_ex_vat, row.vat_rate)),
        "currency": "GBP",
    }


def _lot(lot: LotRow, status: str) -> dict:
    return {
        "id": str(lot.number),
        "title": lot.title,
        "value": {"amount": lot.value_ex_vat, "currency": "GBP"},
        "status": status,
    }


def _notice(url: str) -> dict:
    """The tender notice, where bids are made."""
    return {"id": "notice", "documentType": "tenderNotice", "title": "Notice where bids are made", "url": url}


def _items(row: OpportunityRow, lots: tuple[LotRow, ...]) -> list[dict]:
    """What is bought, classified by CPV division: one item per lot (the lots extension relates
    each item to its lot), or one for the whole opportunity."""
    if not lots:
        return [{"id": "1", "classification": _cpv(row)}]
    return [
        {"id": str(lot.number), "classification": _cpv(lot), "relatedLot": str(lot.number)} for lot in lots
    ]


def _cpv(row: OpportunityRow | LotRow) -> dict:
    return {"scheme": "CPV", "id": row.cpv_code, "description": row.cpv_title}


def _bidding_ended_at(row: OpportunityRow, now: datetime) -> datetime | None:
    """When bids stopped being taken: the closing time once it has passed, or earlier if an
    officer closed the opportunity; None while it is open."""
    if row.state == OpportunityState.CLOSED and row.closed_at is not None:
        return min(row.closed_at, row.closes_at)
    return row.closes_at if row.closes_at <= now else None


def _changed_at(row: OpportunityRow, ended_at: datetime | None) -> datetime:
    """When the release's content last changed: an edit, or bidding ending (which changes the
    status), so that a release's id names one content for good."""
    return max(row.updated_at, ended_at) if ended_at else row.updated_at


def _iso(moment: datetime) -> str:
    """ISO 8601 with the offset in force in Cheshire: closing at noon reads 12:00:00+01:00."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


def _feed_url(after: str | None) -> str:
    """The feed's address on BASE_URL (the app's SERVER_NAME), never the request's Host header:
    these responses are cached by anyone in between."""
    return url_for(
        "opportunities.ocds_release_package",
        after=after,
        _external=True,
        _scheme=current_app.config["PREFERRED_URL_SCHEME"],
    )


def _dumps(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _not_found(message: str) -> Response:
    return _json(_dumps({"error": message}), 404)


def _json(body: str, status: int) -> Response:
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
