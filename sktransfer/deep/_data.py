"""Rows on the device and the domain-balanced batches of the deep nets.

The training data are moved to the net's device once per ``fit``; every
batch is then an index into device tensors, so a training step moves
nothing between host and device (the indices of one epoch are moved in one
transfer at its start).
"""

from __future__ import annotations

from contextlib import contextmanager
from math import ceil
from typing import NamedTuple

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = [
    "DEVICES",
    "resolve_device",
    "seeded",
    "DomainBatch",
    "DeviceRows",
    "DomainBalancedBatches",
    "ShuffledBatches",
    "SequentialBatches",
]

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device):
    """The torch device string for the ``device`` parameter.

    ``"auto"``: ``"cuda"`` when torch sees a CUDA device, else ``"cpu"``.
    A CUDA device asked for on a machine without one is an error (not a
    silent fall-back to the CPU).
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str) or device.split(":")[0] not in DEVICES:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>', got {device!r}."
        )
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device={device!r} was asked for, but torch sees no CUDA device "
                f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}). "
                "Use device='cpu', or device='auto' to use a GPU only when there is one."
            )
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise RuntimeError(
                f"device={device!r} was asked for, but torch sees "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    return device


def seed_from(random_state):
    """An int seed drawn from ``random_state`` (None: no seed)."""
    if random_state is None:
        return None
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def seeded(seed, device):
    """Run the block with torch's global generators seeded by ``seed`` and
    restored afterwards (``torch.random.fork_rng``): module initialisation
    and dropout are reproducible, and the caller's generator state is left as
    it was. ``seed=None`` runs the block on the global generators."""
    if seed is None:
        yield
        return
    devices = []
    if str(device).startswith("cuda"):
        devices = [torch.device(device).index or 0]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class DomainBatch(NamedTuple):
    """One training batch: rows, labels, which rows are target rows, which
    are labelled, and ``n_source``: the first ``n_source`` rows are the
    source rows, the rest the target rows. A tuple, so ``batch[0]`` is the
    rows (as skorch's loop expects)."""

    X: torch.Tensor
    y: torch.Tensor
    is_target: torch.Tensor
    labelled: torch.Tensor
    n_source: int = 0


class DeviceRows(torch.utils.data.Dataset):
    """Rows, labels and domains held as tensors on one device (training
    rows also carry ``source`` and ``target``: CPU index tensors of each
    domain's rows, which :class:`DomainBalancedBatches` draws from)."""

    def __init__(self, X, y, is_target, labelled):
        self.X, self.y, self.is_target, self.labelled = X, y, is_target, labelled

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], self.y[i]

    def take(self, rows, n_source):
        """The rows ``rows`` (an index tensor on the same device), the first
        ``n_source`` of them source rows."""
        def pick(t):
            return t.index_select(0, rows)
        return DomainBatch(pick(self.X), pick(self.y), pick(self.is_target),
                           pick(self.labelled), n_source)


def _stream(n_rows, length, generator):
    """``length`` indices into ``range(n_rows)``: concatenated random
    permutations, so every row is drawn once before any is drawn again."""
    perms = [torch.randperm(n_rows, generator=generator)
             for _ in range(ceil(length / n_rows))]
    return torch.cat(perms)[:length]


class DomainBalancedBatches:
    """Batches of ``half`` source rows and ``half`` target rows.

    Epoch-length policy: an epoch has ``ceil(max(n_source, n_target) / half)``
    batches, so every row of the larger domain is drawn once per epoch and
    the smaller domain is cycled (a fresh permutation on each pass). Every
    batch is full: ``half = batch_size // 2`` rows of each domain, or all the
    rows of a domain smaller than that.
    """

    def __init__(self, rows, batch_size, generator):
        # rows.source, rows.target: CPU index tensors of each domain's rows
        self.rows, self.source, self.target = rows, rows.source, rows.target
        source, target = rows.source, rows.target
        self.generator = generator
        half = max(batch_size // 2, 1)
        self.half_source = min(half, source.shape[0])
        self.half_target = min(half, target.shape[0])
        self.n_batches = max(ceil(source.shape[0] / self.half_source),
                             ceil(target.shape[0] / self.half_target))

    def __len__(self):
        return self.n_batches

    def __iter__(self):
        device = self.rows.X.device
        n_b = self.n_batches
        src = self.source[_stream(self.source.shape[0], n_b * self.half_source,
                                  self.generator)]
        tgt = self.target[_stream(self.target.shape[0], n_b * self.half_target,
                                  self.generator)]
        src = src.view(n_b, self.half_source)
        tgt = tgt.view(n_b, self.half_target)
        order = torch.cat([src, tgt], dim=1).to(device, non_blocking=True)
        for b in range(n_b):
            yield self.rows.take(order[b], self.half_source)


class ShuffledBatches:
    """Plain supervised batches: ``batch_size`` rows in a fresh random order
    each epoch, every row once, all of them counted as the batch's labelled
    rows (``n_source`` is the batch's length). A last batch of a single row
    joins the one before it (a normalisation layer cannot train on one
    row). The batches of a training phase on one domain (fine-tuning)."""

    def __init__(self, rows, batch_size, generator):
        self.rows, self.generator = rows, generator
        n = len(rows)
        self.bounds = list(range(0, n, batch_size)) + [n]
        if len(self.bounds) > 2 and n - self.bounds[-2] == 1:
            del self.bounds[-2]

    def __len__(self):
        return len(self.bounds) - 1

    def __iter__(self):
        order = torch.randperm(len(self.rows), generator=self.generator)
        order = order.to(self.rows.X.device, non_blocking=True)
        for start, stop in zip(self.bounds[:-1], self.bounds[1:]):
            yield self.rows.take(order[start:stop], stop - start)


class SequentialBatches:
    """``(X, y)`` batches of consecutive rows, for validation."""

    def __init__(self, rows, batch_size):
        self.rows, self.batch_size = rows, batch_size

    def __len__(self):
        return ceil(len(self.rows) / self.batch_size)

    def __iter__(self):
        for start in range(0, len(self.rows), self.batch_size):
            stop = start + self.batch_size
            yield self.rows.X[start:stop], self.rows.y[start:stop]
