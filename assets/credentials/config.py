"""Signing configuration: the certificate chain, the key (or a KMS/HSM behind a callback), the
algorithm, an optional timestamp authority, and the trust anchors verification relies on.

c2pa objects are made per call, never at import: objects created before a worker forks are
closed in the child.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from assets.credentials.devcert import DEV_ORGANISATION

ALGORITHMS = {
    "es256": (c2pa.C2paSigningAlg.ES256, hashes.SHA256),
    "es384": (c2pa.C2paSigningAlg.ES384, hashes.SHA384),
    "es512": (c2pa.C2paSigningAlg.ES512, hashes.SHA512),
    "ps256": (c2pa.C2paSigningAlg.PS256, hashes.SHA256),
    "ps384": (c2pa.C2paSigningAlg.PS384, hashes.SHA384),
    "ps512": (c2pa.C2paSigningAlg.PS512, hashes.SHA512),
    "ed25519": (c2pa.C2paSigningAlg.ED25519, None),
}


class SigningError(Exception):
    """Content Credentials cannot be signed with the configuration as it stands."""


class CredentialSigner(Protocol):
    """What signs a claim: a local key, or a KMS/HSM reached through ``sign``."""

    alg: str
    certificate_chain_pem: bytes
    tsa_url: str | None

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class SigningSettings:
    chain_path: Path | None
    key_path: Path | None
    alg: str
    tsa_url: str | None
    anchors_path: Path | None
    signer_class: str
    allow_dev_certificate: bool


def signing_settings() -> SigningSettings:
    """Configured paths win; in development the chain from ``manage.py c2pa_dev_cert`` is used."""

    def path(name, dev_file):
        value = getattr(settings, name, None)
        if value:
            return Path(value)
        fallback = Path(settings.C2PA_DEV_DIR) / dev_file
        return fallback if settings.C2PA_DEV_DEFAULTS and fallback.exists() else None

    return SigningSettings(
        chain_path=path("C2PA_SIGNING_CHAIN", "chain.pem"),
        key_path=path("C2PA_SIGNING_KEY", "signer.key"),
        alg=settings.C2PA_SIGNING_ALG.lower(),
        tsa_url=settings.C2PA_TSA_URL or None,
        anchors_path=path("C2PA_TRUST_ANCHORS", "root.pem"),
        signer_class=settings.C2PA_SIGNER,
        allow_dev_certificate=settings.C2PA_ALLOW_DEV_CERTIFICATE,
    )


def load_certificates(pem: bytes, what: str) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{what} is not a PEM file of X.509 certificates ({exc})."
        ) from exc
    return certificates


@lru_cache(maxsize=4)
def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def read_file(path: Path | None, what: str) -> bytes:
    if path is None:
        raise SigningError(f"{what} is not configured.")
    try:
        return _read(str(path))
    except OSError as exc:
        raise SigningError(f"{what} cannot be read at {path}: {exc.strerror}.") from exc


class LocalKeySigner:
    """Signs with a private key file. A KMS or HSM signer implements the same three attributes and
    ``sign`` (see ``C2PA_SIGNER``)."""

    def __init__(self, config: SigningSettings):
        if config.alg not in ALGORITHMS:
            raise SigningError(
                f"Unknown signing algorithm {config.alg!r}; use one of {', '.join(ALGORITHMS)}."
            )
        self.alg = config.alg
        self.tsa_url = config.tsa_url
        self.certificate_chain_pem = read_file(
            config.chain_path, "The signing certificate chain (C2PA_SIGNING_CHAIN)"
        )
        key_pem = read_file(config.key_path, "The signing key (C2PA_SIGNING_KEY)")
        try:
            self._key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise SigningError(
                f"The signing key is not a readable PEM private key ({exc})."
            ) from exc

    def public_key(self):
        return self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        digest = ALGORITHMS[self.alg][1]
        if isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(digest()))
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(
                data, padding.PSS(padding.MGF1(digest()), digest.digest_size), digest()
            )
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        raise SigningError(
            f"Keys of type {type(self._key).__name__} cannot sign Content Credentials."
        )


def refuse_expired(signer: CredentialSigner) -> None:
    """Credentials signed with an expired leaf (and no timestamp) read as Invalid forever: refuse."""
    leaf = x509.load_pem_x509_certificates(signer.certificate_chain_pem)[0]
    now = dt.datetime.now(dt.UTC)
    if leaf.not_valid_after_utc <= now:
        raise SigningError(
            f"The signing certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; "
            "renew it (C2PA_SIGNING_CHAIN) before stamping."
        )
    if leaf.not_valid_before_utc > now:
        raise SigningError(
            f"The signing certificate is not valid before {leaf.not_valid_before_utc:%Y-%m-%d}."
        )


def get_signer() -> CredentialSigner:
    config = signing_settings()
    return import_string(config.signer_class)(config)


def c2pa_signer(signer: CredentialSigner) -> c2pa.Signer:
    """A c2pa-python signer that calls ours for every signature (so a key need never leave an HSM)."""
    return c2pa.Signer.from_callback(
        signer.sign,
        ALGORITHMS[signer.alg][0],
        signer.certificate_chain_pem.decode(),
        signer.tsa_url,
    )


def trust_anchors_pem() -> str | None:
    path = signing_settings().anchors_path
    return read_file(path, "The trust anchors (C2PA_TRUST_ANCHORS)").decode() if path else None


# Ingredient assertions the SDK writes from ``add_ingredient``: our statement of what the output was
# made from, so signed as created (our own assertions carry ``"created": true`` in the manifest).
CREATED_ASSERTION_LABELS = ["c2pa.ingredient", "c2pa.ingredient.v2", "c2pa.ingredient.v3"]


def c2pa_context(*, signing: bool = False, signer: c2pa.Signer | None = None) -> c2pa.Context:
    """Never fetch remote manifests; trust only our anchors; no thumbnails (10× slower, +0.7 MB).

    A ``signer`` is consumed by the context (the SDK's embeddable signing takes it from there).
    """
    config: dict = {"verify": {"remote_manifest_fetch": False}}
    anchors = trust_anchors_pem()
    if anchors:
        config["trust"] = {"user_anchors": anchors}
    if signing or signer is not None:
        config["builder"] = {
            "thumbnail": {"enabled": False},
            "created_assertion_labels": CREATED_ASSERTION_LABELS,
        }
    settings_ = c2pa.Settings.from_dict(config)
    if signer is not None:
        return c2pa.Context(settings=settings_, signer=signer)
    return c2pa.Context(settings=settings_)


def is_development_chain(certificates: list[x509.Certificate]) -> bool:
    return any(
        attr.value == DEV_ORGANISATION
        for cert in certificates
        for attr in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    )


def check_signing_configuration() -> list[str]:
    """Everything that would make the first signature fail, found now rather than at the first edit."""
    config = signing_settings()
    if config.chain_path is None and config.key_path is None:
        return []
    try:
        signer = get_signer()
    except (SigningError, ImportError) as exc:
        return [str(exc)]
    problems = []
    try:
        chain = load_certificates(signer.certificate_chain_pem, "The signing certificate chain")
    except ImproperlyConfigured as exc:
        return [str(exc)]
    leaf = chain[0]
    if hasattr(signer, "public_key") and leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != signer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        problems.append(
            "The signing key does not match the signing certificate (C2PA_SIGNING_KEY vs the chain's leaf)."
        )
    if leaf.not_valid_after_utc <= dt.datetime.now(dt.UTC):
        problems.append(f"The signing certificate expired on {leaf.not_valid_after_utc:%Y-%m-%d}.")
    if is_development_chain(chain) and not config.allow_dev_certificate:
        problems.append(
            "The signing certificate is a development one; set C2PA_ALLOW_DEV_CERTIFICATE to use it."
        )
    return problems
