"""Guard rails on the code's structure (docs/architecture.md): what an area may import of another,
no import cycle between files at run time, and govuk-frontend-wtf reached only through
portal/forms.py, its classes never patched. Walks portal/ with `ast`; a failure names the file,
the line and the rule broken."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Packages for the domain's areas. `officers` (the officers' workspace) and `home` (a supplier's
# home) sit over them: no area imports either.
AREAS = {
    "accounts",
    "organisations",
    "ethics",
    "due_diligence",
    "social_value",
    "opportunities",
    "quotations",
    "voluntary",
    "pages",
    "officers",
    "home",
}
OVER_THE_AREAS = {"officers": "the officers' workspace", "home": "a supplier's home"}
# What an area may import of another area: its public modules, never views, blueprints, forms,
# steps or any other module.
PUBLIC_MODULES = {"models", "services", "rules", "queries", "access", "emails", "workflow"}
# Modules and packages any area may import whole: the shared modules and the infrastructure
# (`rows` is the speed work the next structural step takes back out).
SHARED = {
    "extensions",
    "database",
    "audit",
    "workflow",
    "changes",
    "forms",
    "fields",
    "tokens",
    "files",
    "pagination",
    "time",
    "formats",
    "urls",
    "enums",
    "security",
    "errors",
    "append_only",
    "jobs",
    "seed",
    "rows",
    "outbox",
    "postcodes",
    "reference",
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. "portal.social_value.views"
    path: Path
    line: int
    target: str  # the module imported, or "package:name" for a name taken from a package
    type_checking: bool


def module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(name: str) -> bool:
    return (PORTAL.parent / Path(*name.split(".")) / "__init__.py").exists()


def is_module(name: str) -> bool:
    return (PORTAL.parent / Path(*name.split("."))).with_suffix(".py").exists() or is_package(name)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports() -> Iterator[Import]:
    """Every import of a portal module in portal/, top level or inside a function."""
    for path in sorted(PORTAL.rglob("*.py")):
        source = module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        guarded = _type_checking_lines(tree)
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("portal"):
                        yield Import(source, path, node.lineno, alias.name, node.lineno in guarded)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up a level for each dot after the first
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base]).strip(".")
                if not base.startswith("portal"):
                    continue
                for alias in node.names:
                    yield Import(source, path, node.lineno, _target(base, alias.name), node.lineno in guarded)


def _target(base: str, name: str) -> str:
    """`from base import name`: a module, or "package:name" for a name a package's __init__ holds."""
    if is_module(f"{base}.{name}"):
        return f"{base}.{name}"
    return f"{base}:{name}" if is_package(base) else base


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def broken_rule(found: Import) -> str | None:
    """Why an area may not make this import, or None if it may."""
    own = area_of(found.source)
    module = found.target.split(":")[0]
    other = area_of(module)
    if own is None or other == own:
        return None
    if other is None:
        shared = module.split(".")[1] if "." in module else module
        return None if shared in SHARED else f"imports {module}, which is no shared module (SHARED)"
    if other in OVER_THE_AREAS:
        return f"no area imports {OVER_THE_AREAS[other]} ({found.target})"
    allowed = ", ".join(sorted(PUBLIC_MODULES))
    parts = module.split(".")
    if len(parts) < 3:
        return f"imports {found.target} (the area's blueprint or package): take its {allowed} modules only"
    if parts[2] not in PUBLIC_MODULES:
        return f"imports {module}: another area's {parts[2]} is its own (allowed: {allowed})"
    return None


def registers_own_views(found: Import) -> bool:
    """A package's __init__ importing its own modules to register routes (the blueprint pattern)."""
    return found.path.name == "__init__.py" and found.target.startswith(found.source + ".")


def runtime_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for found in imports():
        if found.type_checking or registers_own_views(found):
            continue
        target = found.target.split(":")[0]
        if target != found.source:
            graph.setdefault(found.source, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def forbidden_imports() -> list[str]:
    found_lines = (
        f"{found.path.relative_to(PORTAL.parent)}:{found.line}: {rule}"
        for found in imports()
        if not found.type_checking and (rule := broken_rule(found))
    )
    return list(dict.fromkeys(found_lines))


def test_no_area_imports_what_another_keeps_to_itself():
    assert forbidden_imports() == []


def cycle_imports() -> list[str]:
    """Each run-time import between two modules of one cycle, as file:line and the cycle."""
    found = []
    for group in cycles(runtime_graph()):
        members = set(group)
        for each in imports():
            target = each.target.split(":")[0]
            counted = not (each.type_checking or registers_own_views(each))
            if counted and each.source in members and target in members and target != each.source:
                where = f"{each.path.relative_to(PORTAL.parent)}:{each.line}"
                found.append(f"{where}: imports {target}, in the cycle {' <-> '.join(group)}")
    return found


def test_no_import_cycle_between_files_at_run_time():
    assert cycle_imports() == []


def test_the_cycle_finder_finds_each_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"f"}, "f": {"e"}}
    assert sorted(cycles(graph)) == [["a", "b", "c"], ["e", "f"]]
    assert cycles({"a": {"b"}, "b": {"c"}}) == []


# --- govuk-frontend-wtf: through portal/forms.py's subclasses, never patched ----------------------


def library_imports() -> list[str]:
    """Each import of govuk_frontend_wtf outside portal/forms.py, as file:line."""
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        if path == PORTAL / "forms.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "govuk_frontend_wtf" for name in names):
                found.append(f"{path.relative_to(PORTAL.parent)}:{node.lineno}")
    return found


def test_only_portal_forms_imports_govuk_frontend_wtf():
    assert library_imports() == []


def test_no_portal_module_patches_govuk_frontend_wtfs_classes():
    from govuk_frontend_wtf import gov_form_base, wtforms_widgets

    for path in sorted(PORTAL.rglob("*.py")):
        importlib.import_module(module_name(path))
    replaced = [
        f"{cls.__name__}.{name} ({getattr(value, '__module__', None)})"
        for module in (gov_form_base, wtforms_widgets)
        for cls in vars(module).values()
        if isinstance(cls, type) and cls.__module__.startswith("govuk_frontend_wtf")
        for name, value in vars(cls).items()
        if callable(value) and not getattr(value, "__module__", "").startswith("govuk_frontend_wtf")
    ]
    assert replaced == []
    assert gov_form_base.GovFormBase.render.__module__ == "govuk_frontend_wtf.gov_form_base"
