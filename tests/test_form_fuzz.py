"""A Hypothesis fuzz of every form in the URL map.

Every rule that answers POST is either fuzzed here (FORMS, one test per form, its id the endpoint
and, where the URL takes one of a few words, the word) or listed in UNREACHABLE with the reason;
`test_every_post_route_is_fuzzed_or_listed` fails on a rule that is neither, so a new form is
covered as soon as it is added.

For each form: the right person signs in (a supplier of a registered organisation with a pledge,
an officer, an admin, or nobody) and the records its URL names are made; the page that shows the
form is loaded and its fields read from the HTML (inputs, selects, textareas, named buttons; the
CSRF token is kept). Hypothesis then draws a value for each field from a mix of valid-looking
values (the page's own options, hidden values, plausible text) and hostile ones: very long text,
control characters, bidi controls, markup, SQL-looking text, huge numbers, NaN, Infinity, -0,
impossible dates, nothing; or, sometimes, a raw body that is not UTF-8. Each example must give:

* no 5xx;
* where the portal refuses (a 4xx, or the form again with a GOV.UK error summary), no row added
  or removed in any table (one UNION ALL of counts over `db.metadata.sorted_tables`);
* no CR or LF in the subject or recipients of any email it queues (outbox messages and
  broadcasts).

Each example runs inside a savepoint that is rolled back afterwards, with the client's cookies
and the rate limiter put back as they were, so an example that signs out, changes a password or
deletes the record does not change what the next one meets.

Besides what Hypothesis draws, every form is posted as its page shows it, with each hidden field
(a record's id, a revision) past the largest INTEGER and BIGINT, and with the examples in FOUND
that found a defect (run first until the portal is fixed).

Budget: FORM_FUZZ_EXAMPLES drawn examples a form (default 25), no deadline, no example database:
109 forms, so about 2,800 posts a database. Measured at the default on the 2-core development
machine (shared with other work): 65 s on SQLite and 91 s on PostgreSQL for the whole module,
setup included. At 100 examples a form PostgreSQL took 6 min 37 s, so 50 a form is about
3 minutes there.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import hypothesis
import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing.converters import AnyConverter

from portal import tokens
from portal.accounts.models import Passkey, Role, User
from portal.extensions import db, limiter
from portal.opportunities.models import Lot, Procedure
from portal.organisations.models import (
    Accreditation,
    AccreditationKind,
    LivingWage,
    LocalStatus,
    Organisation,
    OrganisationSite,
)
from portal.organisations.rules import LegalForm
from portal.organisations.services import colleagues
from portal.organisations.steps import STEPS
from portal.outbox.models import Broadcast, MessageState, OutboxMessage
from portal.quotations.models import QuotationExercise, QuotationInvitee
from portal.reference.models import CpvDivision
from portal.social_value.matrix import forget_matrix_names
from portal.social_value.models import Commitment, DeliveryReport, Indicator, Offer, OfferState, Outcome
from portal.social_value.steps import BY_SLUG as OFFER_STEPS
from portal.time import utcnow
from portal.voluntary.models import NeedResponse, NeedState
from tests.conftest import post_form
from tests.due_diligence.conftest import LOW, rated_organisation
from tests.factories import (
    APP_SECRET,
    PASSWORD,
    make_directory_entry,
    make_opportunity,
    make_organisation,
    make_staff,
    make_supplier,
    sign_in,
)
from tests.hostile import HOSTILE_VALUES, NON_UTF8_BODY
from tests.social_value.conftest import (
    accepted_offer,
    add_offer,
    indicator_id,
    make_move,
    measure_id,
    member_of,
    outcome_id,
    pledge,
)
from tests.voluntary.conftest import add_entry, add_need, vcse_organisation

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "25"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# --- what a field may be given ------------------------------------------------------------------

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CONTROL = "".join(chr(code) for code in [*range(32), 127]) + "\u2028\u2029\u0085"
HOSTILE_TEXT = [
    *HOSTILE_VALUES.values(),
    "",
    " ",
    "x" * 300,
    "x" * 5_000,
    "Subject: hi\r\nBcc: victim@example.com",
    "name\nBcc: victim@example.com",
    "evil@example.com\r\nBcc: victim@example.com",
    '"><img src=x onerror=alert(1)>',
    "{{ 7 * 7 }}",
    "' OR '1'='1",
    "1; SELECT pg_sleep(5); --",
    "Robert'); DROP TABLE organisations;--",
    "\u202eevil\u202c",
    "\u2066isolate\u2069",
    "\ufeffbom",
    "\U0001f4a9" * 50,
    "e\u0301" * 100,
    "\ud7ff\ue000\uffff",
]
NUMBERS = [
    "NaN",
    "nan",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-0",
    "0",
    "-1",
    "1e309",
    "-1e309",
    "1e-400",
    "9" * 400,
    "99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "0x10",
    "1_000",
    "1,000,000,000,000,000,000",
    "£1,000",
    "12.345678901234567890",
    "٣",  # an Arabic-Indic digit, which int() accepts
    "１２",  # full-width digits
]
IMPOSSIBLE_DATES = [
    ("31", "2", "2026"),
    ("30", "2", "2024"),
    ("29", "2", "2025"),
    ("0", "1", "2026"),
    ("1", "0", "2026"),
    ("1", "13", "2026"),
    ("32", "1", "2026"),
    ("1", "1", "99999"),
    ("1", "1", "0"),
    ("1", "1", "-1"),
    ("-0", "-0", "-0"),
    ("NaN", "NaN", "NaN"),
    ("Infinity", "1", "2026"),
    ("1", "1", "9" * 40),
    ("", "", ""),
    ("1", "1", "1"),
    ("31", "12", "9999"),
    ("1", "1", "10000"),
]
# Plausible values by a word in the field's name: they get an example past the first checks.
PLAUSIBLE = {
    "email": ["sam@example.com", "new.person@example.com", "Sam@Example.COM"],
    "password": [PASSWORD, "a much longer passphrase for this"],
    "name": ["Sam Supplier", "Winsford Widgets Ltd", "O'Brien & Sons"],
    "postcode": ["CW7 2UA", "SK10 1AA", "ZZ99 9ZZ"],
    "url": ["https://example.com/statement", "javascript:alert(1)", "http://localhost/"],
    "website": ["https://example.com", "example.com"],
    "phone": ["01606 123 456", "+44 1606 123456"],
    "number": ["01234567", "1123456", "SC012345"],
    "code": ["000000", "123456", "ABCD-EFGH"],
    "quantity": ["40", "0.5", "1000000"],
    "value": ["120000", "120,000.00", "0.01"],
    "turnover": ["3,100,000", "40000000"],
    "headcount": ["42", "250"],
    "weighting": ["10", "100"],
    "reference": ["CC-2026-001"],
}
GENERAL = ["Winsford", "A few words of plain text.", "42", "yes", "no", "y", "on", "2026-02-31"]


def text_values() -> st.SearchStrategy[str]:
    """Hostile text: the fixed list, generated control, bidi and odd text, long runs."""
    odd_characters = st.sampled_from(CONTROL + BIDI + "<>\"'&;%\\/")
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.sampled_from(NUMBERS),
        st.text(max_size=40),
        st.text(alphabet=st.one_of(odd_characters, st.characters(codec="utf-8")), max_size=60),
        st.builds(lambda n, s: s * n, st.integers(1, 30_000), st.sampled_from(["a", "é", "\u202e", "<b>"])),
        st.builds(
            lambda a, b, c: a + b + c, st.sampled_from(GENERAL), odd_characters, st.sampled_from(GENERAL)
        ),
    )


def plausible(name: str) -> list[str]:
    return [value for word, values in PLAUSIBLE.items() if word in name for value in values] or GENERAL


@dataclass
class Field:
    """One name in a form: how many inputs carry it, and what the page offers for it."""

    name: str
    kind: str = "text"  # text, choice, multiple, date, hidden, file
    options: list[str] = field(default_factory=list)
    count: int = 0
    current: list[str] = field(default_factory=list)  # what the page has filled in or chosen

    def as_shown(self):
        """The value as the page would post it untouched (None: nothing)."""
        if self.kind == "file" or not self.current:
            return None
        return self.current if self.count > 1 or self.kind == "multiple" else self.current[0]

    def strategy(self) -> st.SearchStrategy:
        """A value for the field (a list where the form posts several), or None: left out."""
        hostile = text_values()
        if self.kind == "date":
            part = st.one_of(st.sampled_from(["1", "12", "2026", "28"]), hostile)
            valid = [self.options] if len(self.options) == self.count else []
            return st.one_of(
                st.sampled_from([*valid, ["1", "6", "2027"], ["28", "2", "2027"]]),
                st.sampled_from(IMPOSSIBLE_DATES).map(list),
                st.lists(part, min_size=self.count, max_size=self.count),
                st.lists(part, max_size=5),
                st.none(),
            )
        if self.kind == "file":
            return st.one_of(
                st.none(),
                st.tuples(
                    st.sampled_from([b"%PDF-1.7\n%%EOF\n", b"\x89PNG\r\n\x1a\n", b"", b"\xff" * 2000]),
                    st.sampled_from(["evidence.pdf", "../../etc/passwd", "a\r\nb.pdf", "x" * 300, ""]),
                ),
            )
        offered = self.options or plausible(self.name.lower())
        one = st.one_of(st.sampled_from(offered), hostile)
        if self.kind == "multiple":
            return st.one_of(
                st.lists(st.sampled_from(offered), unique=True, max_size=len(offered)),
                st.lists(one, max_size=6),
                st.none(),
            )
        if self.count > 1:
            return st.one_of(st.lists(one, min_size=self.count, max_size=self.count), one, st.none())
        return st.one_of(one, one, st.none())


# --- reading a form off its page ----------------------------------------------------------------


class FormReader(HTMLParser):
    """The fields of the first form on the page that posts to `action` (a path)."""

    def __init__(self, action: str, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.page = action, page
        self.found = False
        self.inside = False
        self.done = False
        self.multipart = False
        self.fields: dict[str, Field] = {}
        self.csrf_token: str | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.done and attributes.get("method", "get").lower() == "post":
            target = urlsplit(attributes.get("action") or self.page).path
            if target == urlsplit(self.action).path:
                self.found = self.inside = True
                self.multipart = attributes.get("enctype") == "multipart/form-data"
            return
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "select" and name:
            self.select = self._field(name, "multiple" if "multiple" in attributes else "choice")
        elif tag == "option" and self.select is not None:
            self.select.options.append(attributes.get("value", ""))
            if "selected" in attributes:
                self.select.current.append(attributes.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = self._field(name, "text")
            self.textarea.current.append("")
        elif tag in {"input", "button"} and name:
            self._input(name, attributes, tag)

    def _input(self, name: str, attributes: dict[str, str], tag: str) -> None:
        kind = attributes.get("type", "submit" if tag == "button" else "text")
        value = attributes.get("value", "")
        if name == "csrf_token":
            self.csrf_token = value
        elif kind in {"checkbox", "radio", "submit", "hidden"}:
            found = self._field(name, {"checkbox": "multiple", "hidden": "hidden"}.get(kind, "choice"))
            found.options.append(value if kind == "hidden" else value or "y")
            if kind == "hidden" or "checked" in attributes:
                found.current.append(value if kind == "hidden" else value or "y")
        elif kind == "file":
            self._field(name, "file")
        else:
            found = self._field(name, "text")
            if attributes.get("class", "").find("govuk-date-input__input") >= 0:
                found.kind = "date"
            found.current.append(value)
            if value:
                found.options.append(value)

    def _field(self, name: str, kind: str) -> Field:
        found = self.fields.setdefault(name, Field(name, kind))
        found.count += 1
        if found.kind == "hidden" and kind != "hidden":
            found.kind = kind
        return found

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.current[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


@dataclass
class PageForm:
    url: str
    fields: dict[str, Field]
    csrf_token: str | None
    multipart: bool


def read_form(client: FlaskClient, url: str, page: str) -> PageForm:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code, response.headers.get("Location"))
    reader = FormReader(url, page)
    reader.feed(response.get_data(as_text=True))
    assert reader.found, f"{page} shows no form that posts to {url}"
    for found in reader.fields.values():
        found.options = list(dict.fromkeys(found.options))
        if found.kind == "choice" and found.count > 1 and len(found.options) == found.count:
            found.count = 1  # radios: one value
        if found.kind in {"hidden", "multiple"}:
            found.count = 1
    return PageForm(url, reader.fields, reader.csrf_token, reader.multipart)


# --- a body drawn for a form ---------------------------------------------------------------------


def bodies(form: PageForm) -> st.SearchStrategy:
    """A form body (a dict of fields) or, now and then, raw bytes that are not UTF-8. Half the
    dicts are the form as the page shows it (its filled-in values, its choices) with one field
    drawn: they get past the other fields' checks to where that one is used."""
    every_field = st.fixed_dictionaries({name: found.strategy() for name, found in form.fields.items()})
    one_field = st.sampled_from(list(form.fields) or [None]).flatmap(lambda name: as_shown_but(form, name))
    return st.integers(0, 8).flatmap(
        lambda pick: raw_bodies(form) if pick == 8 else (every_field if pick % 2 else one_field)
    )


