"""The playground from a person's point of view, and the bot process staying light."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

from tests.factories import CARDS_DIR, REPO


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(DATA_DIR=str(tmp_path / "data"), CARDS_DIR=str(CARDS_DIR))
    return env


def test_run_without_token_opens_playground(tmp_path: Path) -> None:
    """`tutorbot run` with no token studies through the real bot, buttons numbered."""
    script = ("/start\n/study\nartificially enlarging the dataset with transformed copies\n"
              "3\n/stop\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], input=script, capture_output=True, text=True,
        cwd=tmp_path, env=_env(tmp_path), timeout=60, check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "playground" in result.stderr
    assert "15 cards" in out
    assert "What is data augmentation?" in out
    assert "Reference answer" in out
    assert "[1]" in out and "Good" in out
    assert "Saved: Good" in out
    assert "What is softmax?" in out
    assert "Session ended" in out
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "data" / "tutorbot.sqlite3").exists()


def test_bot_process_never_imports_torch(tmp_path: Path) -> None:
    """A full study round in the bot process leaves torch, matplotlib and kornia unimported."""
    code = (
        "import asyncio, sys\n"
        "from bot.config import Settings\n"
        "from bot.devtools.playground import play\n"
        "lines = iter(['/start\\n', '/study\\n', 'softmax exponentiates\\n', '1\\n', ''])\n"
        "asyncio.run(play(Settings(), read_line=lambda: next(lines)))\n"
        "heavy = [m for m in ('torch', 'matplotlib', 'kornia', 'sklearn') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
        env={**_env(tmp_path), "PYTHONPATH": str(REPO)}, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Reference answer" in result.stdout
    assert "HEAVY []" in result.stdout


# -- what a newcomer meets: files, captions, every button, no frozen prompt ---------------------

def _picture(path: Path) -> Path:
    from PIL import Image  # the test side may draw; the bot process never does

    img = Image.new("RGB", (240, 160), (30, 120, 200))
    img.paste((250, 200, 20), (60, 40, 140, 110))
    img.save(path)
    return path


def _play(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], input=script, capture_output=True, text=True,
        cwd=tmp_path, env=_env(tmp_path), timeout=120, check=False,
    )


def test_banner_lists_the_playground_commands(tmp_path: Path) -> None:
    """The banner names every playground command a newcomer needs, with an example each."""
    result = _play(tmp_path, "")
    assert result.returncode == 0, result.stderr
    for command in ("/photo PATH [CAPTION]", "/photo cat.jpg /augment", "/doc PATH",
                    "/reply TEXT", "/buttons", "/quit", "'TEXT"):
        assert command in result.stdout, command


def test_photo_with_caption_document_and_reply(tmp_path: Path) -> None:
    """`/photo PATH /augment` augments your picture, `/doc` imports a CSV deck, and `/reply`
    answers the last picture sent; a missing file or a non-picture gets a plain note."""
    _picture(tmp_path / "cat.png")
    (tmp_path / "spanish verbs.csv").write_text("question,answer\nto eat,comer\nto live,vivir\n")
    (tmp_path / "notes.txt").write_text("not a picture")
    script = ("/start\n/photo cat.png /augment\n/photo cat.png\n/reply /augment\n"
              "/doc 'spanish verbs.csv'\n/photo notes.txt\n/doc missing.csv\n/reply\n")
    result = _play(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.count("Data augmentation of your photo") == 2, out
    assert "Nice picture!" in out  # the uncaptioned photo, before the reply
    assert "Imported your deck “spanish verbs”: 2 cards." in out
    assert "notes.txt is not a JPEG, PNG or GIF picture; send other files with /doc" in out
    assert "Cannot read missing.csv: No such file or directory" in out
    assert "Type what to reply, e.g. /reply /augment" in out
    assert "Traceback" not in out + result.stderr
    assert len(list((tmp_path / "playground-pictures").glob("*.png"))) == 2


def test_pictures_of_a_new_run_never_overwrite_the_last(tmp_path: Path) -> None:
    """Two runs in the same folder keep both runs' pictures, each under its own name."""
    _picture(tmp_path / "cat.png")
    for _ in range(2):
        result = _play(tmp_path, "/photo cat.png /augment\n")
        assert result.returncode == 0, result.stderr
        assert "[picture saved:" in result.stdout
    saved = sorted(p.name for p in (tmp_path / "playground-pictures").iterdir())
    assert len(saved) == 2 and saved[0] != saved[1], saved
    assert "playground-pictures/" in (REPO / ".gitignore").read_text().splitlines()


