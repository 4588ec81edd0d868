"""Rendering SMS templates for many recipients (decision 035).

A template's stored text is parsed once (:func:`compile_template`) into literal pieces and
placeholders; rendering a :class:`Subject` then only joins strings. A subject holds rows
read beforehand (a customer and, as the message needs, a policy, cheque, activity or claim)
and the agency's :class:`AgencyFacts`, shared by the whole batch — so rendering never
queries. When a placeholder has no value for a subject the result is :class:`Missing`, and
the caller skips that recipient with the reason; a text with a hole is never produced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from messaging.placeholders import CANONICAL_RE, Placeholder, placeholder_get


@dataclass
class AgencyFacts:
    """What placeholders need of the agency, read once per batch."""

    name: str
    phone: str = ""
    site_url: str = ""
    line_names: dict[str, str] = field(default_factory=dict)
    today: dt.date = field(default_factory=timezone.localdate)  # in Tehran
    quote_url_of: Any = None  # line code → the agency's quote page for it
    _quote_urls: dict[str, str] = field(default_factory=dict)

    def quote_url(self, line_code: str) -> str:
        if not line_code:
            return ""
        url = self._quote_urls.get(line_code)
        if url is None:
            url = self.quote_url_of(line_code) if self.quote_url_of else ""
            self._quote_urls[line_code] = url
        return url


def agency_facts(agency: Any, *, line_codes: Iterable[str] = ()) -> AgencyFacts:
    """The agency's facts for a batch whose policies are of ``line_codes`` (one query for
    the lines' names, none when there are none)."""
    from crm.selectors.names import line_names
    from tenants.hosts import agency_site_url

    def quote_url_of(code: str) -> str:
        try:
            path = reverse("policies:quote", urlconf="config.urls_agency", args=[code])
        except NoReverseMatch:
            return ""
        return agency_site_url(agency, path)

    return AgencyFacts(
        name=str(agency.name),
        phone=str(agency.phone or ""),
        site_url=agency_site_url(agency),
        line_names=line_names(line_codes),
        quote_url_of=quote_url_of,
    )


@dataclass(slots=True)
class Subject:
    """One recipient's rows. Each may be a model instance or a :func:`row` made from a dict
    (values()): placeholders read attributes only. ``extra`` is for what other apps'
    placeholders prepared in bulk (a renewal link's token…)."""

    customer: Any
    agency: AgencyFacts
    policy: Any = None
    cheque: Any = None
    activity: Any = None
    claim: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def row(values: Mapping[str, Any]) -> SimpleNamespace:
    """A dict (a ``values()`` row) as something placeholders can read."""
    return SimpleNamespace(**values)


@dataclass(frozen=True)
class Missing:
    """No text for this subject: these placeholders (their keys) had no value."""

    placeholders: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        """The placeholders' names as people know them, to give the reason for skipping."""
        labels = []
        for key in self.placeholders:
            placeholder = placeholder_get(key)
            labels.append(placeholder.written if placeholder else "{" + key + "}")
        return labels

    def __bool__(self) -> bool:  # a skipped recipient reads as "no text"
        return False


@dataclass(frozen=True)
class _Slot:
    key: str
    placeholder: Placeholder | None  # None: no longer registered, always missing


@dataclass(frozen=True)
class CompiledTemplate:
    segments: tuple[str | _Slot, ...]

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.segments if isinstance(s, _Slot)]

    def render(self, subject: Subject) -> str | Missing:
        """The text for ``subject``, or :class:`Missing` naming the empty placeholders."""
        parts: list[str] = []
        missing: list[str] | None = None
        for segment in self.segments:
            if segment.__class__ is str:
                parts.append(segment)  # type: ignore[arg-type]
                continue
            slot: _Slot = segment  # type: ignore[assignment]
            text = slot.placeholder.value(subject) if slot.placeholder else ""
            if text:
                parts.append(text)
            elif missing is None:
                missing = [slot.key]
            elif slot.key not in missing:
                missing.append(slot.key)
        if missing:
            return Missing(tuple(missing))
        return "".join(parts)

    def render_many(self, subjects: Iterable[Subject]) -> Iterator[tuple[Subject, str | Missing]]:
        render = self.render
        for subject in subjects:
            yield subject, render(subject)

    def render_sample(self, subject: Subject | None) -> tuple[str, list[str]]:
        """For the preview: the text with real values where ``subject`` has them and each
        placeholder's sample elsewhere, and the names of those that took a sample."""
        parts: list[str] = []
        sampled: list[str] = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(segment)
                continue
            placeholder = segment.placeholder
            text = placeholder.value(subject) if placeholder and subject is not None else ""
            if not text:
                text = placeholder.sample if placeholder else ""
                written = placeholder.written if placeholder else "{" + segment.key + "}"
                if written not in sampled:
                    sampled.append(written)
            parts.append(text)
        return "".join(parts), sampled


def compile_template(body: str) -> CompiledTemplate:
    """Parse a template's stored text once (``{key}`` placeholders, decision 035)."""
    segments: list[str | _Slot] = []
    position = 0
    for match in CANONICAL_RE.finditer(body):
        if match.start() > position:
            segments.append(body[position : match.start()])
        key = match.group(1)
        segments.append(_Slot(key, placeholder_get(key)))
        position = match.end()
    if position < len(body):
        segments.append(body[position:])
    return CompiledTemplate(tuple(segments))
