"""Pages the admin shows when it refuses: a 403 in the admin's look that says why, in plain words.

Every app's desk pages call ``refused``; ``studio.api.errors.handler403`` answers any other refusal
outside the API the same way (the API answers with a problem document).
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse

from studio.auth import admin_access

GENERIC = "Your role on this production does not allow this page or action."


def refused(request, message: str = GENERIC, *, title: str = "Not allowed") -> TemplateResponse:
    context = {"title": title, "message": message, "signed_in": request.user.is_authenticated}
    if admin_access(request):
        context = {**admin.site.each_context(request), **context}
    return TemplateResponse(request, "admin/refused.html", context, status=403)
