"""Times as the portal shows them: stored in UTC, read in Cheshire's own time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from portal.time import london_datetime, london_today, read_month, read_time, spoken_duration


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (datetime(2026, 1, 5, 0, 0, tzinfo=UTC), "5 January 2026 at midnight"),  # GMT
        (datetime(2026, 1, 5, 12, 0, tzinfo=UTC), "5 January 2026 at midday"),
        (datetime(2026, 1, 5, 11, 59, tzinfo=UTC), "5 January 2026 at 11:59am"),
        (datetime(2026, 7, 3, 7, 5, tzinfo=UTC), "3 July 2026 at 8:05am"),  # BST: an hour on
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "31 December 2026 at 11:30pm"),
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "1 June 2026 at 12:30am"),  # the next day in BST
        # The clocks go forward at 1am GMT on 29 March 2026, and back at 1am GMT on 25 October.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 March 2026 at 12:59am"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026 at 2am"),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 October 2026 at 1:30am"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 October 2026 at 1:30am"),
    ],
)
def test_a_stored_time_reads_as_in_cheshire(stored, shown):
    assert london_datetime(stored) == shown


def test_a_time_in_another_zone_is_read_as_in_cheshire():
    new_york = timezone(timedelta(hours=-5))
    assert london_datetime(datetime(2026, 2, 1, 14, 0, tzinfo=new_york)) == "1 February 2026 at 7pm"


def test_no_time_reads_as_nothing():
    assert london_datetime(None) == ""


def test_the_day_is_cheshires():
    assert str(london_today(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))) == "2026-07-01"
    assert str(london_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))) == "2026-12-31"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (61, "1 minute and 1 second"),
        (1800, "30 minutes"),
        (3600, "1 hour"),
        (5400, "1 hour and 30 minutes"),
        (12 * 3600, "12 hours"),
        (86_400 + 3_600 + 60, "1 day and 1 hour"),
    ],
)
def test_a_length_of_time_reads_as_people_say_it(seconds, said):
    assert spoken_duration(seconds) == said


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("17:30", time(17, 30)),
        ("17.30", time(17, 30)),
        ("5:30pm", time(17, 30)),
        ("5.30 PM", time(17, 30)),
        ("5pm", time(17)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("12:15am", time(0, 15)),
        ("Midday", time(12)),
        ("noon", time(12)),
        ("midnight", time(0)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("25:00", None),
        ("13pm", None),
        ("0am", None),
        ("9:60", None),
        ("9", None),  # morning or evening: not said
        ("soon", None),
        ("", None),
        ("１７:３０", None),  # full-width digits
    ],
)
def test_a_time_of_day_is_read_as_people_type_it(typed, read):
    assert read_time(typed) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("4", 4),
        ("04", 4),
        ("April", 4),
        ("apr", 4),
        ("SEPT", 9),
        ("sep", 9),
        ("December", 12),
        ("ap", None),
        ("Aprill", None),
        ("x", None),
    ],
)
def test_a_month_is_read_as_a_number_or_its_name(typed, read):
    assert read_month(typed) == read
