"""A bulk send's text for each recipient (decision 035's templates). Without placeholders
every recipient gets the same text; with them each recipient's text is rendered from their
customer row and the agency's facts (read once per send), and a recipient whose values are
missing is skipped with the placeholders named — never sent a text with a hole. A number no
customer holds has no customer values: a text that needs them skips it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from messaging.placeholders import AGENCY, CANONICAL_RE, CUSTOMER, placeholder_get
from messaging.rendering import Missing, Subject, agency_facts, compile_template, row

# A bulk send knows each recipient's customer and the agency, nothing else (no policy,
# cheque, activity or claim of theirs is chosen).
BULK_GROUPS = (CUSTOMER, AGENCY)
# What a number no customer holds reads as: every customer value empty.
NOBODY = row({"party": "", "kind": "", "first_name": "", "last_name": "", "company_name": ""})


@dataclass(frozen=True)
class Skipped:
    """No text for this recipient; ``detail`` names what was missing."""

    detail: str


Renderer = Callable[[Any], "str | Skipped"]


def bulk_body_check(canonical: str) -> None:
    """Refuse placeholders a bulk send cannot fill (a policy's, a cheque's …)."""
    unusable = []
    for match in CANONICAL_RE.finditer(canonical):
        placeholder = placeholder_get(match.group(1))
        if placeholder is None or placeholder.group not in BULK_GROUPS:
            written = placeholder.written if placeholder else match.group(0)
            unusable.append(written)
    if unusable:
        raise ValidationError(
            {
                "body": _(
                    "A bulk send can only use the customer's and the agency's placeholders, "
                    "not %(names)s."
                )
                % {"names": "، ".join(dict.fromkeys(unusable))}
            }
        )


def bulk_renderer(body: str, *, agency: Any) -> Renderer:
    """What renders ``body`` (stored form) for a recipient's customer (``None`` for a number
    no customer holds)."""
    if not CANONICAL_RE.search(body):

        def plain(customer: Any) -> str | Skipped:
            return body

        return plain
    template = compile_template(body)
    facts = agency_facts(agency)

    def personal(customer: Any) -> str | Skipped:
        text = template.render(Subject(customer=customer or NOBODY, agency=facts))
        if isinstance(text, Missing):
            return Skipped(detail="، ".join(text.labels))
        return text

    return personal
