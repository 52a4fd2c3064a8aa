"""The bases every app's admin builds on: pages whose writes go through services
(``ServiceAdmin``), rows scoped to the user's productions (``ScopedAdminMixin``), rows shown and
never written here (``ReadOnlyAdminMixin``), and lists that read their query string as a person's
filters (``ReadableLookupsMixin``, which the three bring)."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect

from studio.exceptions import Conflict
from studio.forms import add_refusal
from studio.values import whole_number

# What a service raises when it refuses a write; admin pages show these to the user.
SERVICE_ERRORS = (ValidationError, PermissionDenied, Conflict)


class ReadableLookupsMixin:
    """A list's query string is read as a person's filters. One no column can hold (a NUL byte,
    which no one types) or a date outside the calendar (``created_at__year=99999999999``) sends
    the person back to the whole list, as Django does for any filter it cannot read (``?e=1``),
    instead of reaching the database, or ``datetime``, as a server error; the list then says why it
    is whole. Every admin of ours has it (``ScopedAdminMixin``, ``ReadOnlyAdminMixin`` and
    ``ServiceAdmin`` bring it)."""

    CALENDAR = (("year", 1, 9999), ("month", 1, 12), ("day", 1, 31))

    def changelist_view(self, request, extra_context=None):
        if self._unreadable(request.GET):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        response = super().changelist_view(request, extra_context)
        sent_back = ERROR_FLAG in request.GET and "cl" in (
            getattr(response, "context_data", None) or {}
        )
        if sent_back:  # the list itself, about to be drawn: told once, on this page
            messages.warning(
                request, "The filters in that link could not be read, so the whole list is shown."
            )
        return response

    def _unreadable(self, query) -> bool:
        for name, values in query.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return True
        if self.date_hierarchy:
            for part, low, high in self.CALENDAR:
                value = query.get(f"{self.date_hierarchy}__{part}")
                if value is not None and whole_number(value, low=low, high=high) is None:
                    return True
        return False

    def get_search_results(self, request, queryset, search_term):
        """A search for text no row can hold (a NUL byte) finds nothing: the list's own search is
        stopped above; this is for the autocomplete of other pages' fields."""
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class ScopedAdminMixin(ReadableLookupsMixin):
    """Staff who are not superusers only see rows of their own productions."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)


class ReadOnlyAdminMixin(ReadableLookupsMixin):
    """Rows are shown, never added, changed or deleted here: other doors write them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceAdmin(ReadableLookupsMixin, admin.ModelAdmin):
    """An admin page whose every write is a service call, with the signed-in user as the actor.

    Subclasses save in ``save_model`` (and ``save_formset`` for inlines) through their app's
    services; nothing here writes a row itself, and nothing is deleted from a page. When a service
    refuses, the transaction Django runs the change form in has rolled back, and the same POST is
    shown again with the refusal as form errors.
    """

    # Relations whose choices are limited to what the signed-in user may do: field -> ScopeAction.
    scoped_choices: dict[str, str] = {}

    def _limit_choices(self, db_field, request, kwargs) -> None:
        action = self.scoped_choices.get(db_field.name)
        if action is not None:
            kwargs["queryset"] = db_field.remote_field.model.objects.restrict(request.user, action)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SERVICE_ERRORS as exc:
            if not getattr(request, "_clearcut_saving", False):
                raise
            request._clearcut_saving, request._clearcut_refusal = False, exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_clearcut_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                data = super().clean()
                add_refusal(self, refusal)
                return data

        return RefusedForm

    def save_form(self, request, form, change):
        # From here on a service error is a refusal to show, not a bug to raise.
        request._clearcut_saving = True
        return form.save(commit=False)

    def save_model(self, request, obj, form, change):
        raise NotImplementedError(f"{type(self).__name__} must save through a service.")

    def save_related(self, request, form, formsets, change):
        """Services set an object's relations themselves; inline rows go through save_formset."""
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        if any(row.has_changed() for row in formset.forms) or formset.deleted_forms:
            raise NotImplementedError(f"{type(self).__name__} must save inlines through a service.")
        # Read by the admin's own change message; nothing was saved from the formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        raise PermissionDenied

    def delete_queryset(self, request, queryset):
        raise PermissionDenied
