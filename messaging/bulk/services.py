"""Bulk sends: create (with an uploaded list), preview, schedule, cancel, and the background
expansion into the SMS outbox (decision 038). Every service runs in the agency's schema and
refuses a stopped agency; every state change is one conditional write, audited.

Exactly once: the expansion holds the send by a claim (``scheduled → sending`` in one
conditional ``UPDATE``, or a claim whose heartbeat went silent taken over). Each chunk of
recipients is queued by ``sms_outbox_add`` in one transaction with the send's row locked,
its claim and its position checked and moved on: a chunk is queued once, and a second run
or a worker taking over starts after the last chunk committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from core import audit as core_audit
from core.sms.credit import InsufficientSmsCredit, credit_balance
from core.sms.outbox import sms_outbox_add, sms_outbox_cancel
from core.sms.parts import Line, sms_part_price
from crm.models import CustomerGroup
from crm.selectors.audiences import audience_get
from crm.services.base import agency_write
from crm.tenancy import schema_require
from messaging.bulk.lists import ListUnreadable, list_entries
from messaging.bulk.models import BulkSend, BulkSkip
from messaging.bulk.recipients import CHUNK, audience_counts, bulk_chunks
from messaging.bulk.render import bulk_body_check
from messaging.models import SmsTemplate
from messaging.placeholders import body_to_canonical
from tenants.services import AgencyNotActive

logger = logging.getLogger(__name__)

State = BulkSend.State
Reason = BulkSkip.Reason
SYSTEM = "system"
# A scheduled send's recipients are read this long before its time, so that a large send is
# queued by then and consent is read as late as can be.
EXPAND_LEAD = dt.timedelta(minutes=10)
# An expansion whose heartbeat is older than this belonged to a worker that died.
STALE_CLAIM = dt.timedelta(minutes=5)
NUMBERS_BATCH = 5000


@dataclass(frozen=True)
class Preview:
    recipients: int
    skipped: dict[str, int]
    parts: int
    max_parts: int
    cost: Decimal
    balance: Decimal

    @property
    def covered(self) -> bool:
        return self.cost <= self.balance

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())


def _audit(
    *, agency: Any, actor: Any, bulk: BulkSend, action: str, changes: dict[str, Any]
) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    core_audit.audit_record(
        actor=user,
        action=f"bulk_send.{action}",
        target=bulk,
        changes=changes,
        agency_id=agency.pk,
        actor_label="" if user else SYSTEM,
    )


def _require_manager(*, agency: Any, membership: Any) -> None:
    if membership is None or membership.agency_id != agency.pk or not membership.can_manage:
        raise PermissionDenied(_("Only the agency's owners and managers may send bulk SMS."))


def _check_audience(*, audience: str, group: CustomerGroup | None, audience_key: str) -> None:
    if audience == BulkSend.Audience.GROUP and group is None:
        raise ValidationError({"group": _("Choose a customer group.")})
    if audience == BulkSend.Audience.REPORT:
        try:
            audience_get(audience_key)
        except KeyError:
            raise ValidationError({"audience_key": _("Choose a report.")}) from None


def bulk_create(
    *,
    agency: Any,
    membership: AgencyMembership,
    name: str,
    body: str,
    audience: str,
    line: str = Line.PROMOTIONAL,
    group: CustomerGroup | None = None,
    audience_key: str = "",
    filters: dict[str, Any] | None = None,
    upload: IO[bytes] | None = None,
    upload_name: str = "",
    pasted: str = "",
    template: SmsTemplate | None = None,
) -> BulkSend:
    """A draft bulk send, with its uploaded list read, de-duplicated and its invalid rows
    kept (to be listed), and its preview's figures. Only owners and managers create one;
    only owners send on the service line (transactional), and it is recorded."""
    _require_manager(agency=agency, membership=membership)
    if line not in Line.values:
        raise ValidationError({"line": _("Choose a sender line.")})
    if line == Line.SERVICE and membership.role != AgencyMembership.Role.OWNER:
        raise PermissionDenied(
            _("Only the agency's owner may send a bulk SMS on the service line.")
        )
    if body.strip():
        body = body_to_canonical(body)  # placeholders by their Persian names → their keys
    elif template is not None:
        body = template.body
    else:
        raise ValidationError({"body": _("Write the text of the message.")})
    bulk_body_check(body)
    _check_audience(audience=audience, group=group, audience_key=audience_key)
    if audience == BulkSend.Audience.UPLOAD and upload is None and not pasted.strip():
        raise ValidationError({"upload": _("Upload a file of numbers or paste the numbers.")})
    user = membership.user
    with agency_write(agency):
        bulk = BulkSend.objects.create(
            name=name,
            body=body,
            line=line,
            audience=audience,
            group=group if audience == BulkSend.Audience.GROUP else None,
            audience_key=audience_key if audience == BulkSend.Audience.REPORT else "",
            filters=filters or {},
            template_id=template.pk if template is not None else None,
            created_by_user_id=user.pk,
        )
        if audience == BulkSend.Audience.UPLOAD:
            try:
                _read_list(bulk, upload=upload, upload_name=upload_name, pasted=pasted)
            except ListUnreadable as error:
                raise ValidationError({"upload": str(error)}) from error
            if not bulk.numbers.exists() and not bulk.skipped_invalid:
                raise ValidationError({"upload": _("The list holds no numbers.")})
        _keep_preview(bulk, bulk_preview(agency=agency, bulk=bulk))
        _audit(
            agency=agency,
            actor=user,
            bulk=bulk,
            action="create",
            changes={
                "state": (None, bulk.state),
                "line": (None, line),
                "audience": (None, audience),
            },
        )
    return bulk


def _read_list(bulk: BulkSend, *, upload: IO[bytes] | None, upload_name: str, pasted: str) -> None:
    """Keep the list's valid numbers once each; list its invalid and repeated rows."""
    seen: set[str] = set()
    numbers: list[tuple[str, int]] = []
    skips: list[BulkSkip] = []
    rows = invalid = duplicate = 0

    def flush() -> None:
        if numbers:
            # One statement per batch (a list may hold 200,000 numbers).
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO messaging_bulklistnumber (bulk_id, number, row) "
                    "SELECT %s, t.number, t.row FROM unnest(%s::varchar[], %s::integer[]) "
                    "AS t(number, row)",
                    [bulk.pk, [n for n, _r in numbers], [r for _n, r in numbers]],
                )
        BulkSkip.objects.bulk_create(skips)
        numbers.clear()
        skips.clear()

    for row, shown, number in list_entries(stream=upload, name=upload_name, text=pasted):
        rows += 1
        if number is None:
            invalid += 1
            skips.append(BulkSkip(bulk=bulk, reason=Reason.INVALID, row=row, value=shown))
        elif number in seen:
            duplicate += 1
            skips.append(BulkSkip(bulk=bulk, reason=Reason.DUPLICATE, row=row, value=number))
        else:
            seen.add(number)
            numbers.append((number, row))
        if len(numbers) + len(skips) >= NUMBERS_BATCH:
            flush()
    flush()
    bulk.uploaded_rows, bulk.skipped_invalid, bulk.skipped_duplicate = rows, invalid, duplicate
    bulk.save(update_fields=["uploaded_rows", "skipped_invalid", "skipped_duplicate"])


