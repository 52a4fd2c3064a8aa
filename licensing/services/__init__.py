from licensing.services.clearance import (
    ClearancePreview,
    check_use_request,
    clearance_request_create,
    clearance_request_decide,
    clearance_request_preview,
    clearance_use,
    gate_check,
)
from licensing.services.consents import consent_create, consent_facts, consent_revoke
from licensing.services.licenses import (
    license_create,
    license_expire_due,
    license_facts,
    license_import_odrl,
    license_link_assets,
    license_set_status,
    license_update,
    party_create,
)

__all__ = [
    "ClearancePreview",
    "check_use_request",
    "clearance_request_create",
    "clearance_request_decide",
    "clearance_request_preview",
    "clearance_use",
    "consent_create",
    "consent_facts",
    "consent_revoke",
    "gate_check",
    "license_create",
    "license_expire_due",
    "license_facts",
    "license_import_odrl",
    "license_link_assets",
    "license_set_status",
    "license_update",
    "party_create",
]
