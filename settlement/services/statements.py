"""Monthly commission statements and the payouts made against them (S-5.3).

A statement (صورت‌حساب کارمزد) holds an agency's commissions issued up to the end of one
Jalali month (Tehran time) that no statement took before. It is built once, after the
month has ended, and never added to: a commission computed later (by the backfill, after a
crash) goes on the agency's next statement built, so a statement's lines and totals — and
its PDF and Excel — never change. An agency that already has a statement for this month or
a later one is skipped, so its statements follow each other month by month.

The month is built for every agency at once, in SQL, in one transaction. The unique agency +
month decides between two builds of the same month (the second inserts nothing), and one
conditional UPDATE (``statement_id IS NULL``) gives every commission to exactly one
statement however many builds run at the same time; a statement left with no line by a
concurrent build is removed before commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jdatetime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.digits import localize_digits, to_latin_digits
from core.jalali import (
    JALALI_MAX_YEAR,
    JALALI_MIN_YEAR,
    format_jalali_date,
    jalali_month_name,
    tehran,
)
from core.models import AuditLog
from core.templatetags.jalali import rials as rials_text
from policies.models import Policy
from settlement.models import (
    Commission,
    CommissionClawback,
    CommissionPayout,
    CommissionStatement,
)

BUILD_ROLES = ("operator", "admin")
PAYOUT_ROLES = ("operator", "admin")


@dataclass(frozen=True)
class JalaliMonth:
    """One Jalali month: its first and last Gregorian days and the moment it ends in Tehran."""

    year: int
    month: int

    @property
    def first_day(self) -> dt.date:
        return jdatetime.date(self.year, self.month, 1).togregorian()

    @property
    def next(self) -> JalaliMonth:
        if self.month == 12:
            return JalaliMonth(self.year + 1, 1)
        return JalaliMonth(self.year, self.month + 1)

    @property
    def last_day(self) -> dt.date:
        return self.next.first_day - dt.timedelta(days=1)

    @property
    def ends_at(self) -> dt.datetime:
        """The first moment of the next month in Tehran: everything issued before it is in."""
        return dt.datetime.combine(self.next.first_day, dt.time.min, tzinfo=tehran())

    @property
    def label(self) -> str:
        """``آبان ۱۴۰۵`` (``Aban 1405`` on an English page)."""
        return localize_digits(f"{jalali_month_name(self.month)} {self.year}")


def month_of(*, jalali_year: int, jalali_month: int) -> JalaliMonth:
    """The month, refused in Persian when it is no Jalali month a statement can have."""
    if not 1 <= jalali_month <= 12 or not JALALI_MIN_YEAR <= jalali_year <= JALALI_MAX_YEAR:
        raise ValidationError({"jalali_month": [_("Choose a Jalali year and month.")]})
    return JalaliMonth(jalali_year, jalali_month)


def last_ended_month() -> JalaliMonth:
    """The Jalali month before today's (Tehran): the latest whose statements can be built."""
    today = jdatetime.date.fromgregorian(date=timezone.localdate(timezone=tehran()))
    if today.month == 1:
        return JalaliMonth(today.year - 1, 12)
    return JalaliMonth(today.year, today.month - 1)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _tables() -> dict[str, str]:
    return {
        "statement": CommissionStatement._meta.db_table,
        "commission": Commission._meta.db_table,
        "clawback": CommissionClawback._meta.db_table,
        "policy": Policy._meta.db_table,
    }


