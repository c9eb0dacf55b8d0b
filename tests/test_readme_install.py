"""The README's opening commands install a CPU torch on Linux without reaching for CUDA, and CI
never depends on PyTorch's index being reachable."""

from __future__ import annotations

import re

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.factories import REPO

README = (REPO / "README.md").read_text()
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CPU_LINE = (f".venv/bin/pip install -q --no-deps --index-url {CPU_INDEX} -c constraints.txt "
            "torch")


def opening_blocks() -> list[list[str]]:
    """The two bash blocks before the table of contents: set up and run, set up and test."""
    head = README[: README.index("## Contents")]
    return [block.strip().splitlines() for block in re.findall(r"```bash\n(.*?)```", head, re.S)]


def test_first_commands_take_torch_from_the_cpu_index_alone() -> None:
    """Both opening commands install torch first from the CPU index (one package, no
    dependencies, the pinned version), then the project with the same constraints."""
    run, tests = opening_blocks()
    for block, extra in ((run, "-e . && .venv/bin/tutorbot run"),
                         (tests, '-e ".[dev]" && .venv/bin/pytest -n 2')):
        assert block[0] == "python3 -m venv .venv"
        assert block[1] == CPU_LINE
        assert block[2] == f".venv/bin/pip install -q -c constraints.txt {extra}"
    assert "leave it out" in README.split("## Contents")[0].lower()


def test_the_pin_is_met_by_the_cpu_build() -> None:
    """constraints.txt pins torch with ==, which PyTorch's `+cpu` local build satisfies, so the
    project's install keeps the CPU wheel instead of fetching PyPI's CUDA one."""
    pins = dict(line.split("==") for line in (REPO / "constraints.txt").read_text().split()
                if line.startswith("torch=="))
    version = pins["torch"]
    assert Version(f"{version}+cpu") in SpecifierSet(f"=={version}")
    assert Version(f"{version}+cu128") in SpecifierSet(f"=={version}")


def test_ci_and_deploy_agree_with_the_readme() -> None:
    """CI installs from the constraints alone (PyTorch's index may be unreachable there); the
    VM install and the Docker image use the same CPU index."""
    ci = (REPO / ".ci" / "run").read_text()
    assert "-c constraints.txt" in ci and "download.pytorch.org" not in ci
    assert CPU_INDEX in (REPO / "deploy" / "README.md").read_text()
    assert f"ARG TORCH_INDEX_URL={CPU_INDEX}" in (REPO / "deploy" / "Dockerfile").read_text()
