"""Stylesheets trimmed to the classes the project's own files use (decision 023).

Bootstrap's stylesheet is 230 KB (31 KB compressed) and blocks every first paint, yet most
of it styles components no page shows. ``TrimmedCssFinder`` serves each stylesheet named in
``settings.TRIMMED_STYLESHEETS`` (static name → source file) as a copy that keeps only the
rules whose classes occur somewhere in the project's templates, JavaScript or Python. The copy
is rebuilt whenever one of those files changes, so development, the tests and collectstatic
always see a stylesheet that matches the code they run.

A class written whole anywhere (``alert-success``) is kept. A class a template builds inside a
``class`` attribute (``alert-{{ kind }}``, ``col-md-{% if … %}``) keeps every class with that
prefix; classes built in Python or JavaScript must be written whole somewhere.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import tinycss2
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

SOURCE_SUFFIXES = (".html", ".js", ".py", ".txt")
SKIPPED_DIRECTORIES = {"node_modules", ".venv", "__pycache__", "migrations", "locale"}
TOKEN = re.compile(r"[A-Za-z0-9_-]+")
CLASS_IN_SELECTOR = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")
KEYFRAMES_NAME = re.compile(r"^\s*([A-Za-z0-9_-]+)")
LICENCE_COMMENT = re.compile(r"/\*!.*?\*/", re.DOTALL)
BLOCK_AT_RULES = {"media", "supports", "container", "layer"}
RECHECK_SECONDS = 1.0


CLASS_ATTRIBUTE = re.compile(r"""\bclass=(?:"([^"]*)"|'([^']*)')""")
BUILT_CLASS_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9_-]*-)\{[{%]")


class UsedClasses:
    """Every word of the project's own source files, and the prefixes of class names that
    templates build."""

    def __init__(self, words: set[str], prefixes: set[str]) -> None:
        self.words = words
        self.prefixes = tuple(sorted(prefixes))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self.words or name.startswith(self.prefixes))


def used_classes(files: Iterable[Path]) -> UsedClasses:
    words: set[str] = set()
    prefixes: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(TOKEN.findall(text))
        if path.suffix == ".html":
            for double, single in CLASS_ATTRIBUTE.findall(text):
                prefixes.update(BUILT_CLASS_PREFIX.findall(double or single))
    return UsedClasses(words, prefixes)


def _split_selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside ``:is(…)``)."""
    selectors, depth, start = [], 0, 0
    for index, character in enumerate(prelude):
        if character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        elif character == "," and depth == 0:
            selectors.append(prelude[start:index].strip())
            start = index + 1
    selectors.append(prelude[start:].strip())
    return [selector for selector in selectors if selector]


def _trim_rules(rules: Iterable, used: UsedClasses) -> str:
    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            prelude = tinycss2.serialize(rule.prelude)
            kept = [
                selector
                for selector in _split_selectors(prelude)
                if all(name in used for name in CLASS_IN_SELECTOR.findall(selector))
            ]
            if kept:
                out.append(f"{','.join(kept)}{{{tinycss2.serialize(rule.content)}}}")
        elif rule.type == "at-rule":
            prelude = tinycss2.serialize(rule.prelude)
            if rule.lower_at_keyword in BLOCK_AT_RULES and rule.content is not None:
                inner = _trim_rules(
                    tinycss2.parse_rule_list(
                        rule.content, skip_comments=True, skip_whitespace=True
                    ),
                    used,
                )
                if inner:
                    out.append(f"@{rule.at_keyword}{prelude}{{{inner}}}")
            else:
                out.append(rule.serialize())
    return "".join(out)


def css_trim(css: str, used: UsedClasses) -> str:
    """``css`` without the rules whose selectors name a class ``used`` does not hold, and
    without animations nothing kept refers to. The leading licence comment stays."""
    licence = LICENCE_COMMENT.search(css)
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    trimmed = _trim_rules(rules, used)
    animations = tinycss2.parse_stylesheet(trimmed, skip_comments=True, skip_whitespace=True)
    body = []
    for rule in animations:
        if rule.type == "at-rule" and rule.lower_at_keyword == "keyframes":
            match = KEYFRAMES_NAME.match(tinycss2.serialize(rule.prelude))
            name = match.group(1) if match else ""
            if not re.search(rf"animation(-name)?:[^;}}]*\b{re.escape(name)}\b", trimmed):
                continue
        body.append(rule.serialize())
    if licence:
        charset = body[0] if body and body[0].startswith("@charset") else ""
        body = [charset, licence.group(0), *body[bool(charset) :]]
    return "".join(body) + "\n"


def source_files() -> list[Path]:
    """The project's own templates, scripts and modules: every app that lives in this
    checkout, the template directories and the static directories without a prefix."""
    base = Path(settings.BASE_DIR).resolve()
    roots: set[Path] = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and not SKIPPED_DIRECTORIES & set(path.parts):
            roots.add(path)
    for template in settings.TEMPLATES:
        directories = cast("list[str | Path]", template.get("DIRS", []))
        roots.update(Path(directory).resolve() for directory in directories)
    static_directories = cast("list[Any]", settings.STATICFILES_DIRS)
    for entry in static_directories:
        if not isinstance(entry, tuple | list):
            roots.add(Path(entry).resolve())
    files: set[Path] = set()
    for root in roots:
        for directory, subdirectories, names in os.walk(root):
            subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_DIRECTORIES]
            files.update(Path(directory) / name for name in names if name.endswith(SOURCE_SUFFIXES))
    return sorted(files)


class TrimmedCssFinder(BaseFinder):
    """Finds the trimmed stylesheets, building them first when a source file changed."""

    _lock = threading.Lock()
    _checked_at = 0.0
    _signature: tuple[int, int] | None = None

    @property
    def root(self) -> Path:
        return Path(settings.TRIMMED_STYLESHEETS_ROOT)

    def check(self, **kwargs) -> list[CheckMessage]:
        return [
            Error(f"TRIMMED_STYLESHEETS: {source} does not exist.", id="core.E001")
            for source in settings.TRIMMED_STYLESHEETS.values()
            if not Path(source).is_file()
        ]

    def find(self, path: str, find_all: bool = False, **kwargs):
        if path not in settings.TRIMMED_STYLESHEETS:
            return [] if find_all else None
        self.build()
        found = str(self.root / path)
        return [found] if find_all else found

    def list(self, ignore_patterns) -> Iterator[tuple[str, FileSystemStorage]]:
        self.build(force=True)
        storage = FileSystemStorage(location=self.root)
        for name in settings.TRIMMED_STYLESHEETS:
            yield name, storage

    def build(self, *, force: bool = False) -> None:
        """Write every trimmed stylesheet whose content would change; sources are looked
        at no more than once a second."""
        cls = type(self)
        with cls._lock:
            if not force and time.monotonic() - cls._checked_at < RECHECK_SECONDS:
                return
            files = source_files()
            sources = [Path(source) for source in settings.TRIMMED_STYLESHEETS.values()]
            signature = (
                len(files),
                max(path.stat().st_mtime_ns for path in [*files, *sources]),
            )
            outputs_exist = all(
                (self.root / name).is_file() for name in settings.TRIMMED_STYLESHEETS
            )
            if signature != cls._signature or not outputs_exist:
                used = used_classes(files)
                for name, source in settings.TRIMMED_STYLESHEETS.items():
                    css = css_trim(Path(source).read_text(encoding="utf-8"), used)
                    _write_if_changed(self.root / name, css)
                cls._signature = signature
            cls._checked_at = time.monotonic()


def _write_if_changed(target: Path, content: str) -> None:
    """Replace ``target`` atomically, and only when its content differs (its time then
    stays, and so do caches keyed on it)."""
    if target.is_file() and target.read_text(encoding="utf-8") == content:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.chmod(temporary, 0o644)  # noqa: S103 - a public stylesheet, read by the web server
    os.replace(temporary, target)
