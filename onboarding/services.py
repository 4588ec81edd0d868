"""Every write of agency sign-up (S-8.1). States change only in ``application_transition``:

draft ──submit──▶ submitted ──approve──▶ approved (the agency is provisioned, its owner texted)
                     │  ▲   └──reject───▶ rejected (with the reason)
       correction    ▼  │ resubmit
       requested ◀───┘  └── resubmitted ──approve / reject / ask again
(the applicant edits only a draft or an application sent back for correction)

A national code or a licence number held by another application that is pending or approved
(or a licence number an agency already has) is refused in Persian; two partial unique indexes
guard the same rule against races.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import partial
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Conflict
from core.sites import panel_url
from core.sms.services import sms_queue
from core.text import normalize_identifier, normalize_text
from core.validators import normalize_national_code
from onboarding.models import AgencyApplication
from onboarding.terms import TERMS_VERSION
from policies.models import Line
from policies.services.catalog import agency_line_offer_set
from policies.services.orders import document_check
from tenants.hosts import agency_site_url
from tenants.models import Agency
from tenants.services import IRAN_LATITUDE, IRAN_LONGITUDE, agency_create

State = AgencyApplication.State
DECIDE_ROLES = ("operator", "admin")
SMS_KIND = "agency_approved"

TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.SUBMITTED}),
    State.SUBMITTED: frozenset({State.CORRECTION_REQUESTED, State.APPROVED, State.REJECTED}),
    State.CORRECTION_REQUESTED: frozenset({State.RESUBMITTED}),
    State.RESUBMITTED: frozenset({State.CORRECTION_REQUESTED, State.APPROVED, State.REJECTED}),
    State.APPROVED: frozenset(),
    State.REJECTED: frozenset(),
}

STAGE_ONE_FIELDS = (
    "first_name",
    "last_name",
    "national_code",
    "agency_name",
    "province",
    "city",
    "address",
    "latitude",
    "longitude",
)
STAGE_TWO_FIELDS = ("kind", "line_codes", "licence_number")
EDITABLE_FIELDS = frozenset(STAGE_ONE_FIELDS + STAGE_TWO_FIELDS)
TEXT_FIELDS = ("first_name", "last_name", "agency_name", "province", "city", "address")
REQUIRED_FIELDS = ("first_name", "last_name", "national_code", "province", "city", "address")
NOTE_MIN_LENGTH = 5


class ApplicationStateError(Conflict):
    """The application's state does not allow this action."""


# ---- checks -----------------------------------------------------------------------------


def _applicant_only(application: AgencyApplication, actor: Any) -> None:
    if getattr(actor, "pk", None) != application.applicant_id:
        raise PermissionDenied(_("This application is not yours."))


