"""Site and line control (S-1.5): a branch manager asks, an operator decides, the change
applies at once and the agency is told by SMS. Lines belong to ``policies``, which registers
how a line is named and restricted (``register_line_handlers``), so this module never imports
it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from core.audit import audit_record
from core.sms.services import sms_queue
from tenants.models import Agency, ControlRequest
from tenants.services import agency_set_status

REQUEST_ROLES = ("branch_manager", "admin")
DECIDE_ROLES = ("operator", "admin")
Kind = ControlRequest.Kind


@dataclass
class _LineHandlers:
    name: Callable[[str], str | None]  # the line's name for a code, None if unknown
    allow: Callable[..., Any]  # allow(agency=, line_code=, allowed=, actor=)
    choices: Callable[[], list[tuple[str, str]]]  # (code, name) of every line, in order


_lines: list[_LineHandlers] = []


def register_line_handlers(
    *,
    name: Callable[[str], str | None],
    allow: Callable[..., Any],
    choices: Callable[[], list[tuple[str, str]]],
) -> None:
    _lines[:] = [_LineHandlers(name=name, allow=allow, choices=choices)]


def line_name(code: str) -> str | None:
    return _lines[0].name(code) if _lines and code else None


def line_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of every line, in the catalog's order (none while no app registered)."""
    return _lines[0].choices() if _lines else []


def _refuse_unless(user: Any, roles: tuple[str, ...], message: str) -> None:
    if not getattr(user, "is_authenticated", False) or not user.has_insurer_role(*roles):
        raise PermissionDenied(message)


def control_request_file(
    *, agency: Agency, kind: str, reason: str, actor: Any, line_code: str = ""
) -> ControlRequest:
    """File a request (branch managers). Refused with Persian messages, writing nothing, if
    it asks for what is already so, names an unknown line, or repeats a pending request."""
    _refuse_unless(actor, REQUEST_ROLES, _("Only branch managers file these requests."))
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Choose what to change.")]
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        errors["reason"] = [_("Write the reason (at least 5 characters).")]
    is_line = kind in (Kind.LINE_RESTRICT, Kind.LINE_ALLOW)
    if is_line and line_name(line_code) is None:
        errors["line_code"] = [_("Choose a line.")]
    if not is_line:
        line_code = ""
    if kind == Kind.SITE_ACTIVATE and agency.status == Agency.Status.ACTIVE:
        errors["kind"] = [_("This agency's site is already active.")]
    if kind == Kind.SITE_DEACTIVATE and agency.status != Agency.Status.ACTIVE:
        errors["kind"] = [_("This agency's site is not active.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            request = ControlRequest.objects.create(
                agency=agency, kind=kind, line_code=line_code, reason=reason, requested_by=actor
            )
            audit_record(
                actor=actor,
                action="control.requested",
                target=request,
                changes={"kind": (None, kind), "line": (None, line_code), "reason": (None, reason)},
                agency_id=agency.pk,
            )
    except IntegrityError as error:
        raise ValidationError(
            {"kind": [_("The same request is already waiting for a decision.")]}
        ) from error
    return request


def control_request_decide(
    *, request: ControlRequest, approve: bool, actor: Any, note: str = ""
) -> ControlRequest:
    """An operator approves (the change applies in the same transaction, and the agency is
    texted) or rejects a pending request. Nobody decides their own request."""
    _refuse_unless(actor, DECIDE_ROLES, _("Only virtual-branch operators decide these requests."))
    note = " ".join((note or "").split())
    if not approve and len(note) < 5:
        raise ValidationError({"note": [_("Write why the request is rejected.")]})
    with transaction.atomic():
        locked = (
            ControlRequest.objects.select_for_update().select_related("agency").get(pk=request.pk)
        )
        if locked.state != ControlRequest.State.PENDING:
            raise ValidationError(_("This request has already been decided."), code="decided")
        if locked.requested_by_id == actor.pk:
            raise PermissionDenied(_("Another operator must decide a request you filed."))
        if approve:
            _apply(locked, actor)
        old = locked.state
        locked.state = ControlRequest.State.APPROVED if approve else ControlRequest.State.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action=f"control.{locked.state}",
            target=locked,
            changes={"state": (old, locked.state), "note": (None, note)},
            agency_id=locked.agency_id,
        )
        if approve:
            _tell_agency(locked)
    return locked


def _apply(request: ControlRequest, actor: Any) -> None:
    agency = request.agency
    if request.kind == Kind.SITE_ACTIVATE:
        agency_set_status(
            agency=agency, status=Agency.Status.ACTIVE, actor=actor, reason=request.reason
        )
    elif request.kind == Kind.SITE_DEACTIVATE:
        agency_set_status(
            agency=agency, status=Agency.Status.SUSPENDED, actor=actor, reason=request.reason
        )
    else:
        _lines[0].allow(
            agency=agency,
            line_code=request.line_code,
            allowed=request.kind == Kind.LINE_ALLOW,
            actor=actor,
        )


def _tell_agency(request: ControlRequest) -> None:
    with translation.override("fa"):
        texts = {
            Kind.SITE_ACTIVATE: _("Your agency's site is active again."),
            Kind.SITE_DEACTIVATE: _("Your agency's site has been deactivated: %(reason)s"),
            Kind.LINE_RESTRICT: _("Selling %(line)s on your site has been stopped: %(reason)s"),
            Kind.LINE_ALLOW: _("You may sell %(line)s on your site again."),
        }
        body = texts[Kind(request.kind)] % {
            "reason": request.reason,
            "line": line_name(request.line_code) or request.line_code,
        }
    mobiles = AgencyMembership.objects.filter(
        agency=request.agency,
        is_active=True,
        role__in=(AgencyMembership.Role.OWNER, AgencyMembership.Role.MANAGER),
    ).values_list("user__mobile", flat=True)
    for mobile in mobiles:
        sms_queue(to=mobile, body=body, kind="site_control", agency_id=request.agency_id)
