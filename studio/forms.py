from django.contrib.admin.forms import AdminAuthenticationForm


class MemberAuthenticationForm(AdminAuthenticationForm):
    """Admin sign-in for staff, and for anyone with a role on a production (the pages and rows they
    see follow their roles: studio.auth)."""

    def confirm_login_allowed(self, user):
        if user.is_active and not user.is_staff and user.memberships.exists():
            return
        super().confirm_login_allowed(user)
