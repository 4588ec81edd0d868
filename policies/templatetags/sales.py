"""Filters of the sale's pages: an order's answers by question name (policies.presentation)."""

from __future__ import annotations

from django import template

from policies.models import Order
from policies.presentation import AnswerShown, order_answers_shown

register = template.Library()


@register.filter
def details_shown(order: Order) -> list[AnswerShown]:
    """The order's extra purchase details, each under its question's name."""
    return order_answers_shown(order, stages=("details",))
