"""Identify a file by its first bytes, never by its name: a ``.mp4`` that is a PNG is a PNG."""

from dataclasses import dataclass

from assets.choices import AssetKind

HEAD_BYTES = 64


@dataclass(frozen=True)
class Sniffed:
    mime_type: str
    kind: str


_BMFF_BRANDS = {
    b"qt  ": Sniffed("video/quicktime", AssetKind.VIDEO),
    b"M4A ": Sniffed("audio/mp4", AssetKind.AUDIO),
    b"heic": Sniffed("image/heic", AssetKind.IMAGE),
    b"heix": Sniffed("image/heic", AssetKind.IMAGE),
    b"mif1": Sniffed("image/heif", AssetKind.IMAGE),
    b"avif": Sniffed("image/avif", AssetKind.IMAGE),
}
_RIFF = {
    b"WEBP": Sniffed("image/webp", AssetKind.IMAGE),
    b"WAVE": Sniffed("audio/wav", AssetKind.AUDIO),
    b"AVI ": Sniffed("video/x-msvideo", AssetKind.VIDEO),
}
_PREFIXES = [
    (b"\xff\xd8\xff", Sniffed("image/jpeg", AssetKind.IMAGE)),
    (b"\x89PNG\r\n\x1a\n", Sniffed("image/png", AssetKind.IMAGE)),
    (b"GIF87a", Sniffed("image/gif", AssetKind.IMAGE)),
    (b"GIF89a", Sniffed("image/gif", AssetKind.IMAGE)),
    (b"II*\x00", Sniffed("image/tiff", AssetKind.IMAGE)),
    (b"MM\x00*", Sniffed("image/tiff", AssetKind.IMAGE)),
    (b"\x1aE\xdf\xa3", Sniffed("video/x-matroska", AssetKind.VIDEO)),
    (b"\x06\x0e\x2b\x34\x02\x05\x01\x01", Sniffed("application/mxf", AssetKind.VIDEO)),
    (b"fLaC", Sniffed("audio/flac", AssetKind.AUDIO)),
    (b"OggS", Sniffed("audio/ogg", AssetKind.AUDIO)),
    (b"ID3", Sniffed("audio/mpeg", AssetKind.AUDIO)),
    (b"%PDF-", Sniffed("application/pdf", AssetKind.DOCUMENT)),
]


def sniff(head: bytes) -> Sniffed | None:
    """The type the bytes declare, or None for a format Clearcut does not keep."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _BMFF_BRANDS.get(head[8:12], Sniffed("video/mp4", AssetKind.VIDEO))
    if len(head) >= 12 and head[:4] == b"RIFF":
        return _RIFF.get(head[8:12])
    for prefix, found in _PREFIXES:
        if head.startswith(prefix):
            return found
    if len(head) >= 2 and head[0] == 0xFF and head[1] in (0xFB, 0xF3, 0xF2):
        return Sniffed("audio/mpeg", AssetKind.AUDIO)
    return None


def supported_formats() -> str:
    return "MP4, MOV, MKV, MXF, AVI, JPEG, PNG, GIF, TIFF, WebP, AVIF, WAV, FLAC, MP3, Ogg, PDF"


def media_types() -> list[str]:
    """Every MIME type ``sniff`` can give an asset (what its original download answers with)."""
    found = {s.mime_type for s in (*_BMFF_BRANDS.values(), *_RIFF.values())}
    found |= {s.mime_type for _, s in _PREFIXES} | {"video/mp4", "audio/mpeg"}
    return sorted(found)
