"""Migrations stay safe while the previous release still serves (docs/operations.md,
"Upgrades"): `release` migrates first, then the new processes replace the old ones one by
one, so for a while the old code runs against the new schema.

A migration may therefore only *expand*: add a table, a nullable column or one with a
database default (`db_default`), an index. Removing or renaming a column or a table, or adding
a NOT NULL column without a database default (the old code's INSERTs do not name it and
fail), must wait until no process of the release that uses it is left: the *contract* step,
one release later, reviewed and listed below with why it was safe."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.models import NOT_PROVIDED

# Reviewed: these shipped before this check, each in a release whose previous version did
# not serve against the new schema (development only, no deployment yet).
REVIEWED = {
    ("cards", "0004_bucket_windows"),
    ("catalog", "0002_translated_names"),
    ("notifications", "0002_delivery_states"),
    ("orders", "0002_plan_names_per_language"),
    ("orders", "0003_bucket_windows"),
    ("payments", "0002_webhook_body_size_and_payment_expiry"),
    ("payments", "0003_saved_payment_methods"),
    ("simnet", "0003_bucket_windows"),
}

CONTRACTING = (
    operations.RemoveField,
    operations.DeleteModel,
    operations.RenameField,
    operations.RenameModel,
    operations.AlterModelTable,
)


def unsafe_operations(operation) -> str:
    if isinstance(operation, CONTRACTING):
        return type(operation).__name__
    if (
        isinstance(operation, operations.AddField)
        and not operation.field.null
        and not operation.field.many_to_many
        and operation.field.db_default is NOT_PROVIDED
    ):
        return f"AddField {operation.name!r}: NOT NULL without db_default"
    return ""


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_migrations_only_expand_unless_reviewed():
    ours = {
        config.label for config in apps.get_app_configs() if config.name.startswith("roamcard.")
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in ours or name.startswith("0001_") or (app, name) in REVIEWED:
            continue
        found += [
            f"{app}.{name}: {problem}"
            for operation in migration.operations
            if (problem := unsafe_operations(operation))
        ]
    assert not found, (
        "These migrations would break the release still serving during an upgrade. Give a "
        "new NOT NULL column a db_default (or make it nullable), and remove or rename only "
        "in a later release; then list it in REVIEWED with why it is safe:\n" + "\n".join(found)
    )
