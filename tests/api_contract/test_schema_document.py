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


def _response_types(schema, path: str, code: str) -> set[str]:
    return set(schema["paths"][path]["get"]["responses"][code]["content"])


def test_downloads_answer_in_the_file_s_own_media_types(schema):
    original = _response_types(schema, "/api/v1/assets/{id}/original/", "200")
    proxy = _response_types(schema, "/api/v1/assets/{id}/proxy/", "206")
    thumbnail = _response_types(schema, "/api/v1/assets/{id}/thumbnail/", "200")
    refused = _response_types(schema, "/api/v1/assets/{id}/thumbnail/", "416")
    odrl = _response_types(schema, "/api/v1/licenses/{id}/odrl/", "200")

    assert {"image/jpeg", "image/png", "video/mp4", "video/quicktime", "audio/wav"} <= original
    assert "application/octet-stream" not in original
    assert proxy == {"video/mp4", "image/webp"}
    assert thumbnail == {"image/jpeg"}
    assert refused == {"text/plain"}
    # JSON-LD by default; plain JSON for a client that asks for it (``Accept: application/json``).
    assert odrl == {"application/ld+json", "application/json"}
    assert (
        next(
            iter(
                schema["paths"]["/api/v1/licenses/{id}/odrl/"]["get"]["responses"]["200"]["content"]
            )
        )
        == "application/ld+json"
    )


def _query(schema, path: str, name: str, method: str = "get") -> dict:
    parameters = schema["paths"][path][method].get("parameters", [])
    return next((p["schema"] for p in parameters if p["in"] == "query" and p["name"] == name), {})


@pytest.mark.parametrize(
    ("path", "name", "low", "high"),
    [
        ("/api/v1/licenses/", "licensor", 1, 2**63 - 1),
        ("/api/v1/licenses/", "expiring_within_days", 0, 36500),
        ("/api/v1/assets/", "person", -(2**63), 2**63 - 1),
        ("/api/v1/adapters/", "model_version", 1, 2**63 - 1),
        ("/api/v1/assets/", "page_size", 1, 200),
        ("/api/v1/reports/{name}/", "days", 1, 3650),
        ("/api/v1/reports/{name}/", "person", 1, 2**63 - 1),
    ],
)
def test_number_filters_declare_the_bounds_they_enforce(schema, path, name, low, high):
    declared = _query(schema, path, name)
    assert (declared["minimum"], declared["maximum"]) == (low, high)


@pytest.mark.parametrize(
    ("path", "name", "values"),
    [
        ("/api/v1/assets/", "status", {"active", "quarantined", "tainted", "withdrawn"}),
        ("/api/v1/webhook-deliveries/", "status", {"pending", "delivered", "failed", "abandoned"}),
        ("/api/v1/reports/{name}/", "allowed", {"true", "false"}),
    ],
)
def test_choice_filters_declare_their_choices(schema, path, name, values):
    assert set(_query(schema, path, name)["enum"]) == values


def test_a_post_on_a_collection_documents_no_list_filters(schema):
    assert _query(schema, "/api/v1/assets/withdraw/", "status", "post") == {}


@pytest.mark.parametrize(
    ("component", "field"),
    [("EditJob", "start_decision"), ("EditJob", "submit_decision"), ("Consent", "revocation")],
)
def test_fields_that_can_be_null_say_so(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable") is True


def _model_serializers():
    from rest_framework import serializers

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    apps = ("assets", "licensing", "editing", "legal", "studio")
    for cls in set(below(serializers.ModelSerializer)):
        if cls.__module__.split(".")[0] in apps and hasattr(cls, "Meta"):
            yield cls


def _can_be_null(model, source: str) -> bool | None:
    """Whether a dotted source can be null along the way (None: not a model field path)."""
    nullable = False
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except Exception:  # a property or method: not decided here
            return None
        nullable |= bool(getattr(field, "null", False))
        model = field.related_model or model
    return nullable


def test_read_only_fields_that_can_be_null_say_so(schema):
    from rest_framework.relations import ManyRelatedField

    unmarked = []
    for cls in _model_serializers():
        for name, field in cls().fields.items():
            source = field.source or name
            if not field.read_only or source == "*" or isinstance(field, ManyRelatedField):
                continue
            if _can_be_null(cls.Meta.model, source) and not field.allow_null:
                unmarked.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert unmarked == []
