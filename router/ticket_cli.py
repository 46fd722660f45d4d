"""`ava-router ticket`: draft a support ticket for an observed failure from the shell."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import msgspec

from router.loader import load_catalog
from router.service import RequestError
from router.settings import load_settings
from router.tickets import TicketDraft, TicketRequest, draft_ticket

__all__ = ["add_ticket_commands", "cmd_ticket", "render_text"]


def render_text(draft: TicketDraft) -> str:
    """The draft as a person reads it: where to send it, the ticket, what to attach."""
    out = [f"To: {draft.vendor_name} support"]
    for ch in draft.channels:
        plans = ", ".join(ch.plans)
        unverified = "" if ch.verified else " [third-party source]"
        out.append(f"  {ch.channel}: {ch.address} (plans: {plans}){unverified}")
    if draft.channel_note:
        out.append(f"  {draft.channel_note}")
    out += ["", f"Subject: {draft.subject}", "", draft.text, "", "Attach:"]
    out += [f"  [{'x' if e.included else ' '}] {e.item}: {e.detail}" for e in draft.evidence]
    out += [
        "",
        f"Documentation strength: {draft.documentation_strength}",
        "",
        f"{draft.vendor_name} refund policy (as the catalog states it):",
        f"  {draft.refund_policy.summary}",
    ]
    if draft.refund_policy.source_url:
        out.append(f"  source: {draft.refund_policy.source_url}")
    out += [f"Note: {c}" for c in draft.caveats]
    return "\n".join(out) + "\n"


def cmd_ticket(args: argparse.Namespace) -> int:
    """Draft the ticket and print it (text, or JSON with `--json`)."""
    try:
        req = TicketRequest(
            vendor=args.vendor,
            model=args.model,
            failure_id=args.failure,
            generation_id=args.generation_id,
            timestamp_s=args.timestamp,
            plan=args.plan,
        )
        req = msgspec.convert(msgspec.to_builtins(req), TicketRequest)  # enforce the API's limits
    except msgspec.ValidationError as exc:
        raise RequestError(400, "ticket", str(exc)) from None
    draft = draft_ticket(load_catalog(args.root or load_settings().root), req)
    if args.json:
        sys.stdout.write(msgspec.json.format(msgspec.json.encode(draft)).decode() + "\n")
    else:
        sys.stdout.write(render_text(draft))
    return 0


def add_ticket_commands(
    subparsers: Any, common: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """Add `ticket --vendor V --model M --failure F --generation-id G --timestamp S [--plan P]`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ticket", parents=[common], help="draft a support ticket for an observed failure"
    )
    parser.add_argument("--vendor", required=True, help="vendor id or alias (luma, runway, ...)")
    parser.add_argument("--model", required=True, help="model id (see GET /v1/vendors/{id})")
    parser.add_argument("--failure", required=True, help="failure class id (see GET /v1/failures)")
    parser.add_argument("--generation-id", required=True, dest="generation_id")
    parser.add_argument(
        "--timestamp",
        required=True,
        type=float,
        help="seconds into the clip where the failure first shows",
    )
    parser.add_argument("--plan", help="your subscription plan, to pick the support channel")
    parser.add_argument("--json", action="store_true", help="print the draft as JSON")
    parser.set_defaults(func=cmd_ticket)
    return parser
