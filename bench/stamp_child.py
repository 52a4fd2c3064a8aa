"""One measurement in a fresh process, printed as JSON (timings and the process's peak RSS):

- ``stamp PATH MIME``: stamp (median of three); the stamped copy is left beside the file;
- ``verify PATH MIME``: read and verify a stamped file as Clearcut does (``read_credentials``);
- ``sdk PATH MIME``: the bare SDK's read of the same file (``c2pa.Reader``, same settings): the
  baseline that shows what the SDK alone costs.
"""

import json
import resource
import statistics
import sys
import time
from pathlib import Path


def main(mode: str, path: str, mime_type: str) -> None:
    import django

    django.setup()
    from assets.credentials.manifest import OutputFacts

    source = Path(path)
    facts = OutputFacts(title=source.name, operation="benchmark", seed=1)
    _warm_up(source.parent, facts, sign=mode == "stamp")
    if mode == "stamp":
        result = {"stamp": _stamp(source, mime_type, facts), "target": str(stamped(source))}
    else:
        start = time.perf_counter()
        state = _verify(source, mime_type) if mode == "verify" else _sdk(source, mime_type)
        result = {"verify": time.perf_counter() - start, "state": state}
    result["peak_rss_kib"] = _peak_rss_kib()
    print(json.dumps(result))


def _peak_rss_kib() -> int:
    """This process's own peak RSS. ``ru_maxrss`` is not it: Linux carries the high-water mark of
    the forked parent's memory across exec, so a child of a large parent reports the parent's."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def stamped(source: Path) -> Path:
    return source.with_name("stamped-" + source.name)


def _stamp(source: Path, mime_type: str, facts) -> float:
    from assets.credentials.stamp import stamp

    target = stamped(source)
    timings = []
    for _ in range(3):
        target.unlink(missing_ok=True)  # every output is a new file, as a worker writes them
        start = time.perf_counter()
        stamp(source=source, target=target, mime_type=mime_type, facts=facts, ingredients=[])
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _verify(path: Path, mime_type: str) -> str:
    from assets.credentials.reading import read_credentials

    return read_credentials(path, mime_type).state


def _sdk(path: Path, mime_type: str) -> str:
    import c2pa

    from assets.credentials.config import c2pa_context

    with path.open("rb") as stream, c2pa.Reader(mime_type, stream, context=c2pa_context()) as r:
        return r.get_validation_state()


def _warm_up(folder: Path, facts, *, sign: bool) -> None:
    """A worker signs and reads many files: load the library (and the key, to sign) once before
    timing. A reading process reads a small file only: its peak RSS is the reading's."""
    from assets.credentials.reading import read_credentials
    from assets.credentials.stamp import stamp
    from assets.synthetic import make_still

    still = make_still(folder / "warm.jpg", size=(64, 48))
    warm = folder / "warm-stamped.jpg"
    if sign:
        stamp(source=still, target=warm, mime_type="image/jpeg", facts=facts, ingredients=[])
    read_credentials(warm if sign else still, "image/jpeg")
    for leftover in (still, warm):
        leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
