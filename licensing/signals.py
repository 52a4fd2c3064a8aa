"""Events other parts of Clearcut hook into (webhooks, taint): sent after the change commits."""

from django.dispatch import Signal

# license=License, before=str (the previous status)
license_status_changed = Signal()
# consent=Consent, revocation=Revocation
consent_revoked = Signal()
# licenses=list[License], consents=list[Consent] (expiring within ``days`` or just expired), days=int
rights_expiring = Signal()
