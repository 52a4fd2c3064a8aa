"""The provenance graph of an asset as a picture: its ancestors and descendants — assets, edit jobs,
training runs, model versions, adapters — and the licenses and consents the gate relied on, drawn by
Graphviz to SVG. Tainted and withdrawn nodes are marked; each node links to its admin page."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field

from django.urls import reverse

from assets.choices import LineageNode
from assets.lineage import asset_ancestors, asset_descendants
from assets.models import Asset, Derivation
from editing.models import Adapter, ModelVersion
from licensing.models import Consent, GateEvaluation, License

COLORS = {
    "active": "#2e7d32",
    "tainted": "#c62828",
    "withdrawn": "#555555",
    "quarantined": "#ef6c00",
    "retired": "#888888",
    "blocked": "#c62828",
}
FOCUS_FILL = "#fff59d"
ACTIVITY_MODELS = {"edit_job": ("editing", "editjob"), "training_run": ("editing", "trainingrun")}


class GraphvizMissing(Exception):
    """Graphviz's ``dot`` is not installed (apt-get install graphviz)."""


@dataclass
class Graph:
    nodes: dict[str, dict] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def node(self, key: str, label: str, shape: str, status: str = "active", url: str = "") -> None:
        self.nodes.setdefault(key, {"label": label, "shape": shape, "status": status, "url": url})

    def edge(self, source: str, target: str, label: str = "") -> None:
        if (source, target, label) not in self.edges:
            self.edges.append((source, target, label))


def _admin(app: str, model: str, pk) -> str:
    return reverse(f"admin:{app}_{model}_change", args=[pk])


def build_graph(asset: Asset, *, principal=None) -> Graph:
    nodes = [
        (LineageNode.ASSET, asset.pk),
        *((n.type, n.id) for n in asset_ancestors(asset)),
        *((n.type, n.id) for n in asset_descendants([asset])),
    ]
    keys = set(nodes)
    ids = {t: {i for k, i in keys if k == t} for t in {k for k, _ in keys}}
    assets = Asset.objects.filter(pk__in=ids.get(LineageNode.ASSET, ()))
    if principal is not None:
        assets = assets.restrict(principal)
    graph = Graph()
    for item in assets:
        graph.node(
            f"asset_{item.pk}",
            f"{item.original_filename}\\n{item.origin} · {item.status}",
            "box",
            item.status,
            _admin("assets", "asset", item.pk),
        )
    for adapter in Adapter.objects.filter(pk__in=ids.get(LineageNode.ADAPTER, ())):
        graph.node(
            f"adapter_{adapter.pk}",
            f"adapter {adapter.name}\\n{adapter.status}",
            "component",
            adapter.status,
            _admin("editing", "adapter", adapter.pk),
        )
    for model in ModelVersion.objects.filter(pk__in=ids.get(LineageNode.MODEL_VERSION, ())):
        graph.node(
            f"model_version_{model.pk}",
            f"{model.family} {model.version}\\n{model.task}",
            "cylinder",
            model.status,
            _admin("editing", "modelversion", model.pk),
        )
    _edges(graph, keys)
    _rights(graph)
    return graph


def _edges(graph: Graph, keys: set) -> None:
    outputs = {i for _, i in keys}
    for edge in Derivation.objects.filter(output_id__in=outputs, input_id__in=outputs):
        source, target = (
            f"{edge.input_type}_{edge.input_id}",
            f"{edge.output_type}_{edge.output_id}",
        )
        if source not in graph.nodes or target not in graph.nodes:
            continue
        if edge.activity_id is None or edge.activity_type not in ACTIVITY_MODELS:
            graph.edge(source, target, edge.role)
            continue
        activity = f"{edge.activity_type}_{edge.activity_id}"
        graph.node(
            activity,
            f"{edge.activity_type.replace('_', ' ')} #{edge.activity_id}",
            "ellipse",
            "active",
            _admin(*ACTIVITY_MODELS[edge.activity_type], edge.activity_id),
        )
        graph.edge(source, activity, edge.role)
        graph.edge(activity, target)


def _rights(graph: Graph) -> None:
    """The licenses and consents each edit or training relied on, from the decisions stored for it."""
    activities = {
        key: key.rsplit("_", 1)
        for key in graph.nodes
        if key.startswith(("edit_job_", "training_run_"))
    }
    subjects = {
        ("editing.editjob" if kind == "edit_job" else "editing.trainingrun", pk): key
        for key, (kind, pk) in activities.items()
    }
    evaluations = GateEvaluation.objects.filter(
        subject_id__in=[pk for _, pk in subjects], allowed=True
    )
    relied: dict[str, set] = {}
    for evaluation in evaluations:
        key = subjects.get((evaluation.subject_type, evaluation.subject_id))
        if key is None:
            continue
        for reason in evaluation.reasons:
            refs = reason.get("refs", {})
            if reason.get("code") == "grant" and refs.get("license_id"):
                relied.setdefault(key, set()).add(("license", refs["license_id"]))
            if reason.get("code") == "consent" and refs.get("consent"):
                relied.setdefault(key, set()).add(("consent", refs["consent"]))
    wanted = {
        kind: {pk for items in relied.values() for k, pk in items if k == kind}
        for kind in ("license", "consent")
    }
    for license in License.objects.filter(pk__in=wanted["license"]):
        graph.node(
            f"license_{license.pk}",
            f"license {license.reference}\\n{license.status}",
            "note",
            "active" if license.status == "active" else "tainted",
            _admin("licensing", "license", license.pk),
        )
    for consent in Consent.objects.filter(pk__in=wanted["consent"]).select_related(
        "person", "revocation"
    ):
        revoked = getattr(consent, "revocation", None) is not None
        graph.node(
            f"consent_{consent.pk}",
            f"consent {consent.person.name}\\n{consent.scope}" + ("\\nREVOKED" if revoked else ""),
            "note",
            "tainted" if revoked else "active",
            _admin("licensing", "consent", consent.pk),
        )
    for key, items in relied.items():
        for kind, pk in sorted(items):
            graph.edge(f"{kind}_{pk}", key, "relied on")


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def to_dot(graph: Graph, focus: str) -> str:
    lines = [
        "digraph provenance {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=8, color="#666666"];',
    ]
    for key, node in graph.nodes.items():
        color = COLORS.get(node["status"], "#333333")
        style = "filled,bold" if key == focus else "filled"
        dashed = ",dashed" if node["status"] in ("tainted", "withdrawn") else ""
        # The node the page is about: a yellow fill and a thick border, whatever its status.
        fill, pen = (FOCUS_FILL, 3) if key == focus else ("#ffffff", 1)
        lines.append(
            f"  {key} [id={_quote(key)}, label={_quote(node['label'])}, shape={node['shape']}, "
            f"style={_quote(style + dashed)}, color={_quote(color)}, fillcolor={_quote(fill)}, "
            f'penwidth={pen}, fontcolor={_quote(color)}, URL={_quote(node["url"])}, target="_top"];'
        )
    for source, target, label in graph.edges:
        lines.append(f"  {source} -> {target} [label={_quote(label)}];")
    lines.append("}")
    return "\n".join(lines)


def render_svg(graph: Graph, focus: str) -> str:
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing("Graphviz is not installed on this server: apt-get install graphviz.")
    result = subprocess.run(  # noqa: S603  (our own DOT text, fed to a fixed binary)
        [dot, "-Tsvg"],
        input=to_dot(graph, focus),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout
