"""The ops host's home: a card for every section the visitor may open, with what waits there."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.decorators import insurer_view
from core.digits import localize_digits
from tenants.ops.registry import OpsSection, ops_sections_for


@dataclass(frozen=True)
class Card:
    section: OpsSection
    waiting: int | None
    text: str


def _card(section: OpsSection) -> Card:
    waiting = section.waiting() if section.waiting is not None else None
    text = ""
    if waiting is not None and (section.waiting_text or waiting):
        template = str(section.waiting_text or _("%(count)s waiting for a decision"))
        text = template % {"count": localize_digits(waiting)}
    return Card(section=section, waiting=waiting, text=text)


@insurer_view
def home(request) -> HttpResponse:
    """Every insurer role lands here (marketing too) and sees only the sections it may open,
    with what waits in each."""
    cards = [_card(section) for section in ops_sections_for(request.user)]
    return render(request, "tenants/ops/home.html", {"cards": cards})
