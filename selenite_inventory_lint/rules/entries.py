"""INV3xx: the inventory's own entries — stubs, unparseable items, duplicates."""

from __future__ import annotations

from collections.abc import Iterator

from selenite_inventory_lint.inventory.text import is_placeholder
from selenite_inventory_lint.rules.context import Hit, RuleContext


def placeholder_description(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    An inventory entry whose description is empty or only a placeholder (`TODO`, `TBD`,
    `FIXME`, `...`). `check` judges every entry when the inventory itself is part of the
    change, and otherwise the entries that document an object of the change; `audit` judges
    all of them.

    ## Why
    A stub satisfies the letter of the inventory but not its purpose: during a promotion
    nobody can tell from `TODO` whether the data must be backed up, migrated or can be lost.

    ## Example
    ```markdown
    - `invoices`: TODO: describe
    ```

    ## Fix
    Write what the object holds and why it matters, e.g.
    `- \\`invoices\\`: issued invoices; legal retention 10 years, never delete.`
    """
    for entry in ctx.inventory.entries:
        if not (ctx.judge_all_entries or entry.line in ctx.used_entry_lines):
            continue
        if not is_placeholder(entry.description):
            continue
        text = entry.description.strip()
        what = f"a placeholder description ({text!r})" if text else "no description"
        yield Hit(
            message=f"inventory entry `{entry.key}` has {what}",
            path=ctx.inventory.path,
            line=entry.line,
            column=entry.column,
            object_kind="entry",
            object_name=entry.key,
        )


def malformed_entry(ctx: RuleContext) -> Iterator[Hit]:
    """
    ## What
    A list item in an inventory section (schema, paths, configuration) that cannot be read as
    an entry — it does not start with a backticked key, or its key is not valid for the
    section — or an entry listed twice.

    ## Why
    The linter can only match objects against entries it can read. An item it cannot parse
    documents nothing, however clear it looks to a person; a duplicate hides which
    description is current.

    ## Example
    ```markdown
    ## Storage Paths
    - storage/thumbnails/ (generated thumbnails)
    ```

    ## Fix
    Start the item with the key in backticks, then the description:
    `- \\`storage/thumbnails/\\` (generated thumbnails)`. Merge duplicate entries.
    """
    if not ctx.judge_all_entries:
        return
    for problem in ctx.inventory.problems:
        if problem.code != "INV302":
            continue
        yield Hit(
            message=problem.message,
            path=problem.path,
            line=problem.line,
            column=problem.column,
            object_kind="file",
            object_name=problem.path,
        )
