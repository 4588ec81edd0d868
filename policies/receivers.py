"""Reactions of the policies app to its own rows changing."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from policies.catalog_cache import catalog_changed
from policies.models import (
    AgencyLine,
    DocumentRequirement,
    Line,
    Question,
    SalesPlan,
    TariffRule,
    TariffVersion,
)


def _catalog_row_changed(**kwargs) -> None:
    catalog_changed()


for _model in (
    Line,
    Question,
    DocumentRequirement,
    TariffVersion,
    TariffRule,
    AgencyLine,
    SalesPlan,
):
    post_save.connect(
        _catalog_row_changed, sender=_model, dispatch_uid=f"catalog-{_model.__name__}"
    )
    post_delete.connect(
        _catalog_row_changed, sender=_model, dispatch_uid=f"catalog-del-{_model.__name__}"
    )
