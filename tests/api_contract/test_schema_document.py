"""What the OpenAPI document promises about errors and files, checked on the generated schema."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_as_problem_documents(schema):
    assert schema["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        for code in ("400", "401", "403"):
            content = responses[code]["content"]
            assert "application/problem+json" in content, (method, path, code)
        if "{" in path:
            assert "404" in responses, (method, path)
        if operation.get("requestBody"):
            assert {"413", "415"} <= set(responses), (method, path)


def test_downloads_declare_their_media_type_and_451(schema):
    downloads = [
        (path, op) for path, method, op in _operations(schema) if path.endswith("/original/")
    ]
    assert downloads
    for path, operation in downloads:
        assert "451" in operation["responses"], path
        assert "application/problem+json" not in operation["responses"]["200"]["content"]


def test_idempotent_submits_document_the_422(schema):
    for path in ("/api/v1/edits/", "/api/v1/trainings/"):
        assert "422" in schema["paths"][path]["post"]["responses"]
