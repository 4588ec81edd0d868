"""Reading SMS templates and what their preview shows (decision 035)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from core.text import search_filter
from crm.models import Activity, BookPolicy, ClaimRecord, Customer, Instrument
from messaging.models import SmsTemplate
from messaging.rendering import Subject, agency_facts


def sms_template_list(*, query: str = "", active_only: bool = False) -> QuerySet[SmsTemplate]:
    """Templates, last changed first; ``query`` matches the name in any spelling."""
    templates = SmsTemplate.objects.all()
    if query:
        templates = templates.filter(search_filter(query, "search_key"))
    if active_only:
        templates = templates.filter(is_active=True)
    return templates.order_by("-updated_at", "-id")


def sms_template_get(*, template_id: int) -> SmsTemplate | None:
    return SmsTemplate.objects.filter(pk=template_id).first()


def preview_customer(*, query: str = "") -> Customer | None:
    """The customer the preview shows: the first match of ``query`` (name, national code or
    mobile in any spelling and digits), else the most recent customer with a policy in
    force, else the most recent customer."""
    live = Customer.objects.filter(merged_into__isnull=True)
    if query:
        return (
            live.filter(search_filter(query, "search_key")).order_by("-created_at", "-id").first()
        )
    policy = (
        BookPolicy.objects.filter(state=BookPolicy.State.ACTIVE, customer__merged_into__isnull=True)
        .select_related("customer")
        .order_by("-created_at", "-id")
        .first()
    )
    if policy is not None:
        return policy.customer
    return live.order_by("-created_at", "-id").first()


def preview_subject(*, agency: Any, customer: Customer) -> Subject:
    """``customer`` with their latest policy (one in force first), cheque, activity and
    claim: real values for the preview."""
    policy = (
        BookPolicy.objects.filter(customer=customer)
        .order_by("state", "-end_date", "-id")  # "active" sorts first
        .first()
    )
    cheques = Instrument.objects.filter(customer=customer)
    cheque = (
        cheques.filter(state=Instrument.State.DUE).order_by("due_date", "id").first()
        or cheques.order_by("-due_date", "-id").first()
    )
    activity = (
        Activity.objects.filter(case__customer=customer)
        .order_by(F("due_at").desc(nulls_last=True), "-id")
        .first()
    )
    claim = ClaimRecord.objects.filter(customer=customer).order_by("-id").first()
    facts = agency_facts(agency, line_codes=[policy.line_code] if policy else [])
    return Subject(
        customer=customer,
        agency=facts,
        policy=policy,
        cheque=cheque,
        activity=activity,
        claim=claim,
    )


def subjects_for_policies(*, agency: Any, policies: QuerySet[BookPolicy]) -> list[Subject]:
    """One subject per policy of ``policies`` with its customer: two queries for any number
    (the rows with their customers, the lines' names), none per subject."""
    rows = list(policies.select_related("customer"))
    facts = agency_facts(agency, line_codes={policy.line_code for policy in rows})
    return [Subject(customer=policy.customer, agency=facts, policy=policy) for policy in rows]
