"""``Record`` builds the class ``typing.NamedTuple`` builds, without evaluating annotations."""

from __future__ import annotations

import typing
from types import MappingProxyType

import pytest

from selenite_inventory_lint.records import Record


class Point(Record):
    """A point, with a label."""

    x: int
    y: int = 0
    label: str = "origin"
    tags: typing.Mapping[str, str] = MappingProxyType({})

    @property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)


class Twin(typing.NamedTuple):
    """A point, with a label."""

    x: int
    y: int = 0
    label: str = "origin"
    tags: typing.Mapping[str, str] = MappingProxyType({})


def test_a_record_is_the_namedtuple_typing_would_build() -> None:
    point = Point(3, label="p")
    assert tuple(point) == tuple(Twin(3, label="p"))
    assert tuple(point) == (3, 0, "p", {})
    assert type(point).__mro__ == (Point, tuple, object)
    assert Point._fields == Twin._fields == ("x", "y", "label", "tags")
    assert Point._field_defaults == Twin._field_defaults
    assert repr(point) == "Point(x=3, y=0, label='p', tags=mappingproxy({}))"
    assert Point.__doc__ == Twin.__doc__
    assert (Point.__module__, Point.__qualname__) == (__name__, "Point")
    assert point.norm == 3
    assert point.moved(2) == Point(x=5, label="p")
    assert point._asdict() == {"x": 3, "y": 0, "label": "p", "tags": {}}
    assert not hasattr(point, "__dict__")
    with pytest.raises(AttributeError):
        point.x = 4  # type: ignore[misc]


def test_a_record_keeps_its_annotations_as_written() -> None:
    # typing would have compiled each string into a ForwardRef.
    assert Point.__annotations__ == {
        "x": "int",
        "y": "int",
        "label": "str",
        "tags": "typing.Mapping[str, str]",
    }
    assert all(isinstance(value, typing.ForwardRef) for value in Twin.__annotations__.values())
    assert typing.get_type_hints(Point) == typing.get_type_hints(Twin)


def test_a_nested_record_has_its_qualified_name() -> None:
    class Inner(Record):
        value: str

    assert Inner.__qualname__.endswith("<locals>.Inner")
    assert Inner(value="v").value == "v"


def test_a_field_without_default_after_one_with_is_refused() -> None:
    with pytest.raises(TypeError, match="Non-default namedtuple field z cannot follow default"):

        class Bad(Record):
            x: int = 0
            z: int  # type: ignore[misc]


def test_a_namedtuple_attribute_cannot_be_redefined() -> None:
    with pytest.raises(AttributeError, match="Cannot overwrite NamedTuple attribute _replace"):

        class Bad(Record):
            x: int

            def _replace(self) -> None: ...  # type: ignore[misc]


def test_a_record_inherits_from_record_alone() -> None:
    with pytest.raises(TypeError, match="only inherit from Record"):

        class Bad(Record, int):  # type: ignore[misc]
            x: int


def test_a_subclass_of_a_record_is_a_plain_class() -> None:
    class Named(Point):
        @property
        def title(self) -> str:
            return self.label.title()

    assert Named(1, label="a").title == "A"
    assert Named._fields == Point._fields
