"""One agency's CRM filled to size by set-based SQL: customers with their phones, and a book of
its own policies and of policies with other insurers, expiring over the next year.

Names come from short lists of common (and a few rare) Persian first and last names combined
by a hash of the row number, normalised by ``core.text`` exactly as the app stores them; the
search key is the database's generated column. National codes carry a valid check digit,
mobiles are ``09xxxxxxxxx``, landlines carry their area code. Everything is a function of
the row number (``hashint8extended``), so two fills of the same size are the same.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection

from core.text import normalize_text


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "محمد علی حسین رضا مهدی امیر حمید سعید مجید جواد مصطفی احمد علیرضا محمدرضا حسن ابوالفضل "
    "امیرحسین سجاد یاسر کاظم فاطمه زهرا مریم معصومه زینب سارا نرگس الهام مهسا سمیه لیلا "
    "نازنین ریحانه هانیه طاهره اکرم فرشته بهاره پریسا رقیه"
)
LAST_NAMES = _words(
    "محمدی حسینی احمدی رضایی موسوی کریمی جعفری صادقی رحیمی هاشمی قاسمی نوری کاظمی عباسی "
    "اکبری طاهری ابراهیمی مرادی حیدری شریفی میرزایی قربانی سلطانی نجفی یوسفی زارعی باقری "
    "بهرامی امینی خلیلی توکلی فراهانی عبدالله‌زاده حسین‌پور علی‌نژاد کاظم‌زاده محمدپور "
    "نیک‌نام شاه‌حسینی قنبری"
)
# One customer in 97 carries one of these: a search for them finds a few hundred in 200,000.
RARE_LAST_NAMES = _words(
    "اسفندیاری قره‌باغی دهقان‌نیری کلانتری شهرستانی آل‌یاسین مستوفی طباطبایی‌نژاد فیروزکوهی گلپایگانی"
)
COMPANY_WORDS = _words(
    "بازرگانی صنایع حمل‌ونقل ساختمانی آرمان پارس نوین البرز سپهر کیان آریا مهر توسعه تجارت فولاد"
)
CITIES = _words("تهران تهران تهران کرج اصفهان مشهد شیراز تبریز قم رشت")
JOBS = ["کارمند", "آزاد", "پزشک", "معلم", "مهندس", "بازنشسته", "راننده", ""]
REGIONS = _words("شمال شرق غرب جنوب مرکز ونک پونک نارمک صادقیه تهرانپارس سعادت‌آباد پاسداران")
INSURERS = ("iran", "asia", "dana", "alborz", "other")
OTHER_INSURER_NAME = "بیمه پارسیان"
# (line code, its number code in policy numbers, share in tenths)
LINES = (("third_party", 11, 5), ("motor_hull", 12, 2), ("fire", 21, 2), ("travel", 31, 1))
BIRTH_FROM = dt.date(1950, 1, 1)
BIRTH_DAYS = 20_800  # to 2006
# The own policies of the book point at ledger ids no real policy has.
FAKE_LEDGER_ID = 1_000_000_000


@dataclass
class FillResult:
    customers: int
    phones: int
    book: int
    seconds: float
    steps: dict[str, float]


def _names(words: list[str]) -> list[str]:
    return [normalize_text(word) for word in words]


def _frac(n: str, seed: int) -> str:
    """A pseudo-random number in [0, 1) from the row number ``n`` and a seed."""
    return f"((hashint8extended({n}::bigint, {seed}) & 2147483647)::float8 / 2147483648.0)"


def _pick(array: str, size: int, n: str, seed: int, skew: float = 1.0, start: int = 0) -> str:
    """One of ``size`` elements of the array parameter from ``start`` on, the first ones
    more often when ``skew`` > 1."""
    return (
        f"(%({array})s::text[])[{1 + start} + floor(power({_frac(n, seed)}, {skew}) * {size})::int]"
    )


def national_code_sql(prefix: str) -> str:
    """A valid ten-digit national code from an SQL expression of nine digits (text)."""
    weights = " + ".join(f"substr({prefix}, {i + 1}, 1)::int * {10 - i}" for i in range(9))
    remainder = f"(({weights}) %% 11)"
    return f"({prefix} || (CASE WHEN {remainder} < 2 THEN {remainder} ELSE 11 - {remainder} END)::text)"


def mobile_sql(n: str, salt: int) -> str:
    """A mobile number, distinct for each ``n`` below ten million (for one ``salt``)."""
    return (
        f"('09' || (ARRAY['12','13','19','35','36','37','38','39','01','02','03','05','30',"
        f"'33','10','15','17','18','90','91','92','93','98','99'])[1 + ({n} + {salt}) %% 24] || "
        f"lpad((({n}::bigint * 7919 + {salt}) %% 10000000)::text, 7, '0'))"
    )


def person_code_sql(n: str, salt: int) -> str:
    prefix = f"lpad((({n}::bigint * 104729 + {salt}) %% 1000000000)::text, 9, '0')"
    return national_code_sql(prefix)


_CUSTOMERS = """
INSERT INTO crm_customer (id, kind, party, first_name, last_name, company_name, national_code,
    birth_date, birth_jalali_month_day, job, position, city, mobile, preferred_channel,
    language, insurance_needs, insurance_needs_note, sms_consent, sms_consent_at,
    sms_consent_source, notes, source, created_at, updated_at, region_id, marketer_id)
