"""S-1.4: agency provisioning — the command, the admin, the spare-schema pool."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, migrations
from django.test import override_settings
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists

from accounts.models import AgencyMembership, User
from core.models import AuditLog
from tenants import provisioning
from tenants.content.models import Page, SiteSettings
from tenants.models import Agency, Domain, SpareSchema
from tenants.services import agency_create, agency_set_status
from tenants.tasks import spare_pool_refill


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def _counts() -> tuple[int, int, int, int, int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ar%%'")
        (schemas,) = cursor.fetchone()
    return (
        Agency.objects.count(),
        Domain.objects.count(),
        AgencyMembership.objects.count(),
        User.objects.count(),
        AuditLog.objects.count(),
        schemas,
    )


# --- the command ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_agency_command_builds_everything():
    out = StringIO()
    call_command(
        "create_agency",
        "--code=685",
        "--name=نمایندگی خلیلی",
        "--kind=agent",
        "--lat=35.7",
        "--lon=51.4",
        "--owner-mobile=۰۹۱۲۱۲۳۴۵۶۷",
        stdout=out,
    )
    assert out.getvalue() == "Agency 685 created: http://ar685.localhost:8000/\n"
    agency = Agency.objects.get(code=685)
    assert (agency.name, agency.kind, agency.status) == ("نمایندگی خلیلی", "agent", "active")
    assert str(agency.latitude) == "35.700000"
    assert agency.schema_name == "ar685"
    assert schema_exists("ar685")
    assert {
        "content_sitesettings",
        "content_page",
        "content_banner",
        "django_migrations",
    } <= _tables("ar685")
    assert list(Domain.objects.filter(tenant=agency).values_list("domain", "is_primary")) == [
        ("ar685.localhost", True)
    ]
    with schema_context("ar685"):
        settings_row = SiteSettings.objects.get()
        assert settings_row.headline == "بیمه آنلاین با نمایندگی خلیلی"
        assert list(Page.objects.order_by("position").values_list("slug", "position")) == [
            ("about", 1),
            ("contact", 2),
        ]
    # The public schema's own (main-site) content is untouched.
    assert not Page.objects.filter(slug__in=["about", "contact"]).exists()
    membership = AgencyMembership.objects.get(agency=agency)
    assert (membership.user.mobile, membership.role) == ("09121234567", "owner")
    audit = AuditLog.objects.get(action="agency.create")
    assert (audit.target_id, audit.agency_id, audit.actor_id, audit.actor_label) == (
        str(agency.pk),
        agency.pk,
        None,
        "system",
    )
    assert audit.changes == {"status": [None, "active"], "owner": [None, "09121234567"]}


@pytest.mark.django_db
def test_duplicate_code_is_refused_and_nothing_changes(agency):
    before = _counts()
    with pytest.raises(CommandError, match="نمایندگی دیگری با این کد وجود دارد"):
        call_command(
            "create_agency",
            "--code=685",
            "--name=دیگری",
            "--lat=35",
            "--lon=51",
            "--owner-mobile=09351234567",
        )
    assert _counts() == before
    assert Agency.objects.get(code=685).name == "نمایندگی خلیلی"
    assert not User.objects.filter(mobile="09351234567").exists()


@pytest.mark.django_db
def test_bad_input_gives_persian_errors_per_field_and_changes_nothing():
    before = _counts()
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        agency_create(
            code=0,
            name="",
            kind="bank",
            latitude="north",
            longitude="200",
            owner_mobile="12345",
        )
    errors = caught.value.message_dict
    assert set(errors) == {"code", "name", "kind", "latitude", "longitude", "owner_mobile"}
    assert errors["latitude"] == ["یک عدد وارد کنید."]
    assert errors["owner_mobile"] == ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."]
    assert errors["code"] == ["کد نمایندگی را بین ۱ و ۹۹۹۹۹۹۹ وارد کنید."]
    assert _counts() == before
    assert SpareSchema.objects.count() == 0


@pytest.mark.django_db
def test_leftover_schema_of_the_code_is_never_reused():
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "ar777"')
    before = _counts()
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        agency_create(
            code=777, name="الف", latitude="35", longitude="51", owner_mobile="09121112233"
        )
    assert caught.value.message_dict == {
        "code": ["طرح‌واره پایگاه داده‌ای برای این کد نمایندگی وجود دارد."]
    }
    assert _counts() == before


@pytest.mark.django_db
def test_suspension_keeps_the_agency_schema_and_its_data(agency):
    with schema_context(agency.schema_name):
        Page.objects.create(slug="news", title="اخبار", body="متن", position=3)
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None, reason="audit")
    agency.refresh_from_db()
    assert agency.status == "suspended"
    assert schema_exists(agency.schema_name)
    with schema_context(agency.schema_name):
        assert list(Page.objects.order_by("position").values_list("slug", flat=True)) == [
            "about",
            "contact",
            "news",
        ]
    assert AgencyMembership.objects.filter(agency=agency, role="owner").count() == 1
    audit = AuditLog.objects.get(action="agency.status")
    assert audit.changes == {"status": ["active", "suspended"], "reason": [None, "audit"]}


def test_new_owner_has_no_password_and_an_existing_user_is_reused(agency):
    owner = User.objects.get(mobile="09121234567")
    assert not owner.has_usable_password()
    users = User.objects.count()
    second = agency_create(
        code=686,
        name="  نمایندگی   دوم ",
        latitude="35",
        longitude="51",
        owner_mobile="09121234567",
        city=" تهران ",
    )
    assert (second.name, second.city) == ("نمایندگی دوم", "تهران")
    assert User.objects.count() == users
    assert sorted(
        AgencyMembership.objects.filter(user=owner).values_list("agency__code", "role")
    ) == [(685, "owner"), (686, "owner")]


def test_creation_from_inside_an_agency_schema_lands_in_public(agency):
    with schema_context(agency.schema_name):
        created = agency_create(
            code=687, name="سوم", latitude="35", longitude="51", owner_mobile="09121110010"
        )
        assert connection.schema_name == agency.schema_name
    assert Agency.objects.get(code=687) == created
    assert Domain.objects.filter(tenant=created, domain="ar687.localhost").exists()
    with schema_context("ar687"):
        assert Page.objects.count() == 2
    # The other agency's site content is untouched.
    with schema_context(agency.schema_name):
        assert Page.objects.count() == 2
        assert SiteSettings.objects.get().headline == "بیمه آنلاین با نمایندگی خلیلی"


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_add_view_creates_through_the_service(client):
    admin_user = User.objects.create_superuser("09120000001", "secret-pass-1")
    client.force_login(admin_user)
    response = client.post(
        "/admin/tenants/agency/add/",
        {
            "code": "701",
            "name": "نمایندگی ادمین",
            "kind": "broker",
            "status": "active",
            "latitude": "36.300000",
            "longitude": "59.600000",
            "owner_mobile": "09151234567",
            "accepts_referrals": "on",
        },
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agency = Agency.objects.get(code=701)
    assert (agency.kind, agency.schema_name) == ("broker", "ar701")
    assert schema_exists("ar701")
    assert Domain.objects.filter(tenant=agency, domain="ar701.localhost").exists()
    assert AgencyMembership.objects.get(agency=agency).user.mobile == "09151234567"
    audit = AuditLog.objects.get(action="agency.create")
    assert audit.actor_id == admin_user.pk
    with schema_context("ar701"):
        assert SiteSettings.objects.count() == 1


ADMIN_ADD = {
    "code": "777",
    "name": "نمایندگی ادمین",
    "kind": "agent",
    "status": "active",
    "latitude": "36.300000",
    "longitude": "59.600000",
    "owner_mobile": "09151234567",
}


@pytest.mark.django_db
def test_admin_add_view_shows_a_leftover_schema_on_the_form(client):
    client.force_login(User.objects.create_superuser("09120000004", "secret-pass-4"))
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "ar777"')
    before = _counts()
    with translation.override("fa"):
        response = client.post("/admin/tenants/agency/add/", ADMIN_ADD, HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "code": ["طرح‌واره پایگاه داده‌ای برای این کد نمایندگی وجود دارد."]
    }
    assert _counts() == before


@pytest.mark.django_db
def test_admin_add_view_reports_a_refusal_at_save_time_and_changes_nothing(client, monkeypatch):
    client.force_login(User.objects.create_superuser("09120000005", "secret-pass-5"))
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "ar777"')
    # The schema appears after the form was checked (as in a race): the service refuses.
    monkeypatch.setattr("tenants.admin.schema_exists", lambda name: False)
    before = _counts()
    response = client.post("/admin/tenants/agency/add/", ADMIN_ADD, HTTP_HOST="localhost")
    assert (response.status_code, response["Location"]) == (302, "/admin/tenants/agency/add/")
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown == ["طرح‌واره پایگاه داده‌ای برای این کد نمایندگی وجود دارد."]
    assert _counts() == before
    assert not User.objects.filter(mobile="09151234567").exists()


@pytest.mark.django_db
def test_admin_never_deletes_an_agency(client, agency):
    client.force_login(User.objects.create_superuser("09120000006", "secret-pass-6"))
    response = client.post(
        f"/admin/tenants/agency/{agency.pk}/delete/", {"post": "yes"}, HTTP_HOST="localhost"
    )
    assert response.status_code == 403
    assert Agency.objects.filter(pk=agency.pk).exists()
    assert schema_exists(agency.schema_name)


@pytest.mark.django_db
def test_admin_change_view_edits_through_the_services(client, agency):
    admin_user = User.objects.create_superuser("09120000003", "secret-pass-3")
    client.force_login(admin_user)
    url = f"/admin/tenants/agency/{agency.pk}/change/"
    form = client.get(url, HTTP_HOST="localhost").context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data.update(
        {
            "name": "نمایندگی خلیلی نو",
            "status": "suspended",
            "domains-TOTAL_FORMS": "0",
            "domains-INITIAL_FORMS": "0",
            "domains-MIN_NUM_FORMS": "0",
            "domains-MAX_NUM_FORMS": "1000",
        }
    )
    data = {name: value for name, value in data.items() if value is not False}
    response = client.post(url, data, HTTP_HOST="localhost")
    assert response.status_code == 302, response.content.decode()[:3000]
    agency.refresh_from_db()
    assert (agency.code, agency.name, agency.status) == (685, "نمایندگی خلیلی نو", "suspended")
    actions = dict(AuditLog.objects.filter(actor=admin_user).values_list("action", "changes"))
    assert actions == {
        "agency.update": {"name": ["نمایندگی خلیلی", "نمایندگی خلیلی نو"]},
        "agency.status": {"status": ["active", "suspended"], "reason": [None, ""]},
    }
    assert schema_exists(agency.schema_name)


@pytest.mark.django_db
def test_admin_get_form_matches_model_admin_signature(rf):
    from django.contrib.admin.sites import site

    request = rf.get("/")
    request.user = User.objects.create_superuser("09120000002", "secret-pass-2")
    form_class = site._registry[Agency].get_form(request, None, change=False)
    assert "owner_mobile" in form_class.base_fields
    assert "schema_name" not in form_class.base_fields


# --- the pool ----------------------------------------------------------------------------


def _schema_shape(schema: str) -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, "
            "column_default, character_maximum_length, numeric_precision, is_identity "
            "FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 3",
            [schema],
        )
        columns = [
            tuple(str(v).replace(f'"{schema}".', "").replace(f"{schema}.", "") for v in row)
            for row in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT con.conname, con.contype, cls.relname, "
            "pg_get_constraintdef(con.oid) FROM pg_constraint con "
            "JOIN pg_class cls ON cls.oid = con.conrelid "
            "JOIN pg_namespace ns ON ns.oid = cls.relnamespace WHERE ns.nspname = %s ORDER BY 1",
            [schema],
        )
        # Foreign keys inside the schema name it when it is not on the search path.
        constraints = [
            tuple(str(v).replace(f'"{schema}".', "").replace(f"{schema}.", "") for v in row)
            for row in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT tablename, indexname, replace(indexdef, %s, '') FROM pg_indexes "
            "WHERE schemaname = %s ORDER BY 2",
            [f"{schema}.", schema],
        )
        indexes = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(
            'SELECT app, name FROM "' + schema + '".django_migrations ORDER BY 1, 2'  # noqa: S608
        )
        migrations = [tuple(row) for row in cursor.fetchall()]
    return {
        "columns": columns,
        "constraints": constraints,
        "indexes": indexes,
        "migrations": migrations,
    }


def test_pool_built_schema_is_identical_to_stock_migrate(drop_schemas_after):
    spare = provisioning.spare_schema_create()
    stock = Agency(code=990, name="stock", schema_name="ar990", latitude=35, longitude=51)
    stock.create_schema(check_if_exists=True, verbosity=0)
    connection.set_schema_to_public()
    ours = _schema_shape(spare.schema_name)
    theirs = _schema_shape("ar990")
    assert ours["columns"]
    assert ours["indexes"]
    assert ours == theirs


@pytest.fixture
def refills(monkeypatch) -> list[str]:
    """Record the refills ``agency_create`` enqueues instead of running them inline."""
    calls: list[str] = []
    monkeypatch.setattr(spare_pool_refill, "delay", lambda: calls.append("refill"))
    return calls


def test_claim_renames_a_spare_and_refill_tops_the_pool_up(drop_schemas_after, refills):
    with override_settings(TENANT_SPARE_POOL_SIZE=2):
        assert spare_pool_refill() == 2
        assert spare_pool_refill() == 0  # idempotent
        first, second = SpareSchema.objects.order_by("id")
        agency = agency_create(
            code=801, name="الف", latitude="35", longitude="51", owner_mobile="09121110001"
        )
        # The oldest spare was renamed into the agency's schema.
        assert list(SpareSchema.objects.values_list("schema_name", flat=True)) == [
            second.schema_name
        ]
        assert not schema_exists(first.schema_name)
        assert schema_exists(agency.schema_name)
        with schema_context(agency.schema_name):
            assert SiteSettings.objects.count() == 1
        assert refills == ["refill"]
        assert spare_pool_refill() == 1
        assert spare_pool_refill() == 0
        assert SpareSchema.objects.count() == 2


def test_empty_pool_builds_the_schema_synchronously(drop_schemas_after, refills):
    assert SpareSchema.objects.count() == 0
    agency = agency_create(
        code=802, name="ب", latitude="35", longitude="51", owner_mobile="09121110002"
    )
    assert refills == ["refill"]
    assert schema_exists("ar802")
    assert {"content_page", "django_migrations"} <= _tables("ar802")
    with schema_context(agency.schema_name):
        assert Page.objects.count() == 2


def test_stale_spares_are_dropped_and_never_claimed(drop_schemas_after, refills):
    stale = provisioning.spare_schema_create()
    SpareSchema.objects.filter(pk=stale.pk).update(fingerprint="0" * 64)
    assert provisioning.spare_pool_size() == 0
    agency_create(code=803, name="ج", latitude="35", longitude="51", owner_mobile="09121110003")
    # Not claimed: the agency got a freshly built schema, the stale spare is still there.
    assert schema_exists(stale.schema_name)
    assert SpareSchema.objects.filter(pk=stale.pk).exists()
    assert provisioning.spare_pool_drop_stale() == 1
    assert not schema_exists(stale.schema_name)
    assert not SpareSchema.objects.exists()


def test_refill_after_a_new_migration_replaces_stale_spares(drop_schemas_after):
    with override_settings(TENANT_SPARE_POOL_SIZE=2):
        assert spare_pool_refill() == 2
        old_first, old_second = SpareSchema.objects.order_by("id")
        # A new migration changes the fingerprint the code expects.
        SpareSchema.objects.filter(pk=old_first.pk).update(fingerprint="0" * 64)
        assert spare_pool_refill() == 1
        assert spare_pool_refill() == 0
    names = list(SpareSchema.objects.order_by("id").values_list("schema_name", flat=True))
    assert len(names) == 2
    assert names[0] == old_second.schema_name
    assert not schema_exists(old_first.schema_name)
    assert provisioning.spare_pool_size() == 2


def test_orphaned_spare_schemas_are_dropped_by_the_refill(drop_schemas_after):
    kept = provisioning.spare_schema_create()
    orphan = provisioning.spare_schema_create()
    SpareSchema.objects.filter(pk=orphan.pk).delete()
    assert provisioning.spare_pool_drop_orphans() == 1
    assert not schema_exists(orphan.schema_name)
    assert schema_exists(kept.schema_name)
    assert provisioning.spare_pool_drop_orphans() == 0


def test_squashed_tenant_migrations_are_recorded_as_migrate_records_them(monkeypatch, db):
    squashed = migrations.Migration("0099_squashed", "content")
    squashed.replaces = [("content", "0097_a"), ("content", "0098_b")]

    class Executor(provisioning.MigrationExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loader.graph.add_node(("content", "0099_squashed"), squashed)

    monkeypatch.setattr(provisioning, "MigrationExecutor", Executor)
    _sql, applied = provisioning.tenant_schema_sql.__wrapped__()
    assert {
        ("content", "0097_a"),
        ("content", "0098_b"),
        ("content", "0099_squashed"),
        ("content", "0001_initial"),
    } <= set(applied)
    assert list(applied) == sorted(applied)


def test_spare_whose_schema_vanished_is_forgotten(drop_schemas_after, refills):
    spare = provisioning.spare_schema_create()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{spare.schema_name}" CASCADE')
    agency = agency_create(
        code=806, name="ه", latitude="35", longitude="51", owner_mobile="09121110007"
    )
    assert not SpareSchema.objects.exists()
    with schema_context(agency.schema_name):
        assert Page.objects.count() == 2


def test_refill_on_commit_after_creation(drop_schemas_after):
    # Tasks run eagerly in tests: the refill runs as soon as the creation commits.
    with override_settings(TENANT_SPARE_POOL_SIZE=1):
        agency_create(code=804, name="د", latitude="35", longitude="51", owner_mobile="09121110004")
    assert provisioning.spare_pool_size() == 1


def test_concurrent_creations_with_the_same_code_one_wins(drop_schemas_after, refills):
    provisioning.spare_pool_fill(size=2)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def create(mobile: str) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(
                agency_create(
                    code=805, name="هم‌زمان", latitude="35", longitude="51", owner_mobile=mobile
                )
            )
        except ValidationError as error:
            results.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=create, args=(mobile,)) for mobile in ("09121110005", "09121110006")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    created = [r for r in results if isinstance(r, Agency)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(created), len(refused)) == (1, 1)
    assert refused[0].message_dict == {"code": ["نمایندگی دیگری با این کد وجود دارد."]}
    assert Agency.objects.filter(code=805).count() == 1
    assert AgencyMembership.objects.filter(agency__code=805).count() == 1
    assert Domain.objects.filter(domain="ar805.localhost").count() == 1
    # The loser waited on the code's lock and never touched the pool.
    assert SpareSchema.objects.count() == 1
    assert schema_exists(SpareSchema.objects.get().schema_name)


def test_concurrent_creations_of_two_codes_share_a_one_spare_pool(drop_schemas_after, refills):
    provisioning.spare_pool_fill(size=1)
    spare = SpareSchema.objects.get()
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def create(code: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[code] = agency_create(
                code=code, name="هم‌زمان", latitude="35", longitude="51", owner_mobile="09121110008"
            )
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            results[code] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(code,)) for code in (807, 808)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(result).__name__ for result in results.values()) == ["Agency", "Agency"]
    # One took the spare (skipping the row the other had locked), the other built its own.
    assert not SpareSchema.objects.exists()
    assert not schema_exists(spare.schema_name)
    for code in (807, 808):
        with schema_context(f"ar{code}"):
            assert Page.objects.count() == 2
    assert User.objects.filter(mobile="09121110008").count() == 1
    assert AgencyMembership.objects.filter(user__mobile="09121110008").count() == 2
