"""scikit-learn's bundled digits as ready tensors, loaded once per worker process."""

from __future__ import annotations

import functools
import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


@dataclass(frozen=True, slots=True)
class Digits:
    x_train: torch.Tensor  # (n, 64) float32 in [0, 1]
    y_train: torch.Tensor  # (n,) int64
    x_valid: torch.Tensor
    y_valid: torch.Tensor


def _load_arrays() -> tuple[np.typing.NDArray[np.float32], np.typing.NDArray[np.int64]]:
    # Reading the bundled CSV directly skips importing all of sklearn.datasets (~1 s); the
    # public loader stays as the fallback if the file ever moves.
    spec = importlib.util.find_spec("sklearn")
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
        if path.exists():
            with gzip.open(path, "rt") as fh:
                raw = np.loadtxt(fh, delimiter=",", dtype=np.float32)
            return raw[:, :-1], raw[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    return x.astype(np.float32), y.astype(np.int64)


@functools.cache
def _cpu_digits() -> Digits:
    x, y = _load_arrays()
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order] / 16.0, y[order]
    n_train = int(len(y) * 0.8)
    return Digits(
        torch.from_numpy(x[:n_train]).contiguous(),
        torch.from_numpy(y[:n_train]).contiguous(),
        torch.from_numpy(x[n_train:]).contiguous(),
        torch.from_numpy(y[n_train:]).contiguous(),
    )


@functools.cache
def digits(device: str = "cpu") -> Digits:
    """The digits split 80/20 with a fixed shuffle, resident on `device`."""
    d = _cpu_digits()
    if device == "cpu":
        return d
    return Digits(*(t.to(device) for t in (d.x_train, d.y_train, d.x_valid, d.y_valid)))


class BatchStream:
    """Endless shuffled mini-batches with drop_last, like a fastai training DataLoader.

    Indexing resident tensors avoids a DataLoader's per-sample collation, which would cost
    more than the tiny models' forward passes.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, bs: int, seed: int = 0) -> None:
        self.x, self.y, self.bs = x, y, bs
        self.gen = torch.Generator().manual_seed(seed)
        self.order = torch.empty(0, dtype=torch.long)
        self.pos = 0

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.pos + self.bs > len(self.order):
            self.order = torch.randperm(len(self.y), generator=self.gen).to(self.x.device)
            self.pos = 0
        idx = self.order[self.pos : self.pos + self.bs]
        self.pos += self.bs
        return self.x[idx], self.y[idx]