def as_shown_but(form: PageForm, drawn: str | None) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            name: found.strategy() if name == drawn else st.just(found.as_shown())
            for name, found in form.fields.items()
        }
    )


def raw_bodies(form: PageForm) -> st.SearchStrategy[bytes]:
    names = list(form.fields) or ["field"]
    junk = st.sampled_from(
        [b"%ff%fe%fd", b"%c3%28", b"%80%81%82", b"\xff\xfe", b"\xc3\x28", b"%ed%a0%80", b"%00", b"%", b"%zz"]
    )
    pairs = st.lists(st.tuples(st.sampled_from(names), junk), min_size=1, max_size=len(names) + 2)
    token = f"csrf_token={quote(form.csrf_token or '')}".encode()
    return st.one_of(
        st.just(NON_UTF8_BODY),
        pairs.map(lambda items: b"&".join([token, *(name.encode() + b"=" + value for name, value in items)])),
        st.binary(max_size=200).map(lambda junk_bytes: token + b"&" + junk_bytes),
    )


def encoded(form: PageForm, drawn: dict) -> dict:
    """The drawn values as the test client posts them (None: the field is left out)."""
    data: dict = {"csrf_token": form.csrf_token} if form.csrf_token is not None else {}
    for name, value in drawn.items():
        if value is None:
            continue
        if form.fields[name].kind == "file":
            content, filename = value
            data[name] = (io.BytesIO(content), filename)
        else:
            data[name] = value
    return data


