"""Escalation of late tickets and the notices of answers (tasks; each safe to run twice,
decision 051)."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.digits import to_persian_digits
from core.sms.services import sms_queue
from support.models import Message, Ticket
from support.services.tickets import ESCALATION_BATCH, SMS_KIND_ANSWER, SMS_KIND_ESCALATION

# ---- escalation and notices (tasks) ------------------------------------------------------


def _mail_on_commit(*, to: list[str], subject: str, body: str) -> None:
    recipients = [address for address in to if address]
    if recipients:
        transaction.on_commit(
            partial(
                send_mail,
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=True,
            )
        )


def tickets_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every ticket the insurer owes an answer to past its due time: urgent, in the
    queue manager's hands, audited, and its operator (or else the manager) texted and
    e-mailed. A ticket is escalated once per wait (a run repeated or overlapping finds it
    done, or locked by the other run, and skips it)."""
    now = now or timezone.now()
    escalated = 0
    candidates = list(
        Ticket.objects.filter(
            state__in=Ticket.WITH_INSURER, escalated_at__isnull=True, due_at__lt=now
        )
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:ESCALATION_BATCH]
    )
    for ticket_id in candidates:
        with transaction.atomic():
            locked = (
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("category__manager", "assignee")
                .filter(
                    pk=ticket_id,
                    state__in=Ticket.WITH_INSURER,
                    escalated_at__isnull=True,
                    due_at__lt=now,
                )
                .first()
            )
            if locked is None:
                continue
            manager = locked.category.manager
            changes = {
                "escalated_at": (None, now.isoformat()),
                "priority": (locked.priority, Ticket.Priority.URGENT),
                "escalated_to": (None, manager.pk if manager else None),
            }
            locked.escalated_at = now
            locked.priority = Ticket.Priority.URGENT
            locked.escalated_to = manager
            locked.save(update_fields=["escalated_at", "priority", "escalated_to", "updated_at"])
            audit_record(
                actor=None,
                actor_label="support",
                action="support_ticket.escalated",
                target=locked,
                agency_id=locked.agency_id,
                changes=changes,
            )
            _escalation_notices(locked)
            escalated += 1
    return escalated


def _escalation_notices(ticket: Ticket) -> None:
    manager = ticket.category.manager
    person = ticket.assignee or manager
    with translation.override("fa"):
        text = _("Ticket %(number)s (%(category)s) is late and was escalated: %(subject)s") % {
            "number": to_persian_digits(str(ticket.pk)),
            "category": ticket.category.name,
            "subject": ticket.subject[:60],
        }
    if person is not None and person.mobile:
        sms_queue(to=person.mobile, body=text, kind=SMS_KIND_ESCALATION)
    addresses = {getattr(person, "email", ""), getattr(manager, "email", "")}
    _mail_on_commit(to=sorted(a for a in addresses if a), subject=text, body=text)


def answer_notify(*, message_id: int) -> bool:
    """Tell the customer or agency of a public answer, once: the message is claimed with a
    conditional update in the transaction that queues the SMS, so a repeated task sends
    nothing. The e-mail goes once that transaction commits."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Message.objects.filter(
            pk=message_id,
            notified_at__isnull=True,
            internal=False,
            author_side=Message.Author.STAFF,
        ).update(notified_at=now)
        if not claimed:
            return False
        message = Message.objects.select_related("ticket__customer", "ticket__opened_by").get(
            pk=message_id
        )
        ticket = message.ticket
        person = ticket.customer or ticket.opened_by
        with translation.override("fa"):
            text = _(
                "The insurer answered your support ticket %(number)s (%(subject)s). "
                "See it in your account."
            ) % {"number": to_persian_digits(str(ticket.pk)), "subject": ticket.subject[:40]}
        if person.mobile:
            sms_queue(to=person.mobile, body=text, kind=SMS_KIND_ANSWER, agency_id=ticket.agency_id)
        _mail_on_commit(to=[person.email], subject=text, body=f"{text}\n\n{message.body}")
    return True


# An answer's notice is normally claimed within seconds of its commit; one still unclaimed
# after this long was never handed to a worker (the broker was down).
NOTICE_STRANDED_AFTER = dt.timedelta(minutes=2)
NOTICE_STRANDED_WITHIN = dt.timedelta(days=2)


def answer_notices_resume(*, now: dt.datetime | None = None) -> int:
    """Send the notices of answers that no task took (each is still claimed once)."""
    now = now or timezone.now()
    waiting = list(
        Message.objects.filter(
            author_side=Message.Author.STAFF,
            internal=False,
            notified_at__isnull=True,
            created_at__lt=now - NOTICE_STRANDED_AFTER,
            created_at__gte=now - NOTICE_STRANDED_WITHIN,
        )
        .order_by("id")
        .values_list("pk", flat=True)[:ESCALATION_BATCH]
    )
    return sum(1 for message_id in waiting if answer_notify(message_id=message_id))
