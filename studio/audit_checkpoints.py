"""Signed checkpoints of the audit chains' heads, kept outside the database.

Someone who can disable the append-only trigger can rewrite a chain's tail and re-compute every
hash after it; ``audit_verify`` then finds a consistent chain. What such a rewrite cannot reach is a
copy of the heads kept elsewhere: every ``AUDIT_CHECKPOINT_INTERVAL_SECONDS`` a beat task (or
``manage.py audit_checkpoint``) writes one JSON file to the ``audit_checkpoints`` storage with the
head (sequence and hash) of each chain that moved since the previous checkpoint, signed with the
instance's signing key. ``audit_verify --checkpoints`` checks each signature and compares every
checkpointed head with the event stored at that sequence today.

Studio holds no key: the app that owns signing registers a provider of ``CheckpointKeys`` with
``register_checkpoint_keys`` (assets does, from its AppConfig), so studio imports nothing above it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from studio.models import AuditChainHead, AuditEvent
from studio.models.audit import canonical_json

FORMAT = "clearcut-audit-checkpoint/1"
STORAGE_ALIAS = "audit_checkpoints"
LATEST_WINDOW = 50  # checkpoints read back for the verify page and endpoint
_HASHES = {
    "es256": hashes.SHA256,
    "es384": hashes.SHA384,
    "es512": hashes.SHA512,
    "ps256": hashes.SHA256,
    "ps384": hashes.SHA384,
    "ps512": hashes.SHA512,
    "ed25519": None,
}


class CheckpointError(Exception):
    """Checkpoints cannot be written or verified at all (no store, no key): said in one sentence,
    and in ``public`` without paths or key details, for the pages and the API."""

    def __init__(self, message: str, *, public: str | None = None):
        super().__init__(message)
        self.public = public or message


@dataclass(frozen=True)
class CheckpointKeys:
    """What signs checkpoints and what a checkpoint's certificate must lead to to be trusted."""

    alg: str
    certificate_chain_pem: bytes
    sign: Callable[[bytes], bytes]
    anchors_pem: bytes | None = None


_keys_provider: Callable[[], CheckpointKeys] | None = None


def register_checkpoint_keys(provider: Callable[[], CheckpointKeys]) -> None:
    """Called once at start-up by the app that owns the signing key; the provider raises
    ``CheckpointError`` when no key is configured."""
    global _keys_provider
    _keys_provider = provider


def checkpoint_keys() -> CheckpointKeys:
    if _keys_provider is None:
        raise CheckpointError("No signing key is registered for audit checkpoints.")
    return _keys_provider()


def _storage():
    return storages[STORAGE_ALIAS]


def _store_name(storage) -> str:
    return str(getattr(storage, "location", STORAGE_ALIAS))


def checkpoint_names() -> list[str]:
    """Every checkpoint file, oldest first (names are UTC timestamps)."""
    storage = _storage()
    try:
        _dirs, files = storage.listdir("")
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise CheckpointError(
            f"The audit checkpoint store {_store_name(storage)} does not exist "
            "(AUDIT_CHECKPOINT_DIR); no checkpoint can be read.",
            public="The audit checkpoint store does not exist yet (AUDIT_CHECKPOINT_DIR).",
        ) from exc
    return sorted(name for name in files if name.endswith(".json"))


# --- writing ------------------------------------------------------------------------------------


def _signed_bytes(document: dict) -> bytes:
    return canonical_json(
        {"format": document["format"], "taken_at": document["taken_at"], "heads": document["heads"]}
    ).encode()


def _load(name: str) -> dict:
    with _storage().open(name, "rb") as handle:
        document = json.loads(handle.read())
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("not an audit checkpoint")
    return document


def _previous_heads(names: list[str]) -> dict[str, tuple[int, str]]:
    """The heads the latest readable checkpoint recorded, to write only what moved since."""
    for name in reversed(names):
        try:
            document = _load(name)
        except (OSError, ValueError, KeyError):
            continue
        return {h["chain"]: (h["seq"], h["hash"]) for h in document["heads"]}
    return {}


