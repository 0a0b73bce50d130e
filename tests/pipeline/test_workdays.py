"""Working days on the official calendar: the National Day example, a year boundary, adjusted
weekends, and the Monday–Friday fallback for a year the calendar does not cover yet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.workdays import (
    add_working_days,
    covered,
    is_working_day,
    working_days_between,
    working_days_left,
)


def test_ten_working_days_after_2025_09_26_skip_national_day_and_count_adjusted_weekends():
    due = add_working_days(date(2025, 9, 26), 10)
    assert due.date == date(2025, 10, 16)
    assert due.calendar_provisional is False
    # the adjusted Sunday before and Saturday after the break are working days; the break is not
    assert is_working_day(date(2025, 9, 28)) == (True, False)
    assert is_working_day(date(2025, 10, 11)) == (True, False)
    assert is_working_day(date(2025, 10, 8)) == (False, False)


def test_counting_starts_on_the_working_day_after_receipt():
    # received on a Saturday: the first working day counted is the Monday
    assert add_working_days(date(2025, 3, 1), 1).date == date(2025, 3, 3)
    assert add_working_days(date(2025, 3, 3), 1).date == date(2025, 3, 4)
    assert add_working_days(date(2025, 3, 3), 0).date == date(2025, 3, 3)


def test_a_year_boundary_skips_new_year_and_counts_the_adjusted_sunday():
    # 2025-12-26 (Fri) → 12-29..31 → 2026-01-01..03 off → 01-04 (Sun) is a working day
    due = add_working_days(date(2025, 12, 25), 10)
    assert due.date == date(2026, 1, 9)
    assert due.calendar_provisional is False
    assert working_days_between(date(2025, 12, 25), date(2026, 1, 9)) == 10


def test_a_year_without_a_published_calendar_falls_back_to_weekdays_and_says_so():
    last_covered = max(y for y in range(2024, 2040) if covered(date(y, 6, 1)))
    start = date(last_covered, 12, 24)
    due = add_working_days(start, 10)
    assert due.calendar_provisional is True
    assert due.date.year == last_covered + 1
    assert due.date.weekday() < 5
    # inside a covered year nothing is provisional
    assert add_working_days(date(last_covered, 3, 2), 5).calendar_provisional is False


def test_working_days_left_counts_today_until_the_due_day_and_zero_after():
    due = date(2025, 10, 16)
    assert working_days_left(date(2025, 10, 14), due) == 3
    assert working_days_left(date(2025, 10, 16), due) == 1
    assert working_days_left(date(2025, 10, 17), due) == 0
    assert working_days_left(date(2025, 10, 4), due) == 7  # 9, 10, 11 (Sat, adjusted), 13–16


@pytest.mark.parametrize("days", [-1, 367])
def test_out_of_range_day_counts_are_refused(days):
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 1), days)


@given(start=st.dates(min_value=date(2004, 1, 1), max_value=date(2030, 12, 31)), days=st.integers(0, 60))
@settings(max_examples=300, deadline=None)
def test_the_due_day_is_a_working_day_exactly_n_working_days_later(start, days):
    due = add_working_days(start, days)
    assert working_days_between(start, due.date) == days
    if days:
        assert is_working_day(due.date)[0]
    assert due.calendar_provisional == any(
        not covered(start + timedelta(days=k)) for k in range(1, (due.date - start).days + 1)
    )
