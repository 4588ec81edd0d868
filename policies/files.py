"""Policy PDFs and order documents that earlier versions kept in public media, moved into
private storage (decision 018).

Run by migration 0004 and by ``manage.py files_make_private``. Safe to run again at any
point, also after a crash half-way: a file is copied under its final name, then the public
copy removed, then the row pointed at it, and each step is skipped when already done. A
policy PDF also gets a new name (it was named after the verification code printed on the
policy); the name is derived from the row and the secret key, so a second run finds the
copy the first one made.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils.crypto import salted_hmac

from core.storage import private_storage

logger = logging.getLogger(__name__)

PRIVATE_PREFIXES = ("policies", "documents")


def policy_pdf_private_name(*, policy_id: int, name: str, verification_code: str) -> str:
    """The private name of a policy PDF stored under an earlier, guessable name; other names
    stay as they are."""
    path = PurePosixPath(name)
    if path.stem != verification_code:
        return name
    digest = salted_hmac("policies.files.policy_pdf", str(policy_id)).hexdigest()[:32]
    return str(path.with_name(f"{digest}.pdf"))


def _copy(source: Path, *, storage: Storage, name: str) -> None:
    if storage.exists(name) and storage.size(name) == source.stat().st_size:
        return  # copied by an earlier run
    if storage.exists(name):
        storage.delete(name)  # a copy an earlier run did not finish
    with source.open("rb") as handle:
        saved = storage.save(name, File(handle))
    if saved != name:
        raise RuntimeError(f"Private storage stored {name} as {saved}")


def _move(public_root: Path, *, storage: Storage, name: str, target: str) -> str:
    """Move one file; ``moved``, ``private`` (nothing left to move) or ``missing``."""
    source = public_root / name
    if source.is_file():
        _copy(source, storage=storage, name=target)
        source.unlink()
        return "moved"
    return "private" if storage.exists(target) else "missing"


def _remove_empty_folders(public_root: Path) -> None:
    for prefix in PRIVATE_PREFIXES:
        top = public_root / prefix
        if not top.is_dir():
            continue
        for folder, _subfolders, _files in sorted(os.walk(top), reverse=True):
            with contextlib.suppress(OSError):  # not empty
                Path(folder).rmdir()


def private_files_move(
    *,
    policy_model: Any = None,
    document_model: Any = None,
    public_root: Path | None = None,
    storage: Storage | None = None,
    strays: bool = False,
) -> Counter[str]:
    """Move every policy PDF and order document still under ``public_root`` (``MEDIA_ROOT``)
    into private storage and point its row at it. With ``strays``, files under the private
    folders that no row names are moved too (kept, never deleted). Returns counts."""
    if policy_model is None or document_model is None:
        from policies.models import OrderDocument, Policy

        policy_model, document_model = Policy, OrderDocument
    public_root = Path(public_root or settings.MEDIA_ROOT)
    storage = storage or private_storage()
    counts: Counter[str] = Counter()
    policies = policy_model.objects.exclude(pdf="").values_list("pk", "pdf", "verification_code")
    for pk, name, code in policies.iterator():
        target = policy_pdf_private_name(policy_id=pk, name=name, verification_code=code)
        outcome = _move(public_root, storage=storage, name=name, target=target)
        counts[f"policy PDFs {outcome}"] += 1
        if target != name and outcome != "missing":
            with transaction.atomic():
                policy_model.objects.filter(pk=pk, pdf=name).update(pdf=target)
    documents = document_model.objects.exclude(file="").values_list("file", flat=True)
    for name in documents.iterator():
        outcome = _move(public_root, storage=storage, name=name, target=name)
        counts[f"documents {outcome}"] += 1
    if strays:
        for prefix in PRIVATE_PREFIXES:
            top = public_root / prefix
            for source in sorted(top.rglob("*")) if top.is_dir() else []:
                if source.is_file():
                    name = source.relative_to(public_root).as_posix()
                    _move(public_root, storage=storage, name=name, target=f"unreferenced/{name}")
                    counts["files no row names moved"] += 1
    _remove_empty_folders(public_root)
    if counts:
        logger.info("Private files: %s", dict(counts))
    return counts
