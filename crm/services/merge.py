"""Merging two customers who are one person (S-6.1): everything moves to the survivor, the
merged one stays (with ``merged_into``) and a ``CustomerMerge`` row keeps what it was."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.text import search_key
from crm.models import (
    Attachment,
    BookPolicy,
    Case,
    ClaimRecord,
    Complaint,
    ContactLog,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerGroupMembership,
    CustomerMerge,
    CustomerPhone,
    CustomerRank,
    CustomerRelation,
    Gift,
    Instrument,
)
from crm.services.base import actor_id, agency_write, audit_record
from crm.services.contacts import customer_mobile_refresh

# Details the survivor takes from the merged customer when it has none of its own.
FILLED_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "birth_date",
    "job",
    "position",
    "city",
    "region_id",
    "marketer_id",
    "user_id",
    "national_code",
    "insurance_needs_note",
)
# Rows that simply change hands.
MOVED_MODELS: tuple[type[Model], ...] = (
    BookPolicy,
    Case,
    Complaint,
    ClaimRecord,
    Gift,
    Instrument,
    ContactLog,
    Attachment,
)


def _snapshot(customer: Customer) -> dict[str, Any]:
    data = {
        field.attname: getattr(customer, field.attname)
        for field in Customer._meta.concrete_fields
        if field.attname not in ("search_key",)
    }
    data["phones"] = list(customer.phones.values("number", "kind", "is_primary"))
    data["emails"] = list(customer.emails.values_list("address", flat=True))
    data["addresses"] = list(customer.addresses.values("address", "postal_code", "city"))
    data["groups"] = list(
        CustomerGroupMembership.objects.filter(customer=customer).values_list("group_id", flat=True)
    )
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _move_contact_points(keep: Customer, gone: Customer) -> dict[str, int]:
    moved = {}
    numbers = set(CustomerPhone.objects.filter(customer=keep).values_list("number", flat=True))
    phones = CustomerPhone.objects.filter(customer=gone)
    phones.filter(number__in=numbers).delete()
    moved["phones"] = phones.update(customer=keep, is_primary=False)
    if not CustomerPhone.objects.filter(customer=keep, is_primary=True).exists():
        first = CustomerPhone.objects.filter(customer=keep).order_by("id").first()
        if first is not None:
            CustomerPhone.objects.filter(pk=first.pk).update(is_primary=True)

    emails = set(CustomerEmail.objects.filter(customer=keep).values_list("address", flat=True))
    gone_emails = CustomerEmail.objects.filter(customer=gone)
    gone_emails.filter(address__in=emails).delete()
    moved["emails"] = gone_emails.update(customer=keep, is_primary=False)

    def key(row: CustomerAddress) -> tuple[str, str]:
        return search_key(row.address), row.postal_code

    kept = {key(row) for row in CustomerAddress.objects.filter(customer=keep)}
    duplicates = [
        row.pk for row in CustomerAddress.objects.filter(customer=gone) if key(row) in kept
    ]
    # A delivery that pointed at a duplicate address points at the survivor's copy.
    for row in CustomerAddress.objects.filter(pk__in=duplicates):
        same = next(
            other
            for other in CustomerAddress.objects.filter(customer=keep)
            if key(other) == key(row)
        )
        BookPolicy.objects.filter(delivery_address=row).update(delivery_address=same)
    CustomerAddress.objects.filter(pk__in=duplicates).delete()
    moved["addresses"] = CustomerAddress.objects.filter(customer=gone).update(
        customer=keep, is_primary=False
    )
    return moved


def _move_relations(keep: Customer, gone: Customer) -> int:
    """Both directions of the merged customer's links move; a link between the two, or one
    the survivor already has, goes."""
    moved = 0
    existing: set[tuple[int | None, str]] = set(
        CustomerRelation.objects.filter(customer=keep).values_list("related_customer_id", "kind")
    )
    for relation in CustomerRelation.objects.filter(customer=gone):
        target = relation.related_customer_id
        if target == keep.pk or (target is not None and (target, relation.kind) in existing):
            relation.delete()
            continue
        CustomerRelation.objects.filter(pk=relation.pk).update(customer=keep)
        existing.add((target, relation.kind))
        moved += 1
    pointing = set(
        CustomerRelation.objects.filter(related_customer=keep).values_list("customer_id", "kind")
    )
    for relation in CustomerRelation.objects.filter(related_customer=gone):
        if relation.customer_id == keep.pk or (relation.customer_id, relation.kind) in pointing:
            relation.delete()
            continue
        CustomerRelation.objects.filter(pk=relation.pk).update(related_customer=keep)
        pointing.add((relation.customer_id, relation.kind))
        moved += 1
    return moved


def customer_merge(
    *, agency: Any, actor: Any, survivor: Customer, merged: Customer
) -> CustomerMerge:
    """Fold ``merged`` into ``survivor``: contact points (without duplicates), related
    persons, groups, the book, cases, complaints, claims, gifts, cheques, contacts and files
    move; details the survivor lacks are taken over; ``merged`` keeps ``merged_into``.

    Refused: a customer into itself (``ValidationError``), or either one already merged
    (``Conflict``) — so a repeated merge changes nothing.
    """
    if survivor.pk == merged.pk:
        raise ValidationError(_("A customer cannot be merged into itself."), code="merge_self")
    with agency_write(agency):
        locked = {
            row.pk: row
            for row in Customer.objects.select_for_update()
            .filter(pk__in=[survivor.pk, merged.pk])
            .order_by("pk")
        }
        keep, gone = locked[survivor.pk], locked[merged.pk]
        if gone.merged_into_id is not None:
            raise Conflict(
                _("This customer was already merged into another."), code="already_merged"
            )
        if keep.merged_into_id is not None:
            raise Conflict(
                _("The customer to keep was itself merged into another."), code="already_merged"
            )
        snapshot = _snapshot(gone)
        moved = _move_contact_points(keep, gone)
        moved["relations"] = _move_relations(keep, gone)
        in_keep = set(
            CustomerGroupMembership.objects.filter(customer=keep).values_list("group_id", flat=True)
        )
        memberships = CustomerGroupMembership.objects.filter(customer=gone)
        memberships.filter(group_id__in=in_keep).delete()
        moved["groups"] = memberships.update(customer=keep)
        for model in MOVED_MODELS:
            count = model.objects.filter(customer=gone).update(customer=keep)  # type: ignore[attr-defined]
            if count:
                moved[model._meta.model_name or ""] = count
        CustomerRank.objects.filter(customer=gone).delete()

        now = timezone.now()
        gone.merged_into = keep
        gone.merged_at = now
        gone.save(update_fields=["merged_into", "merged_at", "updated_at"])

        changes: dict[str, tuple[Any, Any]] = {}
        for field in FILLED_FIELDS:
            mine, theirs = getattr(keep, field), getattr(gone, field)
            if mine in (None, "") and theirs not in (None, ""):
                if field == "national_code" and keep.party != gone.party:
                    continue
                changes[field.removesuffix("_id")] = (mine, theirs)
                setattr(keep, field, theirs)
        if gone.kind == Customer.Kind.DEFINITE and keep.kind != gone.kind:
            changes["kind"] = (keep.kind, gone.kind)
            keep.kind = Customer.Kind.DEFINITE
        needs = sorted(set(keep.insurance_needs) | set(gone.insurance_needs))
        if needs != keep.insurance_needs:
            changes["insurance_needs"] = (keep.insurance_needs, needs)
            keep.insurance_needs = needs
        # Opting out wins: a "no" given to either record still holds.
        if gone.sms_opted_out_at and not keep.sms_opted_out_at:
            changes["sms_consent"] = (keep.sms_consent, False)
            keep.sms_consent = False
            keep.sms_opted_out_at = gone.sms_opted_out_at
        elif not keep.sms_consent and gone.sms_consent and not keep.sms_opted_out_at:
            changes["sms_consent"] = (False, True)
            keep.sms_consent = True
            keep.sms_consent_at = gone.sms_consent_at
            keep.sms_consent_source = gone.sms_consent_source
            keep.sms_consent_by_user_id = gone.sms_consent_by_user_id
        if gone.notes:
            keep.notes = f"{keep.notes}\n\n{gone.notes}".strip()
        keep.save()
        customer_mobile_refresh(keep)

        merge = CustomerMerge.objects.create(
            survivor=keep,
            merged=gone,
            merged_by_user_id=actor_id(actor),
            snapshot=snapshot,
            moved=moved,
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.merged",
            target=gone,
            changes={"merged_into": (None, keep.pk), "moved": (None, moved)},
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.updated",
            target=keep,
            changes={**changes, "merged": (None, gone.pk)},
        )
    survivor.refresh_from_db()
    merged.refresh_from_db()
    return merge