# --- the people and records a form needs ----------------------------------------------------------


@dataclass
class Scene:
    """What a form's setup works with: the app, the client that will post, and who signed in."""

    app: Flask
    client: FlaskClient
    user_id: int | None = None
    organisation_id: int | None = None

    def sign_in_supplier(self, *, registered: bool = True, pledged: bool = True, **columns) -> None:
        """A verified member (member@example.com) of an organisation whose profile is complete,
        registered and with a current pledge unless told otherwise; `columns` set on the
        organisation or, prefixed `user_`, on the account."""
        with self.app.app_context():
            organisation = make_organisation("Winsford Widgets Ltd")
            for column, value in {**PROFILE, **columns}.items():
                if not column.startswith("user_"):
                    setattr(organisation, column, value)
            organisation.divisions.append(db.session.get(CpvDivision, "90"))
            organisation.registered_at = utcnow() if registered else None
            db.session.commit()
            user = make_supplier("member@example.com", name="Mo Member", organisation=organisation)
            account = db.session.get(User, user.id)
            for column, value in columns.items():
                if column.startswith("user_"):
                    setattr(account, column.removeprefix("user_"), value)
            organisation = db.session.get(Organisation, organisation.id)
            organisation.tax_compliance_declared_at = utcnow()
            organisation.tax_compliance_declared_by_id = user.id
            db.session.commit()
            if pledged:
                pledge(organisation.id, user.id)
            self.user_id, self.organisation_id = user.id, organisation.id
        sign_in(self.client, "member@example.com")

    def sign_in_staff(self, *, admin: bool = False) -> None:
        with self.app.app_context():
            self.user_id = make_staff("olive@example.com", name="Olive Officer", admin=admin).id
        sign_in(self.client, "olive@example.com")

    def run(self, make: Callable):
        """`make()` inside an app context, committed."""
        with self.app.app_context():
            result = make()
            db.session.commit()
            return result


@dataclass(frozen=True)
class Target:
    """Where a form posts (its URL's arguments) and, where another page shows it, that page."""

    arguments: dict = field(default_factory=dict)
    page: str | None = None


@dataclass(frozen=True)
class Spec:
    endpoint: str
    rule: str
    words: tuple[tuple[str, str], ...]
    setup: Callable[[Scene, dict], Target]
    label: str = ""

    @property
    def id(self) -> str:
        return self.endpoint + "".join(f"[{word}]" for _name, word in self.words) + self.label


FORMS: dict[str, Spec] = {}


def form(endpoint: str, rule: str, *variants: dict, label: str = ""):
    """Register the decorated setup for the form at `rule`, once for each of `variants` (the
    words in its URL), or once if there are none; `label` tells apart two forms at one rule."""

    def register(setup: Callable[[Scene, dict], Target]):
        for words in variants or ({},):
            spec = Spec(endpoint, rule, tuple(sorted(words.items())), setup, label)
            assert spec.id not in FORMS, spec.id
            FORMS[spec.id] = spec
        return setup

    return register


PROFILE = {
    "legal_name": "Winsford Widgets Ltd",
    "legal_form": LegalForm.CHARITY,
    "charity_number": "1123456",
    "address_line_1": "1 High Street",
    "town": "Winsford",
    "postcode": "CW7 2UA",
    "staff_headcount": 42,
    "turnover": Decimal("40000000"),
    "balance_sheet_total": Decimal("900000"),
    "financial_year_end": date(2026, 3, 31),
    "supported_employment_provider": False,
    "public_service_mutual": False,
    "living_wage": LivingWage.PLAN,
    "modern_slavery_statement_url": "https://example.com/modern-slavery",
    "accreditations_answered": True,
}


# --- the checks -------------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
    """Every table's row count, in one statement (inside an app context)."""
    tables = db.metadata.sorted_tables
    counts = sa.union_all(
        *(
            sa.select(sa.literal(table.name).label("name"), sa.func.count().label("rows")).select_from(table)
            for table in tables
        )
    )
    return dict(db.session.execute(counts).tuples().all())


def last_ids() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0))),
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Broadcast.id), 0))),
    )


def headers_since(message_id: int, broadcast_id: int) -> list[str]:
    """The subjects and recipients of the email queued after the given ids."""
    found: list[str] = []
    for subject, recipients in db.session.execute(
        sa.select(OutboxMessage.subject, OutboxMessage.recipients).where(OutboxMessage.id > message_id)
    ):
        found += [subject, *(recipients or [])]
    found += db.session.scalars(sa.select(Broadcast.subject).where(Broadcast.id > broadcast_id)).all()
    return found


