"""django-tenants' schema-aware PostgreSQL backend, safe behind a transaction-pooling
PgBouncer and able to serve as a read replica (decisions 053 and 054).

django-tenants selects an agency's schema with a session-level ``SET search_path`` issued
on its own, before the query it is for, and with ``TENANT_LIMIT_SET_CALLS`` only once per
``set_tenant``. Behind PgBouncer in transaction mode a client owns a server connection only
for one transaction: in autocommit every statement is a transaction of its own, so the
``SET`` lands on one server connection and the query may run on another, whose search_path
another client (another agency) set last. With ``TRANSACTION_POOLING`` in the database's
settings every statement in autocommit carries its own ``SET search_path = ...;`` in the
same query string (one round trip, one implicit transaction, so one server connection),
the first statement of each transaction likewise, and the separate ``SET`` is never sent.

A database with ``REPLICA_OF`` names the alias whose schema it follows: the request's
middleware selects the agency on the default connection, and each cursor of the replica
takes that schema before it runs.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import connections
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import quote_schema_name


class _SearchPathCursor:
    """A psycopg2 cursor whose every statement starts by selecting ``search_path``."""

    def __init__(self, cursor: Any, database: DatabaseWrapper) -> None:
        self._cursor = cursor
        self._database = database

    def execute(self, sql: Any, params: Any = None) -> Any:
        prefix = self._database.search_path_prefix()
        if params is None:
            return self._cursor.execute(prefix + str(sql))
        # With parameters psycopg2 interpolates ``%``: the prefix's own must stay literal.
        return self._cursor.execute(prefix.replace("%", "%%") + str(sql), params)

    def executemany(self, sql: Any, param_list: Any) -> Any:
        for params in param_list:
            self.execute(sql, params)

    def copy_expert(self, sql: Any, file: Any, size: int = 8192) -> Any:
        """``COPY`` cannot share its query string: the schema goes first, in one transaction
        with it (a savepoint inside the caller's)."""
        from django.db import transaction

        with transaction.atomic(using=self._database.alias):
            prefix = self._database.search_path_prefix()
            if prefix:
                self._cursor.execute(prefix.strip().rstrip(";"))
            return self._cursor.copy_expert(sql, file, size)

    def __iter__(self):
        return iter(self._cursor)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._cursor.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class DatabaseWrapper(TenantDatabaseWrapper):
    search_path_set_schemas: list[str] | None

    @property
    def transaction_pooling(self) -> bool:
        return bool(self.settings_dict.get("TRANSACTION_POOLING"))

    def _follow_primary(self) -> None:
        primary_alias = self.settings_dict.get("REPLICA_OF")
        if not primary_alias:
            return
        primary = cast(TenantDatabaseWrapper, connections[primary_alias])
        if (self.schema_name, self.include_public_schema) != (
            primary.schema_name,
            primary.include_public_schema,
        ):
            self.set_tenant(primary.tenant, primary.include_public_schema)

    def search_path_statement(self) -> str:
        """The ``SET search_path`` that makes a statement run in the selected schema."""
        schemas = ",".join(quote_schema_name(s) for s in self._get_cursor_search_paths())
        return f"SET search_path = {schemas}; "

    def search_path_prefix(self) -> str:
        """What goes before the next statement: the selected schema, as it is now.

        In autocommit every statement is a transaction of its own, so each carries it. In
        a transaction PgBouncer keeps the server connection to the end: the first
        statement carries it, and again after ``set_tenant`` (which forgets that it was
        sent); a ``SET LOCAL search_path`` of the code's own then holds until the end.
        """
        if self.get_autocommit():
            return self.search_path_statement()
        if self.search_path_set_schemas is None:
            statement = self.search_path_statement()
            self.search_path_set_schemas = self._get_cursor_search_paths()
            return statement
        return ""

    def commit(self):
        super().commit()
        if self.transaction_pooling:
            # The next transaction may run on another server connection.
            self.search_path_set_schemas = None

    def _cursor(self, name=None):
        self._follow_primary()
        return super()._cursor(name=name)

    def _handle_search_path(self, cursor=None):
        if self.transaction_pooling:
            return  # every statement carries its own (create_cursor)
        super()._handle_search_path(cursor)

    def create_cursor(self, name=None):
        cursor = super().create_cursor(name=name)
        if self.transaction_pooling:
            if name:
                raise RuntimeError(
                    "Server-side cursors cannot be used behind transaction pooling: "
                    "set DISABLE_SERVER_SIDE_CURSORS."
                )
            return _SearchPathCursor(cursor, self)
        return cursor
