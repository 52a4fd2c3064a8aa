"""Imports point down the floors (CONVENTIONS §19), read from the source with ``ast``.

An app imports only from itself and the floors below it, at module level or inside a function. A
function-level import is for keeping heavy modules (torch, diffusers, ...) out of web processes, or
for Django's ``AppConfig.ready``; it says why in a comment on its line or the line above.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

# Lowest floor first.
FLOORS = [
    ("studio", "the project: settings, URLs, productions, roles and tokens, audit, webhooks"),
    ("assets", "footage and people: ingest, storage, lineage, C2PA"),
    ("licensing", "licenses, consents, clearance, the gate (licensing/gate/), taint"),
    ("editing", "model versions, adapters, training, edit jobs, operations"),
    ("legal", "legal's read side: reports, the dashboard, provenance pages and graph"),
    ("demo", "the scripted scenario behind `make demo`; nothing imports it"),
]
FLOOR = {app: level for level, (app, _) in enumerate(FLOORS)}

NOQA = re.compile(r"noqa(:\s*[A-Z]+\d+(,\s*[A-Z]+\d+)*)?", re.IGNORECASE)


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    target: str  # the imported module, absolute
    in_function: bool
    block_line: int  # the first line of the run of import statements it belongs to

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def app(self) -> str:
        return self.path.relative_to(ROOT).parts[0]

    def reason(self) -> str:
        """The comment on the import's line, or on the line above it or above its run of imports
        (one comment may speak for ``import torch`` and the imports after it), without noqa codes."""
        lines = self.path.read_text().splitlines()
        comments = [lines[self.line - 1].partition("#")[2]]
        for line in {self.line, self.block_line} - {1}:
            above = lines[line - 2].strip()
            if above.startswith("#"):
                comments.append(above.lstrip("#"))
        return " ".join(NOQA.sub("", c).strip(" ()") for c in comments).strip()


def _absolute(node: ast.ImportFrom, path: Path) -> str:
    if not node.level:
        return node.module or ""
    package = path.relative_to(ROOT).with_suffix("").parts[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def _block_lines(tree: ast.AST) -> dict[ast.stmt, int]:
    """Each import statement -> the first line of the run of import statements it is part of."""
    first: dict[ast.stmt, int] = {}
    for node in ast.walk(tree):
        for body in (v for v in vars(node).values() if isinstance(v, list)):
            start = None
            for stmt in body:
                is_import = isinstance(stmt, ast.Import | ast.ImportFrom)
                start = (start or stmt.lineno) if is_import else None
                if is_import:
                    first[stmt] = start
    return first


def _imports(path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    block_lines = _block_lines(tree)
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            targets = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [_absolute(node, path)]
            )
            found.extend(
                Import(path, node.lineno, t, in_function, block_lines[node]) for t in targets
            )
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def _all_imports() -> list[Import]:
    return [
        found
        for app, _ in FLOORS
        for path in sorted((ROOT / app).rglob("*.py"))
        for found in _imports(path)
    ]


def test_every_project_app_has_a_floor():
    project_apps = {app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    assert project_apps == set(FLOOR)


def test_imports_point_down_the_floors():
    upward = [
        f"{found.where}: {found.app} (floor {FLOOR[found.app]}) imports {found.target} "
        f"(floor {FLOOR[target]}){' inside a function' if found.in_function else ''}"
        for found in _all_imports()
        if (target := found.target.split(".")[0]) in FLOOR and FLOOR[target] > FLOOR[found.app]
    ]
    floors = "\n".join(f"  {level}. {app}: {what}" for level, (app, what) in enumerate(FLOORS))
    assert not upward, f"Imports from a higher floor. The floors:\n{floors}\n" + "\n".join(upward)


def test_function_level_imports_say_why():
    silent = [
        f"{found.where}: import of {found.target} inside a function, without a reason comment"
        for found in _all_imports()
        if found.in_function and not found.reason()
    ]
    assert not silent, "Move these to the top of the module, or say why not:\n" + "\n".join(silent)
