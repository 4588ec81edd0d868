"""The rows of one ledger batch (:mod:`crm.services.ledger`): the insured matched to customers
or new ones, their phones and addresses, the book rows and the audit rows, written in bulk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from core.jalali import tehran
from core.models import AuditLog
from core.text import search_key
from core.text.fields import NormalizedCharField, NormalizedTextField
from core.validators import national_code_is_valid, normalize_mobile
from crm.models import BookPolicy, Customer, CustomerAddress, CustomerPhone, jalali_month_day
from crm.services.base import SYSTEM_ACTOR
from policies.models import Policy

if TYPE_CHECKING:
    from crm.services.ledger import LedgerSyncResult

_SLOT_STARTS = {"09-12": dt.time(9), "12-15": dt.time(12), "15-18": dt.time(15)}


def _mobile(value: str) -> str | None:
    try:
        return normalize_mobile(value) if value else None
    except ValidationError:
        return None


def _code(value: str) -> str | None:
    return value if value and national_code_is_valid(value) else None


def book_state(row: dict[str, Any]) -> str:
    if row["state"] == Policy.State.CANCELLED:
        return BookPolicy.State.CANCELLED
    return BookPolicy.State.ACTIVE


def _insured(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": row["order__insured_first_name"] or "",
        "last_name": row["order__insured_last_name"] or "",
        "national_code": _code(row["order__insured_national_code"]),
        "birth_date": row["order__insured_birth_date"],
        "mobile": _mobile(row["order__insured_mobile"]),
    }


def _account_is_insured(row: dict[str, Any], insured: dict[str, Any]) -> bool:
    """The buyer's account is the insured's own (same mobile or national code)."""
    return bool(
        (insured["mobile"] and row["customer__mobile"] == insured["mobile"])
        or (insured["national_code"] and row["customer__national_code"] == insured["national_code"])
    )


def _address(row: dict[str, Any]) -> CustomerAddress | None:
    text = row["order__delivery_address"]
    if not text:
        return None
    return CustomerAddress(
        kind=CustomerAddress.Kind.POSTAL,
        province=row["order__delivery_province"] or "",
        city=row["order__delivery_city"] or "",
        address=text,
        postal_code=row["order__delivery_postal_code"] or "",
        latitude=row["order__latitude"],
        longitude=row["order__longitude"],
    )


# Values psycopg2 adapts as they are (str, int, bool, Decimal, date, time, datetime).
_PLAIN = (
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DecimalField,
    models.IntegerField,
    models.TextField,
    models.TimeField,
)


def _preparer(field: models.Field) -> Any:
    """How ``_insert`` reads one field of an instance: a plain value as it is; a value the
    field changes before saving (normalised text, ``auto_now``) through ``pre_save``; a
    relation as its id (or its saved object's); anything else (JSON, IP, arrays) through
    Django's own ``get_db_prep_save``."""
    attname = field.attname
    if isinstance(field, models.ForeignKey):
        name = field.name

        def related(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            if value is None and field.is_cached(obj):
                target = getattr(obj, name)
                value = None if target is None else target.pk
            return value

        return related
    if not isinstance(field, _PLAIN):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    if type(field).pre_save is not models.Field.pre_save:
        return lambda obj: field.pre_save(obj, True)
    return lambda obj: getattr(obj, attname)


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not isinstance(field, models.AutoField)
    ]


def _insert_rows(model: type[models.Model], fields: list, rows: list[tuple]) -> list[int]:
    """One ``INSERT … VALUES … RETURNING id`` of ``rows`` (values of ``fields``, in order);
    the new ids in the rows' order."""
    if not rows:
        return []
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    table, pk = (
        connection.ops.quote_name(meta.db_table),
        connection.ops.quote_name(str(meta.pk.column)),
    )
    with connection.cursor() as cursor:
        # psycopg2 quotes each row's values (what execute_values does); the statement goes
        # through Django's cursor so it is counted and logged like any other. Table and
        # column names come from the model's own metadata, quoted.
        values = b", ".join(cursor.cursor.mogrify(placeholder, row) for row in rows)
        sql = f"INSERT INTO {table} ({columns}) VALUES {values.decode()} RETURNING {pk}"  # noqa: S608
        cursor.execute(sql)
        return [new_id for (new_id,) in cursor.fetchall()]


def _insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """``bulk_create`` for the ledger's batches without Django's per-value compilation (most
    of a backfill's time went there): the instances get their ids as ``bulk_create`` gives
    them."""
    fields = _fields(model)
    read = [_preparer(field) for field in fields]
    ids = _insert_rows(model, fields, [tuple(reader(obj) for reader in read) for obj in objs])
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias


def _normalising_reader(attname: str, fallback: Any, normalize: Any) -> Any:
    def read(row: dict[str, Any]) -> Any:
        value = row.get(attname, fallback)
        return normalize(value) if isinstance(value, str) else value

    return read


def _insert_dicts(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Rows nobody reads back (book rows, audit rows) inserted from plain dicts keyed by
    attribute name, without building instances: a missing value is the field's default,
    ``auto_now``/``auto_now_add`` the time of the batch, text is normalised as the field
    would, and values psycopg2 cannot adapt (JSON, IP) go through the field."""
    if not rows:
        return
    fields = _fields(model)
    now = timezone.now()
    readers = []
    for field in fields:
        attname = field.attname
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fallback = now
        else:
            fallback = field.get_default()
        if isinstance(field, NormalizedCharField | NormalizedTextField):
            readers.append(_normalising_reader(attname, fallback, field.normalize))
        elif isinstance(field, (*_PLAIN, models.ForeignKey)):
            readers.append(lambda row, a=attname, f=fallback: row.get(a, f))
        else:
            readers.append(
                lambda row, a=attname, f=fallback, prep=field.get_db_prep_save: prep(
                    row.get(a, f), connection
                )
            )
    _insert_rows(model, fields, [tuple(reader(row) for reader in readers) for row in rows])


def _address_key(address: CustomerAddress) -> tuple[str, str]:
    return search_key(address.address), address.postal_code


class _Batch:
    """The customers a batch touches: found by national code or mobile, or new."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        insured = [_insured(row) for row in rows]
        codes = {person["national_code"] for person in insured if person["national_code"]}
        mobiles = {person["mobile"] for person in insured if person["mobile"]}
        live = Customer.objects.filter(merged_into__isnull=True)
        self.by_code: dict[str, Customer] = {
            customer.national_code: customer
            for customer in live.filter(national_code__in=codes)
            if customer.national_code
        }
        holders: dict[str, int] = {}
        for number, customer_id in (
            CustomerPhone.objects.filter(number__in=mobiles, customer__merged_into__isnull=True)
            .order_by("customer_id")
            .values_list("number", "customer_id")
        ):
            holders.setdefault(number, customer_id)
        missing = set(holders.values()) - {c.pk for c in self.by_code.values()}
        found = {c.pk: c for c in self.by_code.values()}
        found.update({c.pk: c for c in live.filter(pk__in=missing)})
        self.by_mobile: dict[str, Customer] = {
            number: found[customer_id] for number, customer_id in holders.items()
        }
        self.existing = found
        self.phones: dict[int, set[str]] = {}
        for customer_id, number in CustomerPhone.objects.filter(
            customer_id__in=list(found)
        ).values_list("customer_id", "number"):
            self.phones.setdefault(customer_id, set()).add(number)
        self.addresses: dict[int, set[tuple[str, str]]] = {}
        for address in CustomerAddress.objects.filter(customer_id__in=list(found)):
            self.addresses.setdefault(address.customer_id, set()).add(_address_key(address))
        self.created: list[Customer] = []
        self.changed: dict[int, set[str]] = {}
        self.made_definite: set[int] = set()

    def customer_for(self, row: dict[str, Any], person: dict[str, Any]) -> Customer:
        code, mobile = person["national_code"], person["mobile"]
        customer = self.by_code.get(code) if code else None
        if customer is None and mobile:
            holder = self.by_mobile.get(mobile)
            # A mobile shared in a family: not the same person when the codes differ.
            if holder is not None and (
                not code or not holder.national_code or holder.national_code == code
            ):
                customer = holder
        if customer is not None:
            self._fill(customer, row, person)
            return customer
        customer = Customer(
            kind=Customer.Kind.DEFINITE,
            first_name=person["first_name"],
            last_name=person["last_name"] or person["first_name"] or "—",
            national_code=code,
            birth_date=person["birth_date"],
            birth_jalali_month_day=jalali_month_day(person["birth_date"]),
            mobile=mobile or "",
            source=Customer.Source.LEDGER,
            user_id=row["customer_id"] if _account_is_insured(row, person) else None,
            # They gave this number to receive their policy's messages (decision 026).
            sms_consent=bool(mobile),
            sms_consent_at=row["issued_at"] if mobile else None,
            sms_consent_source=Customer.ConsentSource.PURCHASE if mobile else "",
        )
        self.created.append(customer)
        if code:
            self.by_code[code] = customer
        if mobile:
            self.by_mobile.setdefault(mobile, customer)
        return customer

    def _fill(self, customer: Customer, row: dict[str, Any], person: dict[str, Any]) -> None:
        """A known customer: definite now, and what it lacks taken from the order."""
        if customer.pk is None:
            return  # created in this batch: nothing to fill
        changed = self.changed.setdefault(customer.pk, set())
        if customer.kind != Customer.Kind.DEFINITE:
            customer.kind = Customer.Kind.DEFINITE
            changed.add("kind")
            self.made_definite.add(customer.pk)
        code = person["national_code"]
        if (
            code
            and not customer.national_code
            and customer.party == Customer.Party.PERSON
            and code not in self.by_code
        ):
            customer.national_code = code
            self.by_code[code] = customer
            changed.add("national_code")
        for name in ("first_name", "last_name", "birth_date"):
            if not getattr(customer, name) and person[name]:
                setattr(customer, name, person[name])
                changed.add(name)
        if customer.user_id is None and _account_is_insured(row, person):
            customer.user_id = row["customer_id"]
            changed.add("user_id")


def add_new(*, agency: Any, rows: Sequence[dict[str, Any]], result: LedgerSyncResult) -> None:
    batch = _Batch(rows)
    pairs = []
    for row in rows:
        person = _insured(row)
        pairs.append((row, person, batch.customer_for(row, person)))
    _insert(Customer, batch.created)
    result.customers_created = len(batch.created)
    for customer in batch.created:
        batch.phones[customer.pk] = set()
        batch.addresses[customer.pk] = set()

    phones: list[CustomerPhone] = []
    addresses: list[CustomerAddress] = []
    primary_address: set[int] = {pk for pk, keys in batch.addresses.items() if keys}
    delivery: dict[int, CustomerAddress] = {}
    for row, person, customer in pairs:
        known = batch.phones.setdefault(customer.pk, set())
        mobile = person["mobile"]
        if mobile and mobile not in known:
            phones.append(
                CustomerPhone(
                    customer=customer,
                    kind=CustomerPhone.Kind.MOBILE,
                    number=mobile,
                    is_primary=not known,
                )
            )
            known.add(mobile)
            if customer.pk in batch.existing and not customer.mobile:
                customer.mobile = mobile
                batch.changed.setdefault(customer.pk, set()).add("mobile")
        address = _address(row)
        if address is not None:
            key = _address_key(address)
            if key not in batch.addresses.setdefault(customer.pk, set()):
                address.customer = customer
                address.is_primary = customer.pk not in primary_address
                primary_address.add(customer.pk)
                addresses.append(address)
                batch.addresses[customer.pk].add(key)
                delivery[row["id"]] = address
    _insert(CustomerPhone, phones)
    _insert(CustomerAddress, addresses)

    for customer_id, fields in batch.changed.items():
        if fields:
            batch.existing[customer_id].save(update_fields=[*sorted(fields), "updated_at"])
    result.customers_updated = sum(1 for fields in batch.changed.values() if fields)

    _insert_dicts(
        BookPolicy,
        [
            {
                "customer_id": customer.pk,
                "origin": BookPolicy.Origin.LEDGER,
                "policy_id": row["id"],
                "order_id": row["order_id"],
                "quote_id": row["order__quote_id"],
                "line_code": row["line__code"],
                "number": row["number"],
                "issued_on": timezone.localtime(row["issued_at"], tehran()).date(),
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "premium": row["premium"],
                "state": book_state(row),
                "plate": str((row["order__details"] or {}).get("plate_number") or "")[:30],
                "sold_by_user_id": row["issued_by_id"],
                "delivery_method": row["order__delivery_method"] or "",
                "delivery_date": row["order__delivery_date"],
                "delivery_time": _SLOT_STARTS.get(row["order__delivery_slot"] or ""),
                "delivery_address_id": address.pk
                if (address := delivery.get(row["id"])) is not None
                else None,
                "delivery_address_text": " ".join(
                    part
                    for part in (row["order__delivery_city"], row["order__delivery_address"])
                    if part
                ),
            }
            for row, _person, customer in pairs
        ],
    )
    result.book_added = len(pairs)
    _audit(agency=agency, batch=batch, pairs=pairs)


def _audit(*, agency: Any, batch: _Batch, pairs: list) -> None:
    """One audit row per customer the ledger created or changed (bulk, in the same
    transaction), naming the policies that did it."""
    policies: dict[int, list[str]] = {}
    for row, _person, customer in pairs:
        policies.setdefault(customer.pk, []).append(row["number"])
    records: list[dict[str, Any]] = [
        {
            "actor_id": None,
            "actor_label": SYSTEM_ACTOR,
            "action": "customer.created_from_ledger",
            "target_type": "crm.customer",
            "target_id": str(customer.pk),
            "agency_id": agency.pk,
            "changes": {"policy": [None, ", ".join(policies[customer.pk])]},
        }
        for customer in batch.created
    ]
    for customer_id, fields in batch.changed.items():
        if not fields:
            continue
        customer = batch.existing[customer_id]
        records.append(
            {
                "actor_id": None,
                "actor_label": SYSTEM_ACTOR,
                "action": "customer.made_definite"
                if customer_id in batch.made_definite
                else "customer.updated",
                "target_type": "crm.customer",
                "target_id": str(customer_id),
                "agency_id": agency.pk,
                "changes": {
                    **{name: [None, str(getattr(customer, name))] for name in sorted(fields)},
                    "policy": [None, ", ".join(policies.get(customer_id, []))],
                },
            }
        )
    _insert_dicts(AuditLog, records)
