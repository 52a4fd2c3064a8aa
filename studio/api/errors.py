"""Every API error is an RFC 9457 problem document: type, title, status, detail, and field errors."""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.defaults import bad_request
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from studio.admin_pages import GENERIC, not_found, refused, server_error
from studio.exceptions import Conflict, PayloadTooLarge, UnavailableForLegalReasons

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:clearcut:problem:"


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class LegalReasonsError(exceptions.APIException):
    status_code = 451
    default_code = "withdrawn"


class PayloadTooLargeError(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Conflict):
        return ConflictError(str(exc))
    if isinstance(exc, PayloadTooLarge):
        return PayloadTooLargeError(str(exc))
    if isinstance(exc, UnavailableForLegalReasons):
        return LegalReasonsError(str(exc))
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLargeError(_too_big_message())
    if isinstance(exc, Http404):
        return exceptions.NotFound("Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def _too_big_message() -> str:
    return f"The request body is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."


def _flatten(errors, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error dict as a flat list of {field, message}; field paths use dots."""
    if isinstance(errors, dict):
        return [
            item
            for key, value in errors.items()
            for item in _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            return [{"field": prefix or "non_field_errors", "message": str(e)} for e in errors]
        return [item for i, e in enumerate(errors) for item in _flatten(e, f"{prefix}.{i}")]
    return [{"field": prefix or "non_field_errors", "message": str(errors)}]


def problem(status_code: int, detail: str, *, code: str | None = None, errors=None) -> dict:
    body = {
        "type": f"{PROBLEM_BASE}{code}" if code else "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return body


def _validation_problem(exc: exceptions.ValidationError) -> dict:
    errors = _flatten(exc.detail)
    general = [e["message"] for e in errors if e["field"] == "non_field_errors"]
    detail = (
        " ".join(general)
        if general
        else "The request has invalid fields: "
        + ", ".join(sorted({e["field"] for e in errors}))
        + "."
    )
    return problem(400, detail, code="validation", errors=errors)


def problem_exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_problem(exc)
    else:
        code = getattr(exc, "default_code", None)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = problem(response.status_code, str(detail), code=code)
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or getattr(renderer, "format", "json") in ("json", "jsonld"):
        response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _problem_response(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        problem(status_code, detail, code=code),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def handler400(request, exception=None):
    if not _is_api(request):
        return bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _problem_response(413, _too_big_message(), "payload_too_large")
    if isinstance(exception, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return _problem_response(
            400, f"The form has more than {limit} fields, the most one request may send.", "fields"
        )
    if isinstance(exception, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return _problem_response(
            400, f"The form has more than {limit} files, the most one request may send.", "files"
        )
    return _problem_response(400, "The request could not be understood.", "bad_request")


def handler403(request, exception=None):
    """A refusal outside DRF: a page in the admin's look that says why, or a problem document."""
    message = str(exception or "").strip()
    if _is_api(request):
        return _problem_response(403, message or GENERIC, "permission_denied")
    response = refused(request, message or GENERIC)
    response.render()
    return response


def handler404(request, exception=None):
    if not _is_api(request):
        return not_found(request, exception)
    return _problem_response(404, "Not found.", "not_found")


def handler500(request):
    if not _is_api(request):
        return server_error(request)
    return _problem_response(
        500, "An unexpected error occurred; it has been logged.", "server_error"
    )