def bulk_preview(*, agency: Any, bulk: BulkSend) -> Preview:
    """What the send would be now: recipients, skips by reason, parts (the longest message
    and the total), its cost in rials and the credit left. Reads every recipient in chunks
    (the texts are rendered, as they will be sent) and writes nothing."""
    schema_require(agency)
    skipped: dict[str, int]
    if bulk.audience == BulkSend.Audience.UPLOAD:
        skipped = {
            Reason.CONSENT: 0,
            Reason.INVALID: bulk.skipped_invalid,
            Reason.DUPLICATE: bulk.skipped_duplicate,
        }
    else:
        skipped = audience_counts(bulk)
    skipped[Reason.MISSING] = 0
    recipients = parts = max_parts = 0
    for chunk in bulk_chunks(bulk, agency=agency):
        recipients += len(chunk.items)
        parts += sum(chunk.parts)
        max_parts = max([max_parts, *chunk.parts])
        skipped[Reason.CONSENT] += chunk.count(Reason.CONSENT)
        skipped[Reason.MISSING] += chunk.count(Reason.MISSING)
    return Preview(
        recipients=recipients,
        skipped={str(key): value for key, value in skipped.items()},
        parts=parts,
        max_parts=max_parts,
        cost=sms_part_price(bulk.line) * parts,
        balance=credit_balance(agency.pk),
    )


