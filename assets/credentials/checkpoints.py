"""The instance's signing key, lent to the audit trail to sign its checkpoints (studio holds none)."""

from django.core.exceptions import ImproperlyConfigured

from assets.credentials.config import (
    SigningError,
    get_signer,
    read_file,
    refuse_expired,
    signing_settings,
)
from studio.audit_checkpoints import CheckpointError, CheckpointKeys


def audit_checkpoint_keys() -> CheckpointKeys:
    """The signer that stamps Content Credentials, and the anchors verification trusts."""
    try:
        signer = get_signer()
        refuse_expired(signer)
        anchors = signing_settings().anchors_path
        anchors_pem = (
            read_file(anchors, "The trust anchors (C2PA_TRUST_ANCHORS)") if anchors else None
        )
    except (SigningError, ImproperlyConfigured, ImportError) as exc:
        raise CheckpointError(
            f"Audit checkpoints cannot be signed or checked: {exc}",
            public="No signing key is configured for audit checkpoints.",
        ) from exc
    return CheckpointKeys(
        alg=signer.alg,
        certificate_chain_pem=signer.certificate_chain_pem,
        sign=signer.sign,
        anchors_pem=anchors_pem,
    )
