"""``Record``: ``typing.NamedTuple`` without evaluating the annotations at import.

``class Finding(Record): ...`` is, for mypy, a ``NamedTuple`` subclass and checked as one. At
run time the class is ``collections.namedtuple`` of the body's annotated names, with their
defaults and the body's methods, exactly as ``typing.NamedTuple`` builds it, except that the
annotations stay the strings ``from __future__ import annotations`` made them: ``typing``
compiles each into a ``ForwardRef``, two thirds of the time creating the check path's records
took (docs/design-decisions.md, "Records on the check path").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    from collections import namedtuple

    # typing's own lists: what a body may not redefine, and what it does not copy.
    _PROHIBITED = frozenset(
        {
            "__new__",
            "__init__",
            "__slots__",
            "__getnewargs__",
            "_fields",
            "_field_defaults",
            "_make",
            "_replace",
            "_asdict",
            "_source",
        }
    )
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _RecordMeta(type):
        def __new__(cls, typename, bases, namespace):
            if bases != (Record,):
                raise TypeError("a Record class can only inherit from Record")
            annotations = namespace.get("__annotations__", {})
            defaults = []
            for name in annotations:
                if name in namespace:
                    defaults.append(name)
                elif defaults:
                    raise TypeError(
                        f"Non-default namedtuple field {name} cannot follow default "
                        f"field{'s' if len(defaults) > 1 else ''} {', '.join(defaults)}"
                    )
            record = namedtuple(
                typename,
                tuple(annotations),
                defaults=[namespace[name] for name in defaults],
                module=namespace["__module__"],
            )
            record.__annotations__ = record.__new__.__annotations__ = dict(annotations)
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in annotations:
                    setattr(record, key, value)
            return record

    Record = type.__new__(_RecordMeta, "Record", (), {"__module__": __name__})