# A statement for every agency with commissions (or clawbacks of cancelled policies' ones,
# decision 049) dated before the month's end and on no statement yet, unless it has a
# statement for this month or a later one already.
_NEW_STATEMENTS = """
    INSERT INTO {statement} (agency_id, jalali_year, jalali_month, period_start, period_end,
        policy_count, premium_total, base_total, commission_total, clawback_total, paid_total,
        state, created_at, created_by_id)
    SELECT agency_id, %(year)s, %(month)s, %(start)s, %(end)s, 0, 0, 0, 0, 0, 0,
        'issued', now(), %(actor)s
    FROM (SELECT DISTINCT due.agency_id FROM (
            SELECT c.agency_id FROM {commission} c
            WHERE c.statement_id IS NULL AND c.issued_at < %(cutoff)s
            UNION ALL
            SELECT k.agency_id FROM {clawback} k
            WHERE k.statement_id IS NULL AND k.issued_at < %(cutoff)s) due
          WHERE NOT EXISTS (
              SELECT 1 FROM {statement} s WHERE s.agency_id = due.agency_id
                AND (s.jalali_year, s.jalali_month) >= (%(year)s, %(month)s))
          ORDER BY due.agency_id) due
    ON CONFLICT (agency_id, jalali_year, jalali_month) DO NOTHING
    RETURNING id
"""
# Two builds at once insert their statements in agency order and lock the commissions in id
# order, so one waits for the other instead of both waiting for each other (a deadlock).
_LOCK_COMMISSIONS = """
    SELECT count(*) FROM (
      SELECT c.id FROM {commission} c
      JOIN {statement} s ON s.agency_id = c.agency_id AND s.id = ANY(%(ids)s)
      WHERE c.statement_id IS NULL AND c.issued_at < %(cutoff)s
      ORDER BY c.id FOR UPDATE OF c) taken
"""
_LOCK_CLAWBACKS = """
    SELECT count(*) FROM (
      SELECT k.id FROM {clawback} k
      JOIN {statement} s ON s.agency_id = k.agency_id AND s.id = ANY(%(ids)s)
      WHERE k.statement_id IS NULL AND k.issued_at < %(cutoff)s
      ORDER BY k.id FOR UPDATE OF k) taken
"""
_TAKE_COMMISSIONS = """
    UPDATE {commission} c SET statement_id = s.id
    FROM {statement} s
    WHERE s.id = ANY(%(ids)s) AND c.agency_id = s.agency_id
      AND c.statement_id IS NULL AND c.issued_at < %(cutoff)s
"""
_TAKE_CLAWBACKS = """
    UPDATE {clawback} k SET statement_id = s.id
    FROM {statement} s
    WHERE s.id = ANY(%(ids)s) AND k.agency_id = s.agency_id
      AND k.statement_id IS NULL AND k.issued_at < %(cutoff)s
"""
# Nothing to pay on a statement whose commissions are all zero (a 0 % rate): it is paid.
# Policies, premium and net premium are those of the policies sold; the commission is what
# is owed, clawbacks included (negative when they outweigh the month's commissions).
_TOTALS = """
    UPDATE {statement} s SET policy_count = t.n, premium_total = t.premium,
        base_total = t.base, commission_total = t.amount, clawback_total = t.clawback,
        state = CASE WHEN t.amount = 0 THEN 'paid' ELSE 'issued' END
    FROM (SELECT x.statement_id, sum(x.n) AS n, sum(x.premium) AS premium,
                 sum(x.base) AS base, sum(x.amount) AS amount, sum(x.clawback) AS clawback
          FROM (SELECT c.statement_id, 1 AS n, p.premium, c.base, c.amount, 0 AS clawback
                FROM {commission} c JOIN {policy} p ON p.id = c.policy_id
                WHERE c.statement_id = ANY(%(ids)s)
                UNION ALL
                SELECT k.statement_id, 0, 0, 0, k.amount, k.amount
                FROM {clawback} k WHERE k.statement_id = ANY(%(ids)s)) x
          GROUP BY x.statement_id) t
    WHERE s.id = t.statement_id
"""
_EMPTY = """
    DELETE FROM {statement} s WHERE s.id = ANY(%(ids)s)
      AND NOT EXISTS (SELECT 1 FROM {commission} c WHERE c.statement_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM {clawback} k WHERE k.statement_id = s.id)
"""


def commission_statements_build(
    *, jalali_year: int, jalali_month: int, actor: Any
) -> list[CommissionStatement]:
    """Build the statements of a Jalali month that has ended (Tehran) for every agency with
    commissions on no statement yet; returns the statements built now (none when run again).
    ``actor`` is an operator or an admin, or ``None`` for the scheduled build."""
    user = _user(actor)
    if actor is not None and (user is None or not user.has_insurer_role(*BUILD_ROLES)):
        raise PermissionDenied(_("Only virtual-branch operators build commission statements."))
    month = _month_checked(jalali_year=jalali_year, jalali_month=jalali_month)
    tables = _tables()
    params: dict[str, Any] = {
        "year": month.year,
        "month": month.month,
        "start": month.first_day,
        "end": month.last_day,
        "cutoff": month.ends_at,
        "actor": user.pk if user else None,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_NEW_STATEMENTS.format(**tables), params)
            params["ids"] = [row[0] for row in cursor.fetchall()]
            if not params["ids"]:
                return []
            cursor.execute(_LOCK_COMMISSIONS.format(**tables), params)
            cursor.execute(_LOCK_CLAWBACKS.format(**tables), params)
            cursor.execute(_TAKE_COMMISSIONS.format(**tables), params)
            cursor.execute(_TAKE_CLAWBACKS.format(**tables), params)
            cursor.execute(_TOTALS.format(**tables), params)
            cursor.execute(_EMPTY.format(**tables), params)
        built = list(
            CommissionStatement.objects.filter(pk__in=params["ids"])
            .select_related("agency")
            .order_by("agency__code")
        )
        AuditLog.objects.bulk_create(
            [_built_audit_row(statement, user) for statement in built], batch_size=1000
        )
    return built


