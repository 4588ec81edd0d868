"""Reads of the sale that more than one caller uses (the only place agency filters are written)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from policies.models import AgencyLine, Line, Order, Payment, Policy, TariffVersion


def line_choices() -> list[tuple[str, str]]:
    """``(code, name)`` of every line, in the catalog's order, names in the page's language."""
    return [(line.code, line.display_name) for line in Line.objects.order_by("position", "id")]


def lines_for_site(*, agency: Any) -> QuerySet[Line]:
    """The lines on sale on a site: every active line with an active tariff, and on an agency
    site only those the insurer allows it and it chooses to offer."""
    lines = Line.objects.filter(is_active=True).filter(
        Exists(
            TariffVersion.objects.filter(line=OuterRef("pk"), status=TariffVersion.Status.ACTIVE)
        )
    )
    if agency is not None:
        lines = lines.exclude(
            Exists(
                AgencyLine.objects.filter(line=OuterRef("pk"), agency=agency).filter(
                    Q(allowed=False) | Q(offered=False)
                )
            )
        )
    return lines.order_by("position", "id")


def line_sellable(*, line: Line, agency: Any) -> bool:
    return lines_for_site(agency=agency).filter(pk=line.pk).exists()


def line_get_for_site(*, code: str, agency: Any) -> Line | None:
    return lines_for_site(agency=agency).filter(code=code).first()


def tariff_version_active(*, line: Line) -> TariffVersion | None:
    return TariffVersion.objects.filter(line=line, status=TariffVersion.Status.ACTIVE).first()


def order_for_customer(*, public_id: Any, customer: Any, agency: Any) -> Order | None:
    """The customer's order made on this site (``agency`` None = the main site), or None."""
    if not getattr(customer, "is_authenticated", False):
        return None
    return orders_of_customer(customer=customer, agency=agency).filter(public_id=public_id).first()


def orders_of_customer(*, customer: Any, agency: Any) -> QuerySet[Order]:
    """The customer's orders made on this site, newest first."""
    orders = Order.objects.select_related("line", "agency").filter(customer=customer)
    if agency is None:
        return orders.filter(channel=Order.Channel.MAIN)
    return orders.filter(agency=agency, channel=Order.Channel.AGENCY)


def policies_of_customer(*, customer: Any, agency: Any) -> QuerySet[Policy]:
    """The customer's policies: on an agency site those it sold; on the main site all of
    them (one account on every site), each with the site that sold it."""
    policies = Policy.objects.select_related("line", "agency", "order").filter(customer=customer)
    return policies.filter(agency=agency) if agency is not None else policies


def policy_for_site(*, number: str, agency: Any) -> Policy | None:
    """A policy sold on this site (main-site policies have no selling agency... until a
    referral assigns one: then the order's channel says where it was sold)."""
    policies = Policy.objects.select_related("line", "agency", "order", "customer").filter(
        number=number
    )
    if agency is None:
        return policies.filter(order__channel=Order.Channel.MAIN).first()
    return policies.filter(agency=agency, order__channel=Order.Channel.AGENCY).first()


def payments_of_customer(*, customer: Any, agency: Any) -> QuerySet[Payment]:
    return Payment.objects.select_related("order", "order__line").filter(
        order__in=orders_of_customer(customer=customer, agency=agency)
    )
