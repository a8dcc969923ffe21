"""Ledger commands: replay, compare, verify (a period or an offline bundle), export, rebuild."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from domain.canonical import canonical_bytes
from projections.leaves import leaf
from projections.runner import ProjectionRunner
from replay.anchor import AnchorInvalid, not_extended, split_notes
from replay.asof import canonical_as_of, fold_log, result_as_of
from replay.bundle import bundle_chunks, read_bundle, verify_bundle
from replay.checkpoint import CheckpointInvalid
from replay.compare import compare
from replay.merkle import leaf_hash
from replay.verify import Report, verify_records, witness_findings
from service.anchor_setup import anchor_keys, held_anchors
from service.bootstrap import Service, build
from service.readonly import build_for_reading
from service.signing import SigningKeyError, create_key, load_key, read_public_keys

PERIOD_CODE = re.compile(r"^\d{4}(-H[12]|-Q[1-4])?$")

out = Console()
Period = Annotated[str, typer.Argument(help="Period code, e.g. 2026-Q1.")]


def _progress(total: int, label: str) -> tuple[Progress, object]:
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    task = bar.add_task(label, total=total)
    return bar, lambda position: bar.update(task, completed=position)


def _read_all(service: Service, label: str = "reading the log") -> list:  # type: ignore[type-arg]
    total = service.ledger.recorder.max_notification_id() or 0
    bar, advance = _progress(total, label)
    with bar:
        _, records = fold_log(service.ledger.recorder, progress=advance)
    return records


def _report(report: Report) -> None:
    for note in report.notes:
        out.print(f"  [yellow]![/] {note}")
    if report.anchored is not None:
        top = report.anchored
        out.print(f"newest held checkpoint the log extends: tree size {top['size']}, root {top['merkle_root'][:16]}…, "
                  f"period {top['period']} ({top['held']} checkpoint(s) held)")
    if report.ok:
        seals = "; ".join(
            f"position {s['position']}, root {s['merkle_root'][:16]}…, signed by {', '.join(s['keys'])}"
            for s in report.verified_seals
        )
        out.print(
            f"[green]OK[/] {report.period}: {report.checked_events} events, "
            f"{len(report.verified_seals)} seal(s) verified ({seals})"
        )
        return
    out.print(f"[bold red]FAILED[/] {report.period}: {len(report.findings)} finding(s)")
    for finding in report.findings:
        out.print(f"  [red]✗[/] {finding}")
    raise typer.Exit(1)


def _unanchored(service: Service, records: list) -> list[str]:  # type: ignore[type-arg]
    """The anchored checkpoints (service/anchor_setup.py) the log does not extend: rebuilding would bless it."""
    keys = anchor_keys(service.settings)
    if not keys:
        return []  # no key to check the checkpoint file with: publishing refuses anyway
    try:
        held = held_anchors(service.settings, keys)
    except AnchorInvalid as exc:
        return [f"the checkpoint file cannot be trusted: {exc}"]
    return not_extended((leaf_hash(leaf(r)) for r in records), held.entries)


def _fail(message: str) -> None:
    out.print(f"[bold red]{message}[/]")
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    keys = typer.Typer(no_args_is_help=True, help="The bureau's seal signing key: create it, show its public key.")
    app.add_typer(keys, name="keys")

    @keys.command("create")
    def create_key_cmd(
        path: Annotated[Path, typer.Argument(help="Where to write the private key (outside the data directory).")],
        name: Annotated[str, typer.Option(help="The key's name in signed checkpoints.")] = "scoreledger",
    ) -> None:
        """Create the Ed25519 key that signs publication seals; prints the public key to hand to auditors."""
        try:
            signer = create_key(path, name)
        except SigningKeyError as exc:
            _fail(str(exc))
            return
        out.print(f"private key written to {path} (mode 0600); set SCORELEDGER_SIGNING_KEY={path}")
        out.print(f"public verifier key (give it to auditors, print it on the 公示):\n{signer.public.verifier()}")
        out.print(f"fingerprint {signer.public.fingerprint}")

    @keys.command("show")
    def show_key(path: Annotated[Path, typer.Argument(help="A private key file.")]) -> None:
        """Print the public verifier key and fingerprint of a signing key."""
        try:
            signer = load_key(path)
        except SigningKeyError as exc:
            _fail(str(exc))
            return
        out.print(signer.public.verifier())
        out.print(f"fingerprint {signer.public.fingerprint}")

    @app.command()
    def verify(
        period: Annotated[str | None, typer.Argument(help="A period code, e.g. 2026-Q1 (the store).")] = None,
        bundle: Annotated[Path | None, typer.Option(help="Verify this bundle file instead of the store.")] = None,
        key: Annotated[
            list[str] | None, typer.Option(help="The bureau's public verifier key (a line, or a file of lines).")
        ] = None,
        expect_root: Annotated[str | None, typer.Option(help="A Merkle root you hold (e.g. from the 公示).")] = None,
        checkpoint: Annotated[
            list[Path] | None, typer.Option(help="A signed checkpoint you kept earlier, or a copy of the service's "
                                            "checkpoint file (every entry): the log must extend each. Default: the "
                                            "configured checkpoint file, when it exists.")
        ] = None,
    ) -> None:
        """Check every seal of a period against the keys you hold, and every stored event; OK or what diverges."""
        try:
            held = [note for p in checkpoint or [] for note in split_notes(p.read_text(encoding="utf-8"))]
            given = read_public_keys(list(key or []))
        except (OSError, CheckpointInvalid, AnchorInvalid) as exc:
            _fail(str(exc))
            return
        if bundle is not None:
            if not given:
                _fail("a bundle is verified against the bureau's public key you hold: give --key")
            _report(verify_bundle(read_bundle(bundle), given, expect_root, held))
            return
        if period is None or not PERIOD_CODE.match(period):
            _fail(f"give a period code such as 2026-Q1 (to verify a bundle file: --bundle PATH), not {period!r}")
            return
        service = build_for_reading()
        try:
            service.runner.catch_up()
            keys_used = given or ([service.ledger.signer.public] if service.ledger.signer is not None else [])
            if not given and keys_used:
                out.print(f"checking against the configured signing key (fingerprint {keys_used[0].fingerprint})")
            anchor = service.settings.anchor_file()
            if not checkpoint and anchor.exists():  # the service's own anchor (F4/F5): the log must extend it
                try:
                    held = split_notes(anchor.read_text(encoding="utf-8"))
                except (OSError, CheckpointInvalid, AnchorInvalid) as exc:
                    _fail(f"the checkpoint file {anchor} cannot be read: {exc}")
                    return
                out.print(f"checking against the checkpoint file {anchor} ({len(held)} signed checkpoint(s))",
                          soft_wrap=True)  # a path is copied from the terminal: never broken
            records = _read_all(service, "verifying")
            _report(verify_records(records, service.views.leaves(), period, service.settings.bureau, keys_used,
                                   expect_root, held))
        finally:
            service.close()

    @app.command()
    def export(period: Period, bundle: Annotated[Path, typer.Argument(help="Where to write the bundle.")]) -> None:
        """Write a period bundle (its own events, the log's leaf hashes, witness) for offline verification."""
        service = build_for_reading()
        try:
            service.runner.catch_up()
            pieces = bundle_chunks(service.ledger.recorder, service.views.leaves, period, service.settings.bureau)
            with bundle.open("wb") as file:
                for piece in pieces:  # a province's bundle is never held whole
                    file.write(piece)
            out.print(f"wrote {bundle} ({bundle.stat().st_size:,} bytes)")
        finally:
            service.close()

    @app.command()
    def replay(
        period: Period, as_of: Annotated[int | None, typer.Option(help="Log position (default: now).")] = None
    ) -> None:
        """A period's results as of a log position, as canonical JSON."""
        service = build_for_reading()
        try:
            source, workers = service.ledger.recorder, os.cpu_count() or 1
            pieces = canonical_as_of(source, period, as_of, service.settings.bureau, workers)
            for piece in pieces:  # a group at a time: a province's results are never held whole
                sys.stdout.buffer.write(piece)
            sys.stdout.buffer.write(b"\n")
        finally:
            service.close()

    @app.command("compare")
    def compare_cmd(
        period: Period,
        before: Annotated[int, typer.Option("--from")],
        after: Annotated[int | None, typer.Option("--to")] = None,
    ) -> None:
        """Before/after between two log positions: totals, ranks, grades, items and causes."""
        service = build_for_reading()
        try:
            source = service.ledger.recorder
            old = result_as_of(source, period, before, service.settings.bureau)
            new = result_as_of(source, period, after, service.settings.bureau)
            _, records = fold_log(source, upto=after)
            sys.stdout.buffer.write(canonical_bytes(compare(old, new, [r for r in records if r.position > before])))
            sys.stdout.write("\n")
        finally:
            service.close()

    @app.command()
    def rebuild() -> None:
        """Rebuild every view from position zero (byte-identical to the views it replaces); refuses when the
        log disagrees with the digests the views witnessed, rather than bless an edited log."""
        service = build()
        try:
            records = _read_all(service, "checking the log against its witness")
            checks = (("differs from what the views witnessed", witness_findings(records, service.views.leaves())),
                      ("does not extend the checkpoints the service signed", _unanchored(service, records)))
            for why, findings in checks:
                if findings:
                    out.print(f"[bold red]refusing to rebuild: the log {why}[/]")
                    for finding in findings:
                        out.print(f"  [red]✗[/] {finding}")
                    out.print("run `scoreledger verify PERIOD --key …` and restore the log from a verified backup")
                    raise typer.Exit(1)
            service.views.reset()
            runner = ProjectionRunner(service.ledger.recorder, service.views, page=service.settings.page_size)
            total = service.ledger.recorder.max_notification_id() or 0
            bar, advance = _progress(total, "rebuilding views")
            with bar:
                position = runner.catch_up(progress=advance)  # type: ignore[arg-type]
            out.print(f"views rebuilt up to position {position}")
        finally:
            service.close()
