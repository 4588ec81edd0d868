"""Every write about agencies: provisioning (S-1.4), status changes, settings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.models import AgencyMembership, User
from core.audit import audit_record
from core.dispatch import signal_send_robust
from core.errors import Conflict
from core.validators import normalize_mobile
from tenants.content.models import Page, SiteSettings
from tenants.db import connection
from tenants.models import Agency, Branch, Domain
from tenants.provisioning import SchemaTakenError, schema_claim
from tenants.signals import agency_status_changed

_MAX_CODE = 9_999_999


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


_AGENCY_CODE_LOCK = 7_310_001  # first key of pg_advisory_xact_lock(key, code)


def _decimal_or_error(value: Decimal | float | str, field: str, errors: dict) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    return number


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
    """Create an agency (ایجاد نمایندگی) with its schema, domain ``arNNN.<BASE_DOMAIN>``,
    default site content and its owner's membership, in one transaction.

    The schema comes from the spare pool (a rename) or, if the pool is empty, is built
    on the spot; the pool is refilled afterwards by a Celery task. Bad input or a taken
    code raises ``ValidationError`` (translated messages per field) and changes nothing.
    Two concurrent creations with the same code are serialised by an advisory lock on
    the code: the first wins, the second gets the "already exists" error.
    """
    from tenants.tasks import spare_pool_refill

    errors: dict[str, list[str]] = {}
    try:
        owner_mobile = normalize_mobile(owner_mobile)
    except ValidationError as error:
        errors["owner_mobile"] = error.messages
    lat = _decimal_or_error(latitude, "latitude", errors)
    lon = _decimal_or_error(longitude, "longitude", errors)
    try:
        code = int(str(code).strip())
    except ValueError:
        code = 0
    if not 1 <= code <= _MAX_CODE:
        errors["code"] = [_("Enter an agency code between 1 and 9999999.")]
    agency = Agency(
        code=code,
        name=" ".join(str(name).split()),
        kind=kind,
        schema_name=Agency.schema_name_for(code),
        latitude=lat,
        longitude=lon,
        licence_number=str(licence_number).strip(),
        branch=branch,
        status=status,
        address=str(address).strip(),
        city=str(city).strip(),
        province=str(province).strip(),
        phone=str(phone).strip(),
        accepts_referrals=accepts_referrals,
        can_issue=can_issue,
    )
    try:
        agency.full_clean(exclude=["schema_name", *errors], validate_unique=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    taken = Conflict({"code": [_("An agency with this code already exists.")]})
    # Agencies live in public; django-tenants refuses to create one from an agency schema.
    with schema_context(get_public_schema_name()), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_AGENCY_CODE_LOCK, code])
        if Agency.objects.filter(code=code).exists():
            raise taken
        try:
            schema_claim(schema_name=agency.schema_name)
        except SchemaTakenError:
            # A schema left behind by a deleted agency: never reuse another agency's data.
            raise Conflict(
                {"code": [_("A database schema for this agency code already exists.")]}
            ) from None
        agency.save()
        Domain.objects.create(
            domain=f"{Agency.subdomain_for(code)}.{settings.BASE_DOMAIN}",
            tenant=agency,
            is_primary=True,
        )
        # The site's starting texts are Persian whatever language the caller runs in.
        with schema_context(agency.schema_name), translation.override(settings.LANGUAGE_CODE):
            _default_content(agency)
        # A new owner signs in by one-time code: no password until they choose one.
        owner, _created = User.objects.get_or_create(
            mobile=owner_mobile, defaults={"password": make_password(None)}
        )
        AgencyMembership.objects.create(user=owner, agency=agency, role=AgencyMembership.Role.OWNER)
        audit_record(
            actor=actor,
            action="agency.create",
            target=agency,
            agency_id=agency.pk,
            changes={"status": (None, agency.status), "owner": (None, owner_mobile)},
        )
        # robust: a broker outage must not turn a committed creation into an error.
        transaction.on_commit(spare_pool_refill.delay, robust=True)
    return agency


def agency_set_status(*, agency: Agency, status: str, actor: Any, reason: str = "") -> Agency:
    """Activate, suspend or set pending an agency's site. Its data is always kept.

    The row lock waits for every action of the agency still in flight (they hold the row
    with ``agency_require_active``), and any action after the commit sees the new status.
    ``agency_status_changed`` is sent after the commit for the flow apps to react to.
    """
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
        agency_id = locked.pk
        transaction.on_commit(lambda: _status_changed_send(agency_id, old, status))
    return locked


def _status_changed_send(agency_id: int, old: str, new: str) -> None:
    """A failing receiver (a broker outage) must not fail the committed change: logged."""
    signal_send_robust(
        agency_status_changed,
        name="agency_status_changed",
        sender=Agency,
        about={"agency_id": agency_id},
        agency_id=agency_id,
        old=old,
        new=new,
    )


class AgencyNotActive(PermissionDenied):
    """The agency is suspended or not yet active, so it may not act: accept or decline
    offers, issue, reject, change its site, lines or staff. The panel answers its members
    with a Persian page saying why (``tenants/panel/agency_inactive.html``)."""

    def __init__(self, status: str) -> None:
        self.status = status
        super().__init__(agency_inactive_message(status))

    @property
    def message(self) -> str:
        return str(self.args[0])


def agency_inactive_message(status: str) -> str:
    if status == Agency.Status.PENDING:
        return _(
            "Your agency is not active yet: nothing can be done for it until the insurer "
            "activates it."
        )
    return _(
        "Your agency is suspended: nothing can be done for it until the insurer activates it again."
    )


def agency_require_active(*, agency_id: int, for_update: bool = False) -> None:
    """Refuse (``AgencyNotActive``) unless the agency is active: the one check every service
    runs in which an agency acts, inside its own transaction.

    The status is read from the row under a lock held to the end of that transaction
    (``FOR SHARE``, or ``FOR UPDATE`` for a caller that changes the row itself): a
    suspension committed before is seen, and one that comes during waits for the action to
    finish, so an action that started before the suspension cannot complete after it.
    """
    status = agency_status_locked(agency_id=agency_id, for_update=for_update)
    if status != Agency.Status.ACTIVE:
        raise AgencyNotActive(status or Agency.Status.SUSPENDED)


def agency_status_locked(*, agency_id: int, for_update: bool = False) -> str | None:
    """The agency's status, its row locked to the end of the caller's transaction
    (``FOR SHARE``, or ``FOR UPDATE``); ``None`` if there is no such agency."""
    if not connection.in_atomic_block:
        raise RuntimeError("An agency's status is locked inside the transaction it guards.")
    lock = "UPDATE" if for_update else "SHARE"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {Agency._meta.db_table} WHERE id = %s FOR {lock}",  # noqa: S608
            [agency_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


AGENCY_EDITABLE_FIELDS = frozenset(
    {
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
)


def agency_update(*, agency: Agency, actor: Any, **fields: Any) -> Agency:
    """Change an agency's details (not its code, schema or status); every changed field
    is audited. Invalid values raise ``ValidationError`` and change nothing."""
    unknown = set(fields) - AGENCY_EDITABLE_FIELDS
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
                actor=actor,
                action="agency.update",
                target=locked,
                agency_id=locked.pk,
                changes=changes,
            )
    return locked


def connection_is_public() -> bool:
    return connection.schema_name == "public"


# Iran with a margin: a point outside is a slip of the finger on the map.
IRAN_LATITUDE = (Decimal("24.0"), Decimal("40.5"))
IRAN_LONGITUDE = (Decimal("44.0"), Decimal("63.5"))
PANEL_SETTINGS_FIELDS = frozenset(
    {"phone", "address", "city", "province", "latitude", "longitude", "accepts_referrals"}
)


def agency_settings_update(*, agency: Agency, actor: Any, **fields: Any) -> Agency:
    """What an agency changes itself in its panel: contact details, location, referrals on
    or off (never its name, code, kind or issuing right). Audited field by field; refused
    while the agency is not active."""
    unknown = set(fields) - PANEL_SETTINGS_FIELDS
    if unknown:
        raise ValueError(f"Not editable by the agency: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    if latitude is not None and not IRAN_LATITUDE[0] <= latitude <= IRAN_LATITUDE[1]:
        errors["latitude"] = [_("Pick a point in Iran on the map.")]
    if longitude is not None and not IRAN_LONGITUDE[0] <= longitude <= IRAN_LONGITUDE[1]:
        errors["longitude"] = [_("Pick a point in Iran on the map.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk, for_update=True)
        return agency_update(agency=agency, actor=actor, **fields)