def _keep_preview(bulk: BulkSend, preview: Preview) -> None:
    bulk.recipients = preview.recipients
    bulk.skipped_consent = preview.skipped[Reason.CONSENT]
    bulk.skipped_invalid = preview.skipped[Reason.INVALID]
    bulk.skipped_duplicate = preview.skipped[Reason.DUPLICATE]
    bulk.skipped_missing = preview.skipped[Reason.MISSING]
    bulk.parts, bulk.max_parts, bulk.cost = preview.parts, preview.max_parts, preview.cost
    bulk.save(
        update_fields=[
            "recipients",
            "skipped_consent",
            "skipped_invalid",
            "skipped_duplicate",
            "skipped_missing",
            "parts",
            "max_parts",
            "cost",
            "updated_at",
        ]
    )


def bulk_schedule(
    *,
    agency: Any,
    membership: AgencyMembership,
    bulk: BulkSend,
    scheduled_at: dt.datetime | None = None,
) -> BulkSend:
    """Send the draft now (``scheduled_at`` None) or at ``scheduled_at``. Refused, with
    nothing changed, when the credit does not cover the preview's cost
    (``InsufficientSmsCredit``) or when nobody would receive it."""
    _require_manager(agency=agency, membership=membership)
    now = timezone.now()
    if scheduled_at is not None and scheduled_at <= now:
        raise ValidationError({"scheduled_at": _("Choose a time in the future.")})
    with agency_write(agency):
        locked = BulkSend.objects.select_for_update().get(pk=bulk.pk)
        if locked.state != State.DRAFT:
            raise ValidationError(_("This bulk send has already been sent or scheduled."))
        preview = bulk_preview(agency=agency, bulk=locked)
        if not preview.recipients:
            raise ValidationError(_("Nobody would receive this message."))
        if not preview.covered:
            raise InsufficientSmsCredit(needed=preview.cost, balance=preview.balance)
        _keep_preview(locked, preview)
        locked.state = State.SCHEDULED
        locked.scheduled_at = scheduled_at or now
        locked.save(update_fields=["state", "scheduled_at", "updated_at"])
        _audit(
            agency=agency,
            actor=membership.user,
            bulk=locked,
            action="schedule",
            changes={
                "state": (State.DRAFT, State.SCHEDULED),
                "scheduled_at": (None, locked.scheduled_at),
            },
        )
        transaction.on_commit(
            partial(bulk_start, agency.schema_name, locked.pk, locked.scheduled_at)
        )
    return locked


def bulk_start(schema_name: str, bulk_id: int, scheduled_at: dt.datetime) -> None:
    """Hand the expansion to a worker (now, or ``EXPAND_LEAD`` before its time). A broker
    that cannot be reached is left to the sweep (``bulk_sweep``)."""
    from kombu.exceptions import OperationalError

    from messaging.bulk.tasks import bulk_send_run

    eta = scheduled_at - EXPAND_LEAD
    try:
        if eta > timezone.now():
            bulk_send_run.apply_async(args=(schema_name, bulk_id), eta=eta)
        else:
            bulk_send_run.delay(schema_name, bulk_id)
    except OperationalError as error:
        logger.warning("Bulk send %s not started (%s); the sweep will", bulk_id, error)


