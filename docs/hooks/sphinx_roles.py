"""Griffe extension: turn Sphinx roles in docstrings into links on the API page.

The package's docstrings follow numpydoc, which cross-references with Sphinx roles such as
``:func:`split_data``` or ``:mod:`banknote_gd.frames```; ``help()`` and IDEs show them as
they are. mkdocstrings renders Markdown, where a role would show up literally
(``:func:split_data``). This extension rewrites each role before mkdocstrings renders it:

- to a cross-reference, ``[`split_data`][banknote_gd.split_data]``, when the name resolves
  to an object the API page renders (a public name of ``banknote_gd.__all__``, or a public
  member of a submodule listed there, such as ``banknote_gd.by_hand``);
- to plain code, ``split_data``, otherwise (private helpers, other libraries).

Names are looked up as written, then relative to the object's class and module, then to the
package, as Sphinx does. Registered in ``mkdocs.yml`` under the python handler's
``extensions``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj):`~?([^`<>]+?)`")


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of the package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        rendered = _rendered_paths(pkg)
        for obj in _walk(pkg):
            if obj.docstring is None:
                continue
            obj.docstring.value = ROLE.sub(
                lambda match, obj=obj: _replace(match.group(1), obj, rendered),
                obj.docstring.value,
            )


def _walk(obj: griffe.Object):
    yield obj
    for member in obj.members.values():
        if member.is_alias:
            continue
        yield from _walk(member)


def _rendered_paths(pkg: griffe.Module) -> dict[str, str]:
    """Map every path the API page renders (public and canonical) to its public path."""
    rendered: dict[str, str] = {}
    for name in pkg.exports or ():
        name = name if isinstance(name, str) else name.name
        member = pkg.members.get(name)
        if member is None:
            continue
        public = f"{pkg.path}.{name}"
        target = member.final_target if member.is_alias else member
        rendered[public] = public
        rendered.setdefault(target.path, public)
        if target.is_module:
            for sub_name, sub in target.members.items():
                if not sub_name.startswith("_") and not sub.is_alias:
                    rendered[sub.path] = sub.path
                    if sub.is_class:
                        for method_name, method in sub.members.items():
                            if not method_name.startswith("_"):
                                rendered[method.path] = method.path
    return rendered


def _replace(name: str, obj: griffe.Object, rendered: dict[str, str]) -> str:
    scopes = [obj.path, obj.parent.path if obj.parent else None, obj.module.path]
    scopes.append(obj.package.path)
    candidates = [name] + [f"{scope}.{name}" for scope in scopes if scope]
    for candidate in candidates:
        if candidate in rendered:
            return f"[`{name}`][{rendered[candidate]}]"
    return f"`{name}`"
