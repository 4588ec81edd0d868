"""Writing templates: stored canonical, audited with the actor, refused with a Persian
message naming a bad placeholder (nothing saved), refused for a suspended agency, and
deleted only when nothing uses it (else deactivated)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditLog
from messaging.models import SmsTemplate
from messaging.services import (
    DEACTIVATED,
    DELETED,
    sms_template_create,
    sms_template_delete,
    sms_template_update,
)
from messaging.usage import _checks, template_usage_register
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.crm.conftest import inside

pytestmark = pytest.mark.django_db


def _create(agency, owner, **fields):
    values = {"name": "یادآوری تمدید", "body": "سلام {نام مشتری}", "line": "service", **fields}
    return sms_template_create(agency=agency, actor=owner, **values)


def test_a_template_is_stored_canonical_and_its_creation_and_change_audited(agency, owner):
    with inside(agency):
        template = _create(agency, owner, name="يادآوري  تمديد")
        template.refresh_from_db()
        assert (template.name, template.body, template.line, template.is_active) == (
            "یادآوری تمدید",
            "سلام {customer_name}",
            "service",
            True,
        )
        assert template.created_by_user_id == owner.pk
        sms_template_update(
            agency=agency,
            actor=owner,
            template=template,
            body="{نام} عزیز، {تاریخ انقضا}",
            line="promotional",
        )
        template.refresh_from_db()
        assert template.body == "{first_name} عزیز، {expiry_date}"
    created = AuditLog.objects.get(action="sms_template.created")
    assert (created.actor, created.agency_id, created.target_id) == (
        owner,
        agency.pk,
        str(template.pk),
    )
    updated = AuditLog.objects.get(action="sms_template.updated")
    assert updated.changes == {
        "body": ["سلام {customer_name}", "{first_name} عزیز، {expiry_date}"],
        "line": ["service", "promotional"],
    }


def test_a_bad_placeholder_is_refused_in_persian_and_nothing_is_saved(agency, owner):
    with inside(agency):
        with pytest.raises(ValidationError) as refused:
            _create(agency, owner, body="سلام {نام مشتریان} و {کد رهگیری}")
        assert refused.value.message_dict["body"] == [
            "متغیر {نام مشتریان} شناخته نیست؛ یکی از متغیرهای فهرست را انتخاب کنید.",
            "متغیر {کد رهگیری} شناخته نیست؛ یکی از متغیرهای فهرست را انتخاب کنید.",
        ]
        template = _create(agency, owner)
        with pytest.raises(ValidationError):
            sms_template_update(agency=agency, actor=owner, template=template, body="{نام")
        template.refresh_from_db()
        assert template.body == "سلام {customer_name}"
        assert SmsTemplate.objects.count() == 1
    assert not AuditLog.objects.filter(action="sms_template.updated").exists()


def test_a_suspended_agency_is_refused_inside_the_service(agency, owner):
    with inside(agency):
        template = _create(agency, owner)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    with inside(agency):
        with pytest.raises(AgencyNotActive):
            _create(agency, owner, name="دوم")
        with pytest.raises(AgencyNotActive):
            sms_template_update(agency=agency, actor=owner, template=template, name="تغییر")
        with pytest.raises(AgencyNotActive):
            sms_template_delete(agency=agency, actor=owner, template=template)
        assert list(SmsTemplate.objects.values_list("name", flat=True)) == ["یادآوری تمدید"]


@pytest.fixture
def used_templates():
    """Templates whose ids are in the set count as in use (as a pattern's would)."""
    used: set[int] = set()
    template_usage_register("test", lambda template: template.pk in used)
    yield used
    _checks.pop("test", None)


def test_delete_removes_an_unused_template_and_deactivates_a_used_one(
    agency, owner, used_templates
):
    with inside(agency):
        unused = _create(agency, owner, name="الف")
        used = _create(agency, owner, name="ب")
        used_templates.add(used.pk)
        assert sms_template_delete(agency=agency, actor=owner, template=unused) == DELETED
        assert sms_template_delete(agency=agency, actor=owner, template=used) == DEACTIVATED
        assert list(SmsTemplate.objects.values_list("name", "is_active")) == [("ب", False)]
    assert AuditLog.objects.filter(action="sms_template.deleted").count() == 1
    assert AuditLog.objects.get(action="sms_template.deactivated").changes == {
        "is_active": [True, False]
    }