def bulk_cancel(*, agency: Any, membership: AgencyMembership, bulk: BulkSend) -> int:
    """Call the send off: a draft or a scheduled send simply stops; one being sent keeps
    what has gone and its messages still waiting are cancelled and refunded. Returns how
    many messages were cancelled."""
    _require_manager(agency=agency, membership=membership)
    with agency_write(agency):
        locked = BulkSend.objects.select_for_update().get(pk=bulk.pk)
        if not locked.can_cancel:
            raise ValidationError(_("This bulk send can no longer be cancelled."))
        before = locked.state
        cancelled = 0
        if before == State.SENDING:
            cancelled = sms_outbox_cancel(agency_id=agency.pk, source=locked.source)
        locked.state = State.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["state", "finished_at", "updated_at"])
        _audit(
            agency=agency,
            actor=membership.user,
            bulk=locked,
            action="cancel",
            changes={"state": (before, State.CANCELLED), "messages_cancelled": (0, cancelled)},
        )
    return cancelled


# --- The expansion (a worker's) ----------------------------------------------------------


def _claim(bulk_id: int, now: dt.datetime) -> str | None:
    """Take the expansion: a due scheduled send, or one whose worker went silent."""
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE messaging_bulksend SET state = 'sending', claim_token = %s, "
            "claimed_at = %s, started_at = COALESCE(started_at, %s), updated_at = %s "
            "WHERE id = %s AND ((state = 'scheduled' AND scheduled_at <= %s) "
            "OR (state = 'sending' AND NOT expanded AND claimed_at < %s)) RETURNING state",
            [token, now, now, now, bulk_id, now + EXPAND_LEAD, now - STALE_CLAIM],
        )
        return token if cursor.fetchone() else None


def _locked_if_held(bulk_id: int, token: str) -> BulkSend | None:
    bulk = BulkSend.objects.select_for_update().filter(pk=bulk_id).first()
    if bulk is None or bulk.state != State.SENDING or bulk.claim_token != token:
        return None
    return bulk


def bulk_send_run(*, agency: Any, bulk_id: int, chunk_size: int = CHUNK) -> int:
    """Expand the send into the outbox, chunk by chunk; returns how many messages this run
    queued (0 when the send is not due, already held or already expanded)."""
    schema_require(agency)
    now = timezone.now()
    token = _claim(bulk_id, now)
    if token is None:
        return 0
    bulk = BulkSend.objects.get(pk=bulk_id)
    queued = 0
    try:
        if bulk.position == "" and not bulk.expanded:
            with agency_write(agency):
                locked = _locked_if_held(bulk_id, token)
                if locked is None or locked.position:
                    return 0
                _audit(
                    agency=agency,
                    actor=None,
                    bulk=locked,
                    action="start",
                    changes={"state": (State.SCHEDULED, State.SENDING)},
                )
                _reset_counts(locked)
                bulk = locked
        for chunk in bulk_chunks(bulk, agency=agency, after=bulk.position, size=chunk_size):
            with agency_write(agency):
                locked = _locked_if_held(bulk_id, token)
                if locked is None or locked.position != bulk.position:
                    return queued  # cancelled, or another worker took over
                if chunk.items:
                    sms_outbox_add(
                        agency_id=agency.pk,
                        items=chunk.items,
                        line=locked.line,
                        kind="bulk",
                        source=locked.source,
                        actor_id=locked.created_by_user_id,
                        actor_label=SYSTEM,
                        not_before=locked.scheduled_at,
                    )
                for skip in chunk.skips:
                    skip.bulk = locked
                BulkSkip.objects.bulk_create(chunk.skips)
                BulkSend.objects.filter(pk=bulk_id).update(
                    position=chunk.position,
                    claimed_at=timezone.now(),
                    recipients=F("recipients") + len(chunk.items),
                    parts=F("parts") + sum(chunk.parts),
                    max_parts=max([locked.max_parts, *chunk.parts]),
                    cost=F("cost") + sms_part_price(locked.line) * sum(chunk.parts),
                    skipped_consent=F("skipped_consent") + chunk.count(Reason.CONSENT),
                    skipped_missing=F("skipped_missing") + chunk.count(Reason.MISSING),
                )
                bulk.position = chunk.position
                queued += len(chunk.items)
    except (InsufficientSmsCredit, AgencyNotActive) as error:
        _fail(agency=agency, bulk_id=bulk_id, token=token, reason=str(error))
        return queued
    with agency_write(agency):
        locked = _locked_if_held(bulk_id, token)
        if locked is not None:
            locked.expanded = True
            locked.save(update_fields=["expanded", "updated_at"])
    bulk_finish_if_sent(agency=agency, bulk_id=bulk_id)
    return queued