def is_refusal(response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    return response.status_code == 200 and b"govuk-error-summary" in response.get_data()


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """Whatever happens inside is undone: the database to a savepoint, the client's cookies (in
    `fuzz`), the rate limits and the matrix names a process keeps."""
    with app.app_context():
        connection = db.session.session_factory.kw["bind"]
        savepoint = connection.begin_nested()
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
        savepoint.rollback()
        limiter.reset()
        forget_matrix_names()


def post(client: FlaskClient, form: PageForm, body) -> object:
    if isinstance(body, bytes):
        return client.post(form.url, data=body, content_type="application/x-www-form-urlencoded")
    data = encoded(form, body)
    if form.multipart or any(isinstance(value, tuple) for value in data.values()):
        return client.post(form.url, data=data, content_type="multipart/form-data")
    return client.post(form.url, data=data)


def check(app: Flask, spec: Spec, body, response, before: dict[str, int], ids: tuple[int, int]) -> None:
    status = response.status_code
    assert status < 500, f"{spec.id}: {status} for {body!r:.2000}"
    with app.app_context():
        if is_refusal(response):
            after = table_counts()
            changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
            assert not changed, f"{spec.id}: refused ({status}) yet rows changed {changed} for {body!r:.2000}"
        for header in headers_since(*ids):
            assert "\r" not in header and "\n" not in header, (
                f"{spec.id}: header {header!r} for {body!r:.2000}"
            )


# --- the test ---------------------------------------------------------------------------------------

# Examples that found a defect, run first every time until the portal is fixed (a body as drawn:
# field name to value; see the module's commit for what each did).
FOUND: dict[str, list[dict]] = {
    # 500: an invitation id past the largest INTEGER reaches the database (PostgreSQL: integer out
    # of range; SQLite: OverflowError past 2**63 - 1).
    "organisations.cancel_colleague_invitation": [
        {"invitation_id": "9" * 400},
        {"invitation_id": "2147483648"},
    ],
}


def edge_examples(form: PageForm) -> list[dict]:
    """Examples always run: the form as the page shows it, and with each hidden field (a record's
    id, a revision) past the largest INTEGER and the largest BIGINT."""
    shown = {name: found.as_shown() for name, found in form.fields.items()}
    hidden = [name for name, found in form.fields.items() if found.kind == "hidden"]
    return [shown] + [
        {**shown, name: value} for name in hidden for value in ("2147483648", "9223372036854775808")
    ]


@pytest.mark.parametrize("spec", FORMS.values(), ids=FORMS.keys())
def test_a_form_survives_hostile_input(app, client, spec: Spec, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_FOLDER", str(tmp_path / "evidence"))
    scene = Scene(app, client)
    target = spec.setup(scene, dict(spec.words))
    with app.test_request_context():
        url = url_for(spec.endpoint, **dict(spec.words), **target.arguments)
    matched = app.url_map.bind("portal.test").match(urlsplit(url).path, method="POST", return_rule=True)[0]
    assert matched.rule == spec.rule, f"{spec.id} posts to {matched.rule}, not {spec.rule}"
    form_on_page = read_form(client, url, target.page or url)
    with app.app_context():
        before, ids = table_counts(), last_ids()
    cookies = dict(client._cookies)

    def example(body) -> None:
        with rolled_back(app):
            try:
                response = post(client, form_on_page, body)
                check(app, spec, body, response, before, ids)
            finally:
                client._cookies.clear()
                client._cookies.update(cookies)

    fuzz = given(body=bodies(form_on_page))(example)
    for body in [*FOUND.get(spec.id, []), *edge_examples(form_on_page)]:
        fuzz = hypothesis.example(body=body)(fuzz)
    FUZZ_SETTINGS(fuzz)()


# --- the forms: accounts ------------------------------------------------------------------------------


def password_link(purpose: str, user_id: int) -> str:
    user = db.session.get(User, user_id)
    return tokens.make_token(
        purpose, {"user": user.id, "pw": tokens.password_fingerprint(user.password_hash)}
    )


@form("accounts.register", "/register")
@form("accounts.login", "/login")
@form("accounts.forgot_password", "/forgot-password")
@form("pages.feedback", "/feedback")
def visitor_form(scene: Scene, words: dict) -> Target:
    scene.run(lambda: make_supplier("sam@example.com"))
    return Target()


@form("accounts.register", "/register", label="[invitation]")
def register_by_invitation(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()

    def invited() -> str:
        organisation = db.session.get(Organisation, scene.organisation_id)
        actor = db.session.get(User, scene.user_id)
        invitation = colleagues.invite_colleague(organisation, "joiner@example.com", actor=actor)
        payload = {"invitation": invitation.id, "email": invitation.email}
        return tokens.make_token(tokens.COLLEAGUE_INVITATION, payload)

    token = scene.run(invited)
    post_form(scene.client, "/logout", {}, page="/account")
    return Target({"invitation": token})


@form("accounts.reset_password", "/reset-password/<token>")
def reset_password(scene: Scene, words: dict) -> Target:
    user_id = scene.run(lambda: make_supplier("sam@example.com").id)
    return Target({"token": scene.run(lambda: password_link(tokens.RESET_PASSWORD, user_id))})


@form("accounts.accept_invitation", "/invitation/<token>")
def accept_invitation(scene: Scene, words: dict) -> Target:
    def invited() -> int:
        user = User(email="nia@example.com", name="Nia Newcomer", role=Role.OFFICER)
        db.session.add(user)
        db.session.flush()
        return user.id

    user_id = scene.run(invited)
    return Target({"token": scene.run(lambda: password_link(tokens.INVITATION, user_id))})


@form("accounts.confirm_email", "/verify-email/<token>")
def confirm_email(scene: Scene, words: dict) -> Target:
    user = scene.run(lambda: make_supplier("new@example.com", verified=False))
    token = scene.run(lambda: tokens.make_token(tokens.VERIFY_EMAIL, {"user": user.id, "email": user.email}))
    return Target({"token": token})


@form("accounts.enter_code", "/login/code")
@form("accounts.enter_recovery_code", "/login/recovery-code")
def half_signed_in_officer(scene: Scene, words: dict) -> Target:
    scene.run(lambda: make_staff("olive@example.com"))
    assert (
        post_form(scene.client, "/login", {"email": "olive@example.com", "password": PASSWORD}).status_code
        == 302
    )
    return Target()


@form("accounts.add_app_to_sign_in", "/login/add-authenticator-app")
def half_signed_in_newcomer(scene: Scene, words: dict) -> Target:
    scene.run(lambda: make_staff("nia@example.com", with_app=False))
    assert (
        post_form(scene.client, "/login", {"email": "nia@example.com", "password": PASSWORD}).status_code
        == 302
    )
    return Target()


@form("accounts.sign_in_with_passkey", "/login/passkey")
def passkey_sign_in(scene: Scene, words: dict) -> Target:
    scene.run(lambda: make_supplier("sam@example.com"))
    return Target(page="/login")


@form("accounts.logout", "/logout")
def signing_out(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target(page="/account")


@form("accounts.resend_verification", "/account/resend-verification")
def unverified_supplier(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier(user_email_verified_at=None)
    return Target(page="/account")


@form("accounts.change_password", "/account/password")
@form("accounts.change_email", "/account/email")
@form("accounts.passkeys_page", "/account/passkeys")
@form("accounts.add_app", "/account/two-factor/app")
def supplier_form(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target()


@form("accounts.confirm_email_change", "/account/email/confirm/<token>")
def confirming_a_new_address(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()

    def link() -> str:
        payload = {"user": scene.user_id, "from": tokens.address_fingerprint("member@example.com")}
        return tokens.make_token(tokens.CHANGE_EMAIL, {**payload, "to": "mo@new.example"})

    return Target({"token": scene.run(link)})


@form("accounts.create_passkey", "/account/passkeys/create")
def naming_a_passkey(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    response = post_form(scene.client, "/account/passkeys", {"name": "Work laptop", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return Target()


@form("accounts.remove_passkey", "/account/passkeys/<int:passkey_id>/remove")
def removing_a_passkey(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()

    def passkey() -> int:
        key = Passkey(
            user_id=scene.user_id, name="Work laptop", credential_id=b"\x01" * 16, public_key=b"\x02" * 77
        )
        db.session.add(key)
        db.session.flush()
        return key.id

    return Target({"passkey_id": scene.run(passkey)}, page="/account/passkeys")


@form("accounts.renew_recovery_codes", "/account/two-factor/recovery-codes")
@form("accounts.remove_app", "/account/two-factor/remove")
def supplier_with_an_app(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier(user_totp_secret=APP_SECRET, user_totp_added_at=utcnow())
    return Target()


@form("accounts_officers.reset_app", "/officer/users/<int:user_id>/reset-authenticator")
def resetting_a_suppliers_app(scene: Scene, words: dict) -> Target:
    def supplier() -> int:
        user = make_supplier("sam@example.com")
        account = db.session.get(User, user.id)
        account.totp_secret, account.totp_added_at = APP_SECRET, utcnow()
        return user.id

    user_id = scene.run(supplier)
    scene.sign_in_staff()
    return Target({"user_id": user_id})


# --- every POST route is fuzzed or listed ---------------------------------------------------------

UNREACHABLE = {
    "/login/passkey/options": "no form: the sign-in page's script posts it with the CSRF token in a header "
    "and no fields, for the JSON a passkey needs",
    "/session/renew": "no form: the timeout warning's script posts it with the CSRF token in a header and no "
    "fields; it answers JSON",
}


def word_choices(rule) -> list[tuple[tuple[str, str], ...]]:
    """Every combination of the words a rule's URL may take (its `any(...)` parts; a profile
    step's slug)."""
    choices = []
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices.append([(name, item) for item in sorted(converter.items)])
        elif rule.endpoint == "organisations.step" and name == "slug":
            choices.append([(name, step.slug) for step in STEPS if step.form is not None])
    return [tuple(sorted(words)) for words in itertools.product(*choices)]


def test_every_post_route_is_fuzzed_or_listed(app):
    fuzzed = {(spec.rule, spec.words) for spec in FORMS.values()}
    missing = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule in UNREACHABLE:
            continue
        missing += [
            (rule.endpoint, rule.rule, words)
            for words in word_choices(rule)
            if (rule.rule, words) not in fuzzed
        ]
    assert not missing, f"fuzz these forms (FORMS) or say why not (UNREACHABLE): {missing}"
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not {rule for rule, _words in fuzzed} - rules, "a form fuzzed here is no longer in the URL map"
    assert UNREACHABLE.keys() <= rules, "a route listed as unreachable is no longer in the URL map"


# --- the forms: organisations, due diligence, the Code of Ethics ------------------------------------------


@form(
    "organisations.step",
    "/organisation/profile/<slug>",
    *({"slug": step.slug} for step in STEPS if step.form is not None),
)
@form("organisations.sites", "/organisation/profile/sites")
@form("organisations.accreditations", "/organisation/profile/accreditations")
@form("organisations.colleagues", "/organisation/colleagues")
@form("due_diligence.due_diligence", "/organisation/due-diligence")
@form("ethics.correct", "/code-of-ethics/correct")
@form("opportunities.alerts", "/opportunities/alerts")
@form("social_value.new_offer", "/social-value/offers/new")
def member_form(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target()


@form("ethics.code", "/code-of-ethics")
def unsigned_member(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier(pledged=False)
    return Target()


@form("organisations.check_answers", "/organisation/profile/check")
def unregistered_member(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier(registered=False, pledged=False)
    return Target()


@form("organisations.accreditations_done", "/organisation/profile/accreditations/done")
def accreditations_page(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier(accreditations_answered=False)
    return Target(page="/organisation/profile/accreditations")


@form("organisations.council", "/organisation/profile/address/council")
def council_unknown(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier(needs_council_area=True, postcode="ZZ99 9ZZ")
    return Target()


def add_site(scene: Scene) -> int:
    def site() -> int:
        made = OrganisationSite(
            organisation_id=scene.organisation_id,
            label="Depot",
            address_line_1="2 Dock Road",
            postcode="ZZ99 9ZZ",
            needs_council_area=True,
        )
        db.session.add(made)
        db.session.flush()
        return made.id

    return scene.run(site)


@form("organisations.site_council", "/organisation/profile/sites/<int:site_id>/council")
def site_council(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target({"site_id": add_site(scene)})


@form("organisations.remove_site", "/organisation/profile/sites/<int:site_id>/remove")
def remove_site(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target({"site_id": add_site(scene)}, page="/organisation/profile/sites")


@form(
    "organisations.remove_accreditation",
    "/organisation/profile/accreditations/<int:accreditation_id>/remove",
)
def remove_accreditation(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()

    def accreditation() -> int:
        made = Accreditation(
            organisation_id=scene.organisation_id,
            kind=AccreditationKind.SEDEX,
            certificate_number="ZC1234567",
            expires_on=date.today() + timedelta(days=200),
        )
        db.session.add(made)
        db.session.flush()
        return made.id

    return Target({"accreditation_id": scene.run(accreditation)}, page="/organisation/profile/accreditations")


def colleague(scene: Scene) -> int:
    organisation = scene.run(lambda: db.session.get(Organisation, scene.organisation_id))
    return scene.run(lambda: make_supplier("colleague@example.com", organisation=organisation).id)


@form("organisations.remove_colleague", "/organisation/colleagues/<int:user_id>/remove")
def remove_colleague(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target({"user_id": colleague(scene)})


def invite(scene: Scene, address: str = "joiner@example.com") -> str:
    """An invitation from the signed-in member's organisation; the token of its link."""

    def invited() -> str:
        organisation = db.session.get(Organisation, scene.organisation_id)
        actor = db.session.get(User, scene.user_id)
        invitation = colleagues.invite_colleague(organisation, address, actor=actor)
        payload = {"invitation": invitation.id, "email": invitation.email}
        return tokens.make_token(tokens.COLLEAGUE_INVITATION, payload)

    return scene.run(invited)


@form("organisations.cancel_colleague_invitation", "/organisation/colleagues/cancel-invitation")
def cancel_invitation(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    invite(scene)
    return Target(page="/organisation/colleagues")


@form("organisations.join", "/organisation/join/<token>")
def join(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    token = invite(scene)
    post_form(scene.client, "/logout", {}, page="/account")
    scene.run(lambda: make_supplier("joiner@example.com", organisation=make_organisation("Joiner's Own")))
    sign_in(scene.client, "joiner@example.com")
    return Target({"token": token})


@form("organisations_officers.organisation", "/officer/organisations/<int:organisation_id>")
@form("due_diligence_officers.due_diligence_organisation", "/officer/due-diligence/<int:organisation_id>")
def an_organisation_for_officers(scene: Scene, words: dict) -> Target:
    organisation_id = scene.run(lambda: rated_organisation("Winsford Widgets Ltd", LOW).id)
    scene.sign_in_staff()
    return Target({"organisation_id": organisation_id})


@form("ethics_officers.publish_code", "/officer/code-of-ethics/new")
@form("officers.invite_officer", "/officer/users/invite")
def admin_form(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff(admin=True)
    return Target()


@form("officers.disable_user", "/officer/users/<int:user_id>/disable")
def an_account_for_admins(scene: Scene, words: dict) -> Target:
    user_id = scene.run(lambda: make_supplier("sam@example.com").id)
    scene.sign_in_staff(admin=True)
    return Target({"user_id": user_id}, page="/officer/users")


@form("officers.enable_user", "/officer/users/<int:user_id>/enable")
def a_disabled_account(scene: Scene, words: dict) -> Target:
    user_id = scene.run(lambda: make_supplier("sam@example.com", disabled=True).id)
    scene.sign_in_staff(admin=True)
    return Target({"user_id": user_id}, page="/officer/users")


@form("officers.retry_message", "/officer/outbox/<int:message_id>/retry")
def a_failed_message(scene: Scene, words: dict) -> Target:
    def failed() -> int:
        message = OutboxMessage(
            recipients=["sam@example.com"], subject="Hello", template="accounts/verify_email", body_text="Hi"
        )
        message.state, message.attempts = MessageState.FAILED, 8
        db.session.add(message)
        db.session.flush()
        return message.id

    message_id = scene.run(failed)
    scene.sign_in_staff()
    return Target({"message_id": message_id}, page=f"/officer/outbox/{message_id}")


# --- the forms: opportunities and quotations ---------------------------------------------------------


def officer_opportunity(scene: Scene, **values) -> int:
    """An opportunity an officer has made (published unless `state` says otherwise), the officer
    signed in."""
    scene.sign_in_staff()
    return scene.run(lambda: make_opportunity(officer=db.session.get(User, scene.user_id), **values).id)


@form("opportunities_officers.edit_opportunity", "/officer/opportunities/new", label="[new]")
@form("voluntary_officers.new_need", "/officer/needs/new")
def officer_form(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff()
    return Target()


@form("opportunities_officers.edit_opportunity", "/officer/opportunities/<int:opportunity_id>/edit")
@form("opportunities_officers.new_lot", "/officer/opportunities/<int:opportunity_id>/lots/new")
def draft_opportunity(scene: Scene, words: dict) -> Target:
    return Target({"opportunity_id": officer_opportunity(scene, state="draft")})


@form("opportunities_officers.publish_opportunity", "/officer/opportunities/<int:opportunity_id>/publish")
def publishing(scene: Scene, words: dict) -> Target:
    opportunity_id = officer_opportunity(scene, state="draft")
    return Target({"opportunity_id": opportunity_id}, page=f"/officer/opportunities/{opportunity_id}")


@form(
    "opportunities_officers.remove_lot",
    "/officer/opportunities/<int:opportunity_id>/lots/<int:lot_id>/remove",
)
def removing_a_lot(scene: Scene, words: dict) -> Target:
    opportunity_id = officer_opportunity(scene, state="draft", lots=2)
    lot_id = scene.run(
        lambda: db.session.scalar(sa.select(Lot.id).where(Lot.opportunity_id == opportunity_id))
    )
    return Target(
        {"opportunity_id": opportunity_id, "lot_id": lot_id}, page=f"/officer/opportunities/{opportunity_id}"
    )


@form("opportunities_officers.close_opportunity", "/officer/opportunities/<int:opportunity_id>/close")
def closing(scene: Scene, words: dict) -> Target:
    return Target({"opportunity_id": officer_opportunity(scene)})


def sealed_response(scene: Scene, opportunity_id: int) -> int:
    """A registered organisation's sealed offer for the opportunity; the organisation's id."""

    def sealed() -> int:
        user = member_of("Northwich Nuts and Bolts", "rival@example.com", person="Rhys Rival")
        offer_id = add_offer(user.organisation_id, user.id, state=OfferState.SEALED)
        db.session.get(Offer, offer_id).opportunity_id = opportunity_id
        return user.organisation_id

    return scene.run(sealed)


@form("opportunities_officers.award_opportunity", "/officer/opportunities/<int:opportunity_id>/award")
def awarding(scene: Scene, words: dict) -> Target:
    opportunity_id = officer_opportunity(scene, closes_in=timedelta(days=-1))
    sealed_response(scene, opportunity_id)
    return Target({"opportunity_id": opportunity_id})


@form(
    "opportunities_officers.evaluate_response",
    "/officer/opportunities/<int:opportunity_id>/responses/<int:organisation_id>",
)
def evaluating(scene: Scene, words: dict) -> Target:
    opportunity_id = officer_opportunity(scene, closes_in=timedelta(days=-1))
    return Target(
        {"opportunity_id": opportunity_id, "organisation_id": sealed_response(scene, opportunity_id)}
    )


@form("opportunities.register_interest", "/opportunities/<int:opportunity_id>/interest")
def interest(scene: Scene, words: dict) -> Target:
    opportunity_id = scene.run(lambda: make_opportunity().id)
    scene.sign_in_supplier()
    return Target({"opportunity_id": opportunity_id}, page=f"/opportunities/{opportunity_id}")


@form("opportunities.unsubscribe", "/opportunities/alerts/unsubscribe/<token>")
def unsubscribing(scene: Scene, words: dict) -> Target:
    user_id = scene.run(lambda: make_supplier("sam@example.com").id)
    with scene.app.test_request_context():
        return Target({"token": tokens.make_token(tokens.ALERTS_UNSUBSCRIBE, {"user": user_id})})


def quotation(scene: Scene, invitees: int = 0) -> int:
    """A request for quotation an officer runs, with `invitees` suppliers not on the portal."""
    opportunity_id = officer_opportunity(scene, procedure=Procedure.QUOTATION, value_ex_vat=Decimal("20000"))

    def exercise() -> None:
        made = QuotationExercise(
            opportunity_id=opportunity_id,
            created_by_id=scene.user_id,
            invitees=[
                QuotationInvitee(name=f"Supplier {n}", invited_by_id=scene.user_id) for n in range(invitees)
            ],
        )
        db.session.add(made)

    scene.run(exercise)

    def local_supplier() -> None:
        organisation = make_organisation("Crewe Cleaning")
        organisation.local_status, organisation.registered_at = LocalStatus.LOCAL, utcnow()
        organisation.divisions.append(db.session.get(CpvDivision, "90"))

    scene.run(local_supplier)
    return opportunity_id


@form(
    "quotations_officers.complete_quotation_exercise",
    "/officer/opportunities/<int:opportunity_id>/quotation/complete",
)
def completing(scene: Scene, words: dict) -> Target:
    return Target({"opportunity_id": quotation(scene, invitees=3)})


@form(
    "quotations_officers.invite_named_supplier", "/officer/opportunities/<int:opportunity_id>/quotation/named"
)
def naming(scene: Scene, words: dict) -> Target:
    return Target({"opportunity_id": quotation(scene)})


@form("quotations_officers.invite_supplier", "/officer/opportunities/<int:opportunity_id>/quotation/invite")
def inviting(scene: Scene, words: dict) -> Target:
    opportunity_id = quotation(scene)
    return Target(
        {"opportunity_id": opportunity_id}, page=f"/officer/opportunities/{opportunity_id}/quotation"
    )


@form(
    "quotations_officers.remove_quotation_invitee",
    "/officer/opportunities/<int:opportunity_id>/quotation/invitees/<int:invitee_id>/remove",
)
def removing_an_invitee(scene: Scene, words: dict) -> Target:
    opportunity_id = quotation(scene, invitees=1)
    invitee_id = scene.run(lambda: db.session.scalar(sa.select(sa.func.max(QuotationInvitee.id))))
    return Target(
        {"opportunity_id": opportunity_id, "invitee_id": invitee_id},
        page=f"/officer/opportunities/{opportunity_id}/quotation",
    )


# --- the forms: social value ---------------------------------------------------------------------------


def offer(scene: Scene, state: OfferState = OfferState.DRAFT, **columns) -> int:
    """An offer of the signed-in member's organisation, complete, in `state`."""
    return scene.run(lambda: add_offer(scene.organisation_id, scene.user_id, state=state, **columns))


def reviewed(scene: Scene, offer_id: int, *moves: str) -> None:
    """Officer's moves on the offer, by an officer who is not the one signed in."""
    officer_id = scene.run(lambda: make_staff("rita@example.com", name="Rita Reviewer").id)
    for move in moves:
        scene.run(lambda move=move: make_move(offer_id, move, officer_id))


@form(
    "social_value.offer_step",
    "/social-value/offers/<int:offer_id>/<any(theme, outcomes, indicator, description, quantity, where, when, partner):slug>",
    *({"slug": slug} for slug in OFFER_STEPS),
)
@form("social_value.delete_draft", "/social-value/offers/<int:offer_id>/delete")
def draft_offer(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target({"offer_id": offer(scene)})


MOVE_ON = (
    "/social-value/offers/<int:offer_id>/<any(submit, resubmit, withdraw, seal, withdraw_response):move>"
)


@form("social_value.move_offer", MOVE_ON, {"move": "submit"})
def submitting(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    offer_id = offer(scene)
    return Target({"offer_id": offer_id}, page=f"/social-value/offers/{offer_id}/check")


@form("social_value.move_offer", MOVE_ON, {"move": "resubmit"})
def answering(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    offer_id = offer(scene, OfferState.SUBMITTED)
    reviewed(scene, offer_id, "pick_up", "ask")
    return Target({"offer_id": offer_id}, page=f"/social-value/offers/{offer_id}")


@form("social_value.move_offer", MOVE_ON, {"move": "withdraw"})
def withdrawing(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    offer_id = offer(scene, OfferState.SUBMITTED)
    return Target({"offer_id": offer_id}, page=f"/social-value/offers/{offer_id}")


def response_to(scene: Scene, state: OfferState) -> int:
    opportunity_id = scene.run(lambda: make_opportunity().id)
    scene.sign_in_supplier()
    offer_id = offer(scene, state)
    scene.run(lambda: setattr(db.session.get(Offer, offer_id), "opportunity_id", opportunity_id))
    return offer_id


@form("social_value.move_offer", MOVE_ON, {"move": "seal"})
def sealing(scene: Scene, words: dict) -> Target:
    offer_id = response_to(scene, OfferState.DRAFT)
    return Target({"offer_id": offer_id}, page=f"/social-value/offers/{offer_id}/check")


@form("social_value.move_offer", MOVE_ON, {"move": "withdraw_response"})
def withdrawing_a_response(scene: Scene, words: dict) -> Target:
    offer_id = response_to(scene, OfferState.SEALED)
    return Target({"offer_id": offer_id}, page=f"/social-value/offers/{offer_id}")


def commitment(scene: Scene, **columns) -> int:
    """The signed-in member's accepted offer."""
    officer_id = scene.run(lambda: make_staff("rita@example.com", name="Rita Reviewer").id)
    return scene.run(lambda: accepted_offer(scene.organisation_id, scene.user_id, officer_id, **columns))


@form("social_value.report_delivery", "/social-value/offers/<int:offer_id>/report")
def reporting(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target({"offer_id": commitment(scene)})


def delivery_report(offer_id: int, user_id: int) -> int:
    found = db.session.scalar(sa.select(Commitment).where(Commitment.offer_id == offer_id))
    report = DeliveryReport(
        commitment_id=found.id,
        quantity=Decimal("10"),
        delivered_on=date.today() - timedelta(days=1),
        description="Ten hours of mentoring.",
        reported_by_id=user_id,
    )
    db.session.add(report)
    db.session.flush()
    return report.id


@form("social_value.confirm_report", "/social-value/reports/<int:report_id>/confirm")
def confirming(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()

    def partner_entry() -> int:
        return make_directory_entry("Winsford Volunteers", organisation_id=scene.organisation_id).id

    entry_id = scene.run(partner_entry)

    def report() -> int:
        user = member_of("Northwich Nuts and Bolts", "rival@example.com", person="Rhys Rival")
        officer_id = make_staff("rita@example.com", name="Rita Reviewer").id
        offer_id = accepted_offer(user.organisation_id, user.id, officer_id, partner_entry_id=entry_id)
        return delivery_report(offer_id, user.id)

    scene.run(report)
    return Target(
        {"report_id": scene.run(lambda: db.session.scalar(sa.select(sa.func.max(DeliveryReport.id))))},
        page="/social-value/partner-reports",
    )


OFFICER_MOVE = "/officer/offers/<int:offer_id>/<any(pick_up, ask, accept, decline):move>"


@form("social_value_officers.move_offer", OFFICER_MOVE, {"move": "pick_up"})
@form(
    "social_value_officers.move_offer", OFFICER_MOVE, {"move": "ask"}, {"move": "accept"}, {"move": "decline"}
)
def reviewing(scene: Scene, words: dict) -> Target:
    def submitted() -> int:
        user = member_of("Northwich Nuts and Bolts", "rival@example.com", person="Rhys Rival")
        return add_offer(user.organisation_id, user.id, state=OfferState.SUBMITTED)

    offer_id = scene.run(submitted)
    scene.sign_in_staff()
    if words["move"] != "pick_up":
        scene.run(lambda: make_move(offer_id, "pick_up", scene.user_id))
    return Target({"offer_id": offer_id}, page=f"/officer/offers/{offer_id}")


@form("social_value_officers.verify_report", "/officer/social-value/reports/<int:report_id>/verify")
def verifying(scene: Scene, words: dict) -> Target:
    def report() -> int:
        user = member_of("Northwich Nuts and Bolts", "rival@example.com", person="Rhys Rival")
        officer_id = make_staff("rita@example.com", name="Rita Reviewer").id
        return delivery_report(accepted_offer(user.organisation_id, user.id, officer_id), user.id)

    report_id = scene.run(report)
    scene.sign_in_staff()
    return Target({"report_id": report_id}, page="/officer/social-value/reports")


@form("social_value_officers.edit_measure", "/officer/social-value/measures/<int:measure_id>")
def editing_a_measure(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff(admin=True)
    return Target({"measure_id": scene.run(lambda: measure_id("volunteering_hours"))})


def matrix_item(kind: str) -> int:
    return outcome_id("social", 1) if kind == "outcome" else indicator_id("social", 1)


@form(
    "social_value_officers.edit_matrix_item",
    "/officer/social-value/<any(outcome, indicator):kind>/<int:item_id>",
    {"kind": "outcome"},
    {"kind": "indicator"},
)
def editing_the_matrix(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff(admin=True)
    return Target({"item_id": scene.run(lambda: matrix_item(words["kind"]))})


@form(
    "social_value_officers.retire_matrix_item",
    "/officer/social-value/<any(outcome, indicator):kind>/<int:item_id>/<any(retire, restore):action>",
    *(
        {"kind": kind, "action": action}
        for kind in ("outcome", "indicator")
        for action in ("retire", "restore")
    ),
)
def retiring(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff(admin=True)
    item_id = scene.run(lambda: matrix_item(words["kind"]))
    if words["action"] == "restore":
        model = Outcome if words["kind"] == "outcome" else Indicator
        scene.run(lambda: setattr(db.session.get(model, item_id), "retired_at", utcnow()))
    return Target({"item_id": item_id}, page="/officer/social-value/matrix")


# --- the forms: the voluntary sector --------------------------------------------------------------------


@form("voluntary.new_need", "/voluntary-sector/needs/new")
def posting_a_need(scene: Scene, words: dict) -> Target:
    scene.sign_in_supplier()
    return Target()


def need(scene: Scene, *, own: bool, state: NeedState = NeedState.PUBLISHED) -> int:
    scene.sign_in_supplier()
    if own:
        return scene.run(lambda: add_need(scene.user_id, organisation_id=scene.organisation_id, state=state))

    def theirs() -> int:
        organisation = vcse_organisation("Crewe Community Larder", legal_form=LegalForm.CIC)
        user = make_supplier("cara@crewe-larder.example", organisation=organisation)
        return add_need(user.id, organisation_id=organisation.id, state=state)

    return scene.run(theirs)


@form("voluntary.edit_need", "/voluntary-sector/needs/<int:need_id>/edit")
def editing_a_need(scene: Scene, words: dict) -> Target:
    return Target({"need_id": need(scene, own=True)})


@form(
    "voluntary.close_need",
    "/voluntary-sector/needs/<int:need_id>/<any(met, close):move>",
    {"move": "met"},
    {"move": "close"},
)
def closing_a_need(scene: Scene, words: dict) -> Target:
    need_id = need(scene, own=True)
    return Target({"need_id": need_id}, page=f"/voluntary-sector/needs/{need_id}")


@form("voluntary.respond", "/voluntary-sector/needs/<int:need_id>/respond")
def responding(scene: Scene, words: dict) -> Target:
    need_id = need(scene, own=False)
    return Target({"need_id": need_id}, page=f"/voluntary-sector/needs/{need_id}")


@form("voluntary.respond", "/voluntary-sector/needs/<int:need_id>/respond", label="[again]")
def responding_again(scene: Scene, words: dict) -> Target:
    """The organisation has answered the need before: the form asks to confirm another answer."""
    need_id = need(scene, own=False)
    scene.run(
        lambda: db.session.add(
            NeedResponse(
                need_id=need_id,
                organisation_id=scene.organisation_id,
                user_id=scene.user_id,
                message="40 hours",
            )
        )
    )
    return Target({"need_id": need_id}, page=f"/voluntary-sector/needs/{need_id}")


@form("voluntary_officers.need", "/officer/needs/<int:need_id>")
def deciding_on_a_need(scene: Scene, words: dict) -> Target:
    def pending() -> int:
        organisation = vcse_organisation("Crewe Community Larder", legal_form=LegalForm.CIC)
        user = make_supplier("cara@crewe-larder.example", organisation=organisation)
        return add_need(user.id, organisation_id=organisation.id, state=NeedState.PENDING)

    need_id = scene.run(pending)
    scene.sign_in_staff()
    return Target({"need_id": need_id})


@form("voluntary_officers.edit_entry", "/officer/voluntary-sector/new", label="[new]")
def new_entry(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff()
    return Target()


@form("voluntary_officers.edit_entry", "/officer/voluntary-sector/<int:entry_id>/edit")
def editing_an_entry(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff()
    return Target({"entry_id": scene.run(lambda: add_entry("Vale Royal Volunteer Centre", ["E06000050"]))})


@form(
    "voluntary_officers.change_entry",
    "/officer/voluntary-sector/<int:entry_id>/<any(confirm, retire, restore):action>",
    {"action": "confirm"},
    {"action": "retire"},
    {"action": "restore"},
)
def changing_an_entry(scene: Scene, words: dict) -> Target:
    scene.sign_in_staff()
    columns = {"retired_at": utcnow()} if words["action"] == "restore" else {}
    entry_id = scene.run(lambda: add_entry("Vale Royal Volunteer Centre", ["E06000050"], **columns))
    return Target({"entry_id": entry_id}, page=f"/voluntary-sector/{entry_id}")