SELECT n,
       CASE WHEN (n - 1) %% 5 < 3 THEN 'definite' ELSE 'prospective' END,
       CASE WHEN company THEN 'company' ELSE 'person' END,
       CASE WHEN company THEN '' ELSE {first} END,
       CASE WHEN company THEN ''
            WHEN n %% 97 = 0 THEN (%(rare)s::text[])[1 + (n / 97) %% {rare_size}]
            ELSE {last} END,
       CASE WHEN company THEN 'شرکت ' || {company_a} || ' ' || {company_b} ELSE '' END,
       CASE WHEN company THEN '14' || lpad(n::text, 9, '0')
            WHEN n %% 10 <> 0 THEN {code} END,
       CASE WHEN NOT company AND n %% 5 <> 0 THEN %(birth_from)s::date + birth END,
       CASE WHEN NOT company AND n %% 5 <> 0 THEN (%(month_days)s::int[])[1 + birth] END,
       CASE WHEN company THEN '' ELSE {job} END, '', {city},
       CASE WHEN n %% 50 = 0 THEN '' ELSE {mobile} END,
       'sms', 'fa', '{{}}', '', n %% 10 < 7,
       CASE WHEN n %% 10 < 7 THEN created END,
       CASE WHEN n %% 10 < 7 THEN 'purchase' ELSE '' END, '',
       CASE WHEN (n - 1) %% 5 < 3 THEN 'ledger' WHEN n %% 2 = 0 THEN 'panel' ELSE 'site' END,
       created, created,
       CASE WHEN n %% 3 = 0 THEN (%(regions)s::bigint[])[1 + n %% %(region_count)s] END,
       CASE WHEN n %% 5 = 1 THEN (%(marketers)s::bigint[])[1 + n %% %(marketer_count)s] END
FROM (
    SELECT n, n %% 33 = 0 AS company,
           floor({birth_frac} * {birth_days})::int AS birth,
           now() - {created_frac} * interval '1825 days' AS created
    FROM generate_series(%(base)s + 1, %(base)s + %(customers)s) AS n
) AS rows
"""

_PHONES = """
INSERT INTO crm_customerphone (customer_id, kind, number, extension, label, is_primary,
    created_at)
SELECT n, kind, number, '', '', is_primary, now()
FROM generate_series(%(base)s + 1, %(base)s + %(customers)s) AS n
CROSS JOIN LATERAL (
    SELECT 'mobile' AS kind, {mobile} AS number, true AS is_primary WHERE n %% 50 <> 0
    UNION ALL
    SELECT 'landline', '0' || (ARRAY['21','21','21','26','31','51','71','41'])[1 + n %% 8]
                       || lpad(((n::bigint * 7919 + 3) %% 100000000)::text, 8, '0'),
           n %% 50 = 0
    WHERE n %% 3 = 0 OR n %% 50 = 0
    UNION ALL
    SELECT 'work', '026' || lpad(((n::bigint * 6007 + 11) %% 100000000)::text, 8, '0'), false
    WHERE n %% 11 = 0
    UNION ALL
    -- A family's shared mobile: the number of the customer before is theirs too.
    SELECT 'mobile', {family}, false WHERE n %% 20 = 0 AND (n - 1) %% 50 <> 0
) AS phones
"""

_BOOK = """
INSERT INTO crm_bookpolicy (customer_id, origin, policy_id, order_id, insurer_code,
    insurer_name, line_code, number, issued_on, start_date, end_date, premium, subject,
    plate, state, delivery_method, delivery_address_text, extra_1, extra_2, extra_3, extra_4,
    notes, created_at, updated_at)
