"""Python sources as data for the detectors: ``source`` parses and lists a module once,
``evaluate`` is the one evaluator of expressions to the strings they build."""

from __future__ import annotations

from selenite_inventory_lint.detectors.python.evaluate import (
    MAX_VALUE,
    ROOT,
    Constants,
    Evaluator,
    Folded,
    Folder,
    folder,
    join,
    parent,
    repo_path,
    storage_path,
)
from selenite_inventory_lint.detectors.python.source import Module, Unparsable, final_name, load

__all__ = [
    "MAX_VALUE",
    "ROOT",
    "Constants",
    "Evaluator",
    "Folded",
    "Folder",
    "Module",
    "Unparsable",
    "final_name",
    "folder",
    "join",
    "load",
    "parent",
    "repo_path",
    "storage_path",
]
