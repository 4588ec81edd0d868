"""Template helpers of the cheques pages: the states an instrument may move to."""

from __future__ import annotations

from django import template

from crm.models import Instrument
from crm.services.money import TRANSITIONS

register = template.Library()


@register.filter
def next_states(instrument: Instrument) -> list[tuple[str, str]]:
    """``(state, label)`` of every state ``instrument`` may move to now (only a cheque
    bounces)."""
    return [
        (state.value, str(state.label))
        for state in Instrument.State
        if state in TRANSITIONS[instrument.state]
        and (state != Instrument.State.BOUNCED or instrument.kind == Instrument.Kind.CHEQUE)
    ]


@register.filter
def state_badge(state: str) -> str:
    """The Bootstrap colour of a state's badge."""
    colours: dict[str, str] = {
        Instrument.State.DUE: "text-bg-secondary",
        Instrument.State.CLEARED: "text-bg-success",
        Instrument.State.BOUNCED: "text-bg-danger",
        Instrument.State.RETURNED: "text-bg-light",
    }
    return colours.get(state, "text-bg-secondary")
