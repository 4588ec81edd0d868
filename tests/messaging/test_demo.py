"""`make run` loads SMS automation's demo of agency 685 once: credit, templates and patterns
switched on, and someone the 30-day invitation reaches tomorrow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.jalali import tehran
from core.models import SmsCreditEntry
from core.sms.credit import credit_balance
from messaging.models import SmsPattern, SmsTemplate
from messaging.patterns.run import pattern_preview
from tenants.models import Agency
from tests.crm.conftest import inside

pytestmark = pytest.mark.django_db


def test_the_sms_demo_loads_once_and_shows_tomorrow_s_invitation():
    call_command("catalog_load", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("load_crm_demo", verbosity=0)
    call_command("load_sms_demo", verbosity=0)
    khalili = Agency.objects.get(code=685)
    balance = credit_balance(khalili.pk)
    assert balance > 0
    with inside(khalili):
        assert SmsTemplate.objects.count() == 3
        assert SmsPattern.objects.filter(is_active=True).count() == 3
        invitation = SmsPattern.objects.get(event="expiry_before")
        tomorrow = timezone.now().astimezone(tehran()).date() + dt.timedelta(days=1)
        preview = pattern_preview(agency=khalili, pattern=invitation, run_date=tomorrow)
    assert preview.sending >= 1, [row.detail for row in preview.rows]
    assert "{" not in preview.rows[0].text
    call_command("load_sms_demo", verbosity=0)
    assert credit_balance(khalili.pk) == balance
    assert SmsCreditEntry.objects.filter(agency_id=khalili.pk).count() == 1
    with inside(khalili):
        assert SmsTemplate.objects.count() == 3