def test_every_live_button_keeps_its_number(tmp_path: Path) -> None:
    """After 🔬 Show me, the card's rating buttons keep their numbers and can be pressed."""
    script = ("/start\n/study\nartificially enlarging the training set by transforming data\n"
              "5\n1\n")
    result = _play(tmp_path, script)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[5] 🔬 Show me" in out and "[8] 🤔 I was wrong" in out and "[9] ✖️ Cancel" in out
    assert "Saved: Again" in out, out
    assert "Data augmentation of a generated scene" in out  # the demo still came


async def test_prompt_never_waits_for_a_reply_that_does_not_come(tmp_path: Path) -> None:
    """A button answered only by a notice (an expired rating), or a number with no button,
    gives the prompt back at once: with an hour's cap on the wait for the bot, the session
    still ends, and the notice is shown."""
    from bot.config import Settings
    from bot.devtools.playground import play

    out = io.StringIO()
    lines = iter(["/study\n", "no idea\n", "/skip\n", "3\n", "42\n", "/stop\n", ""])
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'play.sqlite3'}",
                        cards_dir=CARDS_DIR, demo_workers=0)
    await asyncio.wait_for(play(settings, stdout=out, read_line=lambda: next(lines),
                                picture_dir=tmp_path / "pictures", settle_cap_s=3600), 60)
    text = out.getvalue()
    assert "bot (notice): This button has expired. Send /study to continue." in text, text
    assert "No button 42 on screen (buttons: 1-7)" in text
    assert "Session ended" in text


def test_lines_are_read_as_a_person_means_them(tmp_path: Path) -> None:
    """Numbers press buttons only when there are some; ' sends text as typed; paths may be
    quoted, or hold spaces when the whole rest of the line is a file."""
    from bot.devtools.playground.lines import (
        Nothing,
        Press,
        Problem,
        ReplyToFile,
        SendFile,
        SendText,
        parse_line,
    )

    spaced = tmp_path / "my cat.png"
    spaced.write_bytes(b"x")
    assert parse_line("3\n", has_buttons=True) == Press(3)
    assert parse_line("3\n", has_buttons=False) == SendText("3")
    assert parse_line("'3\n", has_buttons=True) == SendText("3")
    assert parse_line("   \n", has_buttons=True) == Nothing()
    assert parse_line("/photo cat.jpg /augment digit", has_buttons=False) == SendFile(
        Path("cat.jpg"), "/augment digit", True)
    assert parse_line(f"/photo {spaced}", has_buttons=False) == SendFile(spaced, None, True)
    assert parse_line('/doc "a b.csv" it\'s mine', has_buttons=False) == SendFile(
        Path("a b.csv"), "it's mine", False)
    assert isinstance(parse_line("/doc 'a b.csv", has_buttons=False), Problem)
    assert isinstance(parse_line("/photo", has_buttons=False), Problem)
    assert parse_line("/reply /augment", has_buttons=False) == ReplyToFile("/augment")
    assert parse_line("/study", has_buttons=True) == SendText("/study")


def test_button_numbers_stay_with_their_buttons() -> None:
    """A message keeps its numbers until it loses its keyboard; freed numbers are reused."""
    from bot.devtools.playground.printer import ButtonNumbers

    numbers = ButtonNumbers()
    rating = numbers.assign(10, [("Again", "a"), ("Good", "g")])
    cancel = numbers.assign(11, [("Cancel", "c")])
    assert [b.number for b in rating + cancel] == [1, 2, 3]
    assert numbers.assign(10, [("Again", "a"), ("Good", "g")]) == rating  # an edit, same keys
    numbers.assign(10, [])  # rated: the keyboard went away
    assert numbers.get(1) is None and numbers.get(3) == cancel[0]
    assert numbers.describe() == "3"
    assert [b.number for b in numbers.assign(12, [("x", "1"), ("y", "2"), ("z", "3")])] == [
        1, 2, 4]
    assert numbers.describe() == "1-4"
