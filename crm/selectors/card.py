"""The customer card (S-6.5, S-6.6): everything about one customer in one call, with a
constant number of queries however much the customer has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm.models import (
    Activity,
    Attachment,
    BookPolicy,
    Case,
    ClaimRecord,
    Complaint,
    ContactLog,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerGroup,
    CustomerMerge,
    CustomerPhone,
    CustomerRank,
    CustomerRelation,
    Gift,
    Instrument,
)
from crm.selectors.names import line_names, user_names

# The card shows the latest contacts; the full log has its own page.
CARD_CONTACTS = 50


def membership_sees_all(membership: Any) -> bool:
    """Owners and managers see everything of their agency; staff what is assigned to them.
    No membership (the system, a telephony token) sees everything."""
    return membership is None or bool(getattr(membership, "can_manage", False))


@dataclass
class CustomerCard:
    customer: Customer
    rank: CustomerRank | None
    phones: list[CustomerPhone]
    emails: list[CustomerEmail]
    addresses: list[CustomerAddress]
    relations: list[CustomerRelation]
    related_from: list[CustomerRelation]
    groups: list[CustomerGroup]
    book: list[BookPolicy]
    cases: list[Case]
    activities: list[Activity]
    complaints: list[Complaint]
    claims: list[ClaimRecord]
    gifts: list[Gift]
    instruments: list[Instrument]
    contacts: list[ContactLog]
    attachments: list[Attachment]
    merges: list[CustomerMerge]
    sales: list[Any] = field(default_factory=list)  # crm.selectors.selling.SaleRow
    line_names: dict[str, str] = field(default_factory=dict)
    user_names: dict[int, str] = field(default_factory=dict)

    @property
    def open_cases(self) -> list[Case]:
        return [case for case in self.cases if case.state in Case.OPEN_STATES]

    @property
    def instruments_due(self) -> list[Instrument]:
        return [item for item in self.instruments if item.state == Instrument.State.DUE]


def _rank(customer: Customer) -> CustomerRank | None:
    try:
        return customer.rank
    except CustomerRank.DoesNotExist:
        return None


def customer_card(
    *, customer_id: int, membership: Any = None, agency: Any = None
) -> CustomerCard | None:
    """The card of a live customer (None if there is none with this id here, or it was
    merged: the caller then shows the survivor, ``Customer.merged_into``).

    Staff see the cases, activities and complaints the case pages let them open (the same
    ``*_visible`` rules); with ``agency`` the card also reads the panel sales' orders."""
    # Imported here: crm.selectors.cases imports membership_sees_all from this module.
    from crm.selectors.cases import activities_visible, cases_visible, complaints_visible
    from crm.selectors.money import customer_instruments
    from crm.selectors.selling import panel_sales, sale_rows

    customer = (
        Customer.objects.filter(pk=customer_id, merged_into__isnull=True)
        .select_related("region", "marketer", "rank")
        .first()
    )
    if customer is None:
        return None
    cases = cases_visible(membership=membership).filter(customer=customer)
    activities = (
        activities_visible(membership=membership)
        .filter(case__customer=customer)
        .select_related("case")
    )
    card = CustomerCard(
        customer=customer,
        rank=_rank(customer),
        phones=list(CustomerPhone.objects.filter(customer=customer)),
        emails=list(CustomerEmail.objects.filter(customer=customer)),
        addresses=list(CustomerAddress.objects.filter(customer=customer)),
        relations=list(
            CustomerRelation.objects.filter(customer=customer).select_related("related_customer")
        ),
        related_from=list(
            CustomerRelation.objects.filter(related_customer=customer).select_related("customer")
        ),
        groups=list(CustomerGroup.objects.filter(customers=customer)),
        book=list(
            BookPolicy.objects.filter(customer=customer)
            .select_related("renewed_by", "marketer")
            .order_by("-end_date", "-id")
        ),
        cases=list(cases.order_by("-created_at", "-id")),
        activities=list(activities.order_by("due_at", "id")),
        complaints=list(complaints_visible(membership=membership).filter(customer=customer)),
        claims=list(ClaimRecord.objects.filter(customer=customer)),
        gifts=list(Gift.objects.filter(customer=customer)),
        instruments=customer_instruments(customer_id=customer.pk),
        contacts=list(ContactLog.objects.filter(customer=customer)[:CARD_CONTACTS]),
        attachments=list(Attachment.objects.filter(customer=customer)),
        merges=list(CustomerMerge.objects.filter(survivor=customer).select_related("merged")),
    )
    if agency is not None:
        card.sales = sale_rows(agency=agency, sales=list(panel_sales(customer_id=customer.pk)[:20]))
    card.line_names = line_names(policy.line_code for policy in card.book)
    people: list[int | None] = [customer.user_id, customer.created_by_user_id]
    people += [case.assignee_user_id for case in card.cases]
    people += [activity.assignee_user_id for activity in card.activities]
    people += [complaint.referred_to_user_id for complaint in card.complaints]
    people += [contact.by_user_id for contact in card.contacts]
    people += [policy.sold_by_user_id for policy in card.book]
    card.user_names = user_names(people)
    return card
