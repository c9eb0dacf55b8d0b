"""Demos: status, progress, failures, captions and the list."""

from __future__ import annotations

from html import escape

from bot.demos.catalogue import CATALOGUE
from bot.demos.types import DemoKind, DemoRequest
from bot.telegram import keyboards
from bot.telegram.render.common import Reply
from bot.telegram.text_limits import CAPTION_LIMIT, clip


def demos_off() -> Reply:
    return Reply("Demos are switched off on this bot.")


def demos_unavailable() -> Reply:
    return Reply("⚠️ Demos are unavailable right now; please try again in a minute. This one "
                 "was not counted against your demo limit.")


def demos_unavailable_short() -> str:
    """For a button's answer (at most 200 characters, no markup)."""
    return "Demos are unavailable right now; please try again in a minute."


def demo_problem(message: str) -> Reply:
    return Reply(f"⚠️ {escape(message)}")


def image_too_large(limit: int) -> str:
    return f"That file is too large; send an image up to {limit // (1024 * 1024)} MB."


def demo_busy(position: int) -> Reply:
    where = "running now" if position == 0 else f"number {position} in the queue"
    return Reply(f"You already have a demo {where}. Wait for it, or press Cancel on it.")


def demo_status(kind: DemoKind, fraction: float, text: str) -> Reply:
    title = CATALOGUE[kind].title
    percent = max(0, min(100, round(fraction * 100)))
    bar = "▓" * (percent // 10) + "░" * (10 - percent // 10)
    return Reply(f"⏳ {escape(title)}: {escape(text or 'working')}… {percent}%\n{bar}")


def demo_queued(position: int) -> Reply:
    return Reply(f"⏳ Waiting for a free demo worker: you are number {position} in the queue.")


def demo_cancelled() -> Reply:
    return Reply("Demo cancelled.")


def demo_failed(request: DemoRequest) -> Reply:
    retry = keyboards.retry_demo(request)
    hint = "" if retry else " Send the command again to retry."
    return Reply("😕 Sorry, the demo didn't finish (it crashed or took too long). "
                 f"Nothing else is affected.{hint}", retry)


def demo_caption(caption: str) -> str:
    return clip(escape(caption), CAPTION_LIMIT)


def demo_done(elapsed_s: float) -> Reply:
    return Reply(f"✅ Done in {elapsed_s:.1f} s.")


def photo_hint() -> Reply:
    return Reply("Nice picture! Send it with the caption <code>/augment</code> (or reply "
                 "<code>/augment</code> to it) to see data augmentation applied to it.")


def demo_list() -> Reply:
    lines = ["<b>Demos</b>"]
    for kind, info in CATALOGUE.items():
        if kind.is_lesson:
            lines.append(f"<code>/demo {kind.value}</code>: {escape(info.title)}")
    lines.append("\n/lrfind and /augment are shortcuts.")
    return Reply("\n".join(lines))