def _operator_only(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_insurer_role(*DECIDE_ROLES):
        raise PermissionDenied(_("Only virtual-branch operators decide applications."))


def _clean_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalised values and Persian errors per field for what the applicant typed."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            cleaned[name] = normalize_text(value or "")
            if name in REQUIRED_FIELDS and not cleaned[name]:
                errors[name] = [_("This field is required.")]
        elif name == "national_code":
            try:
                cleaned[name] = normalize_national_code(value or "")
            except ValidationError as error:
                errors[name] = error.messages
        elif name == "licence_number":
            cleaned[name] = licence_key(value)
            if cleaned[name] and not 3 <= len(cleaned[name]) <= 30:
                errors[name] = [_("Enter the licence number as printed on the licence.")]
        elif name in ("latitude", "longitude"):
            bounds = IRAN_LATITUDE if name == "latitude" else IRAN_LONGITUDE
            number = _decimal(value)
            if number is None or not bounds[0] <= number <= bounds[1]:
                errors[name] = [_("Pick a point in Iran on the map.")]
            else:
                cleaned[name] = number.quantize(Decimal("0.000001"))
        elif name == "kind":
            if value not in AgencyApplication.Kind.values:
                errors[name] = [_("Choose the kind of agency.")]
            cleaned[name] = value
        elif name == "line_codes":
            codes = sorted({str(code) for code in (value or [])})
            known = set(Line.objects.filter(code__in=codes).values_list("code", flat=True))
            if not codes:
                errors[name] = [_("Choose at least one line.")]
            elif set(codes) - known:
                errors[name] = [_("Choose lines from the list.")]
            cleaned[name] = codes
        else:
            raise ValueError(f"Not a field of an application: {name}")
    return cleaned, errors


def licence_key(value: Any) -> str:
    """A licence number as kept and compared: Latin letters and digits only, upper case
    (``lic-۷۷۷``, ``LIC 777`` and ``LIC/777`` are one licence)."""
    return "".join(ch for ch in normalize_identifier(value or "").upper() if ch.isalnum())


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


# An agency's licence number compared the same way (agencies made by hand may hold separators).
_AGENCY_LICENCE_KEY = Upper(
    Replace(
        Replace(Replace("licence_number", Value("-"), Value("")), Value("/"), Value("")),
        Value(" "),
        Value(""),
    )
)


def application_duplicates(
    *, national_code: str = "", licence_number: str = "", exclude_id: int | None = None
) -> dict[str, list[str]]:
    """Persian errors for a national code or licence number that another pending or approved
    application holds, or (the licence) an existing agency has."""
    errors: dict[str, list[str]] = {}
    held = AgencyApplication.objects.filter(state__in=AgencyApplication.HOLDING)
    if exclude_id is not None:
        held = held.exclude(pk=exclude_id)
    if national_code and held.filter(national_code=national_code).exists():
        errors["national_code"] = [
            _("An application with this national code is already under review or approved.")
        ]
    if licence_number and (
        held.filter(licence_number=licence_number).exists()
        or Agency.objects.annotate(key=_AGENCY_LICENCE_KEY).filter(key=licence_number).exists()
    ):
        errors["licence_number"] = [
            _("An agency or an application with this licence number already exists.")
        ]
    return errors


def _state_error(application: AgencyApplication) -> ApplicationStateError:
    return ApplicationStateError(
        _("This application is %(state)s; it cannot be changed that way.")
        % {"state": application.get_state_display()},
        code="application_state",
    )


def _refuse_if_duplicate(error: IntegrityError) -> NoReturn:
    text = str(error)
    if "one_held_application_per_national_code" in text:
        raise ValidationError(
            {
                "national_code": [
                    _("An application with this national code is already under review or approved.")
                ]
            }
        ) from error
    if "one_held_application_per_licence" in text:
        raise ValidationError(
            {
                "licence_number": [
                    _("An agency or an application with this licence number already exists.")
                ]
            }
        ) from error
    if "one_open_application_per_applicant" in text:
        raise ApplicationStateError(
            _("You already have an open application; continue that one."), code="open_application"
        ) from error
    raise error


def _identity_check(applicant: Any, national_code: str | None) -> dict[str, list[str]]:
    if (
        national_code
        and applicant.identity_locked
        and applicant.national_code
        and applicant.national_code != national_code
    ):
        return {
            "national_code": [
                _("This national code differs from the one verified on your account.")
            ]
        }
    return {}


# ---- the applicant ----------------------------------------------------------------------


def application_open_of(*, applicant: Any) -> AgencyApplication | None:
    """The applicant's application still in progress (at most one), if any."""
    return (
        AgencyApplication.objects.filter(applicant=applicant)
        .exclude(state__in=(State.APPROVED, State.REJECTED))
        .first()
    )


def application_create(
    *,
    applicant: Any,
    accept_terms: bool,
    first_name: str,
    last_name: str,
    national_code: str,
    province: str,
    city: str,
    address: str,
    latitude: Any,
    longitude: Any,
    agency_name: str = "",
    ip_address: str | None = None,
) -> AgencyApplication:
    """Stage 1: the form and the terms. The account the applicant logged in to by SMS code
    owns the application (its mobile is the verified one). Refused with Persian errors per
    field, writing nothing, for bad input, terms not accepted, a duplicate national code or
    an open application of the same account."""
    cleaned, errors = _clean_fields(
        {
            "first_name": first_name,
            "last_name": last_name,
            "national_code": national_code,
            "agency_name": agency_name,
            "province": province,
            "city": city,
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
        }
    )
    if not accept_terms:
        errors["accept_terms"] = [_("Read and accept the terms to continue.")]
    errors.update(_identity_check(applicant, cleaned.get("national_code")))
    if "national_code" not in errors:
        errors.update(application_duplicates(national_code=cleaned["national_code"]))
    if errors:
        raise ValidationError(errors)
    application = AgencyApplication(
        applicant=applicant,
        mobile=applicant.mobile,
        terms_version=TERMS_VERSION,
        terms_accepted_at=timezone.now(),
        **cleaned,
    )
    application.full_clean(
        exclude=["licence_file"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            application.save()
            audit_record(
                actor=applicant,
                action="agency_application.created",
                target=application,
                changes={
                    "state": (None, State.DRAFT),
                    "terms_version": (None, TERMS_VERSION),
                },
                ip_address=ip_address,
            )
    except IntegrityError as error:
        _refuse_if_duplicate(error)
    return application


def _editable_locked(application: AgencyApplication) -> AgencyApplication:
    locked = AgencyApplication.objects.select_for_update().get(pk=application.pk)
    if locked.state not in AgencyApplication.EDITABLE:
        raise ApplicationStateError(
            _("This application is %(state)s; it cannot be changed now.")
            % {"state": locked.get_state_display()},
            code="application_state",
        )
    return locked


def application_update(
    *, application: AgencyApplication, actor: Any, **fields: Any
) -> AgencyApplication:
    """Change what the applicant typed (either stage), while the application is a draft or
    sent back for correction. Audited field by field; refused with Persian errors, changing
    nothing, for bad input or a duplicate national code or licence number."""
    _applicant_only(application, actor)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    cleaned, errors = _clean_fields(fields)
    errors.update(_identity_check(actor, cleaned.get("national_code")))
    duplicate = application_duplicates(
        national_code=cleaned.get("national_code", "") if "national_code" not in errors else "",
        licence_number=cleaned.get("licence_number", "") if "licence_number" not in errors else "",
        exclude_id=application.pk,
    )
    errors.update(duplicate)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            locked = _editable_locked(application)
            changes = {}
            for name, value in cleaned.items():
                old = getattr(locked, name)
                if old != value:
                    changes[name] = (old, value)
                    setattr(locked, name, value)
            if changes:
                locked.full_clean(
                    exclude=["licence_file"], validate_unique=False, validate_constraints=False
                )
                locked.save(update_fields=[*changes, "updated_at"])
                audit_record(
                    actor=actor,
                    action="agency_application.updated",
                    target=locked,
                    changes=changes,
                )
    except IntegrityError as error:
        _refuse_if_duplicate(error)
    _copy(locked, application)
    return application


def application_licence_upload(
    *, application: AgencyApplication, actor: Any, uploaded: UploadedFile
) -> AgencyApplication:
    """Stage 2: the photo of the licence (JPG or PNG, or a PDF scan), at most 5 MB, checked
    by its content as order documents are and kept in private storage; a new upload replaces
    the earlier one."""
    _applicant_only(application, actor)
    clean = document_check(uploaded=uploaded)
    with transaction.atomic():
        locked = _editable_locked(application)
        previous = locked.licence_file.name or ""
        storage = locked.licence_file.storage
        locked.licence_file.save(f"licence.{clean.extension}", clean.as_file("licence"), save=False)
        locked.licence_content_type = clean.content_type
        locked.licence_size = clean.size
        locked.licence_sha256 = hashlib.sha256(clean.content).hexdigest()
        locked.licence_original_name = (uploaded.name or "")[:255]
        locked.save(
            update_fields=[
                "licence_file",
                "licence_content_type",
                "licence_size",
                "licence_sha256",
                "licence_original_name",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="agency_application.licence_uploaded",
            target=locked,
            changes={"licence_file": (previous or None, locked.licence_sha256)},
        )
        if previous:
            transaction.on_commit(partial(storage.delete, previous))
    _copy(locked, application)
    return application


def application_submit(*, application: AgencyApplication, actor: Any) -> AgencyApplication:
    """Send the application for review (a draft) or again (after a correction). Refused while
    stage 2 is incomplete or while another application holds its national code or licence."""
    _applicant_only(application, actor)
    labels = {
        "kind": _("Choose the kind of agency."),
        "line_codes": _("Choose at least one line."),
        "licence_number": _("Enter the licence number as printed on the licence."),
        "licence_file": _("Upload a photo of your licence."),
    }
    try:
        with transaction.atomic():
            locked = AgencyApplication.objects.select_for_update().get(pk=application.pk)
            if locked.state not in AgencyApplication.EDITABLE:
                raise _state_error(locked)
            missing = locked.stage_two_missing
            if missing:
                raise ValidationError({name: [labels[name]] for name in missing})
            errors = application_duplicates(
                national_code=locked.national_code,
                licence_number=locked.licence_number,
                exclude_id=locked.pk,
            )
            if errors:
                raise ValidationError(errors)
            to = (
                State.RESUBMITTED if locked.state == State.CORRECTION_REQUESTED else State.SUBMITTED
            )
            application_transition(
                application=locked, to=to, actor=actor, fields={"submitted_at": timezone.now()}
            )
    except IntegrityError as error:
        _refuse_if_duplicate(error)
    _copy(locked, application)
    return application


def _copy(source: AgencyApplication, target: AgencyApplication) -> None:
    """The caller's object sees what the service wrote under its lock."""
    if source is not target:
        for field in AgencyApplication._meta.concrete_fields:
            if field.name != "search_key":
                setattr(target, field.attname, getattr(source, field.attname))


# ---- the state machine -------------------------------------------------------------------


def application_transition(
    *,
    application: AgencyApplication,
    to: str,
    actor: Any,
    fields: dict[str, Any] | None = None,
) -> AgencyApplication:
    """Move the application to ``to`` if the allowed moves permit it from its current state,
    under a row lock, audited with its actor and every field it sets."""
    with transaction.atomic():
        locked = AgencyApplication.objects.select_for_update().get(pk=application.pk)
        old = locked.state
        if to not in TRANSITIONS[old]:
            raise _state_error(locked)
        changes: dict[str, Any] = {"state": to, **(fields or {})}
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action=f"agency_application.{to}",
            target=locked,
            changes={
                name: (before[name], value)
                for name, value in changes.items()
                if before[name] != value and name not in ("submitted_at", "decided_at")
            },
            agency_id=locked.agency_id,
        )
    for name in (*changes, "updated_at"):
        setattr(application, name, getattr(locked, name))
    return application


def _note_clean(note: str, field: str) -> str:
    note = normalize_text(note or "", multiline=True)
    if len(note) < NOTE_MIN_LENGTH:
        raise ValidationError({field: [_("Write the reason (at least 5 characters).")]})
    return note


def application_request_correction(
    *, application: AgencyApplication, actor: Any, note: str
) -> AgencyApplication:
    """An operator sends the application back with a note saying what to correct."""
    _operator_only(actor)
    note = _note_clean(note, "note")
    return application_transition(
        application=application,
        to=State.CORRECTION_REQUESTED,
        actor=actor,
        fields={"note": note, "decided_by": actor, "decided_at": timezone.now()},
    )


def application_reject(
    *, application: AgencyApplication, actor: Any, reason: str
) -> AgencyApplication:
    """An operator rejects the application with a reason the applicant reads."""
    _operator_only(actor)
    reason = _note_clean(reason, "reason")
    return application_transition(
        application=application,
        to=State.REJECTED,
        actor=actor,
        fields={"note": reason, "decided_by": actor, "decided_at": timezone.now()},
    )


def agency_code_suggested() -> int:
    """The next agency code after the highest one given (the operator may choose another)."""
    highest = Agency.objects.aggregate(top=Max("code"))["top"] or 0
    return int(highest) + 1


def application_approve(
    *, application: AgencyApplication, actor: Any, code: int
) -> AgencyApplication:
    """An operator approves: in one transaction the agency is provisioned through
    ``tenants.services.agency_create`` (schema, domain ``ar<code>``, default content, the
    applicant's account as owner, location, kind, licence), the lines the applicant did not
    ask for are switched off on its site (the agency may offer them later from its panel),
    the application is approved and linked to it, and the owner's SMS is queued — sent after
    the commit, once. A taken code or any refusal changes nothing."""
    _operator_only(actor)
    with transaction.atomic():
        locked = (
            AgencyApplication.objects.select_for_update()
            .select_related("applicant")
            .get(pk=application.pk)
        )
        if State.APPROVED not in TRANSITIONS[locked.state]:
            raise _state_error(locked)
        with translation.override(settings.LANGUAGE_CODE):
            name = locked.agency_name or _("Agency of %(name)s") % {"name": locked.full_name}
        agency = agency_create(
            code=code,
            name=name,
            kind=locked.kind,
            latitude=locked.latitude,
            longitude=locked.longitude,
            owner_mobile=locked.applicant.mobile,
            actor=actor,
            licence_number=locked.licence_number,
            address=locked.address,
            city=locked.city,
            province=locked.province,
            phone=locked.mobile,
        )
        wanted = set(locked.line_codes)
        for line in Line.objects.exclude(code__in=wanted).order_by("position", "id"):
            agency_line_offer_set(agency=agency, line=line, offered=False, actor=actor)
        application_transition(
            application=locked,
            to=State.APPROVED,
            actor=actor,
            fields={"agency": agency, "decided_by": actor, "decided_at": timezone.now()},
        )
        message = application_owner_sms(application=locked, agency=agency)
        AgencyApplication.objects.filter(pk=locked.pk).update(owner_sms_id=message.pk)
        locked.owner_sms_id = message.pk
    for field in ("state", "agency", "agency_id", "decided_by", "decided_at", "owner_sms_id"):
        setattr(application, field, getattr(locked, field))
    return application


def application_owner_sms(*, application: AgencyApplication, agency: Agency) -> Any:
    """Queue the new owner's SMS (``core.sms``: recorded now, sent after the commit by a task
    that claims the message, so a task run twice sends it once)."""
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Your agency application is approved. Your agency code is %(code)s and your site "
            "%(site)s; manage it from the panel: %(panel)s"
        ) % {
            "code": agency.code,
            "site": agency_site_url(agency, "/"),
            "panel": panel_url("/"),
        }
    return sms_queue(to=application.mobile, body=body, kind=SMS_KIND, agency_id=agency.pk)
