"""The gate's facts function as PostgreSQL holds it (``licensing/gate/facts_source.py``)."""

import pytest
from django.db import connection

from licensing.gate.facts_source import function_name

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the facts are read by a PostgreSQL function"
)


def test_the_facts_function_is_installed_under_its_definitions_digest_with_a_generic_plan(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proconfig, provolatile FROM pg_proc WHERE proname = %s", [function_name()]
        )
        rows = cursor.fetchall()
    assert len(rows) == 1
    config, volatility = rows[0]
    # Planned once per session: a custom plan per call cost three times the run on a database
    # with a large lineage table.
    assert config == ["plan_cache_mode=force_generic_plan"]
    assert volatility == "s"  # STABLE: reads only, one snapshot per statement
