"""Stamp (median of three) and verify one file in a fresh process; prints timings and peak RSS
as JSON."""

import json
import resource
import statistics
import sys
import time
from pathlib import Path


def main(path: str, mime_type: str) -> None:
    import django

    django.setup()
    from assets.credentials.manifest import OutputFacts
    from assets.credentials.reading import read_credentials
    from assets.credentials.stamp import stamp

    source = Path(path)
    target = source.with_name("stamped-" + source.name)
    facts = OutputFacts(title=target.name, operation="benchmark", seed=1)
    _warm_up(source.parent, facts)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        stamp(source=source, target=target, mime_type=mime_type, facts=facts, ingredients=[])
        timings.append(time.perf_counter() - start)
        if len(timings) < 3:
            target.unlink()  # every output is a new file, as a worker writes them
    stamped = statistics.median(timings)
    start = time.perf_counter()
    reading = read_credentials(target, mime_type)
    verified = time.perf_counter() - start
    target.unlink()
    print(
        json.dumps(
            {
                "stamp": stamped,
                "verify": verified,
                "state": reading.state,
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def _warm_up(folder: Path, facts) -> None:
    """A worker signs many outputs: load the library and the key once before timing."""
    from assets.credentials.reading import read_credentials
    from assets.credentials.stamp import stamp
    from assets.synthetic import make_still

    still = make_still(folder / "warm.jpg", size=(64, 48))
    stamp(
        source=still,
        target=folder / "warm-stamped.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[],
    )
    read_credentials(folder / "warm-stamped.jpg", "image/jpeg")
    for leftover in (still, folder / "warm-stamped.jpg"):
        leftover.unlink()


if __name__ == "__main__":
    main(*sys.argv[1:3])