def _month_checked(*, jalali_year: int, jalali_month: int) -> JalaliMonth:
    month = month_of(jalali_year=jalali_year, jalali_month=jalali_month)
    if timezone.now() < month.ends_at:
        raise ValidationError(
            {
                "jalali_month": [
                    _("%(month)s has not ended yet; its statements can be built from %(date)s.")
                    % {"month": month.label, "date": format_jalali_date(month.next.first_day)}
                ]
            }
        )
    return month


def _built_audit_row(statement: CommissionStatement, user: Any) -> AuditLog:
    """The row ``core.audit.audit_record`` writes, for many statements in one statement."""
    changes: dict[str, list[Any]] = {
        "period": [None, statement.period_label],
        "policy_count": [None, statement.policy_count],
        "premium_total": [None, str(statement.premium_total)],
        "base_total": [None, str(statement.base_total)],
        "commission_total": [None, str(statement.commission_total)],
        "state": [None, statement.state],
    }
    if statement.clawback_total:
        changes["clawback_total"] = [None, str(statement.clawback_total)]
    return AuditLog(
        actor=user,
        actor_label=str(user) if user else "settlement",
        action="commission_statement.built",
        target_type=CommissionStatement._meta.label_lower,
        target_id=str(statement.pk),
        agency_id=statement.agency_id,
        changes=changes,
    )


def commission_statements_build_due(*, actor: Any = None) -> list[CommissionStatement]:
    """What beat runs: the statements of the Jalali month that ended last."""
    month = last_ended_month()
    return commission_statements_build(
        jalali_year=month.year, jalali_month=month.month, actor=actor
    )


def _reference_taken() -> ValidationError:
    return ValidationError(
        {
            "reference": [
                _("A payout with this transfer reference is already recorded for this agency.")
            ]
        }
    )


def commission_payout_record(
    *,
    statement: CommissionStatement,
    amount: Decimal,
    paid_on: dt.date,
    reference: str,
    actor: Any,
    note: str = "",
) -> CommissionPayout:
    """Record money paid to the agency against its statement (a bank transfer). Refused,
    with nothing written, for an amount that is not positive or exceeds what is outstanding,
    a transfer reference the agency already has, or a payment date in the future."""
    user = _user(actor)
    if user is None or not user.has_insurer_role(*PAYOUT_ROLES):
        raise PermissionDenied(_("Only virtual-branch operators record commission payouts."))
    if isinstance(amount, float):
        raise TypeError("Money must not be a float; use Decimal or int.")
    amount = Decimal(amount)
    reference = " ".join(to_latin_digits(reference or "").split())
    note = " ".join((note or "").split())
    errors: dict[str, list[str]] = {}
    if amount <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    elif amount != amount.to_integral_value():
        errors["amount"] = [_("Write the amount in whole rials.")]
    if paid_on > timezone.localdate(timezone=tehran()):
        errors["paid_on"] = [_("The payment date cannot be in the future.")]
    if not reference:
        errors["reference"] = [_("Write the transfer reference.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
        if amount > locked.outstanding:
            raise ValidationError(
                {
                    "amount": [
                        _("Only %(amount)s rials are outstanding on this statement.")
                        % {"amount": rials_text(locked.outstanding)}
                    ]
                }
            )
        if CommissionPayout.objects.filter(
            agency_id=locked.agency_id, reference=reference
        ).exists():
            raise _reference_taken()
        try:
            with transaction.atomic():
                payout = CommissionPayout.objects.create(
                    statement=locked,
                    agency_id=locked.agency_id,
                    amount=amount,
                    paid_on=paid_on,
                    reference=reference,
                    note=note,
                    recorded_by=user,
                )
        except IntegrityError as error:  # the same transfer recorded meanwhile elsewhere
            raise _reference_taken() from error
        old_paid, old_state = locked.paid_total, locked.state
        locked.paid_total = old_paid + amount
        locked.state = (
            CommissionStatement.State.PAID
            if locked.paid_total == locked.commission_total
            else CommissionStatement.State.PARTLY_PAID
        )
        locked.save(update_fields=["paid_total", "state"])
        audit_record(
            actor=user,
            action="commission_statement.payout_recorded",
            target=locked,
            changes={
                "paid_total": (str(old_paid), str(locked.paid_total)),
                "state": (old_state, locked.state),
                "payout": (None, payout.pk),
                "amount": (None, str(amount)),
                "reference": (None, reference),
            },
            agency_id=locked.agency_id,
        )
    statement.paid_total, statement.state = locked.paid_total, locked.state
    return payout