def audit_checkpoint_write(*, now: dt.datetime | None = None) -> str | None:
    """Write one signed checkpoint of the heads that moved since the last one; its name, or None
    when no chain moved."""
    keys = checkpoint_keys()
    storage = _storage()
    names = checkpoint_names() if storage.exists("") else []
    previous = _previous_heads(names)
    heads = [
        {"chain": chain, "seq": seq, "hash": last_hash}
        for chain, seq, last_hash in AuditChainHead.objects.order_by("chain").values_list(
            "chain", "last_seq", "last_hash"
        )
        if seq and previous.get(chain) != (seq, last_hash)
    ]
    if not heads:
        return None
    taken_at = now or timezone.now()
    document = {
        "format": FORMAT,
        "taken_at": taken_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "heads": heads,
    }
    document["alg"] = keys.alg
    document["certificate_chain"] = keys.certificate_chain_pem.decode()
    document["signature"] = base64.b64encode(keys.sign(_signed_bytes(document))).decode()
    name = f"{taken_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}.json"
    return storage.save(name, ContentFile(json.dumps(document, indent=1).encode()))


# --- verifying ----------------------------------------------------------------------------------


def _signature_valid(certificate: x509.Certificate, alg: str, data: bytes, signature: bytes):
    key, digest = certificate.public_key(), _HASHES[alg]
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(digest()))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(
            signature, data, padding.PSS(padding.MGF1(digest()), digest.digest_size), digest()
        )
    elif isinstance(key, ed25519.Ed25519PublicKey):
        key.verify(signature, data)
    else:
        raise InvalidSignature


def _trusted(chain: list[x509.Certificate], keys: CheckpointKeys) -> bool:
    """The instance's own signing certificate, or a chain that leads to one of its trust anchors
    (so checkpoints signed before a key rotation stay readable)."""
    if chain[0] == x509.load_pem_x509_certificates(keys.certificate_chain_pem)[0]:
        return True
    anchors = x509.load_pem_x509_certificates(keys.anchors_pem) if keys.anchors_pem else []
    try:
        for child, parent in zip(chain, chain[1:], strict=False):
            child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    for anchor in anchors:
        try:
            chain[-1].verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False


def _check_document(document: dict, keys: CheckpointKeys) -> str | None:
    """None if the checkpoint is signed by a trusted certificate valid when it was taken."""
    if document.get("alg") not in _HASHES:
        return f"unknown signature algorithm {document.get('alg')!r}"
    chain = x509.load_pem_x509_certificates(document["certificate_chain"].encode())
    try:
        _signature_valid(
            chain[0],
            document["alg"],
            _signed_bytes(document),
            base64.b64decode(document["signature"], validate=True),
        )
    except (InvalidSignature, ValueError, TypeError):
        return "its signature does not verify (the checkpoint was altered or forged)"
    if not _trusted(chain, keys):
        return "it is signed by a certificate this instance does not trust"
    taken_at = dt.datetime.fromisoformat(document["taken_at"])
    if not chain[0].not_valid_before_utc <= taken_at <= chain[0].not_valid_after_utc:
        return "it was signed outside its certificate's validity"
    return None


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint: str
    chain: str | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        if self.chain is None:
            return f"checkpoint {self.checkpoint}: {self.reason}"
        return f"chain {self.chain}, seq {self.seq}: {self.reason}"


@dataclass
class CheckpointReport:
    checkpoints: int = 0
    heads_checked: int = 0
    latest: str | None = None
    problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


Claims = dict[str, dict[int, tuple[str, str]]]  # chain -> seq -> (hash, checkpoint name)


