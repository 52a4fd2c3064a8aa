"""A PROV-JSON document (as ``assets.prov`` writes it) as PROV-O in JSON-LD, for clients that ask
for ``application/ld+json``: the same graph, with PROV-O's names (``startedAtTime``,
``qualifiedAssociation`` …) and typed times."""

from __future__ import annotations

from assets.prov import NS, PROV, XSD

CONTEXT = {
    "prov": PROV,
    "clearcut": NS,
    "xsd": XSD,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}
CLASSES = {"entity": "prov:Entity", "agent": "prov:Agent", "activity": "prov:Activity"}
TIMES = {"prov:startTime": "prov:startedAtTime", "prov:endTime": "prov:endedAtTime"}
# relation: (subject key, object key, direct property, qualified property, qualified class,
#            the object's property in the qualified node)
RELATIONS = {
    "wasDerivedFrom": (
        "prov:generatedEntity", "prov:usedEntity", "prov:wasDerivedFrom",
        "prov:qualifiedDerivation", "prov:Derivation", "prov:entity",
    ),
    "used": ("prov:activity", "prov:entity", "prov:used", "prov:qualifiedUsage", "prov:Usage",
             "prov:entity"),
    "wasGeneratedBy": (
        "prov:entity", "prov:activity", "prov:wasGeneratedBy", "prov:qualifiedGeneration",
        "prov:Generation", "prov:activity",
    ),
    "wasAssociatedWith": (
        "prov:activity", "prov:agent", "prov:wasAssociatedWith", "prov:qualifiedAssociation",
        "prov:Association", "prov:agent",
    ),
    "actedOnBehalfOf": (
        "prov:delegate", "prov:responsible", "prov:actedOnBehalfOf", "prov:qualifiedDelegation",
        "prov:Delegation", "prov:agent",
    ),
    "wasAttributedTo": (
        "prov:entity", "prov:agent", "prov:wasAttributedTo", "prov:qualifiedAttribution",
        "prov:Attribution", "prov:agent",
    ),
}  # fmt: skip
# Attributes of a qualified node, PROV-JSON name -> PROV-O property.
QUALIFIERS = {
    "prov:role": "prov:hadRole",
    "prov:time": "prov:atTime",
    "prov:activity": "prov:hadActivity",
}


def _value(value):
    if isinstance(value, dict) and value.get("type") == "prov:QUALIFIED_NAME":
        return {"@id": value["$"]}
    return value


def _time(value: str) -> dict:
    return {"@value": value, "@type": "xsd:dateTime"}


def _node(nodes: dict, identifier: str) -> dict:
    return nodes.setdefault(identifier, {"@id": identifier, "@type": []})


def _add_record(nodes: dict, section: str, identifier: str, attributes: dict) -> None:
    node = _node(nodes, identifier)
    node["@type"].append(CLASSES[section])
    for key, value in attributes.items():
        if key == "prov:type":
            node["@type"].append(value["$"] if isinstance(value, dict) else value)
        elif key in TIMES:
            node[TIMES[key]] = _time(value)
        elif key == "prov:label":
            node["rdfs:label"] = value
        else:
            node[key] = _value(value)


def _add_relation(nodes: dict, relation: str, attributes: dict) -> None:
    subject_key, object_key, direct, qualified, cls, influencer = RELATIONS[relation]
    subject = _node(nodes, attributes[subject_key])
    target = {"@id": attributes[object_key]}
    subject.setdefault(direct, []).append(target)
    qualified_node = {"@type": cls, influencer: target}
    for key, value in attributes.items():
        if key in (subject_key, object_key):
            continue
        if key == "prov:time":
            qualified_node["prov:atTime"] = _time(value)
        elif key == "prov:activity":
            qualified_node["prov:hadActivity"] = {"@id": value}
        else:
            qualified_node[QUALIFIERS.get(key, key)] = _value(value)
    subject.setdefault(qualified, []).append(qualified_node)


def prov_jsonld(document: dict) -> dict:
    nodes: dict[str, dict] = {}
    for section in CLASSES:
        for identifier, attributes in document.get(section, {}).items():
            _add_record(nodes, section, identifier, attributes)
    for relation in RELATIONS:
        for attributes in document.get(relation, {}).values():
            _add_relation(nodes, relation, attributes)
    return {"@context": CONTEXT | document.get("prefix", {}), "@graph": list(nodes.values())}
