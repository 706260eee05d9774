"""Upgrading a catalogue written before it was translated: its names become the English ones."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from roamcard.catalog.models import Plan, Region

BEFORE = [("catalog", "0001_initial")]
AFTER = [("catalog", "0002_translated_names")]


@pytest.mark.django_db(transaction=True)
def test_existing_names_become_the_english_names():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    region = old.get_model("catalog", "Region").objects.create(
        code="japan", name="Japan", countries=["JP"]
    )
    old.get_model("catalog", "Plan").objects.create(
        code="japan-week",
        name="Japan week 10 GB",
        kind="week",
        region=region,
        data_bytes=10 * 1024**3,
        validity_days=7,
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    plan = Plan.objects.get(code="japan-week")
    assert plan.name_en == "Japan week 10 GB"
    assert Region.objects.get(code="japan").name_en == "Japan"
    with translation.override("ko"):  # no Korean name yet: the English one
        assert Plan.objects.get(code="japan-week").name == "Japan week 10 GB"
