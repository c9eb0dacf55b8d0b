"""The two small digit classifiers a learner can run the LR finder on."""

from __future__ import annotations

from torch import nn

from bot.demos.args import LrModel


def build_model(kind: LrModel, seed: int = 0) -> nn.Module:
    """An MLP or a small CNN for 8x8 digits (input: flat 64 pixels), seeded for repeatability."""
    import torch

    torch.manual_seed(seed)
    if kind is LrModel.MLP:
        return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),  # -> 32 x 4 x 4
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def default_optimizer_kwargs() -> dict[str, object]:
    """fastai's default optimiser, Adam with decoupled weight decay, as torch.optim.AdamW."""
    return {"betas": (0.9, 0.99), "eps": 1e-5, "weight_decay": 0.01}
