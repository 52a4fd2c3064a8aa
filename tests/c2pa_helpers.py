"""Sign test media with a development chain, the way any C2PA-aware camera or tool would."""

import json
import struct
from pathlib import Path

import c2pa

from assets.credentials.devcert import write_dev_chain

CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


def dev_chain(folder: Path):
    return write_dev_chain(folder)


def sign_file(
    chain,
    source: Path,
    target: Path,
    mime_type: str,
    *,
    title: str = "camera original",
    extra_assertions: tuple[dict, ...] = (),
) -> Path:
    manifest = {
        "claim_generator_info": [{"name": "Test camera", "version": "1.0"}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": CAPTURE}]},
            },
            *extra_assertions,
        ],
    }
    info = c2pa.C2paSignerInfo(
        b"es256", chain.chain_pem.read_bytes(), chain.key_pem.read_bytes(), None
    )
    context = c2pa.Context(
        settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    with (
        c2pa.Builder(manifest, context) as builder,
        source.open("rb") as src,
        target.open("w+b") as dst,
    ):
        builder.sign(c2pa.Signer.from_info(info), mime_type, src, dst)
    return target


def flip_byte(path: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(data)
    return path


def claim_of(path: Path, mime_type: str) -> dict:
    """The active manifest's claim as signed: its created and gathered assertion references."""
    context = c2pa.Context(settings=c2pa.Settings.from_dict({"verify": {"verify_trust": False}}))
    with path.open("rb") as stream, c2pa.Reader(mime_type, stream, context=context) as reader:
        store = json.loads(reader.detailed_json())
    return store["manifests"][store["active_manifest"]]["claim"]


def assertion_labels(references: list[dict]) -> set[str]:
    return {reference["url"].rsplit("/", 1)[-1] for reference in references}


def sign_remote(chain, source: Path, target: Path, url: str) -> Path:
    """A JPEG whose manifest lives at ``url``: only a reference to it (XMP) is embedded."""
    manifest = {
        "claim_generator_info": [{"name": "Test camera", "version": "1.0"}],
        "title": "remote",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": CAPTURE}]},
            }
        ],
    }
    info = c2pa.C2paSignerInfo(
        b"es256", chain.chain_pem.read_bytes(), chain.key_pem.read_bytes(), None
    )
    context = c2pa.Context(
        settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    with (
        c2pa.Builder(manifest, context) as builder,
        source.open("rb") as src,
        target.open("w+b") as dst,
    ):
        builder.set_no_embed()
        builder.set_remote_url(url)
        builder.sign(c2pa.Signer.from_info(info), "image/jpeg", src, dst)
    return target


def break_signature(path: Path) -> Path:
    """Flip a byte of the COSE signature value (the end of the signature box's CBOR)."""
    data = bytearray(path.read_bytes())
    label = data.rindex(b"c2pa.signature")
    cbor = data.index(b"cbor", label)
    end = cbor - 4 + struct.unpack(">I", data[cbor - 4 : cbor])[0]
    data[end - 10] ^= 0xFF
    path.write_bytes(data)
    return path


# JPEG surgery: header segments, as (marker, start, end) up to the start of scan.
def jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    segments, offset = [], 2
    while offset < len(data):
        marker = data[offset + 1]
        if marker == 0xDA:
            break
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        segments.append((marker, offset, offset + 2 + length))
        offset += 2 + length
    return segments


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_store(data: bytes) -> bytes:
    """The APP11 segments that carry the manifest store."""
    return b"".join(data[s:e] for marker, s, e in jpeg_segments(data) if marker == 0xEB)


def jpeg_without_store(data: bytes) -> bytes:
    body = jpeg_segments(data)
    kept = b"".join(data[s:e] for marker, s, e in body if marker != 0xEB)
    return data[:2] + kept + data[body[-1][2] :]


def jpeg_insert(data: bytes, segment: bytes) -> bytes:
    """``segment`` right after the start-of-image marker."""
    return data[:2] + segment + data[2:]


def xmp_provenance(reference: str) -> bytes:
    """An XMP APP1 payload whose dcterms:provenance points at ``reference``."""
    return (
        b"http://ns.adobe.com/xap/1.0/\x00"
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
        b' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
        b' xmlns:dcterms="http://purl.org/dc/terms/" dcterms:provenance="'
        + reference.encode()
        + b'"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
