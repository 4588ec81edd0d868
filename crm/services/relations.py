"""Related persons, groups, regions and marketers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.validators import normalize_mobile
from crm.models import (
    Customer,
    CustomerGroup,
    CustomerGroupMembership,
    CustomerRelation,
    Marketer,
    Region,
)
from crm.services.base import actor_id, agency_write, audit_record, normalized
from crm.services.customers import _locked_live


def customer_relation_add(
    *,
    agency: Any,
    actor: Any,
    customer: Customer,
    kind: str,
    related_customer: Customer | None = None,
    name: str = "",
    mobile: str = "",
    birth_date: dt.date | None = None,
    note: str = "",
) -> CustomerRelation:
    """Link a related person: another customer, or a name (and mobile) of someone who is not
    one yet. Linking the same two customers the same way twice adds nothing."""
    if kind not in CustomerRelation.Kind.values:
        raise ValidationError({"kind": [_("Choose the relation.")]})
    name = normalized(CustomerRelation, "name", name)
    if related_customer is None and not name:
        raise ValidationError({"name": [_("Write the related person's name.")]})
    if related_customer is not None and related_customer.pk == customer.pk:
        raise ValidationError(
            {"related_customer": [_("A customer cannot be related to themself.")]}
        )
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except ValidationError as error:
            raise ValidationError({"mobile": error.messages}) from None
    with agency_write(agency):
        locked = _locked_live(customer)
        if related_customer is not None:
            existing = CustomerRelation.objects.filter(
                customer=locked, related_customer=related_customer, kind=kind
            ).first()
            if existing is not None:
                return existing
            if related_customer.merged_into_id is not None:
                raise ValidationError(
                    {"related_customer": [_("That customer was merged into another.")]}
                )
        relation = CustomerRelation.objects.create(
            customer=locked,
            kind=kind,
            related_customer=related_customer,
            name=name,
            mobile=mobile,
            birth_date=birth_date,
            note=note,
            created_by_user_id=actor_id(actor),
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.relation_added",
            target=locked,
            changes={
                "kind": (None, kind),
                "related_customer": (None, related_customer.pk if related_customer else None),
                "name": (None, name),
            },
        )
    return relation


def customer_relation_remove(*, agency: Any, actor: Any, relation: CustomerRelation) -> None:
    with agency_write(agency):
        locked = _locked_live(relation.customer)
        row = CustomerRelation.objects.filter(pk=relation.pk, customer=locked).first()
        if row is None:
            return
        row.delete()
        audit_record(
            agency=agency,
            actor=actor,
            action="customer.relation_removed",
            target=locked,
            changes={"kind": (row.kind, None), "related_customer": (row.related_customer_id, None)},
        )


def customer_group_create(
    *, agency: Any, actor: Any, name: str, description: str = ""
) -> CustomerGroup:
    name = normalized(CustomerGroup, "name", name)
    if not name:
        raise ValidationError({"name": [_("Name the group.")]})
    with agency_write(agency):
        if CustomerGroup.objects.filter(name=name).exists():
            raise ValidationError({"name": [_("A group with this name exists.")]})
        group = CustomerGroup.objects.create(
            name=name, description=description, created_by_user_id=actor_id(actor)
        )
        audit_record(
            agency=agency,
            actor=actor,
            action="customer_group.created",
            target=group,
            changes={"name": (None, name)},
        )
    return group


def customer_group_add(
    *, agency: Any, actor: Any, customer: Customer, group: CustomerGroup
) -> bool:
    """Put the customer in the group; False (nothing changed) if already there."""
    with agency_write(agency):
        locked = _locked_live(customer)
        membership, created = CustomerGroupMembership.objects.get_or_create(
            customer=locked, group=group, defaults={"added_by_user_id": actor_id(actor)}
        )
        if created:
            audit_record(
                agency=agency,
                actor=actor,
                action="customer.group_added",
                target=locked,
                changes={"group": (None, group.name)},
            )
    return created


def customer_group_remove(
    *, agency: Any, actor: Any, customer: Customer, group: CustomerGroup
) -> bool:
    with agency_write(agency):
        locked = _locked_live(customer)
        deleted, _rows = CustomerGroupMembership.objects.filter(
            customer=locked, group=group
        ).delete()
        if deleted:
            audit_record(
                agency=agency,
                actor=actor,
                action="customer.group_removed",
                target=locked,
                changes={"group": (group.name, None)},
            )
    return bool(deleted)


def region_create(
    *, agency: Any, actor: Any, name: str, city: str = "", parent: Region | None = None
) -> Region:
    name = normalized(Region, "name", name)
    if not name:
        raise ValidationError({"name": [_("Name the region.")]})
    try:
        with agency_write(agency):
            with transaction.atomic():
                region = Region.objects.create(name=name, city=city, parent=parent)
            audit_record(
                agency=agency,
                actor=actor,
                action="region.created",
                target=region,
                changes={"name": (None, name)},
            )
    except IntegrityError:
        raise ValidationError({"name": [_("A region with this name exists.")]}) from None
    return region


def marketer_create(
    *,
    agency: Any,
    actor: Any,
    last_name: str,
    first_name: str = "",
    mobile: str = "",
    national_code: str = "",
    code: str = "",
    member_user_id: int | None = None,
) -> Marketer:
    """Add a marketer (بازاریاب); ``member_user_id`` when they are also a panel member."""
    if not normalized(Marketer, "last_name", last_name):
        raise ValidationError({"last_name": [_("Enter the marketer's last name.")]})
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except ValidationError as error:
            raise ValidationError({"mobile": error.messages}) from None
    try:
        with agency_write(agency):
            with transaction.atomic():
                marketer = Marketer.objects.create(
                    first_name=first_name,
                    last_name=last_name,
                    mobile=mobile,
                    national_code=national_code,
                    code=code.strip(),
                    member_user_id=member_user_id,
                )
            audit_record(
                agency=agency,
                actor=actor,
                action="marketer.created",
                target=marketer,
                changes={"last_name": (None, marketer.last_name)},
            )
    except IntegrityError:
        raise ValidationError(
            {"code": [_("Another marketer has this code or panel member.")]}
        ) from None
    return marketer
