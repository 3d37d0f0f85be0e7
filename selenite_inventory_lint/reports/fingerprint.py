"""Finding identities that survive line shifts, for SARIF and GitLab Code Quality.

A finding is identified by its code, file and object — not its line — plus its occurrence
among findings with the same identity, so inserting lines above it keeps the identity and
two findings never share one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from selenite_inventory_lint.model import Finding


def fingerprints(findings: Sequence[Finding]) -> list[tuple[str, int]]:
    """(sha-256 hex of the identity, 1-based occurrence) for each finding, in order."""
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        identity = "\0".join((finding.code, finding.path, finding.object_kind, finding.object_name))
        digest = hashlib.sha256(identity.encode("utf-8", errors="surrogatepass")).hexdigest()
        seen[digest] = seen.get(digest, 0) + 1
        out.append((digest, seen[digest]))
    return out
