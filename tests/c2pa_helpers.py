"""Sign test media with a development chain, the way any C2PA-aware camera or tool would."""

from pathlib import Path

import c2pa

from assets.credentials.devcert import write_dev_chain

CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


def dev_chain(folder: Path):
    return write_dev_chain(folder)


def sign_file(
    chain, source: Path, target: Path, mime_type: str, *, title: str = "camera original"
) -> Path:
    manifest = {
        "claim_generator_info": [{"name": "Test camera", "version": "1.0"}],
        "title": title,
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
        builder.sign(c2pa.Signer.from_info(info), mime_type, src, dst)
    return target


def flip_byte(path: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(data)
    return path
