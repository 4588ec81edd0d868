"""Activity reminders (S-6.6): each due reminder is claimed once by a conditional update of
``reminder_sent_at`` and its assignee notified — in the panel (the dashboard and the calendar
show activities whose reminder went out and that are not done) and, when they have a mobile,
by SMS, queued in the same transaction as the claim so it goes out exactly once however often
the sweep runs or however many workers run it at the same time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.jalali import format_jalali_datetime
from core.sms.services import sms_queue
from crm.models import Activity, Case
from crm.tenancy import schema_require

# Reminders one run claims; the next run takes the rest.
REMINDER_BATCH = 500
SMS_KIND = "crm_activity_reminder"

_CLAIM_SQL = f"""
UPDATE {Activity._meta.db_table} AS activity
   SET reminder_sent_at = %s
 WHERE activity.id IN (
        SELECT due.id
          FROM {Activity._meta.db_table} AS due
          JOIN {Case._meta.db_table} AS cases ON cases.id = due.case_id
         WHERE due.remind_at <= %s
           AND due.reminder_sent_at IS NULL
           AND due.done_at IS NULL
           AND cases.state IN %s
         ORDER BY due.remind_at, due.id
         LIMIT %s
           FOR UPDATE OF due SKIP LOCKED)
   AND activity.reminder_sent_at IS NULL
RETURNING activity.id, activity.assignee_user_id, activity.subject, activity.due_at
"""  # noqa: S608 - table names come from the models, values are parameters


def activity_reminders_send(
    *, agency: Any, now: dt.datetime | None = None, sms: bool | None = None
) -> int:
    """Claim the reminders due by ``now`` and notify their assignees; returns how many were
    claimed. A second run finds nothing left to claim and sends nothing."""
    schema_require(agency)
    now = now or timezone.now()
    if sms is None:
        sms = getattr(settings, "CRM_REMINDER_SMS", True)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [now, now, tuple(Case.OPEN_STATES), REMINDER_BATCH])
            claimed = cursor.fetchall()
        if sms and claimed:
            _sms_assignees(agency, claimed)
    return len(claimed)


def _sms_assignees(agency: Any, claimed: list[tuple[Any, ...]]) -> None:
    wanted = {row[1] for row in claimed if row[1]}
    mobiles = dict(
        get_user_model()
        .objects.filter(pk__in=wanted, is_active=True)
        .exclude(mobile="")
        .values_list("pk", "mobile")
    )
    with override(settings.LANGUAGE_CODE):
        for _pk, assignee, subject, due_at in claimed:
            mobile = mobiles.get(assignee)
            if not mobile:
                continue
            if due_at:
                body = _("Reminder from %(agency)s: %(subject)s, due %(due)s") % {
                    "agency": agency.name,
                    "subject": subject,
                    "due": format_jalali_datetime(due_at),
                }
            else:
                body = _("Reminder from %(agency)s: %(subject)s") % {
                    "agency": agency.name,
                    "subject": subject,
                }
            sms_queue(to=mobile, body=body, kind=SMS_KIND, agency_id=agency.pk)