def _reset_counts(bulk: BulkSend) -> None:
    """The preview's figures give way to what is really queued, counted as it goes."""
    if bulk.audience == BulkSend.Audience.UPLOAD:
        counts = {Reason.INVALID: bulk.skipped_invalid, Reason.DUPLICATE: bulk.skipped_duplicate}
        consent = 0
    else:
        found = audience_counts(bulk)
        counts = {Reason.INVALID: found[Reason.INVALID], Reason.DUPLICATE: found[Reason.DUPLICATE]}
        consent = found[Reason.CONSENT]
    BulkSend.objects.filter(pk=bulk.pk).update(
        recipients=0,
        parts=0,
        max_parts=0,
        cost=0,
        skipped_consent=consent,
        skipped_invalid=counts[Reason.INVALID],
        skipped_duplicate=counts[Reason.DUPLICATE],
        skipped_missing=0,
    )
    bulk.refresh_from_db()


def _fail(*, agency: Any, bulk_id: int, token: str, reason: str) -> None:
    """Stop the expansion: what is queued for later is cancelled and refunded; messages
    already gone stay gone. Written even for a stopped agency (no active check)."""
    schema_require(agency)
    with transaction.atomic():
        locked = _locked_if_held(bulk_id, token)
        if locked is None:
            return
        cancelled = sms_outbox_cancel(agency_id=agency.pk, source=locked.source)
        locked.state = State.FAILED
        locked.error = reason
        locked.finished_at = timezone.now()
        locked.save(update_fields=["state", "error", "finished_at", "updated_at"])
        _audit(
            agency=agency,
            actor=None,
            bulk=locked,
            action="fail",
            changes={"state": (State.SENDING, State.FAILED), "messages_cancelled": (0, cancelled)},
        )


def bulk_finish_if_sent(*, agency: Any, bulk_id: int) -> bool:
    """``sending → done`` once the send is expanded and none of its messages waits."""
    from core.models import SmsMessage

    schema_require(agency)
    waiting = SmsMessage.objects.filter(
        agency_id=agency.pk,
        source=f"bulk:{bulk_id}",
        status__in=[SmsMessage.Status.QUEUED, SmsMessage.Status.SENDING],
    ).exists()
    if waiting:
        return False
    with transaction.atomic():
        done = BulkSend.objects.filter(pk=bulk_id, state=State.SENDING, expanded=True).update(
            state=State.DONE, finished_at=timezone.now()
        )
        if done:
            _audit(
                agency=agency,
                actor=None,
                bulk=BulkSend.objects.get(pk=bulk_id),
                action="done",
                changes={"state": (State.SENDING, State.DONE)},
            )
    return bool(done)


def bulk_sweep(*, agency: Any) -> int:
    """Start the agency's due sends whose message never reached a worker, take over the
    expansions left behind, and close the sends whose messages have all gone."""
    now = timezone.now()
    due = list(
        BulkSend.objects.filter(
            state=State.SCHEDULED, scheduled_at__lte=now + EXPAND_LEAD
        ).values_list("id", flat=True)
    )
    stale = list(
        BulkSend.objects.filter(
            state=State.SENDING, expanded=False, claimed_at__lt=now - STALE_CLAIM
        ).values_list("id", flat=True)
    )
    for bulk_id in due + stale:
        bulk_send_run(agency=agency, bulk_id=bulk_id)
    for bulk_id in BulkSend.objects.filter(state=State.SENDING, expanded=True).values_list(
        "id", flat=True
    ):
        bulk_finish_if_sent(agency=agency, bulk_id=bulk_id)
    return len(due) + len(stale)
