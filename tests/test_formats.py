"""Money, days and times written one way (portal/formats.py), and no template writing its own."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string

from portal.formats import money
from portal.time import clock, london_datetime, long_date, month_year

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
M = Decimal(1_000_000)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "£0"),
        (Decimal("0.5"), "£0.50"),
        (Decimal("0.01"), "£0.01"),
        (Decimal("38500.50"), "£38,500.50"),
        (Decimal("355400"), "£355,400"),
        (Decimal("355400.00"), "£355,400"),
        (3_100_000, "£3,100,000"),
        (Decimal("-1250"), "-£1,250"),
    ],
)
def test_money_in_full(amount, words):
    assert money(amount) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (Decimal("3100000"), "£3.1m"),
        (44 * M, "£44m"),
        (Decimal("250000"), "£250,000"),
        (Decimal("1234.5"), "£1,234.50"),
        (Decimal("44000000.01"), "£44,000,000.01"),  # a verdict may turn on the penny
        (Decimal("3125000"), "£3,125,000"),
        (Decimal("999999.99"), "£999,999.99"),
    ],
)
def test_money_in_explanations(amount, words):
    assert money(amount, short=True) == words


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2026, 12, 6, 0, 0), "midnight"),
        (datetime(2026, 12, 6, 12, 0), "midday"),
        (datetime(2026, 12, 6, 0, 1), "12:01am"),
        (datetime(2026, 12, 6, 12, 30), "12:30pm"),
        (datetime(2026, 12, 6, 9, 0), "9am"),
        (datetime(2026, 12, 6, 9, 30), "9:30am"),
        (datetime(2026, 12, 6, 17, 5), "5:05pm"),
        (datetime(2026, 12, 6, 23, 59), "11:59pm"),
    ],
)
def test_times_of_day_as_govuk_writes_them(moment, words):
    assert clock(moment) == words


def test_days_and_moments_in_cheshire():
    assert long_date(date(2026, 12, 6)) == "6 December 2026"
    assert month_year(date(2026, 7, 31)) == "July 2026"
    # British Summer Time: 11am UTC is midday in Cheshire.
    assert london_datetime(datetime(2026, 7, 3, 11, 0, tzinfo=UTC)) == "3 July 2026 at midday"
    assert london_datetime(datetime(2026, 1, 5, 0, 0, tzinfo=UTC)) == "5 January 2026 at midnight"


def test_the_filters_write_the_same(app):
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ a | money }} {{ b | money(short=True) }} {{ d | long_date }} {{ t | london_datetime }}",
            a=Decimal("38500.5"),
            b=Decimal("3100000"),
            d=date(2026, 12, 6),
            t=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
        )
    assert html == "£38,500.50 £3.1m 6 December 2026 6 December 2026 at 9:30am"


# Money or a date written by hand in a template: strftime, Python's format mini-language with a
# thousands separator before a pound sign, or "GBP" before a figure.
HAND_WRITTEN = re.compile(r"\.strftime\(|£\{\{|\{:,\.\d?f\}|GBP \{\{")


def test_no_template_writes_money_or_a_date_by_hand():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    for line in ('{{ day.strftime("%-d %B %Y") }}', '£{{ "{:,.2f}".format(x) }}', "GBP {{ x }}"):
        assert HAND_WRITTEN.search(line), line
    assert not HAND_WRITTEN.search("{{ x | money }} on {{ day | long_date }}")
