"""A development certificate chain for C2PA signing: root CA → intermediate CA → signing leaf.

Shaped as C2PA validators expect with default settings: the leaf has KeyUsage digitalSignature,
ExtendedKeyUsage emailProtection, CA:FALSE and an Authority Key Identifier; the CAs carry Subject Key
Identifiers. Keys are ECDSA P-256 (es256). Never for production: the subject says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEV_ORGANISATION = "Clearcut development (not for production)"


@dataclass(frozen=True)
class DevChain:
    root_pem: Path
    chain_pem: Path  # leaf + intermediate, what the signer sends
    key_pem: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject, issuer, public_key, signing_key, *, ca: bool, issuer_key, days: int, not_before
):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False
        )
    )
    usage = dict.fromkeys(
        [
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "encipher_only",
            "decipher_only",
        ],
        False,
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **usage),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage),
            critical=True,
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_dev_chain(
    folder: Path, *, leaf_days: int = 825, not_before: dt.datetime | None = None
) -> DevChain:
    folder.mkdir(parents=True, exist_ok=True)
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root_name, inter_name = _name("Clearcut Dev Root CA"), _name("Clearcut Dev Intermediate CA")
    root = _certificate(
        root_name,
        root_name,
        root_key.public_key(),
        root_key,
        ca=True,
        issuer_key=root_key.public_key(),
        days=3650,
        not_before=start,
    )
    inter = _certificate(
        inter_name,
        root_name,
        inter_key.public_key(),
        root_key,
        ca=True,
        issuer_key=root_key.public_key(),
        days=1825,
        not_before=start,
    )
    leaf = _certificate(
        _name("Clearcut Dev Signer"),
        inter_name,
        leaf_key.public_key(),
        inter_key,
        ca=False,
        issuer_key=inter_key.public_key(),
        days=leaf_days,
        not_before=start,
    )
    chain = DevChain(folder / "root.pem", folder / "chain.pem", folder / "signer.key")
    chain.root_pem.write_bytes(_pem(root))
    chain.chain_pem.write_bytes(_pem(leaf) + _pem(inter))
    chain.key_pem.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    chain.key_pem.chmod(0o600)
    return chain
