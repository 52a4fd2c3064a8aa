"""Pages the admin shows when it refuses, finds nothing or fails: a 403 or a 404 in the admin's look
that says why, in plain words, and a 500 that gives the request's reference (its correlation id).

Every app's desk pages call ``refused``; ``studio.api.errors.handler403`` answers any other refusal
outside the API the same way, and ``handler404`` a page that is not there with ``not_found`` (the
API answers both with a problem document).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import Resolver404

from studio.auth import admin_access

GENERIC = "Your role on this production does not allow this page or action."
NOWHERE = "There is nothing at this address: it may have been removed, or the link is mistyped."


def _framed(request, context: dict) -> dict:
    """The admin's frame: its navigation for staff; its name alone for anyone else."""
    if admin_access(request):
        return {**admin.site.each_context(request), **context}
    return {"site_header": admin.site.site_header, "site_title": admin.site.site_title, **context}


def refused(request, message: str = GENERIC, *, title: str = "Not allowed") -> TemplateResponse:
    context = {"title": title, "message": message, "signed_in": request.user.is_authenticated}
    return TemplateResponse(request, "admin/refused.html", _framed(request, context), status=403)


def not_found(request, exception=None) -> TemplateResponse:
    """A 404 in the admin's look: the page's own words (``Http404("No such edit job.")``), never
    the URL patterns a resolver tried."""
    message = NOWHERE
    words = exception.args[0] if isinstance(exception, Http404) and exception.args else None
    if isinstance(words, str) and words and not isinstance(exception, Resolver404):
        message = words
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    context = _framed(request, {"title": "Not found", "message": message, "signed_in": signed_in})
    response = TemplateResponse(request, "admin/not_found.html", context, status=404)
    response.render()
    return response


def server_error(request) -> HttpResponseServerError:
    """A 500 that holds on its own (no context processors, no database): the request's reference
    (``X-Correlation-ID``, on every log line and audit event of the request) for the administrator."""
    reference = getattr(request, "correlation_id", "") or ""
    return HttpResponseServerError(loader.get_template("500.html").render({"reference": reference}))
