"""run_demo_cli: the in-process path behind `tutorbot demo`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demos.cli import run_demo_cli


def test_cli_writes_png_and_prints_caption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A good invocation writes the PNG, prints the caption and the path, and exits 0."""
    out = tmp_path / "ce.png"
    assert run_demo_cli("cross-entropy", [], out, device="cpu") == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    printed = capsys.readouterr().out
    assert "Cross-entropy" in printed and str(out) in printed


def test_cli_reports_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Junk arguments print the usage text and exit 2 without writing a file."""
    out = tmp_path / "x.png"
    assert run_demo_cli("lrfind", ["banana"], out) == 2
    assert "Usage:" in capsys.readouterr().err
    assert not out.exists()
