"""ISO 3166-1 alpha-2 territories and the named groups licenses use (WORLD, EU, …)."""

from functools import lru_cache

import pycountry

EU = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
GROUPS: dict[str, frozenset[str]] = {
    "EU": EU,
    "EEA": EU | {"IS", "LI", "NO"},
    "DACH": frozenset({"DE", "AT", "CH"}),
    "NORDICS": frozenset({"DK", "FI", "IS", "NO", "SE"}),
    "NORTH_AMERICA": frozenset({"US", "CA", "MX"}),
    "UK_IE": frozenset({"GB", "IE"}),
    "ANZ": frozenset({"AU", "NZ"}),
}


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def known_codes() -> frozenset[str]:
    return countries() | set(GROUPS) | {"WORLD"}


def expand(codes: list[str] | tuple[str, ...]) -> frozenset[str]:
    """Country codes named directly or through groups; WORLD is every country."""
    result: set[str] = set()
    for code in codes:
        if code == "WORLD":
            return countries()
        result |= GROUPS.get(code, {code})
    return frozenset(result)


def unknown(codes) -> list[str]:
    return sorted(set(codes) - known_codes())


def covers(include: list[str], exclude: list[str], territory: str) -> bool:
    """An empty include list places no territorial limit; exclusions always apply."""
    if territory in expand(exclude):
        return False
    return not include or territory in expand(include)
