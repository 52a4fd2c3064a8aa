from http import HTTPStatus

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "studio.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (cc_…) created in the admin or at /api/v1/tokens/.",
        }


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
            for code in sorted(_problem_codes(path, method, operation) | _declared_errors(responses)):
                answer = responses.setdefault(str(code), {"description": HTTPStatus(code).phrase})
                if answer.get("content") in (None, GENERIC_JSON):
                    answer["content"] = {"application/problem+json": {"schema": reference}}
    return result
