"""The OpenAPI schema's shape: bearer tokens as the one documented scheme, operations grouped by
resource (one tag per collection) and given a one-line summary."""

from http import HTTPStatus

from django import forms
from django_filters import filters
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc

from studio.api.parsers import INT64_MAX, INT64_MIN

ACTION_VERBS = {
    "retrieve": "Get",
    "create": "Create",
    "update": "Replace",
    "partial_update": "Update",
    "destroy": "Delete",
}
SUMMARY_CHARS = 120


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "studio.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (cc_…) created in the admin or at /api/v1/tokens/.",
        }


class BoundedFilterExtension(DjangoFilterExtension):
    """Query filters documented with the bounds ``BoundedFilterBackend`` enforces: an id filter is
    an integer from 1 to 2^63 - 1, a number filter its own min/max (else the 64-bit range)."""

    target_class = "studio.api.filters.BoundedFilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        bounds = filter_bounds(filter_field)
        for parameter in parameters if bounds else ():
            schema = parameter.get("schema", {})
            target = schema.get("items", {}) if schema.get("type") == "array" else schema
            if target.get("type") in ("integer", "number") or bounds.get("type"):
                target.update(bounds)
        return parameters


def filter_bounds(filter_field) -> dict:
    """What the filter backend accepts for one filter, as JSON Schema keywords ({} if unbounded)."""
    if issubclass(filter_field.field_class, forms.ModelChoiceField):
        if filter_field.extra.get("to_field_name") in (None, "pk", "id"):
            return {"type": "integer", "minimum": 1, "maximum": INT64_MAX}
        return {}
    if isinstance(filter_field, filters.NumberFilter):
        return {
            "minimum": filter_field.extra.get("min_value", INT64_MIN),
            "maximum": filter_field.extra.get("max_value", INT64_MAX),
        }
    return {}


def _words(token: str) -> str:
    return token.replace("-", " ").replace("_", " ")


def _first_paragraph(doc: str) -> str:
    first = " ".join(doc.split("\n\n")[0].split())
    return first if len(first) <= SUMMARY_CHARS else first[: SUMMARY_CHARS - 1] + "…"


def _article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


class ClearcutAutoSchema(AutoSchema):
    def get_filter_backends(self) -> list:
        # A POST on a collection (withdraw, import) takes a body, not the list's filters.
        return super().get_filter_backends() if self.method == "GET" else []

    def _get_pagination_parameters(self):
        return super()._get_pagination_parameters() if self.method == "GET" else []

    def get_tags(self) -> list[str]:
        tokens = self._tokenize_path()
        return [_words(tokens[0]).capitalize()] if tokens else ["API"]

    def get_summary(self) -> str | None:
        """The first paragraph of the operation's own docstring; for a plain view, its class's;
        else what a collection's operation does to one of its rows."""
        action = getattr(self.view, "action", None)
        own = get_doc(getattr(self.view, action or self.method.lower(), None))
        if own and action not in ("list", *ACTION_VERBS):
            return _first_paragraph(own)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if model is None:
            doc = get_doc(self.view.__class__)
            return _first_paragraph(doc) if doc else " ".join(self._tokenize_path()).capitalize()
        meta = model._meta
        if action == "list":
            return f"List {meta.verbose_name_plural}"
        if action in ACTION_VERBS:
            return f"{ACTION_VERBS[action]} {_article(str(meta.verbose_name))}"
        noun = str(meta.verbose_name)
        return f"{noun[:1].upper()}{noun[1:]}: {_words(action or self.method.lower())}"


PROBLEM_COMPONENT = {
    "type": "object",
    "description": "An RFC 9457 problem document; ``errors`` lists invalid fields.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                "required": ["field", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}
DOWNLOADS = ("/original/", "/proxy/", "/thumbnail/")


def _problem_codes(path: str, method: str, operation: dict) -> set[int]:
    """The error answers an operation can give, from what it takes and where it lives."""
    codes = {400, 401, 403}
    if "{" in path:
        codes.add(404)
    if operation.get("requestBody"):
        codes |= {413, 415}
    if method in ("post", "put", "patch", "delete"):
        codes.add(409)
    if path.endswith(DOWNLOADS):
        codes.add(451)
    return codes


# A Range a download cannot serve: plain text naming the file's size (RFC 9110 §15.5.17).
RANGE_NOT_SATISFIABLE = {
    "description": "Range Not Satisfiable; Content-Range gives the file's size.",
    "content": {"text/plain": {"schema": {"type": "string"}}},
}

# What ``responses={4xx: OpenApiTypes.OBJECT}`` renders as: a placeholder for our problem document.
GENERIC_JSON = {"application/json": {"schema": {"type": "object", "additionalProperties": {}}}}


def _declared_errors(responses: dict) -> set[int]:
    return {int(code) for code in responses if code.isdigit() and int(code) >= 400}


def problem_responses(result, generator, request, public):
    """drf-spectacular post-processing: every operation documents its error answers with the
    problem schema (an operation's own description of a code is kept)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_COMPONENT
    reference = {"$ref": "#/components/schemas/Problem"}
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            if path.endswith(DOWNLOADS):
                responses.setdefault("416", RANGE_NOT_SATISFIABLE)
            for code in sorted(
                _problem_codes(path, method, operation) | _declared_errors(responses)
            ):
                answer = responses.setdefault(str(code), {"description": HTTPStatus(code).phrase})
                if answer.get("content") in (None, GENERIC_JSON):
                    answer["content"] = {"application/problem+json": {"schema": reference}}
    return result
