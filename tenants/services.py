"""Every write about agencies: provisioning (S-1.4), status changes, settings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import AgencyMembership, User
from core.audit import audit_record
from core.validators import normalize_mobile
from tenants.content.models import Page, SiteSettings
from tenants.models import Agency, Branch, Domain
from tenants.provisioning import schema_claim


def _default_content(agency: Agency) -> None:
    """The starting content of a new agency site, written inside its schema."""
    SiteSettings.objects.create(
        headline=_("Online insurance with %(name)s") % {"name": agency.name},
        about_text=_("%(name)s is an authorised %(kind)s of the insurer.")
        % {"name": agency.name, "kind": agency.get_kind_display()},
        contact_text=agency.address,
    )
    Page.objects.bulk_create(
        [
            Page(slug="about", title=_("About us"), body="", position=1),
            Page(slug="contact", title=_("Contact us"), body="", position=2),
        ]
    )


def agency_create(
    *,
    code: int,
    name: str,
    kind: str = Agency.Kind.AGENT,
    latitude: Decimal | float | str,
    longitude: Decimal | float | str,
    owner_mobile: str,
    actor: Any = None,
    licence_number: str = "",
    branch: Branch | None = None,
    status: str = Agency.Status.ACTIVE,
    address: str = "",
    city: str = "",
    province: str = "",
    phone: str = "",
    accepts_referrals: bool = True,
    can_issue: bool = False,
) -> Agency:
    """Create an agency with its schema, domain ``arNNN.<BASE_DOMAIN>``, default site
    content and its owner's membership, in one transaction.

    The schema comes from the spare pool (a rename); the pool is refilled afterwards
    by a Celery task.
    """
    from tenants.tasks import spare_pool_refill

    owner_mobile = normalize_mobile(owner_mobile)
    if kind not in Agency.Kind.values:
        raise ValidationError({"kind": _("Unknown agency kind.")})
    if Agency.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An agency with this code already exists.")})
    agency = Agency(
        code=code,
        name=name,
        kind=kind,
        schema_name=Agency.schema_name_for(code),
        latitude=Decimal(str(latitude)),
        longitude=Decimal(str(longitude)),
        licence_number=licence_number,
        branch=branch,
        status=status,
        address=address,
        city=city,
        province=province,
        phone=phone,
        accepts_referrals=accepts_referrals,
        can_issue=can_issue,
    )
    agency.full_clean(exclude=["schema_name"], validate_unique=False)
    with transaction.atomic():
        schema_claim(schema_name=agency.schema_name)
        agency.save()
        Domain.objects.create(
            domain=f"{Agency.subdomain_for(code)}.{settings.BASE_DOMAIN}",
            tenant=agency,
            is_primary=True,
        )
        with schema_context(agency.schema_name):
            _default_content(agency)
        owner, _created = User.objects.get_or_create(mobile=owner_mobile)
        AgencyMembership.objects.create(user=owner, agency=agency, role=AgencyMembership.Role.OWNER)
        audit_record(
            actor=actor,
            action="agency.create",
            target=agency,
            agency_id=agency.pk,
            changes={"status": (None, agency.status), "owner": (None, owner_mobile)},
        )
        transaction.on_commit(lambda: spare_pool_refill.delay())
    return agency


def agency_set_status(*, agency: Agency, status: str, actor: Any, reason: str = "") -> Agency:
    """Activate, suspend or set pending an agency's site. Its data is always kept."""
    if status not in Agency.Status.values:
        raise ValidationError({"status": _("Unknown agency status.")})
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        old = locked.status
        if old == status:
            return locked
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="agency.status",
            target=locked,
            agency_id=locked.pk,
            changes={"status": (old, status), "reason": (None, reason)},
        )
    return locked


def agency_update(*, agency: Agency, actor: Any, **fields: Any) -> Agency:
    """Change an agency's details; every changed field is audited."""
    allowed = {
        "name",
        "licence_number",
        "branch",
        "latitude",
        "longitude",
        "address",
        "city",
        "province",
        "phone",
        "accepts_referrals",
        "can_issue",
        "kind",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        changes = {}
        for field, value in fields.items():
            old = getattr(locked, field)
            if old != value:
                changes[field] = (old, value)
                setattr(locked, field, value)
        if changes:
            locked.full_clean(exclude=["schema_name"], validate_unique=False)
            locked.save()
            audit_record(
                actor=actor, action="agency.update", target=locked, agency_id=locked.pk, changes=changes
            )
    return locked


def connection_is_public() -> bool:
    return connection.schema_name == "public"
