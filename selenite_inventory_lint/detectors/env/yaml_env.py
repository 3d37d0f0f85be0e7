"""Variables set by YAML: compose ``environment:``, GitHub workflow ``env:`` blocks and GitLab CI
``variables:``, read with ``yaml.compose`` (no object is built).

A compose service that runs a well-known third-party image and builds nothing of the project
(``image: postgres:16``) is configured by its ``environment:``, which therefore names that
image's settings (``POSTGRES_PASSWORD``), not the application's: it is skipped. So is a service
that runs the tests (named ``test``, ``tests``, ``e2e`` or ``test-…`` / ``…-test``): its
variables configure the test run."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from selenite_inventory_lint.detectors.references import Ref, Unreadable

if TYPE_CHECKING:
    import yaml


def yaml_refs(path: str, text: str) -> list[Ref]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        raise Unreadable(line, column, f"invalid YAML ({exc.problem or exc.context})") from exc
    except yaml.YAMLError as exc:
        raise Unreadable(1, 1, f"invalid YAML ({exc})") from exc
    except RecursionError as exc:
        raise Unreadable(1, 1, "the file is nested too deeply to parse") from exc
    refs: list[Ref] = []
    gitlab = posixpath.basename(path).endswith("gitlab-ci.yml")
    for document in documents:
        top = _mapping(document)
        if "jobs" in top:
            refs.extend(_blocks(document, "env"))
        elif "services" in top:
            for service_name, service in _mapping(top["services"]).items():
                keys = _mapping(service)
                if _test_runner(service_name):
                    continue
                if "environment" in keys and not _third_party(keys):
                    refs.extend(_environment(keys["environment"]))
        elif gitlab or "stages" in top:
            for name, node in top.items():
                if name == "variables":
                    refs.extend(_environment(node))
                elif "variables" in (keys := _mapping(node)):
                    refs.extend(_environment(keys["variables"]))
    return refs


# Images whose environment configures the image itself (databases, caches, brokers, proxies,
# mail catchers, test browsers): the repository name, without registry, owner or tag.
THIRD_PARTY_IMAGES = frozenset(
    {
        "postgres",
        "postgis",
        "timescaledb",
        "mysql",
        "mariadb",
        "mongo",
        "mongodb",
        "redis",
        "valkey",
        "memcached",
        "rabbitmq",
        "kafka",
        "cp-kafka",
        "zookeeper",
        "cp-zookeeper",
        "elasticsearch",
        "opensearch",
        "kibana",
        "minio",
        "localstack",
        "nginx",
        "httpd",
        "traefik",
        "caddy",
        "haproxy",
        "mailhog",
        "mailpit",
        "maildev",
        "adminer",
        "pgadmin4",
        "phpmyadmin",
        "clickhouse-server",
        "influxdb",
        "grafana",
        "prometheus",
        "jaeger",
        "all-in-one",
        "selenium",
        "standalone-chrome",
        "standalone-firefox",
        "keycloak",
        "vault",
        "consul",
        "nats",
        "mosquitto",
        "azurite",
        "fake-gcs-server",
    }
)


def _test_runner(name: str) -> bool:
    words = re.split(r"[-_.]", name.lower())
    return any(word in ("test", "tests", "e2e") for word in (words[0], words[-1]))


def _third_party(service: dict[str, yaml.Node]) -> bool:
    """A service that builds nothing and runs a well-known third-party image."""
    import yaml

    image = service.get("image")
    if "build" in service or not isinstance(image, yaml.ScalarNode):
        return False
    name = str(image.value).rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return name.lower() in THIRD_PARTY_IMAGES


def _items(
    node: yaml.Node | None, seen: set[int] | None = None
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping node, ``<<`` merges expanded."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.tag.endswith(":merge"):
            merged = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in merged:
                yield from _items(source, seen)
        else:
            yield str(key.value), key, value


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    return {name: value for name, _key, value in _items(node)}


def _environment(node: yaml.Node) -> Iterator[Ref]:
    """Keys of an environment mapping, or ``KEY=value`` / ``KEY`` items of a list."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for name, key, _value in _items(node):
            yield Ref(name, key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode):
                name = str(item.value).split("=", 1)[0].strip()
                yield Ref(name, item.start_mark.line + 1, item.start_mark.column + 1)


def _blocks(root: yaml.Node, word: str) -> Iterator[Ref]:
    """Every mapping under a key named ``word``, anywhere in the document."""
    import yaml

    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for name, _key, value in _items(node):
                if name == word and isinstance(value, yaml.MappingNode):
                    yield from _environment(value)
                else:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
