from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError


class MemberAuthenticationForm(AdminAuthenticationForm):
    """Admin sign-in for staff, and for anyone with a role on a production (the pages and rows they
    see follow their roles: studio.auth)."""

    def confirm_login_allowed(self, user):
        if user.is_active and not user.is_staff and user.memberships.exists():
            return
        super().confirm_login_allowed(user)


def refusal_messages(exc: Exception) -> list[str]:
    """What a service said when it refused: its validation messages, or the exception's text."""
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc) or "You may not do this."]


def add_refusal(form, exc: Exception) -> None:
    """Show a service's refusal on the form: on the fields it names, the rest above the form."""
    if not (isinstance(exc, ValidationError) and hasattr(exc, "error_dict")):
        form.add_error(None, refusal_messages(exc))
        return
    for field, errors in exc.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, [f"{field}: {message}" for message in errors])
