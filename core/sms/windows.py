"""When a message may go out: promotional messages only inside the agency's window
(Tehran time, never 22:00-07:00); transactional ones at any hour."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from core.sms.parts import Line

# The hours no promotional message is sent, whatever an agency chooses.
EARLIEST = dt.time(7, 0)
LATEST = dt.time(22, 0)
DEFAULT_START = dt.time(8, 0)
DEFAULT_END = dt.time(21, 0)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def window_open_at(
    moment: dt.datetime, *, line: str, start: dt.time = DEFAULT_START, end: dt.time = DEFAULT_END
) -> dt.datetime:
    """The first moment at or after ``moment`` when a message on ``line`` may be sent."""
    if line != Line.PROMOTIONAL:
        return moment
    start, end = max(start, EARLIEST), min(end, LATEST)
    local = moment.astimezone(_zone())
    opens = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    closes = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if local < opens:
        return opens
    if local < closes:
        return moment
    tomorrow = (local + dt.timedelta(days=1)).date()
    return dt.datetime.combine(tomorrow, start, tzinfo=_zone())


def window_is_open(
    moment: dt.datetime, *, line: str, start: dt.time = DEFAULT_START, end: dt.time = DEFAULT_END
) -> bool:
    return window_open_at(moment, line=line, start=start, end=end) == moment
