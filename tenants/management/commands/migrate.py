from tenants.management.commands.migrate_schemas import Command as MigrateSchemasCommand


class Command(MigrateSchemasCommand):
    """``migrate`` is ``migrate_schemas``: public first, then every agency schema."""
