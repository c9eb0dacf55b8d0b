"""`clip` keeps any of the bot's HTML within Telegram's limit as Telegram counts it, and the
emulator's parser (Telegram's rules) accepts what it returns."""

from __future__ import annotations

from html import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.render import Reply, with_note
from bot.telegram.text_limits import CAPTION_LIMIT, TEXT_LIMIT, clip, shorten
from tgemu._formatting import parse_formatted, utf16_len

TEXT = st.text(alphabet=st.sampled_from([*"ab <>&\"' \n", "é", "😀", "𝛁", "ж"]),
               max_size=40)
TAGS = ("b", "i", "u", "s", "code", "tg-spoiler")


@st.composite
def html(draw: st.DrawFn, depth: int = 0) -> str:
    """Well-formed HTML as `render` writes it: escaped text inside nested supported tags."""
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3 if depth < 3 else 0))
        if kind == 0:
            parts.append(escape(draw(TEXT)))
        elif kind == 1 and depth == 0:
            parts.append(f"<blockquote>{draw(html(depth + 1))}</blockquote>")
        elif kind == 2:
            href = f"https://e.x/?q={escape(draw(TEXT))}"
            parts.append(f'<a href="{href}">{draw(html(depth + 1))}</a>')
        else:
            tag = draw(st.sampled_from(TAGS))
            parts.append(f"<{tag}>{draw(html(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(source=html(), limit=st.integers(2, 120))
def test_clip_keeps_markup_whole_and_text_within_the_limit(source: str, limit: int) -> None:
    """Whatever is cut, the result parses as Telegram parses it, counts at most ``limit``
    UTF-16 units, and shows a prefix of the original text followed by "…"."""
    original, _ = parse_formatted(source, "HTML", None)
    clipped = clip(source, limit)
    shown, _ = parse_formatted(clipped, "HTML", None)  # raises on broken markup
    assert utf16_len(shown) <= limit
    if utf16_len(original) <= limit:
        assert clipped == source
    else:
        assert shown.endswith("…") and original.startswith(shown[:-1])


def test_clip_counts_what_telegram_counts() -> None:
    """Markup costs nothing, a reference one unit, an astral emoji two."""
    assert clip(f"<b>{'x' * 4096}</b>") == f"<b>{'x' * 4096}</b>"
    assert clip("&lt;" * 4096) == "&lt;" * 4096
    cut = clip("😀" * 2049)
    assert utf16_len(cut) <= TEXT_LIMIT and cut.endswith("…")
    assert clip("<blockquote>" + "word " * 900 + "</blockquote>", 100).endswith(
        "word…</blockquote>")


def test_shorten_prefers_a_word_boundary_and_counts_units() -> None:
    """Plain text is shortened between words, never through a surrogate pair."""
    assert shorten("alpha beta gamma", 12) == "alpha beta…"
    assert shorten("😀😀😀", 4) == "😀…"
    assert shorten("short", 10) == "short"


def test_reply_and_notes_stay_within_their_limits() -> None:
    """A Reply clips to its limit (a caption's when it is one); a note added to a long message
    survives whole, the old text giving way."""
    assert utf16_len(parse_formatted(Reply("x" * 5000).text, "HTML", None)[0]) <= TEXT_LIMIT
    caption = Reply("<i>" + "y" * 2000 + "</i>", limit=CAPTION_LIMIT).text
    assert utf16_len(parse_formatted(caption, "HTML", None)[0]) <= CAPTION_LIMIT
    edited = with_note("<blockquote>" + "z" * 4090 + "</blockquote>", "Saved: <b>Good</b>.")
    shown, _ = parse_formatted(edited, "HTML", None)
    assert shown.endswith("\n\nSaved: Good.") and utf16_len(shown) <= TEXT_LIMIT