SELECT customer, CASE WHEN own THEN 'ledger' ELSE 'other' END,
       CASE WHEN own THEN %(fake)s + i END, CASE WHEN own THEN %(fake)s + i END,
       CASE WHEN own THEN '' ELSE insurer END,
       CASE WHEN insurer = 'other' AND NOT own THEN %(other_name)s ELSE '' END,
       line, CASE WHEN own THEN '1404-' || line_number || '-' || lpad((%(book_base)s + i)::text, 7, '0')
                  ELSE upper(left(insurer, 2)) || '-' || lpad((%(book_base)s + i)::text, 9, '0')
             END,
       end_date - term - 1, end_date - term, end_date,
       (5000000 + floor({premium_frac} * 75000) * 1000)::numeric, '',
       CASE WHEN line IN ('third_party', 'motor_hull')
            THEN lpad((10 + i %% 89)::text, 2, '0') || 'ب' || (100 + i %% 899)::text || '-'
                 || (10 + i %% 89)::text
            ELSE '' END,
       CASE WHEN end_date >= current_date THEN 'active' ELSE 'expired' END,
       '', '', '', '', '', '', '', now(), now()
FROM (
    SELECT i, own, insurer, line, line_number, end_date,
           CASE WHEN line = 'travel' THEN 30 ELSE 365 END AS term,
           CASE WHEN own THEN least(%(base)s + %(customers)s, 5 * ((%(base)s + pick) / 5) + i %% 3 + 1)
                ELSE %(base)s + pick + 1 END AS customer
    FROM (
        SELECT i, i %% 5 < 3 AS own,
               (%(insurers)s::text[])[1 + i %% {insurer_count}] AS insurer,
               (%(lines)s::text[])[1 + floor({line_frac} * 10)::int] AS line,
               (%(line_numbers)s::int[])[1 + floor({line_frac} * 10)::int] AS line_number,
               current_date - 60 + floor({expiry_frac} * 425)::int AS end_date,
               floor({customer_frac} * %(customers)s)::bigint AS pick
        FROM generate_series(1, %(policies)s) AS i
    ) AS drawn
) AS rows
"""


def _jalali_month_days() -> list[int]:
    from crm.models import jalali_month_day

    return [
        jalali_month_day(BIRTH_FROM + dt.timedelta(days=offset)) or 0
        for offset in range(BIRTH_DAYS)
    ]


def _directory(cursor) -> tuple[list[int], list[int]]:  # type: ignore[no-untyped-def]
    """Regions and marketers the customers point at (through the models: a handful)."""
    from crm.models import Marketer, Region

    regions = [
        Region.objects.get_or_create(name=name, defaults={"city": "تهران"})[0].pk
        for name in REGIONS
    ]
    marketers = [
        Marketer.objects.get_or_create(
            code=f"M{index:03d}",
            defaults={"first_name": first, "last_name": last, "mobile": f"0935{index:07d}"},
        )[0].pk
        for index, (first, last) in enumerate(zip(FIRST_NAMES[:20], LAST_NAMES[:20], strict=True))
    ]
    return regions, marketers


def _sequence_past(cursor, table: str) -> None:  # type: ignore[no-untyped-def]
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our table names
        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )


_TABLES = ("crm_customer", "crm_customerphone", "crm_bookpolicy")


def _drop_plain_indexes(cursor) -> list[str]:  # type: ignore[no-untyped-def]
    """Drop the tables' indexes that back no constraint and return how to build them again:
    one build after the load is much faster than a row-by-row update of each (the trigram
    index most of all). Unique and primary-key indexes stay, and check every row."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
        "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY(%s) "
        "AND NOT i.indisunique AND NOT i.indisprimary",
        [list(_TABLES)],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def crm_fill(schema_name: str, customers: int = 200_000, policies: int = 300_000) -> FillResult:
    """Fill the CRM of the agency whose schema is ``schema_name`` with ``customers``
    customers (their phones) and ``policies`` policies in its book; one transaction."""
    from django.db import transaction

    from tenants.models import Agency

    agency = Agency.objects.get(schema_name=schema_name)
    started = time.monotonic()
    steps: dict[str, float] = {}
    previous = getattr(connection, "tenant", None)
    connection.set_tenant(agency)  # type: ignore[attr-defined]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            regions, marketers = _directory(cursor)
            # The rows are consistent by construction (every customer id is one just
            # written): the deferred foreign-key checks of 800,000 rows are skipped.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            indexes = _drop_plain_indexes(cursor)
            cursor.execute("SELECT coalesce(max(id), 0) FROM crm_customer")
            (base,) = cursor.fetchone()
            cursor.execute("SELECT coalesce(max(id), 0) FROM crm_bookpolicy")
            (book_base,) = cursor.fetchone()
            params = {
                "base": base,
                "customers": customers,
                "policies": policies,
                "first": _names(FIRST_NAMES),
                "last": _names(LAST_NAMES),
                "rare": _names(RARE_LAST_NAMES),
                "words": _names(COMPANY_WORDS),
                "cities": _names(CITIES),
                "jobs": _names(JOBS),
                "regions": regions,
                "region_count": len(regions),
                "marketers": marketers,
                "marketer_count": len(marketers),
                "birth_from": BIRTH_FROM,
                "month_days": _jalali_month_days(),
                "book_base": book_base,
                "fake": FAKE_LEDGER_ID + book_base,
                "insurers": list(INSURERS),
                "other_name": normalize_text(OTHER_INSURER_NAME),
                "lines": [code for code, _number, share in LINES for _ in range(share)],
                "line_numbers": [number for _code, number, share in LINES for _ in range(share)],
            }
            cursor.execute(
                _CUSTOMERS.format(
                    first=_pick("first", len(FIRST_NAMES), "n", 1, 1.3),
                    last=_pick("last", len(LAST_NAMES), "n", 2, 1.3),
                    rare_size=len(RARE_LAST_NAMES),
                    company_a=_pick("words", 6, "n", 3),
                    company_b=_pick("words", len(COMPANY_WORDS) - 6, "n", 4, start=6),
                    code=person_code_sql("n", 1_000_003),
                    job=_pick("jobs", len(JOBS), "n", 5),
                    city=_pick("cities", len(CITIES), "n", 6),
                    mobile=mobile_sql("n", 0),
                    birth_frac=_frac("n", 7),
                    birth_days=BIRTH_DAYS,
                    created_frac=_frac("n", 8),
                ),
                params,
            )
            made = cursor.rowcount
            steps["customers"] = time.monotonic() - started
            cursor.execute(
                _PHONES.format(mobile=mobile_sql("n", 0), family=mobile_sql("(n - 1)", 0)),
                params,
            )
            phones = cursor.rowcount
            steps["phones"] = time.monotonic() - started - sum(steps.values())
            cursor.execute(
                _BOOK.format(
                    insurer_count=len(INSURERS),
                    premium_frac=_frac("i", 21),
                    line_frac=_frac("i", 22),
                    expiry_frac=_frac("i", 23),
                    customer_frac=_frac("i", 24),
                ),
                params,
            )
            book = cursor.rowcount
            steps["book"] = time.monotonic() - started - sum(steps.values())
            for definition in indexes:
                cursor.execute(definition)
            steps["indexes"] = time.monotonic() - started - sum(steps.values())
            cursor.execute("SET LOCAL session_replication_role = origin")
            # The triggers that keep each customer's standing were off for the load.
            cursor.execute("SELECT crm_standing_rebuild()")
            cursor.execute("ANALYZE crm_customerstanding")
            for table in _TABLES:
                _sequence_past(cursor, table)
        with connection.cursor() as cursor:
            # Vacuumed as autovacuum leaves a table at rest: index-only scans see every page
            # (inside a test's transaction, where VACUUM cannot run, analysed only).
            for table in (*_TABLES, "crm_customerstanding"):
                cursor.execute(f"{_VACUUM_OR_ANALYZE()} {table}")
        steps["commit and analyze"] = time.monotonic() - started - sum(steps.values())
    finally:
        if previous is not None and getattr(previous, "schema_name", "public") != "public":
            connection.set_tenant(previous)  # type: ignore[attr-defined]
        else:
            connection.set_schema_to_public()  # type: ignore[attr-defined]
    return FillResult(made, phones, book, time.monotonic() - started, steps)


def _VACUUM_OR_ANALYZE() -> str:  # noqa: N802 - reads as the statement it names
    """VACUUM ANALYZE, or ANALYZE alone inside a transaction (a test), where VACUUM cannot run."""
    return "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"


def crm_vacuum_at_rest(schema_name: str) -> list[str]:
    """Vacuum the CRM's big tables of ``schema_name`` that were never vacuumed (fewer than half
    of their pages all-visible), as autovacuum leaves tables at rest: a database copied or
    migrated just before a run would otherwise read the heap in its index-only scans.
    Returns the tables vacuumed (none on a second run)."""
    from tenants.models import Agency

    connection.set_tenant(Agency.objects.get(schema_name=schema_name))  # type: ignore[attr-defined]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                "AND relkind = 'r' AND relname = ANY(%s) AND relallvisible < relpages / 2",
                [[*_TABLES, "crm_customerstanding"]],
            )
            tables = [name for (name,) in cursor.fetchall()]
            for table in tables:
                cursor.execute(f"{_VACUUM_OR_ANALYZE()} {table}")
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    return tables
