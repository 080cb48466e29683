"""`reviewer diff ID [--parent]`: a proposal's code, or what it changes from its parent."""

from __future__ import annotations

import sys

import click

from reviewer.context import Context, pass_ctx
from reviewer.parentdiff import ParentDiffError, parent_diff
from reviewer.textsafe import clean, short, show_bare_cr
from store import StoreError


@click.command("diff")
@click.argument("ref")
@click.option("--parent", "against_parent", is_flag=True,
              help="Show what it changes relative to the proposal it builds on.")  # fmt: skip
@pass_ctx
def diff_cmd(ctx: Context, ref: str, against_parent: bool) -> None:
    """Print a proposal's diff against the harness (ID may be a unique prefix).

    With --parent, the diff runs from the code of the proposal it builds on to its own, with
    both applied to the harness as a rerun applies them. The agent's text is printed with
    control and escape characters removed.
    """
    try:
        if against_parent:
            found = parent_diff(ctx.store, ref)
            text = found.diff.decode("utf-8", "replace")
            parent = found.parent
            click.echo(
                f"from {parent.id[:12]} ({parent.status}, {short(parent.title, 60)}) to "
                f"{ctx.store.resolve(ref)[:12]}: {_files(len(found.files))}", err=True)
        else:
            row = ctx.store.get(ref)
            if not row["diff"]:
                raise click.ClickException(f"{row['id'][:12]} has no code attached")
            text = row["diff"].decode("utf-8", "replace")
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    except ParentDiffError as exc:  # its messages say "it": name which proposal
        raise click.ClickException(f"{ctx.store.resolve(ref)[:12]}: {exc}") from exc
    sys.stdout.write(clean(show_bare_cr(text)))  # a CR inside a line is shown, not dropped
    sys.stdout.flush()


def _files(n: int) -> str:
    return {0: "the same code", 1: "1 file differs"}.get(n, f"{n} files differ")
