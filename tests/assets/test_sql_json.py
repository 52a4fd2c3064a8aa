"""Lists the database renders (``studio.api.sql_json``): every field mapped or refused, the body
sent as written, indented for people who ask for it."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from assets.api import AssetSerializer
from studio.api.sql_json import row_object

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database renders lists on PostgreSQL only"
)


def _context():
    return {"request": Request(APIRequestFactory().get("/api/v1/assets/"))}


def test_a_field_the_database_cannot_write_is_refused_by_name():
    class Extra(AssetSerializer):
        summary = serializers.SerializerMethodField()

        class Meta(AssetSerializer.Meta):
            fields = [*AssetSerializer.Meta.fields, "summary"]

        def get_summary(self, obj) -> str:
            return obj.original_filename.upper()

    with pytest.raises(ImproperlyConfigured, match=r"Extra\.summary has no SQL form"):
        row_object(Extra(context=_context()))


def test_every_value_is_a_parameter_never_part_of_the_text():
    expression = row_object(AssetSerializer(context=_context()))

    assert "testserver" not in expression.sql
    assert "testserver" in "".join(str(p) for p in expression.params)
    assert "original_url" in expression.params


@pytest.mark.parametrize("accept", ["application/json; indent=2", "text/html"])
def test_people_who_ask_for_indented_json_or_the_browsable_api_get_it(
    api, production, member, asset_row, accept
):
    asset_row(production)
    api.force_login(member("viewer", production))

    response = api.get("/api/v1/assets/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    text = response.content.decode()
    if accept.startswith("application/json"):
        assert json.loads(text)["results"][0]["production"] == production.code
        assert '\n  "results": [' in text
    else:
        assert "&quot;production&quot;: &quot;ALPHA&quot;" in text


def test_a_plain_json_body_is_sent_as_the_database_wrote_it(api, production, member, asset_row):
    asset_row(production)
    api.force_login(member("viewer", production))

    response = api.get("/api/v1/assets/")

    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"next":null,"previous":null,"results":[{"id" : ')
