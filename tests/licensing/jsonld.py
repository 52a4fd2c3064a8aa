"""An independent JSON-LD processor (pyld) reading our policies with the official ODRL context,
loaded from ``tests/licensing/data`` and never fetched: any other IRI is refused."""

import json
from pathlib import Path

from pyld import jsonld

CONTEXT_FILE = Path(__file__).parent / "data" / "odrl.jsonld"
LOCAL = {
    "http://www.w3.org/ns/odrl.jsonld": CONTEXT_FILE,
    "https://www.w3.org/ns/odrl.jsonld": CONTEXT_FILE,
}
ODRL = "http://www.w3.org/ns/odrl/2/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def load_document(url, options=None):
    if url not in LOCAL:
        raise jsonld.JsonLdError(
            f"Not loading {url}: no network in tests.", "loading document failed"
        )
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(LOCAL[url].read_text()),
    }


OPTIONS = {"documentLoader": load_document}


def expand(document: dict) -> list:
    return jsonld.expand(document, OPTIONS)


def triples(document: dict) -> set[tuple[str, str, str]]:
    """The document's RDF as (subject, predicate, object) with blank nodes named by pyld; a typed
    literal's object is written ``"value"^^datatype``."""
    dataset = jsonld.to_rdf(document, OPTIONS)
    found = set()
    for quad in dataset["@default"]:
        obj = quad["object"]
        if obj["type"] == "literal":
            value = f'"{obj["value"]}"^^{obj["datatype"]}'
        else:
            value = obj["value"]
        found.add((quad["subject"]["value"], quad["predicate"]["value"], value))
    return found