def _read_one(name: str, keys: CheckpointKeys, report: CheckpointReport, claims: Claims, wanted):
    """Add the heads of one trusted checkpoint (of the ``wanted`` chains; all when None)."""
    try:
        document = _load(name)
        reason = _check_document(document, keys)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = f"unreadable ({exc})"
    if reason:
        report.problems.append(CheckpointProblem(name, None, None, reason))
        return
    for head in document["heads"]:
        if wanted is None or head["chain"] in wanted:
            claims.setdefault(head["chain"], {}).setdefault(head["seq"], (head["hash"], name))


def _read_claims(names: list[str], report: CheckpointReport, chains: set[str] | None) -> Claims:
    keys = checkpoint_keys()
    claims: Claims = {}
    for name in names:
        _read_one(name, keys, report, claims, chains)
    return claims


def _newest_claims(names: list[str], report: CheckpointReport, chains: set[str] | None) -> Claims:
    """Each chain's newest checkpointed head, reading back from the newest file (a checkpoint
    names only the chains that moved) through at most ``LATEST_WINDOW`` files."""
    keys = checkpoint_keys()
    if chains is None:
        chains = set(AuditChainHead.objects.filter(last_seq__gt=0).values_list("chain", flat=True))
    claims: Claims = {}
    for name in reversed(names[-LATEST_WINDOW:]):
        missing = chains - claims.keys()
        if not missing:
            break
        _read_one(name, keys, report, claims, missing)
    return claims


def _compare_chain(chain: str, claimed: dict[int, tuple[str, str]], report: CheckpointReport):
    """The first checkpointed head of this chain that the stored events no longer match."""
    seqs = sorted(claimed)
    stored: dict[int, str] = {}
    for start in range(0, len(seqs), 1000):
        stored.update(
            AuditEvent.objects.filter(chain=chain, seq__in=seqs[start : start + 1000]).values_list(
                "seq", "hash"
            )
        )
    matched = 0
    for seq in seqs:
        report.heads_checked += 1
        expected, name = claimed[seq]
        if stored.get(seq) == expected:
            matched = seq
            continue
        what = "is missing" if seq not in stored else "differs from the checkpointed hash"
        report.problems.append(
            CheckpointProblem(
                name,
                chain,
                seq,
                f"the event {what} (checkpoint {name}); the chain matches its checkpoints "
                f"up to seq {matched}, so it was rewritten after that",
            )
        )
        return


def audit_verify_checkpoints(
    *, chains: set[str] | None = None, latest_only: bool = False
) -> CheckpointReport:
    """Check every checkpoint's signature and compare each checkpointed head with the events;
    ``chains`` limits the comparison, ``latest_only`` compares each chain's newest checkpointed
    head only (cheap: a few files, one query per chain)."""
    names = checkpoint_names()
    report = CheckpointReport(checkpoints=len(names), latest=names[-1] if names else None)
    if not names:
        if AuditEvent.objects.exists():
            report.problems.append(
                CheckpointProblem(
                    "-",
                    None,
                    None,
                    "the store holds no checkpoint (run manage.py audit_checkpoint)",
                )
            )
        return report
    read = _newest_claims if latest_only else _read_claims
    claims = read(names, report, chains)
    for chain in sorted(claims):
        _compare_chain(chain, claims[chain], report)
    return report


def latest_checkpoint_summary(*, chains: set[str] | None) -> dict:
    """What the verify button and endpoint show: each chain's newest checkpointed head against
    today's chain. ``ok`` is None when there is nothing to compare with (no store, no key, no
    checkpoint naming these chains yet), False when a checkpoint disagrees or is not trusted."""
    try:
        report = audit_verify_checkpoints(chains=chains, latest_only=True)
    except CheckpointError as exc:
        return {"ok": None, "latest": None, "problems": [exc.public]}
    problems = [str(problem) for problem in report.problems]
    if report.ok and not report.heads_checked:
        return {
            "ok": None,
            "latest": report.latest,
            "problems": ["No checkpoint names these chains yet."],
        }
    return {"ok": report.ok, "latest": report.latest, "problems": problems}
